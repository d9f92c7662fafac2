"""The obligation calendar: a campaign expanded to (unit, obligation, period, due) rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign, periods
from schemas.tables import Obligation, Unit


@dataclass(frozen=True, slots=True)
class Due:
    """One dated obligation of one unit."""

    unit: str
    obligation: str
    form: str
    period: str
    due: date
    group: str

    def as_json(self) -> dict[str, str]:
        return {
            "unit": self.unit,
            "obligation": self.obligation,
            "form": self.form,
            "period": self.period,
            "due": self.due.isoformat(),
        }


def build_calendar(campaign: Campaign) -> list[Due]:
    """Every obligation of every unit that owes it, ordered by due date, then obligation, then unit."""
    unit_order = {u.name: i for i, u in enumerate(campaign.units)}
    ob_order = {o.id: i for i, o in enumerate(campaign.obligations)}
    rows = [
        Due(u.name, o.id, o.form, period, due, campaign.group_of(o.id).id)
        for o in campaign.obligations
        for period, due in periods(o)
        for u in campaign.owners_of(o)
    ]
    rows.sort(key=lambda r: (r.due, ob_order[r.obligation], unit_order[r.unit]))
    return rows


def extended_dues(session: Session, campaign_id: str) -> dict[tuple[str, str, str], date]:
    """(unit, obligation, period) -> the due date in force, for the obligations ops extended."""
    q = (
        select(Unit.name, Obligation.code, Obligation.period, Obligation.extended_due)
        .join(Unit, Unit.id == Obligation.unit_id)
        .where(Obligation.campaign == campaign_id, Obligation.extended_due.is_not(None))
    )
    return {(u, c, p): d for u, c, p, d in session.execute(q).tuples()}
