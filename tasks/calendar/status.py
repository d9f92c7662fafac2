"""Status of every obligation as of a date: one set-based query, then the pure state function."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Text, case, cast, func, select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.tables import Extension, Obligation, Submission, Unit
from schemas.verdicts import DELIVERED
from tasks.calendar.state import Facts, State, obligation_state

COUNTED = (*DELIVERED, "rejected")


@lru_cache(maxsize=256)
def parse_ladder(text: str) -> dict[str, Any]:
    return json.loads(text)


@dataclass(frozen=True, slots=True)
class StatusRow:
    obligation_id: int
    unit: str
    obligation: str
    form: str
    period: str
    due: date
    extended_due: date | None
    state: State
    submitted_at: datetime | None
    days_late: int
    group_id: str = ""
    ladder: dict[str, Any] = field(default_factory=dict, repr=False)  # the snapshot the ladder runs on

    @property
    def effective_due(self) -> date:
        """The due date in force: the extension's when one was granted."""
        return self.extended_due or self.due

    def as_json(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "obligation": self.obligation,
            "form": self.form,
            "period": self.period,
            "due": self.effective_due.isoformat(),
            "original_due": self.due.isoformat(),
            "state": self.state.value,
            "light": self.state.light,
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "days_late": self.days_late,
        }


def status_rows(session: Session, campaign: Campaign, as_of: date, *, unit_id: int | None = None) -> list[StatusRow]:
    """State of every (unit, obligation, period) of `campaign` on `as_of` (files after it ignored);
    of one unit's only with `unit_id` (its page)."""
    cal = campaign.work_calendar
    out = []
    for oid, unit, code, form, period, due, extended, ladder_text, group, first, acc in session.execute(
        _status_query(campaign, as_of, unit_id)
    ).tuples():
        ladder = parse_ladder(ladder_text)  # parsed once per distinct snapshot, not once per row
        grace = ladder.get("grace_working_days", 2)
        soon = max((-s["offset"] for s in ladder.get("steps", []) if s["offset"] < 0), default=5)
        facts = Facts(
            due=extended or due,
            extended=extended is not None,
            first_received=first.date() if first else None,
            accepted=acc.date() if acc else None,
        )
        v = obligation_state(facts, as_of, cal, grace_working_days=grace, soon_working_days=soon)
        out.append(
            StatusRow(oid, unit, code, form, period, due, extended, v.state, acc or first, v.days_late, group, ladder)
        )
    return out


def _status_query(campaign: Campaign, as_of: date, unit_id: int | None) -> Select:
    """One row per obligation: its dates, the extension in force, the first file and the first
    delivery received by the end of `as_of`."""
    cutoff = datetime.combine(as_of, datetime.max.time())
    seen = Submission.received_at <= cutoff
    subs = (
        select(
            Submission.unit_id,
            Submission.form,
            Submission.period,
            func.min(case((Submission.status.in_(COUNTED) & seen, Submission.received_at))).label("first"),
            func.min(case((Submission.status.in_(DELIVERED) & seen, Submission.received_at))).label("acc"),
        )
        .where(Submission.campaign == campaign.id, *([Submission.unit_id == unit_id] if unit_id else []))
        .group_by(Submission.unit_id, Submission.form, Submission.period)
        .subquery()
    )
    # the extensions granted by `as_of`: a replay of 07-10 does not know of one granted on 07-16
    ext = (
        select(Extension.obligation_id, func.max(Extension.new_due).label("new_due"))
        .where(Extension.granted_at <= cutoff)
        .group_by(Extension.obligation_id)
        .subquery()
    )
    o = Obligation
    return (
        select(
            o.id,
            Unit.name,
            o.code,
            o.form,
            o.period,
            o.due,
            ext.c.new_due,
            cast(o.ladder, Text),
            o.group_id,
            subs.c.first,
            subs.c.acc,
        )
        .join(Unit, Obligation.unit_id == Unit.id)
        .outerjoin(
            subs,
            (subs.c.unit_id == Obligation.unit_id)
            & (subs.c.form == Obligation.form)
            & (subs.c.period == Obligation.period),
        )
        .outerjoin(ext, ext.c.obligation_id == Obligation.id)
        .where(Obligation.campaign == campaign.id, *([Obligation.unit_id == unit_id] if unit_id else []))
        .order_by(Obligation.due, Obligation.code, Obligation.id)
    )


def narrow(
    rows: list[StatusRow],
    as_of: date,
    *,
    unit: str | None = None,
    obligation: str | None = None,
    overdue: bool = False,
    due_within: int | None = None,
) -> list[StatusRow]:
    """The rows ops asked for: one unit, one obligation, only the red ones, or only those still
    open and due within `due_within` days of `as_of`."""
    return [
        r
        for r in rows
        if (unit is None or r.unit == unit)
        and (obligation is None or r.obligation == obligation)
        and (not overdue or r.state.light == "red")
        and (due_within is None or (not r.state.is_done and 0 <= (r.effective_due - as_of).days <= due_within))
    ]


def totals(rows: list[StatusRow]) -> list[tuple[State, int]]:
    """How many rows are in each state, in the order of the states, none left out that occurs."""
    counts: dict[State, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    return [(s, counts[s]) for s in State if s in counts]
