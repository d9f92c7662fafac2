"""Accepted form rows, whatever the form: one table, each row's cells as JSON (JSONB on
PostgreSQL), typed on the way out by the form's declared columns (`tasks/intake/rows.py`).

Only rows with `current` count: rows of a superseded submission, and rows of an accumulating
form corrected by a later file (same `key`), are kept with `current = False`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables import Base

ROW_DATA = JSON().with_variant(JSONB(), "postgresql")


class FormRow(Base):
    __tablename__ = "form_row"
    __table_args__ = (
        Index("ix_form_row_current", "campaign", "form", "current"),
        Index("ix_form_row_key", "unit_id", "form", "key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    period: Mapped[str] = mapped_column(String(32))
    row_number: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True)
    key: Mapped[str | None] = mapped_column(String(512))  # an accumulating form's row identity
    data: Mapped[dict[str, Any]] = mapped_column(ROW_DATA)
