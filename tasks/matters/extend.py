"""A matter's deadline moved by ops (延期): recorded in its history with the reason, audited; its
ladder then runs again from the new date (the sweep keys each step by its date). A unit may ask
for it on its page (申请延期); ops then approve it (the same path) or refuse it with a reason,
the unit told either way. The one path for the matter-extension flow, the command line and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from notifications.matter_notice import MatterNotice
from schemas.campaign import Campaign
from schemas.matters import Matter, MatterAction, MatterEvent
from tasks.app import audit
from tasks.matters.decide import tell
from tasks.matters.lifecycle import MatterRefused, act, next_state, refuse_foreign

A = MatterAction
# the request, and the answers that settle the latest one (an extension by ops, asked for or not)
ASKED_OR_ANSWERED = (A.REQUEST_EXTENSION, A.EXTEND, A.REFUSE_EXTENSION)


class ExtensionRefused(MatterRefused):
    """A request for more time the unit must fill in again (a date, a reason): not a state."""


@dataclass(frozen=True)
class ExtensionDecision:
    """Ops' answer to a unit's request: the matter, its unit, granted or not, its deadline now,
    and how many mails were queued."""

    matter_id: int
    unit: str
    title: str
    granted: bool
    due: date
    queued: int


def extend_matter(
    session: Session,
    matter_id: int,
    new_due: date,
    reason: str,
    by: str,
    now: datetime,
    *,
    campaign: str | None = None,
    request: int | None = None,
) -> Matter:
    """Move matter `matter_id`'s deadline to `new_due`, in the caller's transaction (of `campaign`
    only, when given; `request`: the unit's request it grants); MatterRefused says why not."""
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
        **({"request": request} if request is not None else {}),
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
    *,
    request: int | None = None,
) -> tuple[Matter, int]:
    """`extend_matter`, and the unit's liaisons and head told the new deadline (as an obligation's
    extension is told); the matter and how many mails were queued."""
    m = extend_matter(session, matter_id, new_due, reason, by, now, campaign=campaign.id, request=request)
    key = f"matter:{m.id}:extended:{new_due.isoformat()}"
    return m, tell(session, settings, campaign, m, MatterNotice.EXTENDED, key=key, now=now, reason=reason.strip())


def pending_extension(session: Session, matter_id: int) -> MatterEvent | None:
    """The unit's request for more time still waiting for ops (its latest, when nothing answered
    it since), or None."""
    q = (
        select(MatterEvent)
        .where(MatterEvent.matter_id == matter_id, MatterEvent.action.in_(ASKED_OR_ANSWERED))
        .order_by(MatterEvent.id.desc())
        .limit(1)
    )
    last = session.scalars(q).first()
    return last if last is not None and last.action == A.REQUEST_EXTENSION else None


def request_extension(
    session: Session,
    campaign: Campaign,
    matter_id: int,
    *,
    unit_id: int,
    new_due: date,
    reason: str,
    name: str,
    now: datetime,
) -> MatterEvent:
    """A unit's request (its page) to move its matter's deadline to `new_due`, recorded in the
    matter's history (its state unchanged) for ops to answer. Another unit's matter is refused
    and audited (MatterRefused), a matter no longer open or already waiting too (MatterRefused),
    a date not after the deadline or a missing reason or name: ExtensionRefused."""
    m = session.get(Matter, matter_id)
    if m is None or m.campaign != campaign.id:
        raise ExtensionRefused("没有这个督办事项")
    refuse_foreign(session, m, A.REQUEST_EXTENSION, actor=name, at=now, unit_id=unit_id)
    next_state(m.status, A.REQUEST_EXTENSION)
    waiting = pending_extension(session, m.id)
    if waiting is not None:
        raise MatterRefused(
            f"该事项已有一份延期申请（{waiting.at:%m月%d日}提交）正在审核，请等待{campaign.organiser}答复"
        )
    if not reason.strip():
        raise ExtensionRefused("请写明申请延期的理由")
    if not name.strip():
        raise ExtensionRefused("请填写经办人姓名")
    if new_due <= m.effective_due:
        raise ExtensionRefused(f"申请的新办结时限应晚于现在的办结时限 {m.effective_due:%Y年%m月%d日}")
    event = act(
        session,
        m,
        A.REQUEST_EXTENSION,
        actor=name.strip(),
        at=now,
        text=reason.strip(),
        unit_id=unit_id,
        new_due=new_due.isoformat(),
        old_due=m.effective_due.isoformat(),
        channel="portal",
    )
    session.flush()
    return event


def answer_extension(
    session: Session,
    campaign: Campaign,
    settings: Settings,
    matter_id: int,
    request_event_id: int,
    *,
    approve: bool,
    new_due: date | None,
    reason: str,
    by: str,
    now: datetime,
) -> ExtensionDecision:
    """Ops' answer to the unit's request `request_event_id`, in the caller's transaction: granted
    (to `new_due`, or the date asked; `extend_and_tell`, the ladder follows) or refused with a
    reason (recorded in the matter's history, audited, the unit told); MatterRefused says why not."""
    m = session.get(Matter, matter_id)
    if m is None or m.campaign != campaign.id:
        raise MatterRefused(f"本活动没有编号为 {matter_id} 的督办事项")
    req = session.get(MatterEvent, request_event_id)
    if req is None or req.matter_id != m.id or req.action != A.REQUEST_EXTENSION:
        raise MatterRefused(f"督办事项 {matter_id} 没有编号为 {request_event_id} 的延期申请")
    if pending_extension(session, m.id) is not req:
        raise MatterRefused(f"督办事项 {matter_id} 的这份延期申请已经答复过了")
    if not by.strip():
        raise MatterRefused("请写明审核人")
    reason = reason.strip()
    if approve:
        due = new_due or date.fromisoformat(req.detail["new_due"])
        m, queued = extend_and_tell(session, campaign, settings, m.id, due, reason or req.text, by, now, request=req.id)
        return ExtensionDecision(m.id, m.unit.name, m.title, True, m.effective_due, queued)
    if not reason:
        raise MatterRefused("不同意延期请写明理由")
    act(session, m, A.REFUSE_EXTENSION, actor=by, at=now, text=reason, request=req.id, asked=req.detail["new_due"])
    audit(
        session, at=now, actor=by, action="matter.extension_refused", subject=str(m.id), request=req.id, reason=reason
    )
    session.flush()
    key = f"matter:{m.id}:extension-refused:{req.id}"
    queued = tell(session, settings, campaign, m, MatterNotice.EXTENSION_REFUSED, key=key, now=now, reason=reason)
    return ExtensionDecision(m.id, m.unit.name, m.title, False, m.effective_due, queued)
