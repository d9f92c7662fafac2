"""Load a campaign into the store: units, their seed contacts, and the dated obligations.

Idempotent: run on every start. Obligations already in the store keep their ladder
snapshot and any extension; new ones are added; none are deleted (history stays).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.tables import AuditLog, Contact, ContactList, Obligation, Unit
from tasks.calendar.obligations import build_calendar

SYNC_LOCK = 0x6475_6261_6E08  # "duban" + the campaign sync lock


def sync_campaign(session: Session, campaign: Campaign, *, now: datetime) -> int:
    """Bring units, seed contacts and obligations of `campaign` into the store; return rows added.
    Two processes starting at once on a new PostgreSQL store (two workers, two commands) take
    turns, under a transaction-scoped advisory lock; on SQLite the writer's BEGIN IMMEDIATE does."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SYNC_LOCK})
    units, added = _sync_units(session, campaign, now)
    new = _new_obligations(session, campaign, units, now)
    session.add_all(new)
    if added or new:
        session.add(
            AuditLog(
                at=now,
                actor="system",
                action="campaign.sync",
                subject=campaign.id,
                detail={"units_added": added, "obligations_added": len(new)},
            )
        )
    return added + len(new)


def _sync_units(session: Session, campaign: Campaign, now: datetime) -> tuple[dict[str, Unit], int]:
    """Every unit of the campaign by name, a new one added with its seed contacts (version 1)."""
    units = {u.name: u for u in session.scalars(select(Unit).where(Unit.campaign == campaign.id))}
    added = 0
    for spec in campaign.units:
        unit = units.get(spec.name)
        if unit is None:
            unit = units[spec.name] = Unit(campaign=campaign.id, name=spec.name, kind=spec.kind)
            session.add(unit)
            session.flush()
            contacts = [Contact(role=c.role, name=c.name, email=c.email, mobile=c.mobile) for c in spec.contacts]
            session.add(ContactList(unit_id=unit.id, version=1, source="config", created_at=now, contacts=contacts))
            added += 1
    return units, added


def _new_obligations(session: Session, campaign: Campaign, units: dict[str, Unit], now: datetime) -> list[Obligation]:
    """The calendar's obligations the store does not hold yet (by unit, obligation and period)."""
    have = set(
        session.execute(
            select(Unit.name, Obligation.code, Obligation.period)
            .join(Unit, Obligation.unit_id == Unit.id)
            .where(Obligation.campaign == campaign.id)
        ).tuples()
    )
    ladders = {o.id: campaign.ladder_of(o.id).model_dump(mode="json") for o in campaign.obligations}
    return [
        Obligation(
            campaign=campaign.id,
            unit_id=units[d.unit].id,
            code=d.obligation,
            form=d.form,
            period=d.period,
            due=d.due,
            group_id=d.group,
            ladder=ladders[d.obligation],
            created_at=now,
        )
        for d in build_calendar(campaign)
        if (d.unit, d.obligation, d.period) not in have
    ]
