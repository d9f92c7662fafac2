"""Recording a judged file: its closing check, summary and annotated copy, the submission and its
rows, the receipt and a proposed change of contacts — in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from notifications.contact_notice import queue_contact_notice
from notifications.receipts import Liaisons, queue_receipt
from schemas.campaign import Campaign
from schemas.tables import ChangeStatus, Obligation, Submission, Unit
from schemas.verdicts import SubmissionStatus
from tasks.app import App, audit
from tasks.contacts import propose
from tasks.intake import rules
from tasks.intake.annotate import annotated_workbook
from tasks.intake.budget import Budget, OverBudget, too_slow
from tasks.intake.keep import record
from tasks.intake.origin import INBOX, Origin
from tasks.intake.verdict import Verdict, summary
from tasks.portal import make_link


@dataclass(frozen=True)
class Submitted:
    verdict: Verdict
    submission_id: int
    status: str  # a schemas.verdicts.Verdict: accepted | rejected | unreadable | duplicate | refused
    annotated: Path | None
    contact_change: int | None = None  # a held change of the unit's contacts, waiting for ops

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def as_json(self) -> dict[str, object]:
        return {**self.verdict.as_json(), "submission_id": self.submission_id, "stored_as": self.status}


@dataclass(frozen=True)
class Kept:
    """A received file as kept: its hash (its name in files/), size, name and when it came."""

    sha: str
    size: int
    name: str
    received: datetime


def annotated_path(settings: Settings, submission_id: int, sha: str) -> Path:
    """The annotated copy of a submission: named by its id AND its file's hash, so a copy left by a
    run that died before committing can never pass for a later submission that reuses the id."""
    return settings.home / "annotated" / f"{submission_id}-{sha[:16]}.xlsx"


def page_link(session: Session, app: App, unit_id: int | None) -> str | None:
    """The unit's page link for its receipt."""
    unit = session.get(Unit, unit_id) if unit_id else None
    return make_link(app.settings, unit).url if unit else None


def judge_closing(s: Session, campaign: Campaign, v: Verdict, received: datetime) -> None:
    """The closing rule (`rules.close_if_past`) on a judged file, with its obligation's due dates."""
    rules.close_if_past(v, campaign, received.date(), lambda: _dues(s, campaign, v))


def _dues(s: Session, campaign: Campaign, v: Verdict) -> list[date]:
    """The effective due dates of the obligations of the file's unit, form and period."""
    return [
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


@dataclass(frozen=True)
class Prepared:
    """What recording a judged file needs that takes no lock: its summary and annotated workbook."""

    summary: str
    annotated: bytes | None


def prepare(app: App, v: Verdict) -> Prepared:
    """The summary and annotated copy; past the file's time budget, those of its too-complex answer."""
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
    return Prepared(text, annotated_workbook(v, v.sheets, summary_text=text, budget=budget))


def record_in(
    s: Session,
    app: App,
    v: Verdict,
    kept: Kept,
    origin: Origin = INBOX,
    *,
    units: dict[str, int] | None = None,
    prepared: Prepared | None = None,
    liaisons: Liaisons | None = None,
) -> Submitted:
    """Record a judged file in the caller's session (the unit page records under its upload lock):
    `_file_verdict` in a savepoint, within the file's time budget: past it, the savepoint is
    rolled back and the file recorded again as too complex (its rows and issues are not kept).
    `units` (name -> id) and `liaisons` save queries per file in a batch; `prepared`: done before,
    outside the lock."""
    budget = Budget(app.settings.read_budget_seconds, v.spent)
    got = None
    try:
        with s.begin_nested(), budget:
            got = _file_verdict(s, app, v, kept, origin, units, prepared, liaisons)
            budget.check()
            return got
    except OverBudget:
        if liaisons is not None:
            liaisons.forget()  # what the rolled-back savepoint read or changed
        if got is not None and got.annotated is not None:
            got.annotated.unlink(missing_ok=True)  # its submission is gone: so is its copy
    too_slow(v)
    with s.begin_nested():
        return _file_verdict(s, app, v, kept, origin, units, None, liaisons)


def _file_verdict(
    s: Session,
    app: App,
    v: Verdict,
    kept: Kept,
    origin: Origin,
    units: dict[str, int] | None,
    prepared: Prepared | None,
    liaisons: Liaisons | None = None,
) -> Submitted:
    if prepared is None:
        judge_closing(s, app.campaign, v, kept.received)
        prepared = prepare(app, v)
    who = {"channel": origin.channel, "submitted_by": origin.submitted_by, "submitter_phone": origin.phone}
    sub = record(
        s, app.campaign, v, sha=kept.sha, size=kept.size, received_at=kept.received, units=units,
        summary=prepared.summary, **who,
    )  # fmt: skip
    if any(i.code == "unit-mismatch" for i in v.issues):  # ops see it: a unit sent another unit's form
        _audit_mismatch(s, v, sub, kept, origin)
    annotated = None
    if prepared.annotated is not None and sub.status != SubmissionStatus.DUPLICATE:
        annotated = annotated_path(app.settings, sub.id, kept.sha)
        annotated.parent.mkdir(parents=True, exist_ok=True)
        annotated.write_bytes(prepared.annotated)
    # the receipt goes to the contacts in force when the file came, before any change applies
    if origin.receipt:
        queue_receipt(
            s,
            campaign=app.campaign,
            submission_id=sub.id,
            now=kept.received,
            annotated=annotated,
            mail_from=app.settings.mail_from,
            link=page_link(s, app, sub.unit_id),
            reply=origin.reply,
            issues=v.issues,
            liaisons=liaisons,
            fresh=True,  # its submission was recorded just now: no receipt of it can exist
        )
    change = _propose_contacts(s, app, v, sub, kept.received)
    if liaisons is not None and v.form and app.campaign.form(v.form).contacts is not None:
        liaisons.forget()  # a contacts form: the batch's next receipts read the units' liaisons again
    return Submitted(v, sub.id, sub.status, annotated, change)


def _audit_mismatch(s: Session, v: Verdict, sub: Submission, kept: Kept, origin: Origin) -> None:
    audit(
        s,
        at=kept.received,
        actor=f"{origin.unit} {origin.submitted_by or ''}".strip(),
        action="submission.mismatch",
        subject=f"{origin.unit}/{sub.id}",
        filename=kept.name,
        reason=v.issues[0].message,
    )


def _propose_contacts(s: Session, app: App, v: Verdict, sub: Submission, received: datetime) -> int | None:
    """An accepted contacts form proposes a change of the unit's contacts, and tells them:
    the change's id while it waits for ops, else None."""
    if not (sub.status == SubmissionStatus.ACCEPTED and v.form and app.campaign.form(v.form).contacts):
        return None
    change = propose(s, app.campaign, sub, v.records, received)
    queue_contact_notice(s, campaign=app.campaign, change=change, now=received, mail_from=app.settings.mail_from)
    return change.id if change.status == ChangeStatus.PENDING else None
