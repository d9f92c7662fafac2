"""督办事项办理情况: how the campaign's matters stand on a briefing's day, counted in all and by
unit, with the matters longest overdue by name (pure, over `tasks.matters.matter_rows`).

A matter is *due* once its deadline has come (or once it is closed, even early); *closed* once
approved (销号) by that day, *on time* when done by its deadline; *overdue* when still open past
it (a request to close waiting for approval is not overdue); *open* while not closed. The
closure rate is closed ÷ due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.matters import MatterState
from tasks.matters import MatterRow, Notice, escalation_notices, matter_rows

LONGEST = 10  # the overdue matters a briefing lists by name


@dataclass
class MatterTally:
    """The counts of one unit's matters, or of all."""

    unit: str = ""
    total: int = 0
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    open: int = 0

    @property
    def closure_rate(self) -> float | None:
        """Closed ÷ due; None when nothing is due yet."""
        return self.closed / self.due if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        """Closed by the deadline ÷ due (the final evaluation's part); None when nothing is due."""
        return self.closed_on_time / self.due if self.due else None

    def add(self, r: MatterRow, as_of: date) -> None:
        st = r.standing
        if st is None:
            return
        closed = st.state is MatterState.CLOSED
        self.total += 1
        self.due += closed or r.effective_due <= as_of
        self.closed += closed
        self.closed_on_time += bool(closed and st.on_time)
        self.overdue += st.light == "red"
        self.open += not closed

    def as_json(self) -> dict[str, object]:
        rate = self.closure_rate
        return {
            "unit": self.unit,
            "total": self.total,
            "due": self.due,
            "closed": self.closed,
            "closed_on_time": self.closed_on_time,
            "overdue": self.overdue,
            "open": self.open,
            "closure_rate": None if rate is None else round(rate, 4),
        }


@dataclass
class MatterCounts:
    """The briefing's 督办事项 section: all, by unit (campaign order, units with matters only),
    and the matters longest overdue."""

    as_of: date
    all: MatterTally = field(default_factory=MatterTally)
    units: list[MatterTally] = field(default_factory=list)
    longest_overdue: list[MatterRow] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)  # escalation notices sent by `as_of`, signed for or not

    @property
    def signed(self) -> list[Notice]:
        """The notices signed for by `as_of`, with who and when."""
        return [n for n in self.notices if n.signed_at and n.signed_at.date() <= self.as_of]

    @property
    def any(self) -> bool:
        return self.all.total > 0

    def values(self) -> dict[str, tuple[float, dict[str, float], bool]]:
        """For a `matters:` indicator: per count, (value, per unit, defined) — a rate over nothing is undefined."""
        out: dict[str, tuple[float, dict[str, float], bool]] = {}
        for key in ("due", "closed", "closed_on_time", "overdue", "open"):
            per = {t.unit: float(getattr(t, key)) for t in self.units if getattr(t, key)}
            out[key] = (float(getattr(self.all, key)), per, True)
        rates = {t.unit: t.closure_rate or 0.0 for t in self.units if t.closure_rate is not None}
        out["closure_rate"] = (round(self.all.closure_rate or 0.0, 6), rates, self.all.closure_rate is not None)
        return out

    def on_time_by_unit(self) -> dict[str, float]:
        """The share of each unit's due matters closed on time; a unit with none due is absent."""
        return {t.unit: t.on_time_rate for t in self.units if t.on_time_rate is not None}


def tally(rows: Iterable[MatterRow], campaign: Campaign, as_of: date, longest: int = LONGEST) -> MatterCounts:
    """Count `rows` (each with its standing on `as_of`) in all and by unit (pure)."""
    rows = list(rows)
    out = MatterCounts(as_of)
    by: dict[str, MatterTally] = {}
    for r in rows:
        out.all.add(r, as_of)
        by.setdefault(r.unit, MatterTally(r.unit)).add(r, as_of)
    out.units = [by[u.name] for u in campaign.units if u.name in by]
    late = [r for r in rows if r.standing and r.standing.light == "red"]
    late.sort(key=lambda r: (-r.standing.days_late if r.standing else 0, r.effective_due, r.unit, r.id))
    out.longest_overdue = late[:longest]
    return out


def count_matters(session: Session, campaign: Campaign, as_of: date) -> MatterCounts:
    """The campaign's matters as they stood on `as_of`, and the escalation notices sent by then."""
    out = tally(matter_rows(session, campaign, as_of), campaign, as_of)
    out.notices = [n for n in escalation_notices(session, campaign) if n.sent_at and n.sent_at.date() <= as_of]
    return out
