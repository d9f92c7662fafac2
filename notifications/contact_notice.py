"""Telling a unit about a change of its contacts: the old and the new addresses, at the request
and at the outcome, so a redirected mailbox never goes unnoticed by the people it replaced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifications.outbox import enqueue
from notifications.render import compose
from schemas.campaign import Campaign
from schemas.tables import ContactChange, Submission

ROLE_LABELS = {"liaison": "联络员", "head": "分管领导", "deputy": "副组长", "member": "成员"}
MAIL_ROLES = ("liaison", "head")
STAGES = {
    "pending": ("待审核", "变更接收通知的联系人须经{organiser}审核后生效；在此之前，催报、督办等通知仍发往原联系人。"),
    "approved": ("已生效", "{organiser}已审核同意，今后催报、督办等通知发往新联系人。"),
    "rejected": ("未获同意", "{organiser}未同意此次变更，催报、督办等通知仍发往原联系人。"),
    "applied": ("已生效", "新的联系人均在本单位邮箱域名内，变更已直接生效。"),
}


def _people(people: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"role": ROLE_LABELS.get(p["role"], p["role"]), "name": p.get("name") or "", "email": p.get("email") or ""}
            for p in people if p["role"] in MAIL_ROLES]


def addresses(change: ContactChange) -> list[tuple[str, str]]:
    """Every old and new liaison or head address (each once), with a name to greet."""
    seen: dict[str, str] = {}
    for p in [*change.old, *change.new]:
        if p["role"] in MAIL_ROLES and p.get("email"):
            seen.setdefault(p["email"].lower(), p.get("name") or "")
    return list(seen.items())


def queue_contact_notice(session: Session, *, campaign: Campaign, change: ContactChange, now: datetime,
                         mail_from: str) -> int:
    """Queue the notice of `change` at its current stage to every old and new address; return how many.
    A change that touches no mail address tells nobody."""
    if {(p["role"], (p.get("email") or "").lower()) for p in change.old if p["role"] in MAIL_ROLES} == \
            {(p["role"], (p.get("email") or "").lower()) for p in change.new if p["role"] in MAIL_ROLES}:
        return 0
    label, what = STAGES[change.status]
    what = what.format(organiser=campaign.organiser)
    sub = session.get(Submission, change.submission_id)
    unit = change.unit.name
    subject = f"【联系人变更】{unit}：{label}"
    queued = 0
    for email, name in addresses(change):
        message = compose(campaign, "contact_change", subject, name=name or "您好", unit=unit, label=label, what=what,
                          filename=sub.filename if sub else "", received=f"{change.requested_at:%Y年%m月%d日 %H:%M}",
                          old=_people(change.old), new=_people(change.new), comment=change.comment or "",
                          decided_by=change.decided_by or "", pending=change.status == "pending")
        if enqueue(session, key=f"contact-change:{change.id}:{change.status}:{email}", kind="contacts",
                   campaign=campaign.id, to_email=email, to_name=name, message=message, now=now,
                   as_of=now.date(), mail_from=mail_from, tz=campaign.timezone):
            queued += 1
    return queued
