"""The store's core tables (SQLAlchemy 2 typed ORM). Form rows live in `schemas/rows.py`.

Migrations in `migrations/` are generated from these models; `tests/schemas/test_migrations.py`
fails when the two drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Unit(Base):
    """A reporting unit (填报单位) of one campaign."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("campaign", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    # in every signed link to the unit's page: raising it (`duban link UNIT --revoke`) voids them all
    link_version: Mapped[int] = mapped_column(default=1, server_default="1")


class ContactList(Base):
    """One version of a unit's contacts: from config (version 1) or an accepted contacts form."""

    __tablename__ = "contact_list"
    __table_args__ = (UniqueConstraint("unit_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    version: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))  # config | submission
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    created_at: Mapped[datetime]
    current: Mapped[bool] = mapped_column(default=True)
    contacts: Mapped[list[Contact]] = relationship(back_populates="contact_list", order_by="Contact.id")


class Contact(Base):
    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_list_id: Mapped[int] = mapped_column(ForeignKey("contact_list.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # liaison | head | deputy | member
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[str | None] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(64))
    contact_list: Mapped[ContactList] = relationship(back_populates="contacts")


class Obligation(Base):
    """One dated obligation: unit × obligation × period, with the ladder it was created with."""

    __tablename__ = "obligation"
    __table_args__ = (
        UniqueConstraint("campaign", "unit_id", "code", "period"),
        Index("ix_obligation_campaign_due", "campaign", "due"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    code: Mapped[str] = mapped_column(String(32))
    form: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    due: Mapped[date]
    group_id: Mapped[str] = mapped_column(String(64))
    # snapshot of the ladder at creation: a later config change does not rewrite history
    ladder: Mapped[dict[str, Any]]
    extended_due: Mapped[date | None]
    created_at: Mapped[datetime]
    unit: Mapped[Unit] = relationship()

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due


class Extension(Base):
    """An extension (延期) granted by ops: the ladder follows `new_due` from then on."""

    __tablename__ = "extension"
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligation.id"), index=True)
    new_due: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime]


class Submission(Base):
    """A file received: kept byte-for-byte under files/<sha256>, whatever its fate.

    It answers the obligations with the same (unit, form, period): one file may answer two
    obligations that share a form.
    """

    __tablename__ = "submission"
    __table_args__ = (Index("ix_submission_target", "campaign", "unit_id", "form", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # "" when refused: its bytes were never taken
    filename: Mapped[str] = mapped_column(String(512))
    size: Mapped[int]
    received_at: Mapped[datetime]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    form: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str | None] = mapped_column(String(32))
    # accepted | rejected | unreadable | duplicate | refused (not a regular file, over the size limit)
    # | external (delivered outside Duban before it started: recorded by ops with `duban backfill`)
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    row_count: Mapped[int] = mapped_column(default=0)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    # a monthly form resubmitted for the same period supersedes the earlier version
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    # who sent it through the unit's page (填报人 and phone, as typed), and by which channel
    channel: Mapped[str] = mapped_column(String(16), default="inbox", server_default="inbox")  # inbox | portal | cli
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitter_phone: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    issues: Mapped[list[ValidationIssue]] = relationship(back_populates="submission", order_by="ValidationIssue.id")


class ExtensionStatus(StrEnum):
    """Where a unit's request for more time stands (`ExtensionRequest.status`)."""

    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    EXPIRED = "expired"


class ExtensionRequest(Base):
    """A unit's request for more time (延期申请), made on its page; ops answer it in the Prefect UI
    (`extension-request` flow) and the answer goes through the extension path."""

    __tablename__ = "extension_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligation.id"), index=True)
    requested_due: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=ExtensionStatus.PENDING)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(Text)
    granted_due: Mapped[date | None]
    obligation: Mapped[Obligation] = relationship()


class MailIn(Base):
    """A message read from the bureau's mailbox, recorded before anything in it is filed.

    (mailbox, UIDVALIDITY, UID) says which message of which folder; the Message-ID catches the
    same message delivered twice or seen again after the server renumbered the folder.
    `files` lists what became of each attachment ({name, sha256, submission, status, form, period}):
    its status is a `Verdict`, or a `schemas.mailbox.AttachmentStatus` when it was not filed."""

    __tablename__ = "mail_in"
    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    mailbox: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(255), index=True)
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    action: Mapped[str] = mapped_column(String(16))  # a `schemas.mailbox.MailAction`
    reason: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]  # the server's arrival time (INTERNALDATE), in the campaign's zone
    recorded_at: Mapped[datetime]
    files: Mapped[list[Any]] = mapped_column(default=list)


class ChangeStatus(StrEnum):
    """Where a change of a unit's contacts stands (`ContactChange.status`)."""

    PENDING = "pending"  # held for ops
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"  # needed no review


class ContactChange(Base):
    """A change of who receives a unit's mail, asked for by an accepted contacts form.

    It is held (`pending`) until ops approve or reject it, unless it changes no liaison or
    head address, or the campaign lets changes inside the unit's own mail domains through.
    `old` and `new` are lists of contacts as dicts (role, name, email, mobile, phone, position).
    """

    __tablename__ = "contact_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    status: Mapped[str] = mapped_column(String(16))  # a ChangeStatus
    old: Mapped[list[Any]]
    new: Mapped[list[Any]]
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[Unit] = relationship()


class ValidationIssue(Base):
    __tablename__ = "validation_issue"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    severity: Mapped[str] = mapped_column(String(8))  # error | warning
    sheet: Mapped[str | None] = mapped_column(String(128))
    row: Mapped[int | None]
    column: Mapped[str | None] = mapped_column(String(256))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    submission: Mapped[Submission] = relationship(back_populates="issues")


class AuditLog(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the initial migration)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(256), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


def current_contacts(
    session: Session,
    campaign_id: str,
    *,
    unit_ids: list[int] | None = None,
    kinds: list[str] | None = None,
    roles: tuple[str, ...] | None = None,
    with_email: bool = True,
) -> list[tuple[str, Contact]]:
    """(unit name, contact) of the units' current contact lists: the one query for who a unit's
    mail goes to; narrowed to some units, unit kinds or roles."""
    q = (
        select(Unit.name, Contact)
        .join(ContactList, ContactList.unit_id == Unit.id)
        .join(Contact, Contact.contact_list_id == ContactList.id)
        .where(Unit.campaign == campaign_id, ContactList.current.is_(True))
    )
    if unit_ids is not None:
        q = q.where(Unit.id.in_(unit_ids))
    if kinds is not None:
        q = q.where(Unit.kind.in_(kinds))
    if roles is not None:
        q = q.where(Contact.role.in_(roles))
    if with_email:
        q = q.where(Contact.email.is_not(None))
    return list(session.execute(q.order_by(Unit.id, Contact.id)).tuples())
