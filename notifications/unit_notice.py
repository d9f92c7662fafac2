"""A notice to one unit's liaisons and responsible head: each address once, each queued once by
its key. Extensions and matters tell units this way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifications.outbox import enqueue
from notifications.render import compose
from schemas.campaign import Campaign
from schemas.tables import Contact, current_contacts


def tell_unit(
    session: Session,
    campaign: Campaign,
    unit_id: int,
    *,
    template: str,
    subject: str,
    key: str,
    now: datetime,
    mail_from: str,
    **context: Any,
) -> int:
    """Queue `template` to the unit's current liaisons and head (`key` names the occasion; the
    address is added to it); return how many were queued."""
    people: dict[str, Contact] = {}  # each address once, the first contact that has it
    for _, c in current_contacts(session, campaign.id, unit_ids=[unit_id], roles=("liaison", "head")):
        people.setdefault(c.email.lower(), c)
    queued = 0
    for email, c in people.items():
        message = compose(campaign, template, subject, name=c.name or "您好", **context)
        queued += (
            enqueue(
                session,
                key=f"{key}:{email}",
                kind=template,
                campaign=campaign.id,
                to_email=c.email,
                to_name=c.name,
                message=message,
                now=now,
                as_of=now.date(),
                mail_from=mail_from,
                tz=campaign.timezone,
            )
            is not None
        )
    return queued
