"""Typed tables of accepted form rows, one per form (FORMS.md). Column names follow the
`key`s in `schemas/forms.py`. Only rows with `current` count: rows of a superseded monthly
submission and tech-needs rows corrected by a later batch are kept with `current = False`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from schemas.tables import Base


class FormRow:
    """Columns every row table has: where the row came from and whether it still counts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(32))
    row_number: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True)

    @declared_attr
    def submission_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("submission.id"), index=True)

    @declared_attr
    def unit_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("unit.id"), index=True)


class TechNeed(FormRow, Base):
    __tablename__ = "tech_need"
    enterprise: Mapped[str] = mapped_column(String(256))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    sales_wan: Mapped[float]
    is_tech_enterprise: Mapped[bool]
    need_name: Mapped[str] = mapped_column(String(256))
    need_type: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    cooperation_mode: Mapped[str] = mapped_column(String(16))
    target_institution: Mapped[str | None] = mapped_column(String(256))
    contact: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(64))


class Cooperation(FormRow, Base):
    __tablename__ = "cooperation"
    enterprise: Mapped[str] = mapped_column(String(256))
    institution: Mapped[str] = mapped_column(String(256))
    original_form: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    progress: Mapped[str] = mapped_column(Text)
    agreement_signed: Mapped[bool]
    agreement_date: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)


class Negotiation(FormRow, Base):
    __tablename__ = "negotiation"
    project: Mapped[str] = mapped_column(String(256))
    enterprise: Mapped[str] = mapped_column(String(256))
    institution: Mapped[str] = mapped_column(String(256))
    contact_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(8))
    signed_date: Mapped[date | None]
    amount_wan: Mapped[float | None]
    cooperation_mode: Mapped[str] = mapped_column(String(16))
    academician: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)


class KeyProject(FormRow, Base):
    __tablename__ = "key_project"
    project: Mapped[str] = mapped_column(String(256))
    enterprise: Mapped[str] = mapped_column(String(256))
    partner: Mapped[str] = mapped_column(String(256))
    industry: Mapped[str] = mapped_column(String(64))
    criteria: Mapped[str] = mapped_column(String(8))
    amount_wan: Mapped[float]
    agreement_ready: Mapped[bool]
    representative: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(64))


class ActivityPlan(FormRow, Base):
    __tablename__ = "activity_plan"
    name: Mapped[str] = mapped_column(String(256))
    theme: Mapped[str] = mapped_column(String(256))
    place: Mapped[str] = mapped_column(String(256))
    lead_unit: Mapped[str] = mapped_column(String(256))
    planned_date: Mapped[date]
    institutions: Mapped[str | None] = mapped_column(Text)
    expected_enterprises: Mapped[int]
    contact: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(64))


class ActivityReport(FormRow, Base):
    __tablename__ = "activity_report"
    name: Mapped[str] = mapped_column(String(256))
    held_date: Mapped[date]
    place: Mapped[str] = mapped_column(String(256))
    enterprises: Mapped[int]
    institutions: Mapped[int]
    intentions: Mapped[int]
    signed_projects: Mapped[int]


class Milestone(FormRow, Base):
    __tablename__ = "milestone"
    item: Mapped[str] = mapped_column(String(32))
    done: Mapped[bool]
    done_date: Mapped[date | None]
    evidence: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


ROW_TABLES: dict[str, type[FormRow]] = {
    "tech-needs": TechNeed,
    "cooperation-deepening": Cooperation,
    "negotiations": Negotiation,
    "key-projects": KeyProject,
    "activity-plan": ActivityPlan,
    "activity-report": ActivityReport,
    "milestones": Milestone,
}
