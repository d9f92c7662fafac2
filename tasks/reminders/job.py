"""One day's sweep as a job: decide, queue, send. Shared by `duban sweep` and the flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy.exc import IntegrityError

from notifications.sender import DeliveryReport
from notifications.transport import TransportFactory
from schemas.outbox import OutboxStatus
from tasks.app import App, audit
from tasks.outbox import mail_rows, send_queued
from tasks.portal import LinkMaker
from tasks.reminders.decision import Decision
from tasks.reminders.digest import queue_digests
from tasks.reminders.sweep import decide


@dataclass
class SweepResult:
    as_of: date
    decisions: list[Decision]
    queued: int = 0
    delivery: DeliveryReport | None = None
    needs_attention: list[dict] = field(default_factory=list)  # failed and uncertain mail, for ops
    working_day: bool = True
    held: str | None = None  # why nothing was queued: too many escalations at once, waiting for ops
    dry_run: bool = False  # nothing was queued anyway; `held` then says the real run would wait

    @property
    def escalations(self) -> list[Decision]:
        return [d for d in self.decisions if d.step.kind == "escalation"]


def escalation_notices(decisions: list[Decision]) -> int:
    """How many escalation notices the decisions send: one per escalated obligation or matter per
    recipient."""
    return sum(len(d.recipients) for d in decisions if d.step.kind == "escalation")


def too_many_escalations(decisions: list[Decision], limit: int) -> str | None:
    """Pure: why a day's sweep must wait for ops (a store that starts mid-campaign would escalate
    every unit that delivered by other means), or None. Counted as notices, what is sent."""
    n = escalation_notices(decisions)
    if n <= limit:
        return None
    items = sum(1 for d in decisions if d.step.kind == "escalation" and not d.is_matter)
    matters = sum(1 for d in decisions if d.step.kind == "escalation" and d.is_matter)
    what = "、".join(
        ([f"{items} 项逾期任务"] if items or not matters else []) + ([f"{matters} 项逾期督办事项"] if matters else [])
    )
    mails = len({r.email.lower() for d in decisions for r in d.recipients})  # one digest a person
    return (
        f"本次将发出 {n} 份督办通知（{what}），合为 {mails} 封邮件（每人一封），"
        f"超过单次上限 {limit} 份（DUBAN_MAX_ESCALATIONS）。"
        "如果 Duban 是在活动中途启用的，许多单位可能已在系统外报送：请先用 duban backfill 登记，再确认发送"
    )


def send_time(app: App, as_of: date) -> datetime:
    """The ladder's sending time on `as_of` (09:00 by default): the sweep's clock in replays."""
    send_at = app.campaign.ladder.send_at
    return datetime.combine(as_of, send_at if isinstance(send_at, time) else time(9))


def queue_day(
    app: App, as_of: date, now: datetime, *, confirmed_by: str | None = None
) -> tuple[list[Decision], int, str | None]:
    """Decide and queue in one write transaction, unless there are more escalations than ops allow
    without confirming (then nothing is queued, and the reason is returned; a confirmation is
    audited with who gave it); a concurrent sweep that won the race means: nothing left."""
    for attempt in range(3):
        try:
            with app.store.session(write=True) as s:
                decisions = decide(s, app.campaign, as_of)
                held = too_many_escalations(decisions, app.settings.max_escalations)
                if held and confirmed_by is None:
                    return decisions, 0, held
                if held:
                    audit(
                        s,
                        at=now,
                        actor=confirmed_by,
                        action="sweep.confirm",
                        subject=as_of.isoformat(),
                        escalation_notices=escalation_notices(decisions),
                    )
                queued = queue_digests(
                    s,
                    app.campaign,
                    decisions,
                    as_of=as_of,
                    now=now,
                    mail_from=app.settings.mail_from,
                    links=LinkMaker(s, app.settings, app.campaign),
                )
                return decisions, len(queued), None
        except IntegrityError:  # PostgreSQL: the other sweep queued the same items first
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def sweep_day(
    app: App,
    as_of: date,
    *,
    dry_run: bool = False,
    confirmed_by: str | None = None,
    now: datetime | None = None,
    transport: TransportFactory | None = None,
) -> SweepResult:
    """The day's sweep: decide, queue, send. Nothing at all on a non-working day (the one place
    that rule is applied: the flow, the command and the replay all come here); nothing queued
    when it would escalate more than `max_escalations` at once, until ops confirm (`confirmed_by`).
    `transport` makes the mail connections (by default SMTP, as the settings say)."""
    if not app.workdays.is_workday(as_of):
        return SweepResult(as_of, [], working_day=False)
    now = now or send_time(app, as_of)
    if dry_run:  # says whether the real run would wait for ops, sends nothing
        with app.store.session() as s:
            decisions = decide(s, app.campaign, as_of)
        held = None if confirmed_by else too_many_escalations(decisions, app.settings.max_escalations)
        return SweepResult(as_of, decisions, held=held, dry_run=True)
    decisions, queued, held = queue_day(app, as_of, now, confirmed_by=confirmed_by)
    result = SweepResult(as_of, decisions, queued, held=held)
    result.delivery = send_queued(
        app, now=now, transport=transport
    )  # held: the day's notices wait; receipts already queued still go
    result.needs_attention = attention(app)
    return result


def attention(app: App) -> list[dict]:
    """Failed and uncertain emails: what ops must look at (and may resend in one step)."""
    return [
        {k: m[k] for k in ("id", "status", "to", "subject", "error")}
        for m in mail_rows(app, (OutboxStatus.FAILED, OutboxStatus.UNCERTAIN))
    ]
