"""Is a queued reminder still worth sending? Not once the obligation has an accepted file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Exists, and_, exists, select
from sqlalchemy.orm import Session

from schemas.outbox import NotificationItem
from schemas.tables import Obligation, Submission
from schemas.verdicts import DELIVERED


def _accepted(now: datetime):  # type: ignore[no-untyped-def]
    """The item's obligation (joined as Obligation) has an accepted file received by `now`."""
    return exists().where(
        and_(
            Submission.unit_id == Obligation.unit_id,
            Submission.form == Obligation.form,
            Submission.period == Obligation.period,
            Submission.status.in_(DELIVERED),
            Submission.received_at <= now,
        )
    )


def has_stale_items(notification_id: ColumnElement[int], now: datetime) -> Exists:
    """For a select over notifications: does this one carry an item that no longer applies?"""
    return exists(
        select(NotificationItem.id)
        .join(Obligation, Obligation.id == NotificationItem.obligation_id)
        .where(NotificationItem.notification_id == notification_id, _accepted(now))
    )


def stale_items(session: Session, notification_ids: list[int], now: datetime) -> dict[int, set[int]]:
    """The items of these notifications whose obligation has been accepted by `now`, by notification."""
    q = (
        select(NotificationItem.notification_id, NotificationItem.id)
        .join(Obligation, Obligation.id == NotificationItem.obligation_id)
        .where(NotificationItem.notification_id.in_(notification_ids), _accepted(now))
    )
    out: dict[int, set[int]] = {}
    for nid, item_id in session.execute(q).tuples():
        out.setdefault(nid, set()).add(item_id)
    return out
