"""Briefings (督查简报 and the final evaluation) as records: number, date, approval, figures."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from schemas.tables import Base


class BriefingStatus(StrEnum):
    """Where one briefing stands: drafted, approved by the office (or held back), sent."""

    DRAFT = "draft"
    APPROVED = "approved"
    HELD = "held"
    SENT = "sent"


class Briefing(Base):
    __tablename__ = "briefing"
    __table_args__ = (UniqueConstraint("campaign", "kind", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # monthly | final
    number: Mapped[int]
    as_of: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))  # a BriefingStatus
    approved_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)  # key -> value, for "change since last"
    folder: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime]
