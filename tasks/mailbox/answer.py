"""How the mailbox answers: one short acknowledgement (held, empty, too large, forged) to whom
`tasks.mailbox.policy` says may have one, and the one receipt of a message's files. The page link
goes only to the unit's current liaison and head."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifications.outbox import enqueue
from notifications.receipts import MailFile, Reply, queue_mail_receipt
from notifications.render import compose
from schemas.mailbox import MailAction
from schemas.outbox import Notification
from schemas.tables import MailIn, Unit, current_contacts
from tasks.app import App
from tasks.contacts import MAIL_ROLES
from tasks.intake import Incoming, annotated_path
from tasks.mailbox.policy import ReplyKind, reply_kind
from tasks.portal import make_link


def answer_new(
    session: Session, app: App, row: MailIn, inc: Incoming, *, contact: bool, forged: bool, now: datetime
) -> str:
    """Queue the short answer a new message gets, if any; return what ops should read about it."""
    acked = acks_today(session, app.campaign.id, inc.sender, now) if inc.sender else 0
    kind, why = reply_kind(row.action, inc, contact=contact, forged=forged, acked_today=acked)
    if kind == ReplyKind.FORGED:  # to the address's real owner, who may not have sent it: none of the sender's words
        acknowledge(
            session,
            app,
            row,
            inc,
            now,
            stranger=True,
            what=(
                "本系统收到一封以您的地址发出、带有附件的邮件，但它未通过邮件服务器的发件人验证，附件已保存，"
                "待工作人员核实后处理。如果这封邮件不是您发送的，请告知我们。"
            ),
        )
    elif kind == ReplyKind.ACK:
        acknowledge(session, app, row, inc, now, stranger=not contact)
    return why


def acks_today(session: Session, campaign_id: str, address: str, now: datetime) -> int:
    """How many short answers went to `address` on `now`'s day (campaign time, as `now` is)."""
    start = datetime.combine(now.date(), time())
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.campaign == campaign_id,
                Notification.key.like(f"mail-ack:{campaign_id}:%"),
                func.lower(Notification.recipient_email) == address.lower(),
                Notification.created_at >= start,
                Notification.created_at < start + timedelta(days=1),
            )
        )
        or 0
    )


def acknowledge(
    session: Session,
    app: App,
    row: MailIn,
    inc: Incoming,
    now: datetime,
    what: str | None = None,
    *,
    stranger: bool = False,
) -> None:
    """One short answer to a message (held, empty, too large): no validation details, nobody's
    data, no link. To a stranger (or the owner of a forged address) it repeats none of the
    sender's words: a fixed greeting and subject, so the bureau's address carries no text of theirs."""
    if stranger:
        subject = f"【{app.campaign.organiser}】已收到您的邮件"
    else:
        subject = inc.subject if inc.subject.lower().startswith("re:") else f"Re: {inc.subject or '您的来信'}"
    what = what or _why_not_filed(row, inc)
    message = compose(
        app.campaign,
        "acknowledge",
        subject,
        name="您好" if stranger else (inc.sender_name or "您好"),
        what=what,
        in_reply_to=inc.message_id,
        references=inc.references,
    )
    enqueue(
        session,
        key=f"mail-ack:{app.campaign.id}:{inc.message_id[:200]}",
        kind="receipt",
        campaign=app.campaign.id,
        to_email=inc.sender,
        to_name=inc.sender_name,
        message=message,
        now=now,
        as_of=now.date(),
        mail_from=app.settings.mail_from,
        tz=app.campaign.timezone,
    )


def _why_not_filed(row: MailIn, inc: Incoming) -> str:
    """What a short answer says of a message not filed now, by its action."""
    if row.action == MailAction.HELD:
        return (
            "已收到您的邮件和附件。发件地址不是本活动登记的单位联络员或负责人，附件已保存，待工作人员确认单位后处理。"
        )
    if row.action == MailAction.NO_ATTACHMENT:
        others = "、".join(f"{n}（{k}）" for n, k, _ in inc.others[:10])
        return (
            "已收到您的邮件，但邮件中没有找到报表附件"
            + (f"（{others} 不是报表文件，未处理）" if others else "")
            + "。请回复本邮件并附上 Excel 报表文件。"
        )
    if row.action == MailAction.TOO_LARGE:
        return (
            f"已收到您的邮件，但{row.reason}，未能处理。请删除无关的工作表或图片、"
            "压缩后重新发送，或分成几封邮件发送；也可以在本单位的报送页面上传。"
        )
    raise KeyError(row.action)


def reply_once(session: Session, app: App, row: MailIn, files: list[dict], reply: Reply, received: datetime) -> None:
    """Queue the one receipt of a message's files, to the sender and the unit's liaisons; the
    page link only to the unit's current liaison and head."""
    unit = session.get(Unit, row.unit_id)
    link_to = {
        c.email.lower() for _, c in current_contacts(session, app.campaign.id, unit_ids=[unit.id], roles=MAIL_ROLES)
    }
    mail = [
        MailFile(
            f["name"],
            f["status"],
            f.get("submission"),
            f.get("kind", ""),
            annotated_path(app.settings, f["submission"], f["sha256"]) if f.get("submission") else None,
        )
        for f in files
    ]
    queue_mail_receipt(
        session,
        campaign=app.campaign,
        key=f"mail-receipt:{app.campaign.id}:{row.id}",
        unit_id=unit.id,
        reply=reply,
        files=mail,
        received=received,
        now=received,
        mail_from=app.settings.mail_from,
        link=make_link(app.settings, unit).url,
        link_to=link_to,
    )
