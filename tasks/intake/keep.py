"""Keeping and recording submissions: the file as received, the verdict, the rows.

Every received file is written byte-for-byte to files/<sha256> before anything else, so
nothing is lost whatever happens next (files/ must be Duban's own folder:
tasks/intake/folders.py). The same bytes twice are a duplicate; a monthly form resubmitted for
the same period supersedes the earlier version (kept in history); an accumulating form's rows
add up, a later row with the same key correcting the earlier one; an accepted contacts form
proposes the unit's new contact list (tasks/contacts/changes.py: held for ops when it adds an
address or changes who receives the unit's mail). An entry that was refused before its bytes were taken
(not a regular file, over the size limit) is recorded with its name, size and reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.tables import ContactChange, Submission, Unit, ValidationIssue
from schemas.text import clean_text
from schemas.tracking import LEDGER_NOTE
from schemas.verdicts import SubmissionStatus
from tasks.app import audit
from tasks.intake import rows
from tasks.intake.folders import opened, unlink
from tasks.intake.verdict import Verdict
from tasks.matters import LedgerChange, sync_ledger


def keep_bytes(files_dir: Path, data: bytes) -> str:
    """Write `data` under its SHA-256 (atomic, once); return the hash. Written through the
    descriptor of `files/`, which must be Duban's own folder (`folders.UnsafeFolder` if not)."""
    sha = hashlib.sha256(data).hexdigest()
    with opened(files_dir) as folder:
        try:
            os.stat(sha, dir_fd=folder, follow_symlinks=False)
            return sha
        except FileNotFoundError:
            pass
        tmp = f".incoming-{uuid.uuid4().hex}"
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
            0o600,
            dir_fd=folder,
        )
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, sha, src_dir_fd=folder, dst_dir_fd=folder)
        finally:
            unlink(tmp, folder)
    return sha


def kept_path(files_dir: Path, sha: str) -> Path:
    """files/<sha256>: flat, as documented (a campaign receives hundreds of files, not millions)."""
    return files_dir / sha


def record(
    session: Session,
    campaign: Campaign,
    v: Verdict,
    *,
    sha: str,
    size: int,
    received_at: datetime,
    units: dict[str, int] | None = None,
    **fields: str | None,
) -> Submission:
    """Record one received file and its verdict; store its rows when accepted. `units` (name ->
    id) saves a query per file in a batch; `fields` are further columns of the submission
    (summary, channel, submitted_by, submitter_phone), written in the same insert."""
    campaign_id = campaign.id
    _serialise(session, campaign_id, v, sha)
    unit_id = (
        (
            units.get(v.unit)
            if units is not None
            else session.scalar(select(Unit.id).where(Unit.campaign == campaign_id, Unit.name == v.unit))
        )
        if v.unit
        else None
    )
    earlier = _earlier(session, campaign_id, v, sha, unit_id)
    sub = Submission(
        campaign=campaign_id,
        sha256=sha,
        filename=v.filename,
        size=size,
        received_at=received_at,
        unit_id=unit_id,
        form=v.form,
        period=v.period,
        row_count=len(v.records),
        status=SubmissionStatus.DUPLICATE if earlier else v.status,
        duplicate_of=earlier,
        **{"summary": "", **fields},
    )
    session.add(sub)
    session.flush()
    _add_issues(session, sub, v)
    if sub.status == SubmissionStatus.ACCEPTED and unit_id is not None:
        _store_rows(session, campaign, sub, v, unit_id)
    _audit_recorded(session, sub, v, received_at)
    return sub


def _audit_recorded(session: Session, sub: Submission, v: Verdict, at: datetime) -> None:
    audit(
        session,
        at=at,
        actor="intake",
        action=f"submission.{sub.status}",
        subject=f"{v.unit or '?'}/{v.form or '?'}/{v.period or '?'}",
        submission_id=sub.id,
        sha256=sub.sha256,
        filename=v.filename,
        errors=v.error_count,
        warnings=v.warning_count,
    )


def _earlier(session: Session, campaign_id: str, v: Verdict, sha: str, unit_id: int | None) -> int | None:
    """The id of the submission `v` duplicates, if any: the same bytes judged as the same thing again. Bytes
    that could not be read or identified before (e.g. no unit), now identified by an override, are
    judged anew."""
    same = (
        (Submission.status == SubmissionStatus.UNREADABLE,)
        if v.unreadable
        else (
            Submission.status.in_((SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED)),
            Submission.unit_id == unit_id,
            Submission.form == v.form,
            Submission.period == v.period,
        )
    )
    return session.scalar(
        select(Submission.id)
        .where(Submission.campaign == campaign_id, Submission.sha256 == sha, *same)
        .order_by(Submission.id)
        .limit(1)
    )


def _add_issues(session: Session, sub: Submission, v: Verdict) -> None:
    session.add_all(
        ValidationIssue(
            submission_id=sub.id,
            severity=i.severity,
            sheet=_clean(i.sheet),
            row=i.row,
            column=_clean(i.column),
            code=i.code,
            message=clean_text(i.message),
        )
        for i in v.issues
    )


def record_refused(
    session: Session,
    campaign: Campaign,
    *,
    filename: str,
    size: int | None,
    code: str,
    reason: str,
    unit: str | None,
    received_at: datetime,
) -> Submission:
    """An entry refused before its bytes were taken: its name, size and reason, not its content."""
    unit_id = session.scalar(select(Unit.id).where(Unit.campaign == campaign.id, Unit.name == unit)) if unit else None
    sub = Submission(
        campaign=campaign.id,
        sha256="",
        filename=filename,
        size=size or 0,
        received_at=received_at,
        unit_id=unit_id,
        status=SubmissionStatus.REFUSED,
        summary=reason,
        row_count=0,
    )
    session.add(sub)
    session.flush()
    session.add(ValidationIssue(submission_id=sub.id, severity="error", code=code, message=reason))
    audit(
        session,
        at=received_at,
        actor="intake",
        action="submission.refused",
        subject=f"{unit or '?'}/?/?",
        submission_id=sub.id,
        filename=filename,
        size=size,
        code=code,
    )
    return sub


def contact_change_of(session: Session, submission_id: int) -> ContactChange | None:
    return session.scalar(select(ContactChange).where(ContactChange.submission_id == submission_id))


# Recording is read-then-write (is it a duplicate? which version does it supersede?), and both
# questions are about one unit's files (or, for a file nobody could read, about its bytes). On
# SQLite the writer session's BEGIN IMMEDIATE already serialises it; on PostgreSQL concurrent
# intakes take a transaction-scoped advisory lock per unit, so different units' files are
# recorded in parallel. A batch takes its locks in ascending order (`service._lock_order`): two
# batches never wait on each other in a cycle.
INTAKE_LOCK = 0x6475_6261_6E03  # "duban" + issue 3


def lock_key(campaign_id: str, v: Verdict, sha: str) -> int:
    """The advisory lock recording `v` takes: its unit's, or its bytes' when it was unreadable."""
    what = f"sha:{sha}" if v.unreadable else f"unit:{v.unit or ''}"
    digest = hashlib.blake2b(f"{INTAKE_LOCK}:{campaign_id}:{what}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _serialise(session: Session, campaign_id: str, v: Verdict, sha: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(campaign_id, v, sha)})


def _store_rows(session: Session, campaign: Campaign, sub: Submission, v: Verdict, unit_id: int) -> None:
    form = campaign.form(v.form or "")
    if form.document or form.contacts:
        return  # a document is kept and counted; a contacts form proposes contacts (tasks/contacts/changes.py)
    rows.store(session, form, sub, unit_id, v.records)
    if form.tracks is not None:  # its rows are the unit's matters: created or restated with the file
        actor = sub.submitted_by or v.unit or ""
        change = sync_ledger(session, campaign, form, sub, unit_id, v.records, actor=actor)
        sub.summary = _with_ledger_note(sub.summary or "", change)


def _with_ledger_note(summary: str, change: LedgerChange) -> str:
    """The summary's first line, then what the file did to the unit's matters (the receipt's headline)."""
    done = [
        f"{what}{len(ids)}项"
        for what, ids in (("新增", change.created), ("更新", change.updated), ("申请办结", change.closing))
        if ids
    ]
    note = f"{LEDGER_NOTE}{'，'.join(done) or '无变化'}"
    if change.missing:
        note += f"；此前台账中的{len(change.missing)}项本次未列出，请核实"
    head, sep, rest = summary.partition("\n")
    at = m.end() if (m := ROWS_SAID.search(head)) else len(head)  # after "共 N 行。", before any "另有…"
    return f"{head[:at]}{note}。{head[at:]}{sep}{rest}"


ROWS_SAID = re.compile(r"共 \d+ 行。")


def _clean(text: str | None) -> str | None:
    """A sheet's or a header's name as a column may hold it (no NUL: PostgreSQL refuses it)."""
    return None if text is None else clean_text(text)
