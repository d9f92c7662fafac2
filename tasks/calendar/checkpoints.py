"""The campaign's calendar as checkpoints: every due date and ladder step, dated and named.

Ops see these in the Prefect UI as upcoming scheduled runs of the `campaign-checkpoint`
deployment, named after what they check (the obligation, its period, its due date, the step). Pure:
computed from the obligations in the store, so an extension (a unit's new due date) moves
that unit's checkpoints and nothing else.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign, periods
from schemas.period import period_label
from schemas.store import Store
from schemas.tables import Obligation, Unit
from tasks.calendar.ladder import ladder_steps
from tasks.calendar.status import StatusRow, parse_ladder, status_rows

STEP_AT = time(9, 30)  # after the 09:00 sweep, so a checkpoint reports what the sweep sent
DUE_AT = time(18, 0)
EVENT_AT = time(9, 0)  # the due date's checkpoint: who delivered by the end of the day


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
        return {
            "obligation": self.obligation,
            "period": self.period,
            "step": self.step,
            "as_of": self.at.date().isoformat(),
            "due": self.due.isoformat(),
            "units": list(self.units),
        }


def plan(session: Session, campaign: Campaign) -> list[Checkpoint]:
    """Every checkpoint of the campaign, in date order."""
    out = [c for group, units in _groups(session, campaign).items() for c in _group_points(campaign, *group, units)]
    tz = ZoneInfo(campaign.timezone)
    for e in campaign.events:  # the campaign's own events (the office's 现场督查): a run on their day
        for period, day in periods(e):
            out.append(
                Checkpoint(
                    key=f"checkpoint:{campaign.id}:{e.id}:{period}:{day}:all:event:{day}",
                    name=f"{e.title} {period_label(period)}",
                    at=datetime.combine(day, EVENT_AT, tz),
                    obligation=e.id,
                    period=period,
                    due=day,
                    step=e.title,
                )
            )
    return sorted(out, key=lambda c: (c.at, c.obligation, c.period, c.units))


def report(
    campaign: Campaign,
    store: Store,
    obligation: str,
    period: str,
    as_of: date,
    units: list[str] | None = None,
    due: date | None = None,
    status: list[StatusRow] | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Where one obligation stands on `as_of`: a one-line summary and a row per unit, only the
    `units` named (an extension's checkpoint) or those whose due date is `due` (the usual one).
    `status`: the campaign's status rows of that day, when the caller has them."""
    event = next((e for e in campaign.events if e.id == obligation), None)
    if event is not None:
        return f"{as_of} {event.title}" + (f"（{event.by}）" if event.by else ""), []
    if status is None:
        with store.session() as s:
            status = status_rows(s, campaign, as_of)
    rows = [
        r
        for r in status
        if r.obligation == obligation
        and r.period == period
        and (r.unit in units if units else due is None or r.effective_due == due)
    ]
    ob = campaign.obligation(obligation)
    counts = Counter(r.state.label for r in rows)
    what = f"{campaign.obligation_name(obligation)} {period_label(period) if len(periods(ob)) > 1 else ''}".strip()
    summary = f"{as_of} {what}：{len(rows)} 个单位，" + "，".join(f"{k} {v}" for k, v in counts.most_common())
    table = [
        {
            "单位": r.unit,
            "状态": r.state.label,
            "截止": r.effective_due.isoformat(),
            "报送时间": r.submitted_at.isoformat(sep=" ", timespec="minutes") if r.submitted_at else "—",
            "逾期天数": r.days_late or "—",
        }
        for r in rows
    ]
    return summary, table


def _groups(session: Session, campaign: Campaign) -> dict[tuple[str, str, date, str, bool], list[str]]:
    """The units of each (obligation, period, due date in force, ladder, extended?)."""
    rows = session.execute(
        select(
            Obligation.code,
            Obligation.period,
            Obligation.due,
            Obligation.extended_due,
            cast(Obligation.ladder, Text),
            Unit.name,
        )
        .join(Unit, Unit.id == Obligation.unit_id)
        .where(Obligation.campaign == campaign.id)
    ).tuples()
    groups: dict[tuple[str, str, date, str, bool], list[str]] = {}
    for code, period, due, extended, ladder_text, unit in rows:
        groups.setdefault((code, period, extended or due, ladder_text, extended is not None), []).append(unit)
    return groups


def _group_points(
    campaign: Campaign, code: str, period: str, due: date, ladder_text: str, extended: bool, units: list[str]
) -> list[Checkpoint]:
    """One group's ladder steps and its due date; an extended group's names its units."""
    ob = campaign.obligation(code)
    what = campaign.obligation_name(code) + (f" {period_label(period)}" if len(periods(ob)) > 1 else "")
    who = tuple(sorted(units)) if extended else ()
    suffix = f"（延期：{'、'.join(who)}）" if who else ""
    tag = hashlib.sha1("|".join(who).encode()).hexdigest()[:10] if who else "all"
    tz, cal = ZoneInfo(campaign.timezone), campaign.work_calendar
    points = [(s.date, s.label, STEP_AT) for s in ladder_steps(due, parse_ladder(ladder_text), cal)]
    points.append((due, "截止", DUE_AT))
    return [
        Checkpoint(
            key=f"checkpoint:{campaign.id}:{code}:{period}:{due}:{tag}:{step}:{day}",
            name=f"{what} 截止 {due:%m-%d}{suffix} · {step}",
            at=datetime.combine(day, at, tz),
            obligation=code,
            period=period,
            due=due,
            step=step,
            units=who,
        )
        for day, step, at in points
    ]
