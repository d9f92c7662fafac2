"""One intake run over the inbox: every entry claimed, taken, kept, judged, recorded, answered and
settled, each on its own. The `intake` flow and `duban intake` both run `intake_inbox`; the flow
only wraps each file in a Prefect task."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schemas.tables import Submission, Unit, ValidationIssue
from schemas.verdicts import SubmissionStatus
from tasks.app import App
from tasks.calendar import to_local
from tasks.intake.batch import submit_batch
from tasks.intake.folders import UnsafeFolder, opened
from tasks.intake.inbox import Claim, claim_all, settle
from tasks.intake.origin import INBOX
from tasks.intake.receive import Refused, open_received
from tasks.intake.record import Submitted
from tasks.intake.service import submit_file, submit_refused
from tasks.intake.verdict import STATUS_LABELS

log = logging.getLogger(__name__)
FAILED = (SubmissionStatus.UNREADABLE, SubmissionStatus.REFUSED, "crashed")  # settled in failed/


@dataclass(frozen=True)
class FileResult:
    """What happened to one received file."""

    file: str
    status: str  # accepted | rejected | unreadable | duplicate | refused | crashed
    received_at: datetime
    unit: str | None = None
    form: str | None = None
    period: str | None = None
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    submission_id: int | None = None
    contact_change: int | None = None  # a held change of the unit's contacts
    reason: str = ""  # the first error, or what went wrong

    @property
    def crashed(self) -> bool:
        return self.status == "crashed"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "unit": self.unit,
            "form": self.form,
            "period": self.period,
            "status": self.status,
            "rows": self.rows,
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def as_row(self) -> dict[str, object]:
        """A row of the intake artifact ops read in the Prefect UI."""
        return {
            "文件": self.file,
            "单位": self.unit or "—",
            "表单": self.form or "—",
            "期次": self.period or "—",
            "结果": STATUS_LABELS.get(self.status, self.status),
            "行数": self.rows,
            "错误": self.errors,
            "提示": self.warnings,
            "收到时间": self.received_at.isoformat(sep=" "),
            "说明": self.reason[:120] or "—",
        }


def process_claim(app: App, claim: Claim, received_at: datetime | None = None) -> FileResult:
    """Take, judge, record and answer one claimed entry, then move it to processed/ or failed/.
    Never raises: a crash on one file is its result, and the file goes to failed/."""
    when = received_at or to_local(claim.claimed_at, app.campaign.timezone)
    try:
        if (done := _recorded_already(app, claim, when)) is not None:
            return done
        r = submit_file(app, claim.path, received_at=when, filename=claim.name)
    except UnsafeFolder:  # not this file's fault: the run stops, saying which folder
        raise
    except Exception as e:  # one bad file must not strand the others in .claimed/
        return _crashed(app, claim, when, e)
    return _done(app, claim, when, r)


def _crashed(app: App, claim: Claim, when: datetime, e: Exception) -> FileResult:
    log.error("intake of %r crashed", claim.name, exc_info=e)
    _settle(app, claim, failed=True, submission_id=None)
    return FileResult(claim.name, "crashed", when, reason=f"{type(e).__name__}: {e}")


def _done(app: App, claim: Claim, when: datetime, r: Submitted) -> FileResult:
    _settle(app, claim, failed=r.status in FAILED, submission_id=r.submission_id)
    v = r.verdict
    return FileResult(
        claim.name,
        r.status,
        when,
        v.unit,
        v.form,
        v.period,
        len(v.records),
        v.error_count,
        v.warning_count,
        r.submission_id,
        r.contact_change,
        v.errors[0].message if v.errors else "",
    )


def _settle(app: App, claim: Claim, *, failed: bool, submission_id: int | None) -> None:
    try:
        settle(claim, app.settings.home, failed=failed, submission_id=submission_id)
    except OSError as e:  # recorded already; a stale claim is taken again by a later run
        log.error("could not move %r out of the inbox: %s", claim.name, e)


def _recorded_already(app: App, claim: Claim, when: datetime) -> FileResult | None:
    """A claim a dead run left behind whose file that run had recorded (and answered) before it
    could move it: settled as it was recorded, not recorded and answered a second time."""
    if not claim.retaken:
        return None
    try:
        sha = hashlib.sha256(open_received(claim.path, app.settings.max_file_bytes)).hexdigest()
    except Refused:
        return None
    with app.store.session() as s:
        sub = s.scalar(
            select(Submission)
            .where(
                Submission.campaign == app.campaign.id,
                Submission.sha256 == sha,
                Submission.filename == claim.name,
                Submission.received_at == when,
                Submission.channel == INBOX.channel,
            )
            .order_by(Submission.id)
            .limit(1)
        )
        if sub is None:
            return None
        result = _as_recorded(s, claim, when, sub)
    log.warning("%r was recorded (submission %d) by a run that died before moving it; moved now", claim.name, sub.id)
    _settle(app, claim, failed=result.status in FAILED, submission_id=sub.id)
    return result


def _as_recorded(s: Session, claim: Claim, when: datetime, sub: Submission) -> FileResult:
    """The result of a claim whose file was recorded as `sub`, read back from the store."""
    unit = s.scalar(select(Unit.name).where(Unit.id == sub.unit_id)) if sub.unit_id else None
    counts = dict(
        s.execute(
            select(ValidationIssue.severity, func.count())
            .where(ValidationIssue.submission_id == sub.id)
            .group_by(ValidationIssue.severity)
        )
        .tuples()
        .all()
    )
    first = s.scalar(
        select(ValidationIssue.message)
        .where(ValidationIssue.submission_id == sub.id, ValidationIssue.severity == "error")
        .order_by(ValidationIssue.id)
    )
    return FileResult(
        claim.name,
        sub.status,
        when,
        unit,
        sub.form,
        sub.period,
        sub.row_count,
        counts.get("error", 0),
        counts.get("warning", 0),
        sub.id,
        reason=first or "",
    )


def process_batch(app: App, claims: list[Claim], received_at: datetime | None = None) -> list[FileResult]:
    """`process_claim` over many claims at once: each taken and kept, all judged together
    (`submit_batch`), each recorded, answered and settled on its own. Same results, same order."""
    out: list[FileResult | None] = [None] * len(claims)
    items, at = [], []
    for i, c in enumerate(claims):
        when = received_at or to_local(c.claimed_at, app.campaign.timezone)
        try:
            if (done := _recorded_already(app, c, when)) is not None:
                out[i] = done
                continue
            data = open_received(c.path, app.settings.max_file_bytes)
        except Refused as e:  # not a file, too large: recorded and answered unread, as one at a time
            out[i] = _done(app, c, when, submit_refused(app, c.name, e, received_at=when, unit=None))
            continue
        except Exception as e:
            out[i] = _crashed(app, c, when, e)
            continue
        items.append((data, c.name, when))
        at.append(i)
    for (i, r), (_, _, when) in zip(zip(at, submit_batch(app, items), strict=True), items, strict=True):
        out[i] = _crashed(app, claims[i], when, r) if isinstance(r, Exception) else _done(app, claims[i], when, r)
    return [r for r in out if r is not None]


def check_folders(app: App) -> None:
    """Refuse (`UnsafeFolder`) a files/, processed/, failed/ or annotated/ that is a link or not the
    service user's; each is created when missing. The inbox and .claimed are checked by `claim_all`."""
    home = app.settings.home
    for folder in (app.settings.files_dir, home / "processed", home / "failed", home / "annotated"):
        with opened(folder):
            pass


def intake_inbox(
    app: App,
    *,
    received_at: datetime | None = None,
    each: Callable[[App, Claim, datetime | None], FileResult] = process_claim,
    batch: int = 0,
    each_batch: Callable[[App, list[Claim], datetime | None], list[FileResult]] | None = None,
) -> list[FileResult]:
    """Every file waiting in the inbox, processed once. `received_at` stamps them all (replays and
    tests); by default each is received when it is claimed, by Duban's own clock. With `batch`,
    files are judged `batch` at a time (`process_batch`): the same verdicts, a fraction of the cost.
    `UnsafeFolder` before anything is claimed when a folder the run works in is not Duban's own."""
    check_folders(app)
    if batch <= 1:
        return [each(app, c, received_at) for c in claim_all(app.settings.inbox_dir)]
    out: list[FileResult] = []
    while claims := claim_all(app.settings.inbox_dir, limit=batch):  # a batch claimed at a time:
        out += (each_batch or process_batch)(app, claims, received_at)  # other runs share the rest
    return out
