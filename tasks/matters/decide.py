"""The office's decision on a unit's request to close a matter (销号 or 退回), with the unit told
by mail. The one path for the matter-closure flow, the command line and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.settings import Settings
from notifications.matter_notice import MatterNotice, queue_matter_notice
from schemas.campaign import Campaign
from schemas.matters import Matter, MatterAction, MatterEvent, MatterState
from tasks.matters.lifecycle import MatterRefused, act
from tasks.portal import make_link


@dataclass(frozen=True)
class Closure:
    """One decision: the matter, its unit, its new state and how many mails were queued."""

    matter_id: int
    unit: str
    title: str
    state: MatterState
    queued: int


def decide_closure(
    session: Session,
    campaign: Campaign,
    matter_id: int,
    *,
    approve: bool,
    reason: str,
    by: str,
    now: datetime,
    settings: Settings,
) -> Closure:
    """Close (销号) or return (退回, a reason required) a matter whose unit asked to close it, in
    the caller's transaction, and queue the unit's notice; MatterRefused says why not."""
    m = session.get(Matter, matter_id)
    if m is None or m.campaign != campaign.id:
        raise MatterRefused(f"本活动没有编号为 {matter_id} 的督办事项")
    reason = reason.strip()
    if not approve and not reason:
        raise MatterRefused("退回办结申请请写明理由")
    if not by.strip():
        raise MatterRefused("请写明审核人")
    event = act(session, m, MatterAction.APPROVE if approve else MatterAction.RETURN, actor=by, at=now, text=reason)
    session.flush()
    notice = MatterNotice.CLOSED if approve else MatterNotice.RETURNED
    key = f"matter:{m.id}:closed" if approve else f"matter:{m.id}:returned:{event.id}"
    queued = tell(session, settings, campaign, m, notice, key=key, now=now, reason=reason)
    return Closure(m.id, m.unit.name, m.title, m.status, queued)


def tell(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    m: Matter,
    notice: MatterNotice,
    *,
    key: str,
    now: datetime,
    reason: str = "",
) -> int:
    """Queue `notice` about `m` to its unit's liaisons and head, with the link to its page."""
    link = make_link(settings, m.unit, now=now).url
    return queue_matter_notice(
        session,
        campaign=campaign,
        matter=m,
        unit=m.unit.name,
        notice=notice,
        key=key,
        now=now,
        mail_from=settings.mail_from,
        reason=reason,
        link=link,
    )


def pending_closures(session: Session, campaign_id: str) -> list[tuple[int, int]]:
    """(matter id, id of its latest 申请办结 event) of every matter waiting for the office."""
    q = (
        select(Matter.id, func.max(MatterEvent.id))
        .join(MatterEvent, MatterEvent.matter_id == Matter.id)
        .where(
            Matter.campaign == campaign_id,
            Matter.state == MatterState.CLOSING,
            MatterEvent.action == MatterAction.REQUEST_CLOSE,
        )
        .group_by(Matter.id)
        .order_by(Matter.id)
    )
    return [(m, e) for m, e in session.execute(q).tuples()]
