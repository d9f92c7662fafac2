"""Telling a unit about a change of its contacts: what changed (people and addresses, by role in
the form's own words), at the request and at the outcome, to the liaison and head in force and
to the new ones, so an address slipped into the list never goes unnoticed by the unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifications.outbox import enqueue
from notifications.render import compose, office_contact
from schemas.campaign import Campaign
from schemas.forms import Form
from schemas.tables import ChangeStatus, ContactChange, Submission
from schemas.text import clean_text

MAIL_ROLES = ("liaison", "head")
FIELDS = ("role", "position", "email", "mobile", "phone")  # compared, in this order, for a person on both lists
STAGES = {
    "pending": ("待审核", "{why}须经{organiser}审核后生效；在此之前，名单不变，催报、督办等通知仍发往原联系人。"),
    "approved": ("已生效", "{organiser}已审核同意，新名单已生效，催报、督办等通知发往新名单中的联系人。"),
    "rejected": ("未获同意", "{organiser}未同意此次变更，名单不变，催报、督办等通知仍发往原联系人。"),
    "applied": ("已生效", "此次变更没有新增邮箱地址，已直接生效。"),
    "applied-inside": ("已生效", "新的联系人邮箱均在本单位邮箱域名内，变更已直接生效。"),
}
IF_NOT_YOURS = {
    "pending": "如本单位没有提出此次变更，请立即与{contact}联系，此次变更将不予批准。",
    "rejected": "如对审核结果有疑问，请与{contact}联系。",
}
IF_APPLIED_NOT_YOURS = "如本单位没有提出此次变更，请立即与{contact}联系，恢复原名单。"


def contacts_form(campaign: Campaign, code: str | None) -> Form | None:
    """The contacts form a change came from (by its code), else the campaign's contacts form."""
    forms = [f for f in campaign.forms if f.contacts]
    return next((f for f in forms if f.code == code), forms[0] if forms else None)


def role_words(form: Form | None) -> dict[str, str]:
    """Each role in the form's own words (head -> 组长), from the form's mapping: the first word
    mapped to a role names it."""
    words: dict[str, str] = {}
    for word, role in form.contacts.roles.items() if form and form.contacts else ():
        words.setdefault(role, word)
    return words


def field_words(form: Form | None) -> dict[str, str]:
    """Each compared field by its column's header in the form (email -> 电子邮箱)."""
    m = form.contacts if form else None
    out = {"role": "组内分工", "position": "单位及职务", "email": "电子邮箱", "mobile": "手机", "phone": "办公电话"}
    for field in FIELDS:
        key = getattr(m, field, None) if m else None
        if form and key and form.has(key):
            out[field] = form.col(key).header
    return out


def _text(value: Any) -> str:
    return clean_text(str(value or "")).strip()


def _key(p: dict[str, Any]) -> str:
    return _text(p.get("name")) or _text(p.get("email")).lower()


def _show(p: dict[str, Any], roles: dict[str, str], fields: dict[str, str]) -> str:
    role = roles.get(p["role"], p["role"])
    detail = "，".join(f"{fields[f]} {_text(p.get(f))}" for f in ("email", "mobile", "phone") if _text(p.get(f)))
    return f"{role} {_text(p.get('name')) or '（未填姓名）'}" + (f"（{detail}）" if detail else "")


def _pairs(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[list, list, list]:
    """(removed, added, [(before, after)]): people matched by name (else address), in order."""
    left: dict[str, list[dict[str, Any]]] = {}
    for p in old:
        left.setdefault(_key(p), []).append(p)
    added, both = [], []
    for p in new:
        same = left.get(_key(p))
        if same:
            both.append((same.pop(0), p))
        else:
            added.append(p)
    return [p for ps in left.values() for p in ps], added, both


def _same(field: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    x, y = _text(a.get(field)), _text(b.get(field))
    return x.lower() == y.lower() if field == "email" else x == y


def changes(
    old: list[dict[str, Any]], new: list[dict[str, Any]], roles: dict[str, str], fields: dict[str, str]
) -> list[str]:
    """Pure: what a change does, one line a person, in Chinese: added, removed, corrected."""
    removed, added, both = _pairs(old, new)
    lines = [f"新增 {_show(p, roles, fields)}" for p in added]
    lines += [f"删除 {_show(p, roles, fields)}" for p in removed]
    for a, b in both:
        diffs = [_diff(fields[f], _word(a, f, roles), _word(b, f, roles)) for f in FIELDS if not _same(f, a, b)]
        if diffs:
            lines.append(f"变更 {roles.get(b['role'], b['role'])} {_text(b.get('name'))}：{'；'.join(diffs)}")
    return lines


def _word(p: dict[str, Any], field: str, roles: dict[str, str]) -> str:
    return roles.get(p["role"], p["role"]) if field == "role" else _text(p.get(field))


def _diff(field: str, before: str, after: str) -> str:
    if not before:
        return f"补填{field}“{after}”"
    if not after:
        return f"删去{field}（原为“{before}”）"
    return f"{field}由“{before}”改为“{after}”"


def new_addresses(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """Pure: addresses `new` names (any role) that `old` does not, as written, each once."""
    before = {_text(p.get("email")).lower() for p in old}
    seen: dict[str, str] = {}
    for p in new:
        email = _text(p.get("email"))
        if email and email.lower() not in before:
            seen.setdefault(email.lower(), email)
    return list(seen.values())


def addresses(change: ContactChange) -> list[tuple[str, str]]:
    """The liaison and head addresses told of `change` (each once), with a name to greet: those in
    force when it came, always; the new ones only once it applies (applied or approved). A held or
    refused change never mails an address nobody has approved: the unit's contacts would reach
    whoever wrote it into a contacts form."""
    people = (
        [*change.old, *change.new]
        if change.status in (ChangeStatus.APPLIED, ChangeStatus.APPROVED)
        else list(change.old)
    )
    seen: dict[str, str] = {}
    for p in people:
        if p["role"] in MAIL_ROLES and _text(p.get("email")):
            seen.setdefault(_text(p.get("email")).lower(), _text(p.get("name")))
    return list(seen.items())


def _stage(change: ContactChange, added: list[str], mail_changed: bool) -> tuple[str, str, str]:
    """(label, what happened, what to do if the unit did not ask for it), before formatting."""
    key = "applied-inside" if change.status == ChangeStatus.APPLIED and (added or mail_changed) else change.status
    label, what = STAGES[key]
    why = "名单中新增了邮箱地址，" if added else "接收催报、督办通知的联系人有变，"
    return label, what.replace("{why}", why), IF_NOT_YOURS.get(change.status, IF_APPLIED_NOT_YOURS)


def _mail_roles(people: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(p["role"], _text(p.get("email")).lower()) for p in people if p["role"] in MAIL_ROLES}


def queue_contact_notice(
    session: Session, *, campaign: Campaign, change: ContactChange, now: datetime, mail_from: str
) -> int:
    """Queue the notice of `change` at its current stage to the unit's liaison and head, old and
    new (once each: the key is the change, its stage and the address); return how many. A list
    that changes nothing tells nobody."""
    sub = session.get(Submission, change.submission_id) if change.submission_id else None
    form = contacts_form(campaign, sub.form if sub else None)
    lines = changes(change.old, change.new, role_words(form), field_words(form))
    if not lines:
        return 0
    added = new_addresses(change.old, change.new)
    label, what, if_not = _stage(change, added, _mail_roles(change.old) != _mail_roles(change.new))
    unit = change.unit.name
    subject = f"【联系人变更】{unit}：{label}"
    context = {
        "unit": unit,
        "label": label,
        "what": what.format(organiser=campaign.organiser),
        "changes": lines,
        "added": added,
        "filename": _text(sub.filename) if sub else "",
        "pending": change.status == ChangeStatus.PENDING,
        "received": f"{change.requested_at:%Y年%m月%d日 %H:%M}",
        "comment": _text(change.comment),
        "decided_by": _text(change.decided_by),
        "if_not": if_not.format(contact=office_contact(campaign)),
    }
    queued = 0
    for email, name in addresses(change):
        message = compose(campaign, "contact_change", subject, name=name or "您好", **context)
        if enqueue(
            session,
            key=f"contact-change:{change.id}:{change.status}:{email}",
            kind="contacts",
            campaign=campaign.id,
            to_email=email,
            to_name=name,
            message=message,
            now=now,
            as_of=now.date(),
            mail_from=mail_from,
            tz=campaign.timezone,
        ):
            queued += 1
    return queued
