"""What one unit's page shows: its obligations with their lights, its submissions, its templates.

Everything here is read for one unit id: the page never queries another unit's rows. The light
and its word come from the one state function (`tasks.calendar.status` → `tasks.calendar.state`), as in `status`,
the briefing and the checkpoints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from schemas.campaign import Campaign, periods
from schemas.period import period_label
from schemas.tables import ExtensionRequest, Obligation, Submission, Unit, ValidationIssue
from schemas.verdicts import SubmissionStatus
from tasks.calendar import State, status_rows

SUBMISSION_LABELS = {
    SubmissionStatus.ACCEPTED: "已通过",
    SubmissionStatus.REJECTED: "未通过",
    SubmissionStatus.UNREADABLE: "无法读取",
    SubmissionStatus.DUPLICATE: "重复文件",
    SubmissionStatus.REFUSED: "未受理",
    SubmissionStatus.EXTERNAL: "系统外已报送",
}
REQUEST_LABELS = {
    "pending": "延期申请审核中",
    "granted": "延期已批准",
    "refused": "延期未批准",
    "expired": "延期申请未获答复，可重新申请",
}


@dataclass(frozen=True)
class Item:
    obligation_id: int
    name: str
    form: str
    period: str
    due: date
    extended: bool
    light: str
    word: str
    when: str  # 还有3个工作日 / 今天截止 / 逾期2天 / 已于7月2日通过
    open: bool  # may still be submitted or extended
    request: str | None  # the state of its latest extension request, in words


@dataclass(frozen=True)
class Sent:
    id: int
    filename: str
    received_at: datetime
    what: str
    status: str
    word: str
    errors: int
    warnings: int
    late: bool
    by: str | None
    annotated: bool


@dataclass
class UnitPage:
    unit: str
    campaign: str
    as_of: date
    items: list[Item] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    templates: list[tuple[str, str]] = field(default_factory=list)  # (form code, label and title)


def _when(row, as_of: date, cal) -> str:  # type: ignore[no-untyped-def]
    due = row.effective_due
    if row.state.is_done:
        if not row.submitted_at:
            return "已完成"
        at = row.submitted_at
        late = (
            f"（逾期{(at.date() - due).days}天报送）" if row.state is State.LATE else ""
        )  # the state's own word on late
        return f"已于{at.year}年{at.month}月{at.day}日通过{late}"
    if as_of > due:
        return f"逾期{(as_of - due).days}天"
    if as_of == due:
        return "今天截止"
    return f"还有{cal.count_between(as_of, due)}个工作日"


def unit_page(
    session: Session, campaign: Campaign, unit: Unit, as_of: date, *, annotated: Callable[[int, str], bool]
) -> UnitPage:
    """The page of `unit` on `as_of`; `annotated(id, sha256)`: has that submission an annotated workbook?"""
    page = UnitPage(unit.name, campaign.name, as_of)
    rows = status_rows(session, campaign, as_of, unit_id=unit.id)
    page.items = _items(session, campaign, rows, as_of)
    page.sent = _sent(session, campaign, unit, {(r.form, r.period): r.effective_due for r in rows}, annotated)
    forms = {f.code: f for f in campaign.forms}
    owed = dict.fromkeys(r.form for r in rows)
    page.templates = [(code, forms[code].name) for code in owed if not forms[code].document]
    return page


def _items(session: Session, campaign: Campaign, rows: list, as_of: date) -> list[Item]:
    """The unit's obligations, one item each, with the state of its latest extension request."""
    cal = campaign.work_calendar
    requests = _latest_requests(session, [r.obligation_id for r in rows])
    items = []
    for r in rows:
        many = len(periods(campaign.obligation(r.obligation))) > 1
        items.append(
            Item(
                r.obligation_id,
                campaign.obligation_name(r.obligation),
                r.form,
                period_label(r.period) if many else "",
                r.effective_due,
                r.extended_due is not None,
                r.state.light,
                r.state.page_label,
                _when(r, as_of, cal),
                not r.state.is_done,
                REQUEST_LABELS.get(requests.get(r.obligation_id, "")),
            )
        )
    return items


def _sent(
    session: Session,
    campaign: Campaign,
    unit: Unit,
    dues: dict[tuple[str, str], date],
    annotated: Callable[[int, str], bool],
) -> list[Sent]:
    """The unit's submissions, newest first; `dues`: each (form, period)'s due date, to tell late ones."""
    counts = _issue_counts(session, unit.id)
    subs = session.scalars(
        select(Submission)
        .where(Submission.campaign == campaign.id, Submission.unit_id == unit.id)
        .order_by(Submission.received_at.desc(), Submission.id.desc())
    ).all()
    forms = {f.code: f for f in campaign.forms}
    sent = []
    for s in subs:
        form = forms.get(s.form or "")
        what = f"{form.name} {period_label(s.period) if s.period else ''}".strip() if form else "未识别的文件"
        due = dues.get((s.form, s.period))
        errors, warnings = counts.get(s.id, (0, 0))
        sent.append(
            Sent(
                s.id,
                s.filename,
                s.received_at,
                what,
                s.status,
                SUBMISSION_LABELS.get(s.status, s.status),
                errors,
                warnings,
                bool(due and s.received_at.date() > due),
                s.submitted_by,
                annotated(s.id, s.sha256),
            )
        )
    return sent


def _latest_requests(session: Session, obligation_ids: list[int]) -> dict[int, str]:
    if not obligation_ids:
        return {}
    q = (
        select(ExtensionRequest.obligation_id, ExtensionRequest.status)
        .where(ExtensionRequest.obligation_id.in_(obligation_ids))
        .order_by(ExtensionRequest.id)
    )
    return dict(session.execute(q).tuples().all())


def _issue_counts(session: Session, unit_id: int) -> dict[int, tuple[int, int]]:
    q = (
        select(ValidationIssue.submission_id, ValidationIssue.severity, func.count())
        .join(Submission, Submission.id == ValidationIssue.submission_id)
        .where(Submission.unit_id == unit_id)
        .group_by(ValidationIssue.submission_id, ValidationIssue.severity)
    )
    out: dict[int, list[int]] = {}
    for sid, severity, n in session.execute(q).tuples():
        out.setdefault(sid, [0, 0])[0 if severity == "error" else 1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


def owned_obligation(session: Session, unit: Unit, obligation_id: int) -> Obligation | None:
    """The obligation `obligation_id` if it is `unit`'s own, else None (never another unit's)."""
    ob = session.get(Obligation, obligation_id)
    return ob if ob is not None and ob.unit_id == unit.id else None


def owned_submission(session: Session, unit: Unit, submission_id: int) -> Submission | None:
    sub = session.get(Submission, submission_id)
    return sub if sub is not None and sub.unit_id == unit.id else None


def page_uploads_since(session: Session, unit_id: int, since: datetime) -> int:
    """How many entries `unit_id` has posted through its page since `since` (refused ones included)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(Submission.unit_id == unit_id, Submission.channel == "portal", Submission.received_at >= since)
        )
        or 0
    )


# The page's hourly upload limit is checked inside the transaction that records the upload, under
# a lock per unit held to its commit: on SQLite the writer session's BEGIN IMMEDIATE, on PostgreSQL
# a transaction-scoped advisory lock of the unit's page (its own key, never taken by the intake's
# locks, so the two can never wait on each other in a cycle). Parallel posts never share a slot.
UPLOAD_LOCK = 0x6475_6261_6E17  # "duban" + issue 23


def upload_lock_key(campaign_id: str, unit_id: int) -> int:
    digest = hashlib.blake2b(f"{UPLOAD_LOCK}:{campaign_id}:{unit_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def take_upload_slot(session: Session, campaign_id: str, unit_id: int, *, since: datetime, limit: int) -> bool:
    """Whether `unit_id` may record one more page upload now; asked in the writer session that then
    records it (the lock it takes is held to that session's commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": upload_lock_key(campaign_id, unit_id)})
    return page_uploads_since(session, unit_id, since) < limit
