"""Extensions (延期) granted by ops, and one-step resends: both audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.sender import DeliveryReport
from schemas.campaign import Campaign
from schemas.outbox import FAILED, QUEUED, UNCERTAIN, Notification
from schemas.tables import Extension, Obligation, Unit
from tasks.app import App
from tasks.audit import audit


class OpsError(ValueError):
    """A request ops made that cannot be done; `str()` says why."""


def grant_extension(session: Session, campaign: Campaign, *, unit: str, obligation: str, period: str | None,
                    new_due: date, reason: str, granted_by: str, now: datetime) -> Obligation:
    """Move one obligation's due date; the ladder follows the new date from the next sweep."""
    if not reason.strip():
        raise OpsError("请写明延期理由")
    q = (select(Obligation).join(Unit, Obligation.unit_id == Unit.id)
         .where(Obligation.campaign == campaign.id, Unit.name == unit, Obligation.code == obligation))
    found = session.scalars(q.where(Obligation.period == period) if period else q).all()
    if not found:
        raise OpsError(f"找不到 {unit} 的任务 {obligation}{' ' + period if period else ''}")
    if len(found) > 1:
        raise OpsError(f"{unit} 的任务 {obligation} 有多期（{'、'.join(o.period for o in found)}），请用 --period 指定")
    ob = found[0]
    if new_due <= ob.effective_due:
        raise OpsError(f"新的截止日期 {new_due} 应晚于现在的截止日期 {ob.effective_due}")
    session.add(Extension(obligation_id=ob.id, new_due=new_due, reason=reason, granted_by=granted_by, granted_at=now))
    audit(session, at=now, actor=granted_by, action="extension.grant", subject=f"{unit}/{obligation}/{ob.period}",
          old_due=ob.effective_due.isoformat(), new_due=new_due.isoformat(), reason=reason)
    ob.extended_due = new_due
    return ob


def resend(session: Session, ids: list[int], *, by: str, now: datetime) -> list[int]:
    """Put failed or uncertain emails back in the queue (same Message-ID); return the ids requeued."""
    rows = session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
    done = []
    for n in rows:
        if n.status not in (FAILED, UNCERTAIN):
            continue
        audit(session, at=now, actor=by, action="mail.resend", subject=n.key, notification_id=n.id,
              previous_status=n.status, previous_error=n.last_error)
        n.status, n.claimed_by, n.last_error = QUEUED, None, None
        done.append(n.id)
    missing = set(ids) - {n.id for n in rows}
    if missing:
        raise OpsError(f"没有这些邮件：{sorted(missing)}")
    return done


def extend(app: App, *, unit: str, obligation: str, period: str | None, new_due: date, reason: str,
           granted_by: str, now: datetime) -> tuple[Obligation, str | None]:
    """Grant an extension, then move the unit's checkpoints in the Prefect UI when a server is
    configured. Returns the obligation and, if the calendar could not be moved, why (the
    extension stands; the next sweep moves it). The one path for `duban extend` and the flow."""
    from tasks.prefect_api import server_configured, sync_calendar

    with app.store.session(write=True) as s:
        ob = grant_extension(s, app.campaign, unit=unit, obligation=obligation, period=period, new_due=new_due,
                             reason=reason, granted_by=granted_by, now=now)
    if not server_configured():
        return ob, None
    try:
        sync_calendar(app)
    except Exception as e:  # the calendar is for people to look at: it never undoes an extension
        return ob, f"{type(e).__name__}: {e}"
    return ob, None


def resend_now(app: App, ids: list[int], *, by: str, now: datetime) -> tuple[list[int], DeliveryReport]:
    """Requeue failed or uncertain mail and send it at once. The one path for `duban resend` and the flow."""
    from tasks.mail import send_queued

    with app.store.session(write=True) as s:
        requeued = resend(s, ids, by=by, now=now)
    return requeued, send_queued(app, now=now)
