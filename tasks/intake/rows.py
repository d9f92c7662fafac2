"""Accepted form rows in and out of the one generic store (schemas/rows.py), typed by the
form's declared columns: dates are ISO text in JSON and `date`s again on the way out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from schemas.forms import Form
from schemas.rows import FormRow
from schemas.tables import Submission, Unit
from schemas.text import clean_text
from schemas.verdicts import SubmissionStatus

KEY_SEP = "\x1f"
CHUNK = 500  # keys per IN (...): far below every database's parameter limit


def row_key(form: Form, record: dict[str, Any]) -> str | None:
    """The identity of a row of an accumulating form (its `key` columns), or None."""
    return KEY_SEP.join(clean_text(str(record.get(k) or "")) for k in form.key) if form.key else None


def to_json(record: dict[str, Any], form: Form) -> dict[str, Any]:
    """A record as stored: dates as ISO text, and text without the characters a database column
    may not hold (PostgreSQL's JSONB refuses NUL; the received file keeps them)."""
    return {
        c.key: (v.isoformat() if isinstance(v, date) else clean_text(v) if isinstance(v, str) else v)
        for c in form.columns
        if (v := record.get(c.key)) is not None
    }


def from_json(data: dict[str, Any], dates: Iterable[str]) -> dict[str, Any]:
    out = dict(data)
    for k in dates:
        if isinstance(out.get(k), str):
            out[k] = date.fromisoformat(out[k])
    return out


def store(session: Session, form: Form, sub: Submission, unit_id: int, records: list[dict[str, Any]]) -> None:
    """Store an accepted file's rows: they replace the earlier file of the same period, or (an
    accumulating form) correct the current rows with the same key; history is kept, not current."""
    if form.versions == "accumulate":
        keys = sorted({k for r in records if (k := row_key(form, r))})
        for i in range(0, len(keys), CHUNK):
            session.execute(
                update(FormRow)
                .where(
                    FormRow.unit_id == unit_id,
                    FormRow.form == form.code,
                    FormRow.current.is_(True),
                    FormRow.key.in_(keys[i : i + CHUNK]),
                )
                .values(current=False)
            )
    else:
        _supersede(session, sub, unit_id)
    if records:
        session.execute(
            FormRow.__table__.insert(),
            [  # Core executemany: no ORM bookkeeping per row
                {
                    "campaign": sub.campaign,
                    "form": form.code,
                    "submission_id": sub.id,
                    "unit_id": unit_id,
                    "period": sub.period,
                    "row_number": r["row_number"],
                    "current": True,
                    "key": row_key(form, r),
                    "data": to_json(r, form),
                }
                for r in records
            ],
        )


def _supersede(session: Session, sub: Submission, unit_id: int) -> None:
    """The unit's earlier accepted file of the same form and period, and its rows, are no longer current."""
    old_ids = list(
        session.scalars(
            select(Submission.id).where(
                Submission.campaign == sub.campaign,
                Submission.unit_id == unit_id,
                Submission.form == sub.form,
                Submission.period == sub.period,
                Submission.status == SubmissionStatus.ACCEPTED,
                Submission.superseded_by.is_(None),
                Submission.id != sub.id,
            )
        )
    )
    if old_ids:
        session.execute(update(Submission).where(Submission.id.in_(old_ids)).values(superseded_by=sub.id))
        session.execute(update(FormRow).where(FormRow.submission_id.in_(old_ids)).values(current=False))


def current_rows(
    session: Session, form: Form, campaign_id: str, *, received_by: datetime | None = None, history: bool = False
) -> list[dict[str, Any]]:
    """A form's current rows (all versions with `history`), typed, each with `unit`, `period`,
    `received_at` and `submission_id`; only files received by `received_by` when given."""
    q = (
        select(FormRow.data, FormRow.period, FormRow.submission_id, Unit.name, Submission.received_at)
        .join(Unit, Unit.id == FormRow.unit_id)
        .join(Submission, Submission.id == FormRow.submission_id)
        .where(FormRow.campaign == campaign_id, FormRow.form == form.code)
    )
    if not history:
        q = q.where(FormRow.current.is_(True))
    if received_by is not None:
        q = q.where(Submission.received_at <= received_by)
    dates = [c.key for c in form.columns if c.kind == "date"]
    return [
        {**from_json(data, dates), "unit": unit, "period": period, "submission_id": sid, "received_at": at}
        for data, period, sid, unit, at in session.execute(q.order_by(FormRow.id)).tuples()
    ]
