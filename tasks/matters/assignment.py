"""Matters ops assign (交办): one matter per unit, each followed on its own, and the one way
any matter is created (with its first entry in its history)."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.matters import Matter, MatterAction, MatterEvent, MatterSource, MatterState
from schemas.tables import Unit


class UnknownUnit(ValueError):
    """A unit name that is not one of the campaign's: the message lists the candidates."""


def matter_ladder(campaign: Campaign) -> dict:
    """The ladder a new matter is created with: the campaign's `matters.ladder`, else its ladder."""
    return (campaign.matters.ladder or campaign.ladder).model_dump(mode="json")


def resolve_units(campaign: Campaign, names: list[str]) -> list[str]:
    """The campaign's units named (by name or alias, in order, once each); UnknownUnit names the
    ones not found, with the closest candidates."""
    by_name = {u.name: u.name for u in campaign.units}
    for u in campaign.units:
        for a in u.aliases:
            by_name.setdefault(a, u.name)
    out, lines = [], []
    for n in names:
        found = _named(by_name, n.strip())
        if len(found) == 1:
            out += [u for u in found if u not in out]
        elif found:  # a beginning several units share
            lines.append(f"“{n}”可指多个单位：{'、'.join(found)}。请写全称")
        else:
            close = difflib.get_close_matches(n, list(by_name), n=5, cutoff=0.3)
            hint = "、".join(dict.fromkeys(by_name[c] for c in close)) or "、".join(u.name for u in campaign.units[:8])
            lines.append(f"没有名为“{n}”的单位。您是否指：{hint}")
    if lines:
        raise UnknownUnit("\n".join(lines))
    return out


def _named(by_name: dict[str, str], typed: str) -> list[str]:
    """The units a typed name means: the unit of that name or alias, else every unit a name or
    alias of which begins with it (a unique beginning is enough), as the other commands read names."""
    if typed in by_name:
        return [by_name[typed]]
    return list(dict.fromkeys(unit for name, unit in by_name.items() if typed and name.startswith(typed)))


@dataclass(frozen=True)
class Assignment:
    """What ops assign: the same matter to each unit named."""

    units: list[str]
    title: str
    due: date
    by: str
    instruction: str = ""
    source: str = "交办"
    responsible: str = ""


def assign(session: Session, campaign: Campaign, a: Assignment, *, now: datetime) -> list[Matter]:
    """Create the assignment's matters (state 交办), one per unit, in the caller's transaction."""
    if not a.title.strip():
        raise ValueError("请写明督办事项的标题")
    if not a.by.strip():
        raise ValueError("请写明交办人（--by）")
    if a.due < now.date():
        raise ValueError(f"办理时限 {a.due} 早于交办日期 {now.date()}：请核对日期")
    units = resolve_units(campaign, a.units)
    ids = dict(session.execute(select(Unit.name, Unit.id).where(Unit.campaign == campaign.id)).tuples().all())
    number = uuid.uuid4().hex[:12]
    ladder = matter_ladder(campaign)
    out = []
    for name in units:
        m = Matter(
            campaign=campaign.id,
            unit_id=ids[name],
            key=f"assign:{number}",
            title=a.title.strip(),
            responsible=a.responsible,
            due=a.due,
            state=MatterState.ASSIGNED,
            source=MatterSource.OPS,
            source_label=a.source,
            instruction=a.instruction,
            assigned_by=a.by,
            ladder=ladder,
            created_at=now,
        )
        created(session, m, actor=a.by, action=MatterAction.ASSIGN, text=a.instruction)
        out.append(m)
    return out


def created(session: Session, m: Matter, *, actor: str, action: MatterAction, text: str = "", **detail) -> None:
    """Add a new matter and the first entry of its history."""
    session.add(m)
    session.flush()
    session.add(
        MatterEvent(
            matter_id=m.id,
            at=m.created_at,
            actor=actor[:64],
            action=action,
            from_state=None,
            to_state=m.state,
            text=text,
            files=[],
            detail=detail,
        )
    )
