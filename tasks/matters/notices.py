"""Escalation notices (督办通知) of report obligations, signed for on the unit's page: which the
unit's people received, signing for one (every copy of that step to the unit's people at once),
and which were signed for and when (for `duban status` and the briefing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.outbox import SENT, Notification, NotificationItem
from schemas.tables import Obligation, Unit
from tasks.app import audit

ESCALATION = "escalation"  # a ladder step's kind (schemas/schedule.py)


@dataclass(frozen=True)
class Notice:
    """One escalation step of one obligation, as its unit's people received it."""

    id: int  # the first item's id: what the page's 签收 button names
    unit: str
    what: str  # the obligation and its period, as the mail showed it
    level: int
    step_date: date
    sent_at: datetime | None
    recipients: int
    signed_at: datetime | None
    signed_by: str | None


class NoticeRefused(ValueError):
    """A notice the unit may not sign for: another unit's (`foreign`), or none such."""

    def __init__(self, message: str, *, foreign: bool = False):
        super().__init__(message)
        self.foreign = foreign


def _query(campaign: Campaign):  # type: ignore[no-untyped-def]
    return (
        select(NotificationItem, Unit.name, Unit.id, Notification.sent_at)
        .join(Notification, Notification.id == NotificationItem.notification_id)
        .join(Obligation, Obligation.id == NotificationItem.obligation_id)
        .join(Unit, Unit.id == Obligation.unit_id)
        .where(
            Obligation.campaign == campaign.id,
            NotificationItem.kind == ESCALATION,
            Notification.status == SENT,
        )
        .order_by(NotificationItem.step_date, NotificationItem.id)
    )


def escalation_notices(session: Session, campaign: Campaign, *, unit_id: int | None = None) -> list[Notice]:
    """The escalation notices sent for the campaign's obligations (of one unit with `unit_id`),
    one per obligation and step, however many of the unit's people received it."""
    q = _query(campaign)
    if unit_id is not None:
        q = q.where(Obligation.unit_id == unit_id)
    steps: dict[tuple, list] = {}
    for item, unit, _, sent_at in session.execute(q).tuples():
        steps.setdefault((item.obligation_id, item.level, item.step_date), []).append((item, unit, sent_at))
    out = []
    for (_, level, day), got in steps.items():
        first, unit, _ = got[0]
        signed = [i for i, _, _ in got if i.signed_at is not None]
        view = first.view or {}
        what = f"{view.get('name', '')} {view.get('period', '')}".strip()
        sent = [at for _, _, at in got if at is not None]
        out.append(
            Notice(
                first.id,
                unit,
                what,
                level,
                day,
                min(sent) if sent else None,
                len(got),
                signed[0].signed_at if signed else None,
                signed[0].signed_by if signed else None,
            )
        )
    return out


def signed_notices(session: Session, campaign: Campaign) -> list[Notice]:
    """The escalation notices signed for, with who and when (for `duban status` and the briefing)."""
    return [n for n in escalation_notices(session, campaign) if n.signed_at is not None]


def sign_notice(session: Session, campaign: Campaign, item_id: int, *, unit_id: int, by: str, now: datetime) -> int:
    """Sign for the escalation step of item `item_id` on behalf of `unit_id`: every sent copy of
    that step to the unit's people is marked; how many. Another unit's notice is refused and audited."""
    got = session.execute(_query(campaign).where(NotificationItem.id == item_id)).tuples().first()
    if got is None:
        raise NoticeRefused("没有这份督办通知")
    item, _, owner, _ = got
    if owner != unit_id:
        audit(session, at=now, actor=by, action="notice.refused", subject=str(item_id), unit_id=unit_id)
        raise NoticeRefused("该督办通知不属于本单位", foreign=True)
    same = _query(campaign).where(
        NotificationItem.obligation_id == item.obligation_id,
        NotificationItem.level == item.level,
        NotificationItem.step_date == item.step_date,
        NotificationItem.signed_at.is_(None),
    )
    items = [i for i, *_ in session.execute(same).tuples()]
    for i in items:
        i.signed_at, i.signed_by = now, by[:64]
    if items:
        audit(session, at=now, actor=by, action="notice.sign", subject=str(item_id), unit_id=unit_id, items=len(items))
    return len(items)
