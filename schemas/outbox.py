"""The outbox: every email is a row before it is a message.

`Notification` is one email to one recipient, unique by `key`; `NotificationItem` is one
ladder step (unit × obligation × period × level × recipient) carried by a digest, unique
by its own key, so nothing is ever queued twice. Status moves queued → claimed (taken by
one sender) → sending (SMTP transaction under way) → sent, or to failed (5xx, poison), stale
(no longer applies), uncertain (the process died after the transaction began: maybe sent).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schemas.matters import Matter  # noqa: F401 (the table an item's matter_id refers to)
from schemas.tables import Base


class OutboxStatus(StrEnum):
    """Where one queued mail stands (`Notification.status`); the store keeps the value."""

    QUEUED = "queued"
    CLAIMED = "claimed"  # taken by one sender
    SENDING = "sending"  # handed to the SMTP server, its answer not yet recorded
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of retries: `duban resend`
    STALE = "stale"  # no longer worth sending (the obligation was met since)
    UNCERTAIN = "uncertain"  # a crash mid-send: never retried by itself


QUEUED, CLAIMED, SENDING, SENT = OutboxStatus.QUEUED, OutboxStatus.CLAIMED, OutboxStatus.SENDING, OutboxStatus.SENT
FAILED, STALE, UNCERTAIN = OutboxStatus.FAILED, OutboxStatus.STALE, OutboxStatus.UNCERTAIN


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # digest | receipt | briefing
    campaign: Mapped[str] = mapped_column(String(64))
    recipient_email: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(128), default="")
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date | None]
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # the built RFC 5322 message, ready to send
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_code: Mapped[int | None]
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None]
    items: Mapped[list[NotificationItem]] = relationship(back_populates="notification", order_by="NotificationItem.id")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")


class NotificationItem(Base):
    """One ladder step for one recipient; its key makes "never twice the same" a constraint. A
    step of an obligation's ladder names the obligation, a step of a matter's the matter. An
    escalation notice (督办通知) can be signed for on the unit's page: `signed_at`, `signed_by`."""

    __tablename__ = "notification_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), index=True)
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligation.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | escalation
    level: Mapped[int]
    step_date: Mapped[date]
    recipient_email: Mapped[str] = mapped_column(String(320))
    stale: Mapped[bool] = mapped_column(default=False)
    view: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the digest shows, to re-render
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[str | None] = mapped_column(String(64))
    notification: Mapped[Notification] = relationship(back_populates="items")


class Attachment(Base):
    __tablename__ = "notification_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    cid: Mapped[str | None] = mapped_column(String(100))  # inline image referenced as cid:... in the HTML
