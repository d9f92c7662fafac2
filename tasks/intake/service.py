"""Submitting a file: keep it, judge it, record it, prepare the answer — in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from config.settings import Settings
from schemas.campaign import Campaign
from schemas.forms import FORMS
from tasks.app import App
from tasks.clock import now_local
from tasks.intake.keep import keep_file, record
from tasks.intake.validate import Limits, inspect_file
from tasks.intake.verdict import Verdict, summary


@dataclass(frozen=True)
class Submitted:
    verdict: Verdict
    submission_id: int
    status: str  # accepted | rejected | unreadable | duplicate
    annotated: Path | None

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def as_json(self) -> dict[str, object]:
        return {**self.verdict.as_json(), "submission_id": self.submission_id, "stored_as": self.status}


def limits_of(settings: Settings) -> Limits:
    return Limits(settings.max_file_bytes, settings.max_expanded_bytes)


def validate_file(settings: Settings, campaign: Campaign, path: Path, *, unit: str | None = None,
                  form: str | None = None, period: str | None = None,
                  received_at: datetime | None = None) -> Verdict:
    """Judge a file without writing anything (no store needed: `duban validate` stays fast)."""
    received = received_at or now_local(campaign.timezone)
    return inspect_file(_read(path, settings), path.name, campaign, received=received.date(),
                        limits=limits_of(settings), unit=unit, form=form, period=period)


def submit_file(app: App, path: Path, *, unit: str | None = None, form: str | None = None,
                period: str | None = None, received_at: datetime | None = None,
                filename: str | None = None) -> Submitted:
    """Keep the file as received, judge it, record the submission and its rows, queue the receipt."""
    # imported here, not at the top: `duban validate` never needs the outbox (~0.4 s)
    from notifications.receipts import queue_receipt

    received = received_at or app.now()
    sha, size = keep_file(app.settings.files_dir, path)  # first: whatever happens next, the file is kept
    name = filename or path.name
    v = inspect_file(_read(path, app.settings), name, app.campaign, received=received.date(),
                     limits=limits_of(app.settings),
                     unit=unit, form=form, period=period)
    title = FORMS[v.form].title if v.form in FORMS else None
    text = summary(v, form_title=title)
    with app.store.session(write=True) as s:
        sub = record(s, app.campaign.id, v, sha=sha, size=size, received_at=received)
        sub.summary = text
        annotated = None
        if v.issues and v.sheets and sub.status != "duplicate":
            from tasks.intake.annotate import annotated_workbook

            annotated = app.settings.home / "annotated" / f"{sub.id}.xlsx"
            annotated.parent.mkdir(parents=True, exist_ok=True)
            annotated.write_bytes(annotated_workbook(v, v.sheets, summary_text=text))
        queue_receipt(s, campaign=app.campaign, submission_id=sub.id, now=received, annotated=annotated,
                      mail_from=app.settings.mail_from)
        return Submitted(v, sub.id, sub.status, annotated)


def _read(path: Path, settings: Settings) -> bytes:
    """The file's bytes; of an oversized file only enough for `inspect_file` to refuse it."""
    with path.open("rb") as fh:
        return fh.read(settings.max_file_bytes + 1)
