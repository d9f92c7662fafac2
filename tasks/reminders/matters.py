"""The daily sweep's decisions for matters (督办事项): each open matter runs the ladder it was
created with, from its deadline in force (an extension's date, once granted), on working days.

Set-based, as for obligations: one query for the open matters, one for the matter steps already
queued; the unit's contacts come from the sweep's one query; each (due date, ladder) pair's
steps are computed once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.matters import Matter
from schemas.outbox import NotificationItem
from tasks.calendar import Step, ladder_steps, step_on
from tasks.matters import MatterRow, matter_rows
from tasks.reminders.decision import Decision, Recipient, SentKey, add_recipients, candidates

MATTER_NAME = "督办事项：{title}"


def matter_steps(session: Session, campaign: Campaign, as_of: date) -> list[tuple[MatterRow, Step]]:
    """Every open matter whose ladder has a step to send on `as_of`, with that step."""
    cal = campaign.work_calendar
    if not cal.is_workday(as_of):
        return []
    cache: dict[tuple[date, int], list[Step]] = {}
    out = []
    for r in matter_rows(session, campaign, as_of, open_only=True, with_ladder=True):
        due = r.effective_due
        lkey = id(r.ladder)  # the same snapshot text is parsed once (parse_ladder is cached)
        steps = cache.get((due, lkey))
        if steps is None:
            steps = cache[(due, lkey)] = ladder_steps(due, r.ladder, cal) if r.ladder.get("steps") else []
        step = step_on(steps, as_of, cal)
        if step is not None:
            out.append((r, step))
    return out


def matter_decisions(
    session: Session,
    campaign: Campaign,
    due_now: list[tuple[MatterRow, Step]],
    contacts: dict[str, list[Recipient]],
) -> list[Decision]:
    """The matters' steps of the day with their recipients: the unit's current liaisons and heads
    by role, and for a step sent to `group` the group `matters.group` names (none: left out)."""
    if not due_now:
        return []
    group = matter_group(campaign)
    sent = already_queued_matters(session, campaign.id)
    whom: dict[tuple[str, tuple[str, ...]], list[Recipient]] = {}  # by unit and roles: computed once
    out = []
    for r, step in due_now:
        assert r.standing is not None  # matter_rows always says where a matter stands
        d = Decision(
            None,
            r.unit,
            "",
            MATTER_NAME.format(title=r.title),
            r.form or "",
            "",
            r.effective_due,
            r.standing.state,
            step,
            matter_id=r.id,
        )
        found = whom.get((r.unit, step.to))
        if found is None:
            found = whom[(r.unit, step.to)] = candidates(step.to, contacts.get(r.unit, []), group)
        add_recipients(d, found, sent)
        if d.recipients:
            out.append(d)
    return out


def matter_group(campaign: Campaign) -> Recipient | None:
    """The group told on a matter's step sent to `group`: `matters.group`, by id or by name."""
    wanted = campaign.matters.group
    if not wanted:
        return None
    for g in campaign.groups:
        if wanted in (g.id, g.name):
            return Recipient(g.email, g.name, "group")
    return None


def already_queued_matters(session: Session, campaign_id: str) -> set[SentKey]:
    """Every (matter, kind, level, recipient, step date) ever queued in this campaign."""
    q = (
        select(
            NotificationItem.matter_id,
            NotificationItem.kind,
            NotificationItem.level,
            NotificationItem.recipient_email,
            NotificationItem.step_date,
        )
        .join(Matter, Matter.id == NotificationItem.matter_id)
        .where(Matter.campaign == campaign_id)
    )
    return {(m, k, lv, e.lower(), d) for m, k, lv, e, d in session.execute(q).tuples()}
