"""Who receives a unit's mail, and how that changes.

A unit's contacts come from the campaign file (version 1) and from accepted contacts forms.
A form that adds an address, in any role, or changes a liaison or head address, is recorded and
held until ops approve it (`contact-change` flow, or `duban contacts`): an address on the list
is one the unit vouches for, and a liaison or head address receives the unit's reminders,
escalations, receipts and page links. Changes that add no address (a person removed, a phone or
a name corrected) apply at once, and so do changes whose new addresses are all inside the unit's
own mail domains, if the campaign says so. Every change is told to the unit's liaison and head
in force, and to the new ones (notifications/contact_notice.py): at the request, and at the outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifications.contact_notice import queue_contact_notice
from schemas.campaign import Campaign
from schemas.forms import Form
from schemas.tables import ChangeStatus, Contact, ContactChange, ContactList, Submission, Unit, current_contacts
from tasks.app import App, audit
from tasks.outbox import send_queued

MAIL_ROLES = ("liaison", "head")  # the addresses reminders, escalations and briefings go to
FIELDS = ("role", "name", "position", "email", "mobile", "phone")


class ContactChangeError(ValueError):
    """A decision that cannot be taken; `str()` says why. `usage`: the number names no change
    (a usage mistake: exit 2 on the command line)."""

    def __init__(self, message: str, *, usage: bool = False):
        super().__init__(message)
        self.usage = usage


def current_list(session: Session, campaign_id: str, unit_id: int) -> list[Contact]:
    """The unit's whole current contact list, with or without addresses."""
    return [c for _, c in current_contacts(session, campaign_id, unit_ids=[unit_id], with_email=False)]


def people_of(form: Form, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A contacts form's rows as contacts, by the form's declared mapping: the role in words
    (组长) becomes its role (head)."""
    m = form.contacts
    assert m is not None
    pick = {"name": m.name, "position": m.position, "email": m.email, "mobile": m.mobile, "phone": m.phone}
    return [
        {
            "role": m.roles.get(r.get(m.role) or "", "member"),
            **{k: (r.get(col) if col else None) for k, col in pick.items()},
        }
        for r in records
    ]


def as_dicts(contacts: list[Contact]) -> list[dict[str, Any]]:
    return [{k: getattr(c, k) for k in FIELDS} for c in contacts]


def _email(p: dict[str, Any]) -> str:
    return (p.get("email") or "").strip().lower()


def mail_addresses(people: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(p["role"], _email(p)) for p in people if p["role"] in MAIL_ROLES and _email(p)}


def added_addresses(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> set[str]:
    """Pure: the addresses `new` names, in any role, that `old` does not name at all."""
    return {_email(p) for p in new if _email(p)} - {_email(p) for p in old if _email(p)}


def needs_review(campaign: Campaign, unit: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> bool:
    """Pure: does this change of contacts wait for ops? Yes when it adds an address in any role
    or changes a liaison or head address, unless the campaign applies at once the changes whose
    new addresses (added, or newly a liaison or head) are all inside the unit's mail domains."""
    wanted, added = mail_addresses(new), added_addresses(old, new)
    if not added and wanted == mail_addresses(old):
        return False
    checked = added | {email for _, email in wanted - mail_addresses(old)} or {email for _, email in wanted}
    domains = {d.lower().lstrip("@") for d in campaign.unit(unit).mail_domains}
    inside = bool(domains) and all(email.rpartition("@")[2] in domains for email in checked)
    return not (campaign.contacts.auto_apply_within_domains and inside)


def propose(
    session: Session, campaign: Campaign, sub: Submission, records: list[dict[str, Any]], now: datetime
) -> ContactChange:
    """Record the contacts an accepted form names; apply them now or hold them for ops."""
    assert sub.unit_id is not None
    unit = session.get(Unit, sub.unit_id)
    old, new = (
        as_dicts(current_list(session, campaign.id, sub.unit_id)),
        people_of(campaign.form(sub.form or ""), records),
    )
    held = needs_review(campaign, unit.name, old, new)
    change = ContactChange(
        unit_id=sub.unit_id,
        submission_id=sub.id,
        status=ChangeStatus.PENDING if held else ChangeStatus.APPLIED,
        old=old,
        new=new,
        requested_at=now,
    )
    session.add(change)
    session.flush()
    audit(
        session,
        at=now,
        actor="intake",
        action="contacts.held" if held else "contacts.applied",
        subject=unit.name,
        change_id=change.id,
        submission_id=sub.id,
        old=sorted(map(list, mail_addresses(old))),
        new=sorted(map(list, mail_addresses(new))),
        added=sorted(added_addresses(old, new)),
    )
    if not held:
        _apply(session, change, now)
    return change


def decide(session: Session, change_id: int, *, approve: bool, by: str, comment: str, now: datetime) -> ContactChange:
    """Ops' answer to a held change: approved (the new list applies) or rejected (nothing changes)."""
    change = session.get(ContactChange, change_id)
    if change is None:
        raise ContactChangeError(f"没有编号为 {change_id} 的联系人变更申请", usage=True)
    if change.status != ChangeStatus.PENDING:
        raise ContactChangeError(
            f"联系人变更申请 {change_id} 已处理（{STATUS_LABELS.get(change.status, change.status)}）"
        )
    if not by.strip():
        raise ContactChangeError("请填写审核人", usage=True)
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_at, change.decided_by, change.comment = now, by, comment
    audit(
        session,
        at=now,
        actor=by,
        action=f"contacts.{change.status}",
        subject=change.unit.name,
        change_id=change.id,
        comment=comment,
    )
    if approve:
        _apply(session, change, now)
    return change


def answer(app: App, change_id: int, *, approve: bool, by: str, comment: str, now: datetime) -> tuple[str, int]:
    """Ops' decision taken, told to the unit's liaison and head (old and new), and sent: (new status, mails sent).
    The one path for the `contact-change` flow and `duban contacts`."""
    with app.store.session(write=True) as s:
        change = decide(s, change_id, approve=approve, by=by, comment=comment, now=now)
        queue_contact_notice(s, campaign=app.campaign, change=change, now=now, mail_from=app.settings.mail_from)
        status = change.status
    return status, send_queued(app, now=now).sent


def pending(session: Session, campaign_id: str) -> list[ContactChange]:
    return list(
        session.scalars(
            select(ContactChange)
            .join(Unit)
            .where(Unit.campaign == campaign_id, ContactChange.status == ChangeStatus.PENDING)
            .order_by(ContactChange.id)
        )
    )


STATUS_LABELS = {
    ChangeStatus.PENDING: "待审核",
    ChangeStatus.APPROVED: "已批准",
    ChangeStatus.REJECTED: "未批准",
    ChangeStatus.APPLIED: "已生效",
}


def _apply(session: Session, change: ContactChange, now: datetime) -> None:
    last = session.scalar(
        select(ContactList.version)
        .where(ContactList.unit_id == change.unit_id)
        .order_by(ContactList.version.desc())
        .limit(1)
    )
    session.execute(update(ContactList).where(ContactList.unit_id == change.unit_id).values(current=False))
    session.add(
        ContactList(
            unit_id=change.unit_id,
            version=(last or 0) + 1,
            source="submission",
            submission_id=change.submission_id,
            created_at=now,
            current=True,
            contacts=[Contact(**{k: p.get(k) for k in FIELDS}) for p in change.new],
        )
    )
