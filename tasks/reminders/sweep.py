"""The daily sweep's decisions: which obligations get which ladder step, for whom.

Set-based: one status query for every obligation, one query for what was already queued,
one for the current contacts; the ladder of each (due date, ladder) pair is computed once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.outbox import NotificationItem
from schemas.tables import Obligation, current_contacts
from tasks.calendar import State, Step, ladder_steps, status_rows, step_on


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    role: str  # liaison | head | group


@dataclass
class Decision:
    obligation_id: int
    unit: str
    obligation: str
    name: str  # as people read it: 附表5 对接洽谈及签约项目动态 (a title that is its form's title, once)
    form: str
    period: str
    due: date
    state: State
    step: Step
    recipients: list[Recipient] = field(default_factory=list)

    def item_key(self, email: str) -> str:
        """Once per step of the ladder of the due date in force: after an extension the ladder of
        the new date runs again (its reminders name the new date); the same step never twice."""
        return f"{self.obligation_id}:{self.step.kind}:{self.step.level}:{email.lower()}:{self.step.date:%Y%m%d}"

    def as_json(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "obligation": self.obligation,
            "form": self.form,
            "period": self.period,
            "due": self.due.isoformat(),
            "kind": self.step.kind,
            "level": self.step.level,
            "recipients": [r.email for r in self.recipients],
        }


def decide(session: Session, campaign: Campaign, as_of: date) -> list[Decision]:
    """The ladder steps due on `as_of` that were not queued before, with their recipients."""
    cal = campaign.work_calendar
    rows = [r for r in status_rows(session, campaign, as_of) if not r.state.is_done]
    cache: dict[tuple[date, int], list[Step]] = {}
    due_now: list[tuple] = []
    for r in rows:
        due = r.effective_due
        lkey = id(r.ladder)  # status_rows shares one dict per distinct ladder snapshot
        steps = cache.get((due, lkey))
        if steps is None:
            steps = cache[(due, lkey)] = ladder_steps(due, r.ladder, cal)
        step = step_on(steps, as_of, cal)
        if step is not None:
            due_now.append((r, due, step))
    if not due_now:
        return []
    contacts = _contacts(session, campaign)
    groups = {g.id: g for g in campaign.groups}
    sent = _already_queued(session, campaign.id)
    out = []
    for r, due, step in due_now:
        d = Decision(
            r.obligation_id,
            r.unit,
            r.obligation,
            campaign.obligation_name(r.obligation),
            r.form,
            r.period,
            due,
            r.state,
            step,
        )
        seen: set[str] = set()
        for role in step.to:
            if role == "group":
                g = groups[r.group_id]
                found = [Recipient(g.email, g.name, "group")]
            else:
                found = [c for c in contacts.get(r.unit, []) if c.role == role]
            for rcpt in found:
                email = rcpt.email.lower()
                if email not in seen and (r.obligation_id, step.kind, step.level, email, step.date) not in sent:
                    seen.add(email)
                    d.recipients.append(rcpt)
        if d.recipients:
            out.append(d)
    return out


def _contacts(session: Session, campaign: Campaign) -> dict[str, list[Recipient]]:
    """Current liaisons and heads of every unit, from its current contact list."""
    out: dict[str, list[Recipient]] = defaultdict(list)
    for unit, c in current_contacts(session, campaign.id):
        out[unit].append(Recipient(c.email, c.name, c.role))
    return out


def _already_queued(session: Session, campaign_id: str) -> set[tuple[int, str, int, str, date]]:
    """Every (obligation, kind, level, recipient, step date) ever queued in this campaign (items a
    store of the last release queued carry their step date too)."""
    q = (
        select(
            NotificationItem.obligation_id,
            NotificationItem.kind,
            NotificationItem.level,
            NotificationItem.recipient_email,
            NotificationItem.step_date,
        )
        .join(Obligation, Obligation.id == NotificationItem.obligation_id)
        .where(Obligation.campaign == campaign_id)
    )
    return {(o, k, lv, e.lower(), d) for o, k, lv, e, d in session.execute(q).tuples()}
