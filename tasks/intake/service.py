"""Submitting a file: take it, keep it, judge it, record it, prepare the answer — in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.settings import Settings
from schemas.campaign import Campaign
from tasks.app import App
from tasks.calendar import now_local
from tasks.intake.budget import Budget, OverBudget, too_slow
from tasks.intake.identify import unit_in_name
from tasks.intake.keep import keep_bytes, lock_key, record, record_refused
from tasks.intake.receive import Refused, open_received
from tasks.intake.validate import Limits, inspect_file
from tasks.intake.verdict import Issue, Verdict, summary

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from notifications.receipts import Reply


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    verdict: Verdict
    submission_id: int
    status: str  # accepted | rejected | unreadable | duplicate | refused
    annotated: Path | None
    contact_change: int | None = None  # a held change of the unit's contacts, waiting for ops

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def as_json(self) -> dict[str, object]:
        return {**self.verdict.as_json(), "submission_id": self.submission_id, "stored_as": self.status}


def limits_of(settings: Settings) -> Limits:
    s = settings
    return Limits(
        max_bytes=s.max_file_bytes,
        max_expanded=s.max_expanded_bytes,
        max_cells=s.read_max_cells,
        max_columns=s.read_max_columns,
        max_merged=s.read_max_merged,
        max_filled=s.read_max_filled,
        max_text=s.read_max_text,
        max_reply_bytes=s.read_max_reply_bytes,
        memory_bytes=s.read_memory_bytes,
        cpu_seconds=s.read_cpu_seconds,
        timeout_seconds=s.read_timeout_seconds,
        budget_seconds=s.read_budget_seconds,
    )


def annotated_path(settings: Settings, submission_id: int, sha: str) -> Path:
    """The annotated copy of a submission: named by its id AND its file's hash, so a copy left by a
    run that died before committing can never pass for a later submission that reuses the id."""
    return settings.home / "annotated" / f"{submission_id}-{sha[:16]}.xlsx"


def validate_file(
    settings: Settings,
    campaign: Campaign,
    path: Path,
    *,
    unit: str | None = None,
    form: str | None = None,
    period: str | None = None,
    received_at: datetime | None = None,
) -> Verdict:
    """Judge a file without writing anything (no store needed: `duban validate` stays fast)."""
    received = received_at or now_local(campaign.timezone)
    try:
        data = open_received(path, settings.max_file_bytes)
    except Refused as e:
        return refused_verdict(path.name, e, campaign, unit)
    return inspect_file(
        data,
        path.name,
        campaign,
        received=received.date(),
        limits=limits_of(settings),
        unit=unit,
        form=form,
        period=period,
    )


def refused_verdict(name: str, e: Refused, campaign: Campaign, unit: str | None) -> Verdict:
    v = Verdict(filename=name, unit=unit or unit_in_name(name, campaign), unreadable=True)
    v.issues.append(Issue("error", e.code, str(e)))
    return v


def submit_file(
    app: App,
    path: Path,
    *,
    unit: str | None = None,
    form: str | None = None,
    period: str | None = None,
    received_at: datetime | None = None,
    filename: str | None = None,
    expect_unit: str | None = None,
) -> Submitted:
    """Take the file at `path` (regular files only, size checked first), then `submit_bytes`;
    an entry refused before its bytes were taken is recorded and answered all the same."""
    received = received_at or app.now()
    name = filename or path.name
    try:
        data = open_received(path, app.settings.max_file_bytes)
    except Refused as e:
        return submit_refused(app, name, e, received_at=received, unit=unit or expect_unit)
    return submit_bytes(
        app, data, name, unit=unit, form=form, period=period, received_at=received, expect_unit=expect_unit
    )


def submit_bytes(
    app: App,
    data: bytes,
    name: str,
    *,
    unit: str | None = None,
    form: str | None = None,
    period: str | None = None,
    received_at: datetime | None = None,
    expect_unit: str | None = None,
    channel: str = "inbox",
    submitted_by: str | None = None,
    phone: str | None = None,
    reply: Reply | None = None,
    receipt: bool = True,
) -> Submitted:
    """Keep the bytes as received, judge them, record the submission and its rows, queue the receipt.

    `expect_unit`: the sender's unit is known (its page): a file naming another unit is refused.
    `receipt=False`: the caller answers (one reply for all of a message's files); none is queued here."""
    received = received_at or app.now()
    sha = keep_bytes(app.settings.files_dir, data)  # first: whatever happens next, the file is kept
    v = inspect_file(
        data,
        name,
        app.campaign,
        received=received.date(),
        limits=limits_of(app.settings),
        unit=unit,
        form=form,
        period=period,
        expect_unit=expect_unit,
    )
    return file_verdict(
        app,
        v,
        sha=sha,
        size=len(data),
        name=name,
        received=received,
        expect_unit=expect_unit,
        channel=channel,
        submitted_by=submitted_by,
        phone=phone,
        reply=reply,
        receipt=receipt,
    )


def submit_batch(app: App, items: list[tuple[bytes, str, datetime]]) -> list[Submitted | Exception]:
    """Many received files (bytes, name, received time): each kept first, all judged together
    (`inspect_files`: one Great Expectations call per form and set of columns), then all recorded
    and answered in one transaction, each file inside its own savepoint: one commit for the batch,
    and a file whose recording raised is rolled back alone and returned as its exception, the
    others unaffected. A crash before the commit loses no verdict: the files are kept, still
    claimed in the inbox, and judged again by the next run."""
    shas = [keep_bytes(app.settings.files_dir, data) for data, _, _ in items]  # first: every file is kept
    verdicts = _judge_all(app, items)
    prepared = _prepare_all(app, items, verdicts)
    return _record_all(app, items, shas, verdicts, prepared)


def _judge_all(app: App, items: list[tuple[bytes, str, datetime]]) -> list[Verdict | Exception]:
    from tasks.intake.validate import Crashed, Received, inspect_files

    limits = limits_of(app.settings)
    verdicts: list[Verdict | Exception] = []
    for (data, name, when), v in zip(
        items,
        inspect_files([Received(data, name, when.date()) for data, name, when in items], app.campaign, limits=limits),
        strict=True,
    ):
        try:  # judged alone: a crash of the batch path must not cost the file
            verdicts.append(
                inspect_file(data, name, app.campaign, received=when.date(), limits=limits)
                if isinstance(v, Crashed)
                else v
            )
        except Exception as e:
            verdicts.append(e)
    return verdicts


def _prepare_all(
    app: App, items: list[tuple[bytes, str, datetime]], verdicts: list[Verdict | Exception]
) -> list[Prepared | Exception]:
    """What needs no lock, done before taking the store's writer: the closing check, the summary,
    the annotated workbook (recording is the part of intake that waits for other runs)."""
    prepared: list[Prepared | Exception] = []
    with app.store.session() as s:
        for (_, _, when), v in zip(items, verdicts, strict=True):
            try:
                prepared.append(v if isinstance(v, Exception) else _prepare(s, app, v, when))
            except Exception as e:
                prepared.append(e)
    return prepared


def _record_all(
    app: App,
    items: list[tuple[bytes, str, datetime]],
    shas: list[str],
    verdicts: list[Verdict | Exception],
    prepared: list[Prepared | Exception],
) -> list[Submitted | Exception]:
    from sqlalchemy import select

    from schemas.tables import Unit

    done: dict[int, Submitted | Exception] = {}
    try:
        with app.store.session(write=True) as s:
            # held for the batch: each file's lookups of its unit are answered by the session
            held = s.scalars(select(Unit).where(Unit.campaign == app.campaign.id)).all()
            units = {u.name: u.id for u in held}
            for i in _lock_order(app.campaign.id, verdicts, shas):
                (data, name, when), sha, v, p = items[i], shas[i], verdicts[i], prepared[i]
                if (failed := _failed(v, p)) is not None:
                    done[i] = failed
                    continue
                try:
                    done[i] = record_in(
                        s, app, v, sha=sha, size=len(data), name=name, received=when, units=units, prepared=p
                    )
                except Exception as e:
                    done[i] = e
                    if not _transaction_alive(s):  # the database ended the whole transaction, not the savepoint
                        raise
    except Exception as e:
        # The batch could not be recorded as one (its commit failed, the writer's lock timed out, the
        # database rolled the transaction back): nothing of it was. Each file, in its own transaction.
        log.warning(
            "recording a batch of %d files failed (%s: %s); recording them one by one", len(items), type(e).__name__, e
        )
        return _record_each(app, items, shas, verdicts, prepared)
    return [done[i] for i in range(len(items))]


def _record_each(
    app: App,
    items: list[tuple[bytes, str, datetime]],
    shas: list[str],
    verdicts: list[Verdict | Exception],
    prepared: list[Prepared | Exception],
) -> list[Submitted | Exception]:
    out: list[Submitted | Exception] = []
    for (data, name, when), sha, v, p in zip(items, shas, verdicts, prepared, strict=True):
        if (failed := _failed(v, p)) is not None:
            out.append(failed)
            continue
        try:
            with app.store.session(write=True) as s:
                out.append(record_in(s, app, v, sha=sha, size=len(data), name=name, received=when, prepared=p))
        except Exception as e:
            out.append(e)
    return out


def _failed(v: Verdict | Exception, p: Prepared | Exception) -> Exception | None:
    """What already went wrong with a file before recording it (judging or preparing), if anything."""
    return v if isinstance(v, Exception) else p if isinstance(p, Exception) else None


def _transaction_alive(s: Session) -> bool:
    """Whether the session's transaction is still open after a file's savepoint was rolled back:
    SQLite ends the whole transaction on some errors (a full disk, an I/O error), and a later
    savepoint would then commit on its own."""
    try:
        raw = s.connection().connection.driver_connection
    except Exception:
        return False
    if hasattr(raw, "in_transaction"):  # sqlite3
        return bool(raw.in_transaction)
    status = getattr(getattr(raw, "info", None), "transaction_status", None)  # psycopg 3
    return status is None or status.name == "INTRANS"


def _lock_order(campaign_id: str, verdicts: list[Verdict | Exception], shas: list[str]) -> list[int]:
    """The batch's files in the order of the locks their recording takes (`lock_key`), so that
    concurrent batches on PostgreSQL take them in one global order and never deadlock."""

    def key(i: int) -> int:
        v = verdicts[i]
        return -(1 << 63) if isinstance(v, Exception) else lock_key(campaign_id, v, shas[i])

    return sorted(range(len(verdicts)), key=key)


def file_verdict(
    app: App,
    v: Verdict,
    *,
    sha: str,
    size: int,
    name: str,
    received: datetime,
    expect_unit: str | None = None,
    channel: str = "inbox",
    submitted_by: str | None = None,
    phone: str | None = None,
    reply: Reply | None = None,
    receipt: bool = True,
) -> Submitted:
    """Record a judged file (kept already under `sha`), its rows and issues, and queue its
    receipt, in a transaction of its own."""
    with app.store.session(write=True) as s:
        return record_in(
            s,
            app,
            v,
            sha=sha,
            size=size,
            name=name,
            received=received,
            expect_unit=expect_unit,
            channel=channel,
            submitted_by=submitted_by,
            phone=phone,
            reply=reply,
            receipt=receipt,
        )


@dataclass(frozen=True)
class Prepared:
    """What recording a judged file needs that takes no lock: its summary and annotated workbook."""

    summary: str
    annotated: bytes | None


def _prepare(s: Session, app: App, v: Verdict, received: datetime) -> Prepared:
    """The summary and annotated copy; past the file's time budget, those of its too-complex answer."""
    _close_if_past(s, app.campaign, v, received)
    budget = Budget(app.settings.read_budget_seconds, v.spent)
    try:
        with budget:
            return _prepared(app, v, budget)
    except OverBudget:
        return _prepared(app, too_slow(v), None)
    finally:
        v.spent = budget.spent


def _prepared(app: App, v: Verdict, budget: Budget | None) -> Prepared:
    if budget is not None:
        budget.check()
    title = app.campaign.form(v.form).title if v.form else None
    text = summary(v, form_title=title)
    if not (v.issues and v.sheets):
        return Prepared(text, None)
    from tasks.intake.annotate import annotated_workbook

    return Prepared(text, annotated_workbook(v, v.sheets, summary_text=text, budget=budget))


def record_in(s: Session, app: App, v: Verdict, **kw: Any) -> Submitted:
    """Record a judged file in the caller's session (the unit page records under its upload lock):
    `_file_verdict` in a savepoint, within the file's time budget: past it, the savepoint is
    rolled back and the file recorded again as too complex (its rows and issues are not kept)."""
    budget = Budget(app.settings.read_budget_seconds, v.spent)
    got = None
    try:
        with s.begin_nested(), budget:
            got = _file_verdict(s, app, v, **kw)
            budget.check()
            return got
    except OverBudget:
        if got is not None and got.annotated is not None:
            got.annotated.unlink(missing_ok=True)  # its submission is gone: so is its copy
    too_slow(v)
    with s.begin_nested():
        return _file_verdict(s, app, v, **{**kw, "prepared": None})


def _file_verdict(
    s: Session,
    app: App,
    v: Verdict,
    *,
    sha: str,
    size: int,
    name: str,
    received: datetime,
    expect_unit: str | None = None,
    channel: str = "inbox",
    submitted_by: str | None = None,
    phone: str | None = None,
    reply: Reply | None = None,
    units: dict[str, int] | None = None,
    prepared: Prepared | None = None,
    receipt: bool = True,
) -> Submitted:
    # imported here, not at the top: `duban validate` never needs the outbox (~0.4 s)
    from notifications.contact_notice import queue_contact_notice
    from notifications.receipts import queue_receipt
    from tasks.contacts import propose

    p = prepared or _prepare(s, app, v, received)
    sub = record(
        s,
        app.campaign,
        v,
        sha=sha,
        size=size,
        received_at=received,
        units=units,
        summary=p.summary,
        channel=channel,
        submitted_by=submitted_by,
        submitter_phone=phone,
    )
    if any(i.code == "unit-mismatch" for i in v.issues):  # ops see it: a unit sent another unit's form
        from tasks.app import audit

        audit(
            s,
            at=received,
            actor=f"{expect_unit} {submitted_by or ''}".strip(),
            action="submission.mismatch",
            subject=f"{expect_unit}/{sub.id}",
            filename=name,
            reason=v.issues[0].message,
        )
    annotated = None
    if p.annotated is not None and sub.status != "duplicate":
        annotated = annotated_path(app.settings, sub.id, sha)
        annotated.parent.mkdir(parents=True, exist_ok=True)
        annotated.write_bytes(p.annotated)
    # the receipt goes to the contacts in force when the file came, before any change applies
    if receipt:
        queue_receipt(
            s,
            campaign=app.campaign,
            submission_id=sub.id,
            now=received,
            annotated=annotated,
            mail_from=app.settings.mail_from,
            link=page_link(s, app, sub.unit_id),
            reply=reply,
            issues=v.issues,
        )
    held = None
    if sub.status == "accepted" and v.form and app.campaign.form(v.form).contacts:
        change = propose(s, app.campaign, sub, v.records, received)
        queue_contact_notice(s, campaign=app.campaign, change=change, now=received, mail_from=app.settings.mail_from)
        held = change.id if change.status == "pending" else None
    return Submitted(v, sub.id, sub.status, annotated, held)


def _close_if_past(s: Session, campaign: Campaign, v: Verdict, received: datetime) -> None:
    """A campaign that closes obligations N days after their due date (`intake.closes_after_days`)
    refuses a file for a closed one, saying so; without it, nothing is locked."""
    days = campaign.intake.closes_after_days
    if days is None or v.unreadable or not (v.unit and v.form and v.period):
        return
    from datetime import timedelta

    from sqlalchemy import select

    from schemas.tables import Obligation, Unit

    dues = [
        o.effective_due
        for o in s.scalars(
            select(Obligation)
            .join(Unit, Obligation.unit_id == Unit.id)
            .where(
                Obligation.campaign == campaign.id,
                Unit.name == v.unit,
                Obligation.form == v.form,
                Obligation.period == v.period,
            )
        )
    ]
    if dues and all(received.date() > d + timedelta(days=days) for d in dues):
        last = max(dues) + timedelta(days=days)
        v.unreadable = True
        v.issues.insert(
            0,
            Issue(
                "error",
                "closed",
                f"本期报送已于{last:%Y年%m月%d日}关闭（截止日后{days}天），不再接收；"
                f"如需补报，请联系{campaign.organiser}",
            ),
        )


def submit_refused(
    app: App,
    name: str,
    e: Refused,
    *,
    received_at: datetime,
    unit: str | None,
    channel: str = "inbox",
    submitted_by: str | None = None,
    phone: str | None = None,
) -> Submitted:
    """Record and answer an entry refused before its bytes were taken (not a file, too large)."""
    from notifications.receipts import queue_receipt

    received = received_at
    v = refused_verdict(name, e, app.campaign, unit)
    with app.store.session(write=True) as s:
        sub = record_refused(
            s, app.campaign, filename=name, size=e.size, code=e.code, reason=str(e), unit=v.unit, received_at=received
        )
        sub.channel, sub.submitted_by, sub.submitter_phone = channel, submitted_by, phone
        queue_receipt(
            s,
            campaign=app.campaign,
            submission_id=sub.id,
            now=received,
            mail_from=app.settings.mail_from,
            link=page_link(s, app, sub.unit_id),
        )
        return Submitted(v, sub.id, "refused", None)


def page_link(session, app: App, unit_id: int | None) -> str | None:  # type: ignore[no-untyped-def]
    """The unit's page link for its receipt."""
    from schemas.tables import Unit
    from tasks.portal import make_link

    unit = session.get(Unit, unit_id) if unit_id else None
    return make_link(app.settings, unit).url if unit else None
