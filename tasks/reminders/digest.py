"""The daily digest: one mail per person carrying all of that person's ladder steps of the day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifications.outbox import enqueue
from schemas.campaign import Campaign
from schemas.outbox import Notification, NotificationItem
from schemas.period import period_label
from tasks.calendar import days_phrase
from tasks.outbox import render_digest
from tasks.reminders.decision import Decision


def item_view(d: Decision, as_of: date) -> dict:
    """What the digest shows of one decision (kept on its item, to rebuild the digest); a matter
    has no period and says it is a matter."""
    view = dict(
        unit=d.unit,
        name=d.name,
        period=period_label(d.period),
        due=d.due.isoformat(),
        phrase=days_phrase(d.due, as_of),
        late=as_of > d.due,
        escalation=d.step.kind == "escalation",
        level=d.step.level,
    )
    return {**view, "matter": True} if d.is_matter else view


def queue_digests(
    session: Session,
    campaign: Campaign,
    decisions: list[Decision],
    *,
    as_of: date,
    now: datetime,
    mail_from: str,
    links: Callable[[str], str | None] | None = None,
) -> list[Notification]:
    """One digest per recipient per day carrying all of that person's new items; a unit's own
    people (not the committee's groups) get the link to their unit's page."""
    per, names, own = _by_recipient(decisions)
    out = []
    for email, pairs in per.items():
        key = _digest_key(session, f"digest:{campaign.id}:{as_of.isoformat()}:{email}")
        items = [item_view(d, as_of) for d, _ in pairs]
        text = render_digest(campaign, names[email], items, as_of, _links(own[email], links), supervisor=not own[email])
        n = enqueue(
            session,
            key=key,
            kind="digest",
            campaign=campaign.id,
            to_email=pairs[0][1],
            to_name=names[email],
            message=text,
            now=now,
            as_of=as_of,
            mail_from=mail_from,
            tz=campaign.timezone,
        )
        if n is None:
            continue
        session.add_all(
            NotificationItem(
                key=d.item_key(email),
                notification_id=n.id,
                obligation_id=d.obligation_id,
                matter_id=d.matter_id,
                kind=d.step.kind,
                level=d.step.level,
                step_date=d.step.date,
                recipient_email=email,
                view=view,
            )
            for (d, _), view in zip(pairs, items, strict=True)
        )
        out.append(n)
    session.flush()
    return out


def _by_recipient(
    decisions: list[Decision],
) -> tuple[dict[str, list[tuple[Decision, str]]], dict[str, str], dict[str, dict[str, None]]]:
    """By recipient (address in lower case): their (decision, address as written), their name,
    and the units whose own contact they are (none: one of the committee's groups)."""
    per: dict[str, list[tuple[Decision, str]]] = defaultdict(list)
    names: dict[str, str] = {}
    own: dict[str, dict[str, None]] = defaultdict(dict)  # recipient -> the units whose contact they are
    for d in decisions:
        for r in d.recipients:
            per[r.email.lower()].append((d, r.email))
            names.setdefault(r.email.lower(), r.name)
            if r.role != "group":
                own[r.email.lower()][d.unit] = None
    return per, names, own


def _digest_key(session: Session, base: str) -> str:
    """The day's first digest to a recipient is keyed `base`; a later one (new items the same
    day) `base:2`, `base:3`, …"""
    earlier = session.scalar(select(func.count()).select_from(Notification).where(Notification.key.like(base + "%")))
    return base if not earlier else f"{base}:{earlier + 1}"


def _links(units: dict[str, None], links: Callable[[str], str | None] | None) -> list[tuple[str, str]]:
    if links is None:
        return []
    return [(u, url) for u in units if (url := links(u))]
