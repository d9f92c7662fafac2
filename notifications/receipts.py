"""Receipts: each processed submission answered to the unit's liaison(s) — accepted, or
rejected with its errors and hints (from the stored issues) and the annotated workbook attached.
A message read from the mailbox is answered once, for all its files (`queue_mail_receipt`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifications.outbox import enqueue
from notifications.render import compose
from schemas.campaign import Campaign
from schemas.period import period_label
from schemas.tables import Submission, Unit, ValidationIssue, current_contacts
from schemas.verdicts import refusal_of


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


def queue_receipt(
    session: Session,
    *,
    campaign: Campaign,
    submission_id: int,
    now: datetime,
    mail_from: str,
    annotated: Path | None = None,
    link: str | None = None,
    reply: Reply | None = None,
    issues: Sequence[HasMessage] | None = None,
) -> int:
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
        issues = session.scalars(
            select(ValidationIssue).where(ValidationIssue.submission_id == sub.id).order_by(ValidationIssue.id)
        ).all()
    errors = [i.message for i in issues if i.severity == "error"]
    hints = [i.message for i in issues if i.severity == "warning"]
    verdict = VERDICTS[sub.status]
    if sub.status == "unreadable" and issues:  # read but refused says so: not "无法读取或无法识别"
        verdict = refusal_of(issues[0].code) + "。"
    subject = (
        f"【回执】{unit.name}《{title}》{period_label(sub.period) if sub.period else ''}："
        f"{verdict.split('，')[0].rstrip('。')}"
    )
    people = [(c.email, c.name) for c in liaisons]
    own = {c.email.lower() for c in liaisons}  # the link goes to the unit's liaisons, never to a mere sender
    if reply is not None:
        subject = reply.subject if reply.subject.lower().startswith("re:") else f"Re: {reply.subject or subject}"
        if reply.sender and reply.sender.lower() not in {e.lower() for e, _ in people}:
            people.insert(0, (reply.sender, reply.sender_name or "您好"))
    attachments = [(f"批注_{sub.filename.rsplit('.', 1)[0]}.xlsx", XLSX, annotated.read_bytes())] if annotated else []
    queued = 0
    for email, name in people:
        message = compose(
            campaign,
            "receipt",
            subject,
            attachments=attachments,
            name=name,
            unit=unit.name,
            filename=sub.filename,
            received=f"{sub.received_at:%Y年%m月%d日 %H:%M}",
            verdict=verdict,
            accepted=sub.status == "accepted",
            errors=errors[:SHOWN],
            hints=hints[:SHOWN],
            more=max(0, len(errors) - SHOWN) + max(0, len(hints) - SHOWN),
            annotated=bool(annotated),
            link=link if email.lower() in own else None,  # a sender ops vouched for gets no key
            in_reply_to=reply.message_id if reply else None,
            references=reply.references if reply else None,
        )
        if enqueue(
            session,
            key=f"receipt:{sub.id}:{email.lower()}",
            kind="receipt",
            campaign=campaign.id,
            to_email=email,
            to_name=name,
            message=message,
            now=now,
            as_of=sub.received_at.date(),
            mail_from=mail_from,
            tz=campaign.timezone,
        ):
            queued += 1
    return queued


PER_FILE = 5  # issues listed for each file of a message with several; one file alone gets SHOWN
MAX_ATTACHED = 10 * 1024 * 1024  # annotated workbooks attached to one reply, in all
FILE_VERDICTS = {**VERDICTS, "crashed": "处理时发生内部错误，工作人员会跟进。"}


@dataclass(frozen=True)
class MailFile:
    """One file of a received message and what became of it: a submission's status, or
    `not-report` (`kind` says what it is: "图片") or `over-limit` (past the files filed per message)."""

    name: str
    status: str
    submission_id: int | None = None
    kind: str = ""
    annotated: Path | None = None


@dataclass
class _Attached:
    budget: int = MAX_ATTACHED
    files: list[tuple[str, str, bytes]] = field(default_factory=list)

    def add(self, name: str, path: Path | None) -> str | None:
        """The attached copy's file name, "" (no annotated copy) or None (over the message's budget)."""
        if path is None or not path.is_file():
            return ""
        size = path.stat().st_size
        if size > self.budget:
            return None
        self.budget -= size
        stem = name.rsplit(".", 1)[0]
        taken = {f for f, _, _ in self.files}
        fname = next(f for i in range(len(taken) + 1) if (f := f"批注_{stem}{f'_{i}' if i else ''}.xlsx") not in taken)
        self.files.append((fname, XLSX, path.read_bytes()))
        return fname


def _file_line(session: Session, campaign: Campaign, f: MailFile, shown: int, attached: _Attached) -> dict:
    """What the reply says of one file: its verdict, headline, issue counts and first issues."""
    line = {
        "name": f.name,
        "verdict": "",
        "headline": "",
        "errors": 0,
        "hints": 0,
        "issues": [],
        "more": 0,
        "annotated": "",
        "accepted": False,
    }
    if f.status == "not-report":
        return {**line, "verdict": f"{f.kind or '非报表文件'}，不是报表文件，未处理。"}
    if f.status == "over-limit":
        return {**line, "verdict": "本邮件附件过多，此文件未处理，请另发邮件报送。"}
    sub = session.get(Submission, f.submission_id) if f.submission_id else None
    if sub is None:
        return {**line, "verdict": FILE_VERDICTS.get(f.status, "文件未能受理。")}
    counts = dict(
        session.execute(
            select(ValidationIssue.severity, func.count())
            .where(ValidationIssue.submission_id == sub.id)
            .group_by(ValidationIssue.severity)
        )
        .tuples()
        .all()
    )
    first = (
        []
        if sub.status == "duplicate"
        else session.scalars(
            select(ValidationIssue.message)
            .where(ValidationIssue.submission_id == sub.id)
            .order_by(ValidationIssue.severity, ValidationIssue.id)
            .limit(shown)
        ).all()
    )  # "error" sorts before "warning"
    errors, hints = (0, 0) if sub.status == "duplicate" else (counts.get("error", 0), counts.get("warning", 0))
    title = campaign.form(sub.form).title if sub.form and sub.form in {x.code for x in campaign.forms} else ""
    verdict = FILE_VERDICTS.get(sub.status, "文件未能受理。")
    if sub.status == "unreadable":  # read but refused says so
        code = session.scalar(
            select(ValidationIssue.code)
            .where(ValidationIssue.submission_id == sub.id)
            .order_by(ValidationIssue.id)
            .limit(1)
        )
        verdict = refusal_of(code or "") + "。"
    return {
        **line,
        "verdict": verdict,
        "accepted": sub.status == "accepted",
        "headline": (sub.summary or "").split("\n", 1)[0],
        "form": title,
        "period": period_label(sub.period) if sub.period else "",
        "errors": errors,
        "hints": hints,
        "issues": list(first),
        "more": max(0, errors + hints - len(first)),
        "annotated": attached.add(f.name, f.annotated if sub.status != "duplicate" else None),
    }


def queue_mail_receipt(
    session: Session,
    *,
    campaign: Campaign,
    key: str,
    unit_id: int,
    reply: Reply,
    files: Sequence[MailFile],
    received: datetime,
    now: datetime,
    mail_from: str,
    link: str | None,
    link_to: set[str],
) -> int:
    """Queue the one reply to a received message: every file with its verdict, to the sender and
    the unit's current liaisons, each address once; return how many. Only an address in `link_to`
    (the unit's liaison and head) gets the unit's page link. `key` is the message's own: queued in
    the transaction that records the message's outcome, the reply is never queued twice."""
    unit = session.get(Unit, unit_id)
    liaisons = [
        (c.email, c.name) for _, c in current_contacts(session, campaign.id, unit_ids=[unit_id]) if c.role == "liaison"
    ]
    people = [(reply.sender, reply.sender_name or "您好")] if reply.sender else []
    people += [(e, n) for e, n in liaisons if e.lower() not in {p.lower() for p, _ in people}]
    reported = sum(f.status not in ("not-report", "over-limit") for f in files)
    attached = _Attached()
    lines = [_file_line(session, campaign, f, SHOWN if reported == 1 else PER_FILE, attached) for f in files]
    subject = (
        reply.subject
        if reply.subject.lower().startswith("re:")
        else f"Re: {reply.subject or f'【回执】{unit.name}报送的文件'}"
    )
    links = {e.lower() for e in link_to}
    queued = 0
    for email, name in people:
        message = compose(
            campaign,
            "mail_receipt",
            subject,
            attachments=attached.files,
            name=name,
            unit=unit.name,
            received=f"{received:%Y年%m月%d日 %H:%M}",
            files=lines,
            link=link if email.lower() in links else None,
            in_reply_to=reply.message_id,
            references=reply.references,
        )
        if enqueue(
            session,
            key=f"{key}:{email.lower()}"[:400],
            kind="receipt",
            campaign=campaign.id,
            to_email=email,
            to_name=name,
            message=message,
            now=now,
            as_of=received.date(),
            mail_from=mail_from,
            tz=campaign.timezone,
        ):
            queued += 1
    return queued
