"""督办事项 (matters followed to closure): their states, what can happen to them, and their tables.

A matter is owned by one unit, with a title, a responsible person and a deadline; it comes from
a row of a tracked ledger (a form with `tracks:`) or from an ops assignment (`duban assign`).
Its life: 交办 → 已签收 → 办理中 → 申请办结 → 已办结 (销号), or 退回 (open again). Every change
is a `MatterEvent`, with who and when; the table is append-only (migration 0010).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schemas.tables import Base, Unit


class MatterState(StrEnum):
    """Where a matter stands (`Matter.state`); the store keeps the value, people read the label."""

    ASSIGNED = "assigned"  # 交办: sent to the unit, not yet signed for
    SIGNED = "signed"  # 已签收
    IN_PROGRESS = "in_progress"  # 办理中: progress reported (a ledger row starts here)
    CLOSING = "closing"  # 申请办结: the unit asks to close it, the office decides
    CLOSED = "closed"  # 已办结 (销号)
    RETURNED = "returned"  # 退回: the office returned the request; open again

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still the unit's to do: reminded and escalated on its ladder."""
        return self not in (MatterState.CLOSING, MatterState.CLOSED)


STATE_LABELS = {
    MatterState.ASSIGNED: "交办",
    MatterState.SIGNED: "已签收",
    MatterState.IN_PROGRESS: "办理中",
    MatterState.CLOSING: "申请办结",
    MatterState.CLOSED: "已办结",
    MatterState.RETURNED: "退回",
}


class MatterAction(StrEnum):
    """What happened to a matter (`MatterEvent.action`)."""

    ASSIGN = "assign"  # ops assigned it
    LEDGER = "ledger"  # a ledger row created or restated it
    SIGN = "sign"  # the unit signed for it
    PROGRESS = "progress"  # the unit reported progress
    REQUEST_CLOSE = "request_close"  # the unit asked to close it
    APPROVE = "approve"  # the office closed it (销号)
    RETURN = "return"  # the office returned the request
    EXTEND = "extend"  # the office moved its deadline
    REQUEST_EXTENSION = "ask_extension"  # the unit asked for a later deadline (the column holds 16)
    REFUSE_EXTENSION = "refuse_extension"  # the office refused the unit's request
    MISSING = "missing"  # a cumulative ledger no longer lists it: flagged, never closed


ACTION_LABELS = {
    MatterAction.ASSIGN: "交办",
    MatterAction.LEDGER: "台账登记",
    MatterAction.SIGN: "签收",
    MatterAction.PROGRESS: "报告进展",
    MatterAction.REQUEST_CLOSE: "申请办结",
    MatterAction.APPROVE: "销号",
    MatterAction.RETURN: "退回",
    MatterAction.EXTEND: "延期",
    MatterAction.REQUEST_EXTENSION: "申请延期",
    MatterAction.REFUSE_EXTENSION: "不同意延期",
    MatterAction.MISSING: "台账中缺失",
}


class MatterSource(StrEnum):
    """Where a matter came from (`Matter.source`)."""

    LEDGER = "ledger"  # a row of a tracked form
    OPS = "ops"  # an assignment by ops


class Matter(Base):
    """One matter of one unit. `key` is its identity within the unit: a ledger row's identity
    columns, or the assignment's number, so a matter sent to three units is three matters."""

    __tablename__ = "matter"
    __table_args__ = (
        UniqueConstraint("campaign", "unit_id", "key"),
        Index("ix_matter_campaign_state", "campaign", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    key: Mapped[str] = mapped_column(String(512))
    title: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(64), default="")
    due: Mapped[date]
    extended_due: Mapped[date | None]
    state: Mapped[str] = mapped_column(String(16))  # a MatterState
    source: Mapped[str] = mapped_column(String(16))  # a MatterSource
    source_label: Mapped[str] = mapped_column(String(32), default="")  # 领导批示, 整改问题, 组委会交办…
    instruction: Mapped[str] = mapped_column(Text, default="")
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(64))  # a ledger matter: its form, file and row
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    row: Mapped[int | None]
    ladder: Mapped[dict[str, Any]]  # snapshot at creation, as for obligations
    created_at: Mapped[datetime]
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[str | None] = mapped_column(String(64))
    progressed_at: Mapped[datetime | None]  # its first progress report (a ledger's matter: created in progress)
    close_requested_at: Mapped[datetime | None]
    done_on: Mapped[date | None]  # when the unit says it was done (完成日期, or the day it asked)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    missing_since: Mapped[datetime | None]  # a cumulative ledger stopped listing it
    unit: Mapped[Unit] = relationship()
    events: Mapped[list[MatterEvent]] = relationship(back_populates="matter", order_by="MatterEvent.id")

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due

    @property
    def status(self) -> MatterState:
        return MatterState(self.state)


class MatterEvent(Base):
    """One change of a matter, with who made it and when: its audited history (append-only)."""

    __tablename__ = "matter_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # a MatterAction
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[list[Any]] = mapped_column(default=list)  # [{name, sha256, size}] kept under files/
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    matter: Mapped[Matter] = relationship(back_populates="events")
