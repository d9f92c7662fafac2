"""The campaign's calendar as checkpoints: every due date and ladder step, dated and named.

Ops see these in the Prefect UI as upcoming scheduled runs of the `campaign-checkpoint`
deployment, named after what they check (`附表3 技术难题和需求排查 截止 07-20 · 催报1`). Pure:
computed from the obligations in the store, so an extension (a unit's new due date) moves
that unit's checkpoints and nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign, periods
from schemas.tables import Obligation, Unit
from tasks.ladder import ladder_steps
from tasks.status import parse_ladder

STEP_AT = time(9, 30)  # after the 09:00 sweep, so a checkpoint reports what the sweep sent
DUE_AT = time(18, 0)  # the due date's checkpoint: who delivered by the end of the day


@dataclass(frozen=True)
class Checkpoint:
    key: str  # stable identity: the same checkpoint is never scheduled twice
    name: str  # what ops read in the UI
    at: datetime  # when it runs (campaign time zone)
    obligation: str
    period: str
    due: date
    step: str  # 催报1 … / 截止 / 督办1 …
    units: tuple[str, ...] = ()  # only these units (an extension); empty: every unit on the usual date

    @property
    def parameters(self) -> dict[str, Any]:
        return {"obligation": self.obligation, "period": self.period, "step": self.step,
                "as_of": self.at.date().isoformat(), "due": self.due.isoformat(), "units": list(self.units)}


def plan(session: Session, campaign: Campaign) -> list[Checkpoint]:
    """Every checkpoint of the campaign, in date order."""
    rows = session.execute(
        select(Obligation.code, Obligation.period, Obligation.due, Obligation.extended_due,
               cast(Obligation.ladder, Text), Unit.name)
        .join(Unit, Unit.id == Obligation.unit_id).where(Obligation.campaign == campaign.id)
    ).tuples().all()
    groups: dict[tuple[str, str, date, str, bool], list[str]] = {}
    for code, period, due, extended, ladder_text, unit in rows:
        groups.setdefault((code, period, extended or due, ladder_text, extended is not None), []).append(unit)
    tz, cal = ZoneInfo(campaign.timezone), campaign.work_calendar
    out = []
    for (code, period, due, ladder_text, extended), units in groups.items():
        ob = campaign.obligation(code)
        what = f"{campaign.form(ob.form).label} {ob.title}" + (f" {period}" if len(periods(ob)) > 1 else "")
        who = tuple(sorted(units)) if extended else ()
        suffix = f"（延期：{'、'.join(who)}）" if who else ""
        tag = hashlib.sha1("|".join(who).encode()).hexdigest()[:10] if who else "all"
        points = [(s.date, s.label, STEP_AT) for s in ladder_steps(due, parse_ladder(ladder_text), cal)]
        points.append((due, "截止", DUE_AT))
        for day, step, at in points:
            out.append(Checkpoint(
                key=f"checkpoint:{campaign.id}:{code}:{period}:{due}:{tag}:{step}:{day}",
                name=f"{what} 截止 {due:%m-%d}{suffix} · {step}",
                at=datetime.combine(day, at, tz), obligation=code, period=period, due=due, step=step, units=who,
            ))
    return sorted(out, key=lambda c: (c.at, c.obligation, c.period, c.units))
