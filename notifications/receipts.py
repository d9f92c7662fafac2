"""Receipts: each processed submission answered to the unit's liaison(s) — accepted, or
rejected with its errors and hints (from the stored issues) and the annotated workbook attached.
A message read from the mailbox is answered once, for all its files (`queue_mail_receipt`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifications.liaisons import Liaisons
from notifications.message import Rendered
from notifications.outbox import enqueue
from notifications.render import compose
from schemas.campaign import Campaign
from schemas.mailbox import NOT_FILED, AttachmentStatus
from schemas.period import period_label
from schemas.tables import Submission, Unit, ValidationIssue, current_contacts
from schemas.tracking import ledger_note_in
from schemas.verdicts import SubmissionStatus, refusal_of


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
    SubmissionStatus.ACCEPTED: "已通过校验，予以受理。",
    SubmissionStatus.REJECTED: "未通过校验，请按以下说明修改后重新报送。",
    SubmissionStatus.UNREADABLE: "文件无法读取或无法识别，未能受理。",
    SubmissionStatus.DUPLICATE: "与此前收到的文件完全相同，已记录，不重复计数。",
    SubmissionStatus.REFUSED: "文件未能受理。",
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
    liaisons: Liaisons | None = None,
    fresh: bool = False,
) -> int:
    """Queue the receipt of one submission to its unit's current liaisons (`liaisons`: read once
    for a batch); return how many. `issues`: the ones just recorded for it, in order (else read
    back); `fresh`: it was recorded in this transaction, so its keys are not looked up. A file that
    came by mail is answered as a reply (In-Reply-To, References, "Re: …"), to the sender and to
    the unit's liaisons, each address once."""
    sub = session.get(Submission, submission_id)
    if sub is None or sub.unit_id is None:
        return 0  # nobody to answer: the unit is unknown (the file is kept and shown to ops)
    unit, issues = session.get(Unit, sub.unit_id), _issues_of(session, sub, issues)
    liaisons_now = (liaisons or Liaisons(campaign.id)).of(session, unit.name)
    errors, hints = ([i.message for i in issues if i.severity == sev] for sev in ("error", "warning"))
    subject, verdict = _verdict(campaign, unit, sub, issues)
    subject = _reply_subject(reply, subject) if reply is not None else subject
    people = _addressees([(c.email, c.name) for c in liaisons_now], reply)
    own = {c.email.lower() for c in liaisons_now}  # the link goes to the unit's liaisons, never to a mere sender
    attachments = [(f"批注_{sub.filename.rsplit('.', 1)[0]}.xlsx", XLSX, annotated.read_bytes())] if annotated else []
    context = {
        "unit": unit.name,
        "filename": sub.filename,
        "received": f"{sub.received_at:%Y年%m月%d日 %H:%M}",
        "verdict": verdict,
        "accepted": (accepted := sub.status == SubmissionStatus.ACCEPTED),
        "ledger": ledger_note_in(sub.summary or "") if accepted else "",  # a tracked ledger: what it did to matters
        **{"errors": errors[:SHOWN], "hints": hints[:SHOWN]},
        "more": max(0, len(errors) - SHOWN) + max(0, len(hints) - SHOWN),
        "annotated": bool(annotated),
        "in_reply_to": reply.message_id if reply else None,
        "references": reply.references if reply else None,
    }
    queued = 0
    for email, name in people:
        link_here = link if email.lower() in own else None  # a sender ops vouched for gets no key
        message = compose(campaign, "receipt", subject, attachments=attachments, name=name, link=link_here, **context)
        key, day = f"receipt:{sub.id}:{email.lower()}", sub.received_at.date()
        queued += _queue(session, campaign, key, email, name, message, now, day, mail_from, fresh)
    return queued


def _verdict(campaign: Campaign, unit: Unit, sub: Submission, issues: Sequence[HasMessage]) -> tuple[str, str]:
    """(subject, verdict line) of a submission's receipt."""
    title = campaign.form(sub.form).title if sub.form and sub.form in {f.code for f in campaign.forms} else "报送文件"
    verdict = VERDICTS[sub.status]
    if sub.status == SubmissionStatus.UNREADABLE and issues:  # read but refused says so: not "无法读取或无法识别"
        verdict = refusal_of(issues[0].code) + "。"
    subject = (
        f"【回执】{unit.name}《{title}》{period_label(sub.period) if sub.period else ''}："
        f"{verdict.split('，')[0].rstrip('。')}"
    )
    return subject, verdict


def _issues_of(session: Session, sub: Submission, issues: Sequence[HasMessage] | None) -> Sequence[HasMessage]:
    """The issues a receipt lists: none for a duplicate, else those given or those stored, in order."""
    if sub.status == SubmissionStatus.DUPLICATE:
        return []
    if issues is not None:
        return issues
    return session.scalars(
        select(ValidationIssue).where(ValidationIssue.submission_id == sub.id).order_by(ValidationIssue.id)
    ).all()


def _addressees(liaisons: list[tuple[str, str]], reply: Reply | None) -> list[tuple[str, str]]:
    """(address, name) of everyone a receipt goes to: the sender of a mailed file first, then the
    liaisons, each address once."""
    if reply is not None and reply.sender and reply.sender.lower() not in {e.lower() for e, _ in liaisons}:
        return [(reply.sender, reply.sender_name or "您好"), *liaisons]
    return liaisons


def _reply_subject(reply: Reply, fallback: str) -> str:
    """The received subject as it is when already a reply, else "Re: " and it (or `fallback`)."""
    return reply.subject if reply.subject.lower().startswith("re:") else f"Re: {reply.subject or fallback}"


def _queue(
    session: Session,
    campaign: Campaign,
    key: str,
    email: str,
    name: str,
    message: Rendered,
    now: datetime,
    as_of: date,
    mail_from: str,
    fresh: bool = False,
) -> int:
    """Queue one receipt: 1, or 0 when `key` was queued before (`fresh`: it cannot have been)."""
    n = enqueue(
        session,
        key=key,
        kind="receipt",
        campaign=campaign.id,
        to_email=email,
        to_name=name,
        message=message,
        now=now,
        as_of=as_of,
        mail_from=mail_from,
        tz=campaign.timezone,
        fresh=fresh,
    )
    return 1 if n else 0


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
    if f.status == AttachmentStatus.NOT_REPORT:
        return {**line, "verdict": f"{f.kind or '非报表文件'}，不是报表文件，未处理。"}
    if f.status == AttachmentStatus.OVER_LIMIT:
        return {**line, "verdict": "本邮件附件过多，此文件未处理，请另发邮件报送。"}
    sub = session.get(Submission, f.submission_id) if f.submission_id else None
    if sub is None:
        return {**line, "verdict": FILE_VERDICTS.get(f.status, "文件未能受理。")}
    errors, hints, first = _issue_counts(session, sub, shown)
    title = campaign.form(sub.form).title if sub.form and sub.form in {x.code for x in campaign.forms} else ""
    return {
        **line,
        "verdict": _file_verdict(session, sub),
        "accepted": sub.status == SubmissionStatus.ACCEPTED,
        "headline": (sub.summary or "").split("\n", 1)[0],
        "form": title,
        "period": period_label(sub.period) if sub.period else "",
        "errors": errors,
        "hints": hints,
        "issues": first,
        "more": max(0, errors + hints - len(first)),
        "annotated": attached.add(f.name, f.annotated if sub.status != SubmissionStatus.DUPLICATE else None),
    }


def _issue_counts(session: Session, sub: Submission, shown: int) -> tuple[int, int, list[str]]:
    """(errors, hints, the first `shown` messages, errors first) of a file; none for a duplicate."""
    if sub.status == SubmissionStatus.DUPLICATE:
        return 0, 0, []
    counts = dict(
        session.execute(
            select(ValidationIssue.severity, func.count())
            .where(ValidationIssue.submission_id == sub.id)
            .group_by(ValidationIssue.severity)
        )
        .tuples()
        .all()
    )
    first = session.scalars(
        select(ValidationIssue.message)
        .where(ValidationIssue.submission_id == sub.id)
        .order_by(ValidationIssue.severity, ValidationIssue.id)
        .limit(shown)
    ).all()  # "error" sorts before "warning"
    return counts.get("error", 0), counts.get("warning", 0), list(first)


def _file_verdict(session: Session, sub: Submission) -> str:
    """The verdict line of one filed file; an unreadable one says whether it was read but refused."""
    if sub.status != SubmissionStatus.UNREADABLE:
        return FILE_VERDICTS.get(sub.status, "文件未能受理。")
    code = session.scalar(
        select(ValidationIssue.code)
        .where(ValidationIssue.submission_id == sub.id)
        .order_by(ValidationIssue.id)
        .limit(1)
    )
    return refusal_of(code or "") + "。"


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
    reported = sum(f.status not in NOT_FILED for f in files)
    attached = _Attached()
    lines = [_file_line(session, campaign, f, SHOWN if reported == 1 else PER_FILE, attached) for f in files]
    subject = _reply_subject(reply, f"【回执】{unit.name}报送的文件")
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
        mail_key = f"{key}:{email.lower()}"[:400]
        queued += _queue(session, campaign, mail_key, email, name, message, now, received.date(), mail_from)
    return queued
