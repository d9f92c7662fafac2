"""One day's sweep as a job: decide, queue, send. Shared by `duban sweep` and the flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from notifications.sender import DeliveryReport
from schemas.outbox import FAILED, UNCERTAIN, Notification
from tasks.app import App
from tasks.digest import queue_digests
from tasks.mail import send_queued
from tasks.sweep import Decision, decide


@dataclass
class SweepResult:
    as_of: date
    decisions: list[Decision]
    queued: int = 0
    delivery: DeliveryReport | None = None
    needs_attention: list[dict] = field(default_factory=list)  # failed and uncertain mail, for ops
    working_day: bool = True


def send_time(app: App, as_of: date) -> datetime:
    """The ladder's sending time on `as_of` (09:00 by default): the sweep's clock in replays."""
    send_at = app.campaign.ladder.send_at
    return datetime.combine(as_of, send_at if isinstance(send_at, time) else time(9))


def queue_day(app: App, as_of: date, now: datetime) -> tuple[list[Decision], int]:
    """Decide and queue in one write transaction; a concurrent sweep that won the race means: nothing left."""
    for attempt in range(3):
        try:
            with app.store.session(write=True) as s:
                decisions = decide(s, app.campaign, as_of)
                queued = queue_digests(s, app.campaign, decisions, as_of=as_of, now=now,
                                       mail_from=app.settings.mail_from)
                return decisions, len(queued)
        except IntegrityError:  # PostgreSQL: the other sweep queued the same items first
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def sweep_day(app: App, as_of: date, *, dry_run: bool = False, now: datetime | None = None) -> SweepResult:
    """The day's sweep: decide, queue, send. Nothing at all on a non-working day (the one place
    that rule is applied: the flow, the command and the replay all come here)."""
    if not app.workdays.is_workday(as_of):
        return SweepResult(as_of, [], working_day=False)
    now = now or send_time(app, as_of)
    if dry_run:
        with app.store.session() as s:
            return SweepResult(as_of, decide(s, app.campaign, as_of))
    decisions, queued = queue_day(app, as_of, now)
    result = SweepResult(as_of, decisions, queued)
    result.delivery = send_queued(app, now=now)
    result.needs_attention = attention(app)
    return result


def attention(app: App) -> list[dict]:
    """Failed and uncertain emails: what ops must look at (and may resend in one step)."""
    with app.store.session() as s:
        rows = s.scalars(select(Notification).where(Notification.campaign == app.campaign.id,
                                                    Notification.status.in_([FAILED, UNCERTAIN]))
                         .order_by(Notification.id)).all()
        return [{"id": n.id, "status": n.status, "to": n.recipient_email, "subject": n.subject,
                 "error": n.last_error or ""} for n in rows]
