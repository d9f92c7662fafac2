"""Is a queued reminder still worth sending? Not once the obligation has an accepted file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from schemas.outbox import NotificationItem
from schemas.tables import Obligation, Submission


def stale_items(session: Session, items: list[NotificationItem], now: datetime) -> set[int]:
    """Ids of the items whose obligation has been accepted by `now`."""
    ids = [i.id for i in items]
    accepted = exists().where(and_(
        Submission.unit_id == Obligation.unit_id, Submission.form == Obligation.form,
        Submission.period == Obligation.period, Submission.status == "accepted", Submission.received_at <= now,
    ))
    q = (select(NotificationItem.id).join(Obligation, Obligation.id == NotificationItem.obligation_id)
         .where(NotificationItem.id.in_(ids), accepted))
    return set(session.scalars(q))
