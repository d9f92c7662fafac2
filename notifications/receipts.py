"""Receipts: each processed submission answered to the unit's liaison(s) — accepted, or
rejected with its errors and hints (from the stored issues) and the annotated workbook attached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.outbox import enqueue
from notifications.render import compose
from schemas.campaign import Campaign
from schemas.tables import Submission, Unit, ValidationIssue, current_contacts


class HasMessage(Protocol):
    severity: str
    message: str


@dataclass(frozen=True)
class Reply:
    """The received message a receipt answers."""

    message_id: str
    references: str
    subject: str
    sender: str
    sender_name: str = ""


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN = 20  # issues of each kind listed in the mail; the annotated workbook has them all
VERDICTS = {
    "accepted": "已通过校验，予以受理。",
    "rejected": "未通过校验，请按以下说明修改后重新报送。",
    "unreadable": "文件无法读取或无法识别，未能受理。",
    "duplicate": "与此前收到的文件完全相同，已记录，不重复计数。",
    "refused": "文件未能受理。",
}


def queue_receipt(session: Session, *, campaign: Campaign, submission_id: int, now: datetime, mail_from: str,
                  annotated: Path | None = None, link: str | None = None, reply: Reply | None = None,
                  issues: Sequence[HasMessage] | None = None) -> int:
    """Queue the receipt of one submission to its unit's current liaisons; return how many.
    `issues`: the ones just recorded for it, in order (else they are read back from the store).

    A file that came by mail is answered as a reply (In-Reply-To, References, "Re: …"), to the
    sender and to the unit's liaisons, each address once."""
    sub = session.get(Submission, submission_id)
    if sub is None or sub.unit_id is None:
        return 0  # nobody to answer: the unit is unknown (the file is kept and shown to ops)
    unit = session.get(Unit, sub.unit_id)
    everyone = [c for _, c in current_contacts(session, campaign.id, unit_ids=[sub.unit_id])]
    liaisons = [c for c in everyone if c.role == "liaison"]
    title = campaign.form(sub.form).title if sub.form and sub.form in {f.code for f in campaign.forms} else "报送文件"
    if sub.status == "duplicate":
        issues = []
    elif issues is None:
        issues = session.scalars(select(ValidationIssue).where(ValidationIssue.submission_id == sub.id)
                                 .order_by(ValidationIssue.id)).all()
    errors = [i.message for i in issues if i.severity == "error"]
    hints = [i.message for i in issues if i.severity == "warning"]
    verdict = VERDICTS[sub.status]
    subject = f"【回执】{unit.name}《{title}》{sub.period or ''}：{verdict.split('，')[0].rstrip('。')}"
    people = [(c.email, c.name) for c in liaisons]
    own = {c.email.lower() for c in everyone}
    if reply is not None:
        subject = reply.subject if reply.subject.lower().startswith("re:") else f"Re: {reply.subject or subject}"
        if reply.sender and reply.sender.lower() not in {e.lower() for e, _ in people}:
            people.insert(0, (reply.sender, reply.sender_name or "您好"))
    attachments = [(f"批注_{sub.filename.rsplit('.', 1)[0]}.xlsx", XLSX, annotated.read_bytes())] if annotated else []
    queued = 0
    for email, name in people:
        message = compose(campaign, "receipt", subject, attachments=attachments, name=name, unit=unit.name,
                          filename=sub.filename, received=f"{sub.received_at:%Y年%m月%d日 %H:%M}", verdict=verdict,
                          accepted=sub.status == "accepted", errors=errors[:SHOWN], hints=hints[:SHOWN],
                          more=max(0, len(errors) - SHOWN) + max(0, len(hints) - SHOWN), annotated=bool(annotated),
                          link=link if email.lower() in own else None,  # a sender ops vouched for gets no key
                          in_reply_to=reply.message_id if reply else None,
                          references=reply.references if reply else None)
        if enqueue(session, key=f"receipt:{sub.id}:{email.lower()}", kind="receipt", campaign=campaign.id,
                   to_email=email, to_name=name, message=message, now=now, as_of=sub.received_at.date(),
                   mail_from=mail_from, tz=campaign.timezone):
            queued += 1
    return queued
