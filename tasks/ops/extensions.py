"""Extensions (延期) granted or refused by ops, and resends of mail that did not go: all audited,
and the unit is told the answer by mail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.sender import DeliveryReport
from schemas.campaign import Campaign
from schemas.outbox import CLAIMED, FAILED, QUEUED, SENDING, SENT, STALE, UNCERTAIN, Notification
from schemas.tables import Extension, ExtensionRequest, ExtensionStatus, Obligation, Unit
from tasks.app import App, audit
from tasks.ops.obligation import OpsError, find_obligation, notify_unit, obligation_words
from tasks.outbox import send_queued
from tasks.portal import LinkMaker
from tasks.prefect_api import server_configured, sync_calendar


@dataclass
class Decided:
    """One extension decision: the obligation, the calendar problem if the UI could not follow,
    and the delivery of the unit's notice."""

    obligation: Obligation
    unit: str
    name: str  # the obligation as people read it, with its period
    granted: bool
    calendar_problem: str | None = None
    delivery: DeliveryReport | None = None


def grant_extension(
    session: Session,
    campaign: Campaign,
    *,
    unit: str,
    obligation: str,
    period: str | None,
    new_due: date,
    reason: str,
    granted_by: str,
    now: datetime,
    mail_from: str,
    link: Callable[[str], str | None] | None = None,
) -> Obligation:
    """Move one obligation's due date (the ladder follows it from the next sweep) and queue the
    unit's notice."""
    if not reason.strip():
        raise OpsError("请写明延期理由")
    ob = find_obligation(session, campaign, unit, obligation, period)
    if new_due <= ob.effective_due:
        raise OpsError(f"新的截止日期 {new_due} 应晚于现在的截止日期 {ob.effective_due}")
    old_due = ob.effective_due
    ext = Extension(obligation_id=ob.id, new_due=new_due, reason=reason, granted_by=granted_by, granted_at=now)
    session.add(ext)
    session.flush()
    unit_name = session.get(Unit, ob.unit_id).name
    audit(
        session,
        at=now,
        actor=granted_by,
        action="extension.grant",
        subject=f"{unit_name}/{ob.code}/{ob.period}",
        old_due=old_due.isoformat(),
        new_due=new_due.isoformat(),
        reason=reason,
    )
    ob.extended_due = new_due
    notify_unit(session, campaign, ob, unit_name, old_due, new_due, reason, f"extension:{ext.id}", now, mail_from, link)
    return ob


def refuse_extension(
    session: Session,
    campaign: Campaign,
    *,
    unit: str,
    obligation: str,
    period: str | None,
    reason: str,
    refused_by: str,
    now: datetime,
    mail_from: str,
    link: Callable[[str], str | None] | None = None,
) -> Obligation:
    """Record that a request for more time was refused, and queue the unit's notice."""
    ob = find_obligation(session, campaign, unit, obligation, period)
    unit_name = session.get(Unit, ob.unit_id).name
    audit(
        session,
        at=now,
        actor=refused_by,
        action="extension.refuse",
        subject=f"{unit_name}/{ob.code}/{ob.period}",
        due=ob.effective_due.isoformat(),
        reason=reason,
    )
    key = f"extension-refused:{ob.id}:{now:%Y%m%d%H%M%S}"
    notify_unit(session, campaign, ob, unit_name, ob.effective_due, None, reason, key, now, mail_from, link)
    return ob


def decide_extension(
    app: App,
    *,
    unit: str,
    obligation: str,
    period: str | None,
    new_due: date | None,
    reason: str,
    by: str,
    now: datetime,
) -> Decided:
    """Grant (a new date) or refuse (none) a request for more time, mail the unit at once, and
    move the unit's checkpoints in the Prefect UI when a server is configured (a calendar that
    cannot follow never undoes the decision: the next sweep moves it). The one path for
    `duban extend` and the grant-extension flow."""
    with app.store.session(write=True) as s:
        common = dict(
            unit=unit,
            obligation=obligation,
            period=period,
            reason=reason,
            now=now,
            mail_from=app.settings.mail_from,
            link=LinkMaker(s, app.settings, app.campaign),
        )
        if new_due is None:
            ob = refuse_extension(s, app.campaign, refused_by=by, **common)
        else:
            ob = grant_extension(s, app.campaign, new_due=new_due, granted_by=by, **common)
        out = Decided(ob, s.get(Unit, ob.unit_id).name, obligation_words(app.campaign, ob), new_due is not None)
    out.delivery = send_queued(app, now=now)
    if out.granted and server_configured():
        try:
            sync_calendar(app)
        except Exception as e:  # the calendar is for people to look at
            out.calendar_problem = f"{type(e).__name__}: {e}"
    return out


WHY_NOT = {
    SENT: "已于 {sent_at} 发出，无需重发",
    STALE: "已作废（相关报送已受理，不再需要发送）",
    QUEUED: "已在发送队列中，下次发送时发出",
    CLAIMED: "正在发送中",
    SENDING: "正在发送中",
}


def resend(
    session: Session, campaign: Campaign, ids: list[int] | None, *, by: str, now: datetime
) -> tuple[list[int], dict[int, str]]:
    """Put failed or uncertain emails back in the queue (same Message-ID): the given ids, or
    every failed and uncertain mail of the campaign (`ids` None). Returns the ids requeued and,
    for each id that was not, why."""
    q = select(Notification).where(Notification.campaign == campaign.id)
    q = q.where(Notification.id.in_(ids)) if ids is not None else q.where(Notification.status.in_((FAILED, UNCERTAIN)))
    rows = session.scalars(q.order_by(Notification.id)).all()
    if ids is not None:
        missing = sorted(set(ids) - {n.id for n in rows})
        if missing:
            raise OpsError(
                f"本活动没有这些邮件：{'、'.join(f'#{i}' for i in missing)}（duban mail 列出全部邮件）", usage=True
            )
    done, skipped = [], {}
    for n in rows:
        if n.status not in (FAILED, UNCERTAIN):
            skipped[n.id] = WHY_NOT.get(n.status, n.status).format(
                sent_at=f"{n.sent_at:%Y-%m-%d %H:%M}" if n.sent_at else ""
            )
            continue
        audit(
            session,
            at=now,
            actor=by,
            action="mail.resend",
            subject=n.key,
            notification_id=n.id,
            previous_status=n.status,
            previous_error=n.last_error,
        )
        n.status, n.claimed_by, n.last_error = QUEUED, None, None
        done.append(n.id)
    return done, skipped


def resend_now(
    app: App, ids: list[int] | None, *, by: str, now: datetime
) -> tuple[list[int], dict[int, str], DeliveryReport]:
    """Requeue failed or uncertain mail (`ids`, or all of it) and send it at once, with whatever
    else waits in the queue. The one path for `duban resend` and the resend-mail flow."""
    with app.store.session(write=True) as s:
        requeued, skipped = resend(s, app.campaign, ids, by=by, now=now)
    return requeued, skipped, send_queued(app, now=now)


def request_extension(
    session: Session,
    campaign: Campaign,
    *,
    unit_id: int,
    obligation_id: int,
    new_due: date,
    reason: str,
    name: str,
    phone: str,
    now: datetime,
) -> ExtensionRequest:
    """A unit's own request for more time (from its page), recorded and audited; ops answer it."""
    ob = _requestable(session, campaign, unit_id, obligation_id, new_due, reason, name, phone)
    req = ExtensionRequest(
        obligation_id=ob.id,
        requested_due=new_due,
        reason=reason.strip(),
        requested_by=name.strip(),
        phone=phone.strip(),
        requested_at=now,
        status=ExtensionStatus.PENDING,
    )
    session.add(req)
    session.flush()
    unit_name = session.get(Unit, unit_id).name
    audit(
        session,
        at=now,
        actor=f"{unit_name} {req.requested_by}",
        action="extension.request",
        subject=f"{unit_name}/{ob.code}/{ob.period}",
        request_id=req.id,
        requested_due=new_due.isoformat(),
        reason=req.reason,
        phone=req.phone,
    )
    return req


def _requestable(
    session: Session,
    campaign: Campaign,
    unit_id: int,
    obligation_id: int,
    new_due: date,
    reason: str,
    name: str,
    phone: str,
) -> Obligation:
    """The unit's own obligation a request may be made for, or OpsError saying what is missing."""
    ob = session.get(Obligation, obligation_id)
    if ob is None or ob.unit_id != unit_id:
        raise OpsError("本单位没有这项报送任务")
    if not reason.strip():
        raise OpsError("请写明申请延期的理由")
    if not name.strip() or not phone.strip():
        raise OpsError(f"请填写申请人姓名和联系电话，便于{campaign.organiser}联系")
    if new_due <= ob.effective_due:
        raise OpsError(f"申请的新截止日期应晚于现在的截止日期 {ob.effective_due:%Y年%m月%d日}")
    waiting = session.scalar(
        select(ExtensionRequest).where(
            ExtensionRequest.obligation_id == ob.id, ExtensionRequest.status == ExtensionStatus.PENDING
        )
    )
    if waiting is not None:
        raise OpsError(
            f"这项任务已有一份延期申请（{waiting.requested_at:%m月%d日}提交）正在审核，请等待{campaign.organiser}答复"
        )
    return ob


def answer_request(app: App, request_id: int, *, new_due: date | None, reason: str, by: str, now: datetime) -> Decided:
    """Ops' answer to a unit's request: granted (a date) or refused, through the extension path
    (audited, the unit mailed, the ladder moved); the request records the answer for the page."""
    with app.store.session() as s:
        req = s.get(ExtensionRequest, request_id)
        if req is None or req.obligation.campaign != app.campaign.id:
            raise OpsError(f"本活动没有编号为 {request_id} 的延期申请")
        if req.status != ExtensionStatus.PENDING:
            raise OpsError(f"延期申请 {request_id} 已经答复过了")
        ob = req.obligation
        unit, code, period = ob.unit.name, ob.code, ob.period
    out = decide_extension(
        app, unit=unit, obligation=code, period=period, new_due=new_due, reason=reason, by=by, now=now
    )
    with app.store.session(write=True) as s:
        req = s.get(ExtensionRequest, request_id)
        req.status = ExtensionStatus.GRANTED if new_due else ExtensionStatus.REFUSED
        req.decided_at, req.decided_by, req.answer, req.granted_due = now, by, reason, new_due
    return out


def expire_request(app: App, request_id: int, *, now: datetime) -> None:
    """A request nobody answered in time: no longer pending, so the unit may ask again."""
    with app.store.session(write=True) as s:
        req = s.get(ExtensionRequest, request_id)
        if req is not None and req.status == ExtensionStatus.PENDING:
            req.status, req.decided_at = ExtensionStatus.EXPIRED, now
            audit(s, at=now, actor=app.campaign.organiser, action="extension.expire", subject=str(request_id))
