"""A matter's deadline moved by ops (延期): recorded in its history with the reason, audited; its
ladder then runs again from the new date (the sweep keys each step by its date)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from config.settings import Settings
from notifications.matter_notice import MatterNotice
from schemas.campaign import Campaign
from schemas.matters import Matter, MatterAction
from tasks.app import audit
from tasks.matters.decide import tell
from tasks.matters.lifecycle import MatterRefused, act


def extend_matter(
    session: Session,
    matter_id: int,
    new_due: date,
    reason: str,
    by: str,
    now: datetime,
    *,
    campaign: str | None = None,
) -> Matter:
    """Move matter `matter_id`'s deadline to `new_due`, in the caller's transaction (of `campaign`
    only, when given); MatterRefused says why not in plain words."""
    if not reason.strip():
        raise MatterRefused("请写明延期理由")
    if not by.strip():
        raise MatterRefused("请写明审核人（--by）")
    m = session.get(Matter, matter_id)
    if m is None or (campaign is not None and m.campaign != campaign):
        raise MatterRefused(f"本活动没有编号为 {matter_id} 的督办事项（duban matters 列出全部事项）")
    old_due = m.effective_due
    if new_due <= old_due:
        raise MatterRefused(f"新的截止日期 {new_due} 应晚于现在的截止日期 {old_due}")
    act(
        session,
        m,
        MatterAction.EXTEND,
        actor=by,
        at=now,
        text=reason.strip(),
        old_due=old_due.isoformat(),
        new_due=new_due.isoformat(),
    )
    m.extended_due = new_due
    audit(
        session,
        at=now,
        actor=by,
        action="matter.extend",
        subject=str(m.id),
        old_due=old_due.isoformat(),
        new_due=new_due.isoformat(),
        reason=reason.strip(),
    )
    return m


def extend_and_tell(
    session: Session,
    campaign: Campaign,
    settings: Settings,
    matter_id: int,
    new_due: date,
    reason: str,
    by: str,
    now: datetime,
) -> tuple[Matter, int]:
    """`extend_matter`, and the unit's liaisons and head told the new deadline (as an obligation's
    extension is told); the matter and how many mails were queued."""
    m = extend_matter(session, matter_id, new_due, reason, by, now, campaign=campaign.id)
    key = f"matter:{m.id}:extended:{new_due.isoformat()}"
    return m, tell(session, settings, campaign, m, MatterNotice.EXTENDED, key=key, now=now, reason=reason.strip())
