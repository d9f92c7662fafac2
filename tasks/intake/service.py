"""Submitting a file: take it, keep it, judge it, record it, prepare the answer — in one transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from config.settings import Settings
from notifications.receipts import queue_receipt
from schemas.campaign import Campaign
from schemas.verdicts import SubmissionStatus
from tasks.app import App
from tasks.calendar import now_local
from tasks.intake.identify import unit_in_name
from tasks.intake.keep import keep_bytes, record_refused
from tasks.intake.origin import INBOX, Origin
from tasks.intake.receive import Refused, open_received
from tasks.intake.record import Kept, Submitted, page_link, record_in
from tasks.intake.validate import inspect_file
from tasks.intake.verdict import Issue, Verdict
from tasks.reader import Limits


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
    origin: Origin = INBOX,
) -> Submitted:
    """Take the file at `path` (regular files only, size checked first), then `submit_bytes`;
    an entry refused before its bytes were taken is recorded and answered all the same."""
    received = received_at or app.now()
    name = filename or path.name
    try:
        data = open_received(path, app.settings.max_file_bytes)
    except Refused as e:
        return submit_refused(app, name, e, received_at=received, unit=unit or origin.unit, origin=origin)
    return submit_bytes(app, data, name, unit=unit, form=form, period=period, received_at=received, origin=origin)


def submit_bytes(
    app: App,
    data: bytes,
    name: str,
    *,
    unit: str | None = None,
    form: str | None = None,
    period: str | None = None,
    received_at: datetime | None = None,
    origin: Origin = INBOX,
) -> Submitted:
    """Keep the bytes as received, judge them, record the submission and its rows, queue the receipt.

    `unit` files it for that unit whatever it says; `origin.unit` (the sender's unit is known) files
    it for that unit unless the file names another one, which is refused as a mismatch."""
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
        expect_unit=origin.unit,
    )
    return file_verdict(app, v, Kept(sha, len(data), name, received), origin)


def file_verdict(app: App, v: Verdict, kept: Kept, origin: Origin = INBOX) -> Submitted:
    """Record a judged file (kept already under `kept.sha`), its rows and issues, and queue its
    receipt, in a transaction of its own."""
    with app.store.session(write=True) as s:
        return record_in(s, app, v, kept, origin)


def submit_refused(
    app: App, name: str, e: Refused, *, received_at: datetime, unit: str | None, origin: Origin = INBOX
) -> Submitted:
    """Record and answer an entry refused before its bytes were taken (not a file, too large)."""
    with app.store.session(write=True) as s:
        return refused_in(s, app, name, e, received_at=received_at, unit=unit, origin=origin)


def refused_in(
    s: Session, app: App, name: str, e: Refused, *, received_at: datetime, unit: str | None, origin: Origin
) -> Submitted:
    """`submit_refused` in the caller's transaction (the unit's page records it in its upload slot)."""
    v = refused_verdict(name, e, app.campaign, unit)
    sub = record_refused(
        s, app.campaign, filename=name, size=e.size, code=e.code, reason=str(e), unit=v.unit, received_at=received_at
    )
    sub.channel, sub.submitted_by, sub.submitter_phone = origin.channel, origin.submitted_by, origin.phone
    queue_receipt(
        s,
        campaign=app.campaign,
        submission_id=sub.id,
        now=received_at,
        mail_from=app.settings.mail_from,
        link=page_link(s, app, sub.unit_id),
    )
    return Submitted(v, sub.id, SubmissionStatus.REFUSED, None)
