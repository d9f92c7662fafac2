"""Briefings (督查简报 and the final evaluation) as records: number, date, approval, figures."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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


class BriefingVersion(Base):
    """What was sent of one issue, append-only: the file itself (the office's edited .docx, or the
    PDF as generated) with its SHA-256, who approved it, and the figures it said. A corrected issue
    (更正) is a new version naming what changed; the version sent before is never replaced."""

    __tablename__ = "briefing_version"
    __table_args__ = (UniqueConstraint("briefing_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefing.id"))
    version: Mapped[int]  # 1: the issue; 2, 3, …: its corrections
    path: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    edited: Mapped[bool] = mapped_column(default=False)  # the office's own .docx
    approved_by: Mapped[str] = mapped_column(String(64))
    changes: Mapped[str] = mapped_column(Text, default="")  # a correction: what changed
    said: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the figures as sent (tasks/briefing/versions.py)
    sent_at: Mapped[datetime]
