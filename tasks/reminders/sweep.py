"""The daily sweep's decisions: which obligations and which matters get which ladder step, for whom.

Set-based: one status query for every obligation, one query for the open matters, one for what
was already queued of each, one for the current contacts; the ladder of each (due date, ladder)
pair is computed once. Matters' steps join the same list, so each person gets one digest a day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.outbox import NotificationItem
from schemas.tables import Obligation, current_contacts
from tasks.calendar import StatusRow, Step, ladder_steps, status_rows, step_on
from tasks.reminders.decision import Decision, Recipient, SentKey, add_recipients, candidates
from tasks.reminders.matters import matter_decisions, matter_steps

__all__ = ["Decision", "Recipient", "decide"]


def decide(session: Session, campaign: Campaign, as_of: date) -> list[Decision]:
    """The ladder steps due on `as_of` that were not queued before, with their recipients:
    obligations first, then matters."""
    due_now = _obligation_steps(session, campaign, as_of)
    matters_now = matter_steps(session, campaign, as_of)
    if not due_now and not matters_now:
        return []
    contacts = _contacts(session, campaign)
    out = _obligation_decisions(session, campaign, due_now, contacts) if due_now else []
    return out + matter_decisions(session, campaign, matters_now, contacts)


def _obligation_steps(session: Session, campaign: Campaign, as_of: date) -> list[tuple[StatusRow, Step]]:
    """Every obligation not yet met whose ladder has a step to send on `as_of`, with that step."""
    cal = campaign.work_calendar
    rows = [r for r in status_rows(session, campaign, as_of) if not r.state.is_done]
    cache: dict[tuple[date, int], list[Step]] = {}
    out = []
    for r in rows:
        due = r.effective_due
        lkey = id(r.ladder)  # status_rows shares one dict per distinct ladder snapshot
        steps = cache.get((due, lkey))
        if steps is None:
            steps = cache[(due, lkey)] = ladder_steps(due, r.ladder, cal)
        step = step_on(steps, as_of, cal)
        if step is not None:
            out.append((r, step))
    return out


def _obligation_decisions(
    session: Session, campaign: Campaign, due_now: list[tuple[StatusRow, Step]], contacts: dict[str, list[Recipient]]
) -> list[Decision]:
    groups = {g.id: Recipient(g.email, g.name, "group") for g in campaign.groups}
    sent = _already_queued(session, campaign.id)
    out = []
    for r, step in due_now:
        d = Decision(
            r.obligation_id,
            r.unit,
            r.obligation,
            campaign.obligation_name(r.obligation),
            r.form,
            r.period,
            r.effective_due,
            r.state,
            step,
        )
        add_recipients(d, candidates(step.to, contacts.get(r.unit, []), groups.get(r.group_id)), sent)
        if d.recipients:
            out.append(d)
    return out


def _contacts(session: Session, campaign: Campaign) -> dict[str, list[Recipient]]:
    """Current liaisons and heads of every unit, from its current contact list."""
    out: dict[str, list[Recipient]] = defaultdict(list)
    for unit, c in current_contacts(session, campaign.id):
        out[unit].append(Recipient(c.email, c.name, c.role))
    return out


def _already_queued(session: Session, campaign_id: str) -> set[SentKey]:
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
