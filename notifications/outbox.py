"""Queueing email: every message is an outbox row with a unique key before anything is sent."""

from __future__ import annotations

from datetime import date, datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.message import BadMessage, Rendered, build, message_id
from schemas.addresses import BadAddress, ascii_address
from schemas.outbox import FAILED, Attachment, Notification


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    campaign: str,
    to_email: str,
    to_name: str,
    message: Rendered,
    now: datetime,
    mail_from: str,
    tz: str = "Asia/Shanghai",
    as_of: date | None = None,
    fresh: bool = False,
) -> Notification | None:
    """Queue one email, built and ready to send; None when the key exists (idempotent). `fresh`:
    the caller knows the key is new (it names a row made in this transaction), so it is not looked up.

    A message that cannot be built (bad address, unusable header) is queued as `failed`,
    with the reason: visible to ops, never blocking the rest of the queue.
    """
    if not fresh and session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    if not to_email.isascii():  # an internationalised domain: its ASCII form, for the header and SMTP
        try:
            to_email = ascii_address(to_email)
        except BadAddress:
            pass  # queued as failed, with the reason, below
    n = Notification(
        key=key,
        kind=kind,
        campaign=campaign,
        recipient_email=to_email,
        recipient_name=to_name,
        subject=message.subject,
        text=message.text,
        html=message.html,
        as_of=as_of,
        created_at=now,
    )
    n.attachments = [Attachment(filename=f, mime=m, content=b) for f, m, b in message.attachments]
    n.attachments += [Attachment(filename=cid, mime=m, content=b, cid=cid) for cid, m, b in message.inline]
    build_raw(n, message, mail_from=mail_from, tz=tz, now=now)  # before the insert: one statement, no update
    session.add(n)
    session.flush()
    return n


def build_raw(n: Notification, message: Rendered, *, mail_from: str, tz: str, now: datetime) -> None:
    """Build the row's message (stable Message-ID), or mark the row failed with the reason."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "duban.local"
    try:
        domain = domain.encode("idna").decode("ascii")  # 淮安.cn -> xn--49sx14b.cn
    except UnicodeError:
        domain = "duban.local"
    n.message_id = n.message_id or message_id(n.key, domain)
    try:
        n.raw = build(
            message,
            to_email=n.recipient_email,
            to_name=n.recipient_name,
            sender=mail_from,
            msg_id=n.message_id,
            date=now.replace(tzinfo=ZoneInfo(tz)),
        ).as_bytes()
    except BadMessage as e:
        n.raw, n.status, n.last_error = None, FAILED, str(e)
    except UnicodeError as e:  # nothing should get here; if it does, the row fails, not the intake
        n.raw, n.status, n.last_error = None, FAILED, f"邮件无法编码：{e}"
