"""Held mail: what ops see of it, and its release once they name the unit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from notifications.receipts import Reply
from schemas.mailbox import AttachmentStatus, MailAction
from schemas.tables import MailIn, Unit
from tasks.app import App, audit
from tasks.intake import kept_path
from tasks.mailbox.answer import reply_once
from tasks.mailbox.box import MailboxError
from tasks.mailbox.files import MessageResult, filed_before, submit


def release(app: App, mail_id: int, unit: str, *, by: str, now: datetime) -> MessageResult:
    """File a held message's kept attachments for `unit`, as ops decided (audited), and answer
    it once; the sender, not a liaison or head, gets no page link."""
    with app.store.session() as s:
        row = s.get(MailIn, mail_id)
        if row is None or row.campaign != app.campaign.id:
            raise MailboxError(f"本活动没有编号为 {mail_id} 的邮件")
        if row.action != MailAction.HELD:
            raise MailboxError(f"邮件 {mail_id} 不是待确认的邮件（{row.action}）")
        kept, sender, mid, subject, received = list(row.files), row.sender, row.message_id, row.subject, row.received_at
    files = [_released(app, f, unit, received, sender) if f.get("status") == AttachmentStatus.HELD else f for f in kept]
    with app.store.session(write=True) as s:
        row = s.get(MailIn, mail_id)
        row.action, row.files = MailAction.RELEASED, files
        row.unit_id = s.scalar(select(Unit.id).where(Unit.campaign == app.campaign.id, Unit.name == unit))
        reply_once(s, app, row, files, Reply(mid, mid, subject, sender), received)
        audit(s, at=now, actor=by, action="mail.release", subject=f"{unit}/{mail_id}", sender=sender, message_id=mid)
    return MessageResult(mid, sender, unit, MailAction.PROCESSED, files)


def _released(app: App, f: dict, unit: str, received: datetime, sender: str) -> dict:
    """The note of one kept attachment, filed for `unit` (once: a release may have died after filing it)."""
    note = filed_before(app, f["name"], f["sha256"], received)
    if note is not None:
        return note
    data = kept_path(app.settings.files_dir, f["sha256"]).read_bytes()
    return submit(app, f["name"], data, f["sha256"], unit=unit, received=received, by=sender[:64])


def held_rows(app: App) -> list[dict]:
    """The messages held for ops to name their unit, as ops read them."""
    with app.store.session() as s:
        rows = s.scalars(
            select(MailIn)
            .where(MailIn.campaign == app.campaign.id, MailIn.action == MailAction.HELD)
            .order_by(MailIn.id)
        ).all()
        return [
            {
                "编号": r.id,
                "发件人": r.sender,
                "主题": r.subject,
                "收到": f"{r.received_at:%Y-%m-%d %H:%M}",
                "附件": "、".join(f["name"] + _marked(f) for f in r.files),
            }
            for r in rows
        ]


def _marked(f: dict) -> str:
    """What ops read after an attachment's name when it is not a report file or past the limit."""
    if f["status"] == AttachmentStatus.NOT_REPORT:
        return f"（{f.get('kind')}，不是报表）"
    return "（超出件数）" if f["status"] == AttachmentStatus.OVER_LIMIT else ""
