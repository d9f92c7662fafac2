"""Sending what is queued, with the domain's own check of what is still worth sending: a
reminder for an obligation accepted since it was queued is dropped, and a digest is rebuilt
without it. The one way tasks and flows send; the sender itself knows no business rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from notifications.sender import DeliveryReport, Freshness, deliver_sync
from notifications.transport import TransportFactory
from schemas.outbox import Notification, OutboxStatus
from tasks.app import App
from tasks.outbox.digest_text import render_digest
from tasks.outbox.fresh import has_stale_items, stale_items

FRESHNESS = Freshness(has_stale=has_stale_items, stale_items=stale_items, rebuild=render_digest)


def send_queued(
    app: App, *, now: datetime, limit: int | None = None, transport: TransportFactory | None = None
) -> DeliveryReport:
    """Send every queued mail of the campaign (up to `limit`) as of `now`; `transport` makes each
    connection (by default SMTP, as the settings say)."""
    return deliver_sync(
        app.store, app.settings, app.campaign, now=now, limit=limit, freshness=FRESHNESS, transport=transport
    )


STATUS_LABELS = {
    OutboxStatus.QUEUED: "待发送",
    OutboxStatus.CLAIMED: "发送中",
    OutboxStatus.SENDING: "发送中",
    OutboxStatus.SENT: "已发出",
    OutboxStatus.FAILED: "失败",
    OutboxStatus.UNCERTAIN: "存疑",
    OutboxStatus.STALE: "已作废",
}


def mail_rows(app: App, statuses: tuple[str, ...] | None = None, *, limit: int | None = None) -> list[dict]:
    """The campaign's mail (of some statuses), oldest first: id, status, recipient, subject, the
    reason it did not go (as the sender recorded it), when it was queued and how often tried."""
    q = select(
        Notification.id,
        Notification.status,
        Notification.recipient_email,
        Notification.subject,
        Notification.last_error,
        Notification.created_at,
        Notification.attempts,
        Notification.sent_at,
    ).where(Notification.campaign == app.campaign.id)
    if statuses:
        q = q.where(Notification.status.in_(statuses))
    q = q.order_by(Notification.id)
    with app.store.session() as s:
        rows = s.execute(q.limit(limit) if limit else q).all()
    return [
        {
            "id": r.id,
            "status": r.status,
            "to": r.recipient_email,
            "subject": r.subject,
            "error": r.last_error or "",
            "queued_at": r.created_at.isoformat(sep=" ", timespec="minutes"),
            "attempts": r.attempts,
            "sent_at": r.sent_at.isoformat(sep=" ", timespec="minutes") if r.sent_at else None,
        }
        for r in rows
    ]


def age_text(since: datetime, now: datetime) -> str:
    """How long ago, as ops say it: 刚刚, 25分钟前, 3小时前, 2天前."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 1:
        return "刚刚"
    if minutes < 60:
        return f"{minutes}分钟前"
    if minutes < 48 * 60:
        return f"{minutes // 60}小时前"
    return f"{minutes // 1440}天前"
