"""Is a queued reminder still worth sending? Not once the obligation has an accepted file, nor
once the matter is no longer open (its unit asked to close it, or it was closed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from schemas.matters import Matter, MatterState
from schemas.outbox import NotificationItem
from schemas.tables import Obligation, Submission
from schemas.verdicts import DELIVERED

NOT_OPEN = tuple(s for s in MatterState if not s.is_open)  # 申请办结, 已办结


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


def _stale_obligation_items(now: datetime):  # type: ignore[no-untyped-def]
    return (
        select(NotificationItem.notification_id, NotificationItem.id)
        .join(Obligation, Obligation.id == NotificationItem.obligation_id)
        .where(_accepted(now))
    )


def _stale_matter_items():  # type: ignore[no-untyped-def]
    return (
        select(NotificationItem.notification_id, NotificationItem.id)
        .join(Matter, Matter.id == NotificationItem.matter_id)
        .where(Matter.state.in_(NOT_OPEN))
    )


def has_stale_items(notification_id: ColumnElement[int], now: datetime) -> ColumnElement[bool]:
    """For a select over notifications: does this one carry an item that no longer applies?"""
    return or_(
        exists(_stale_obligation_items(now).where(NotificationItem.notification_id == notification_id)),
        exists(_stale_matter_items().where(NotificationItem.notification_id == notification_id)),
    )


def stale_items(session: Session, notification_ids: list[int], now: datetime) -> dict[int, set[int]]:
    """The items of these notifications that no longer apply by `now` (an obligation accepted, a
    matter no longer open), by notification."""
    out: dict[int, set[int]] = {}
    for q in (_stale_obligation_items(now), _stale_matter_items()):
        for nid, item_id in session.execute(q.where(NotificationItem.notification_id.in_(notification_ids))).tuples():
            out.setdefault(nid, set()).add(item_id)
    return out
