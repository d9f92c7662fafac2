"""An assignment handed out (交办): the matters created, one per unit, and each unit told by mail
(the 交办通知 with a link to its page), sent at once. The one path for `duban assign` and the
`assign-matter` deployment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notifications.delivery import DeliveryReport
from notifications.matter_notice import MatterNotice, queue_matter_notice
from tasks.app import App
from tasks.matters.assignment import Assignment, assign
from tasks.outbox import send_queued
from tasks.portal import make_link


@dataclass(frozen=True)
class HandedOut:
    """What was created: (matter id, unit) each, with the mail queued and what sending it did."""

    matters: list[tuple[int, str]]
    title: str
    due: str
    queued: int
    delivery: DeliveryReport

    def as_json(self) -> dict[str, object]:
        return {
            "matters": [{"id": i, "unit": u} for i, u in self.matters],
            "title": self.title,
            "due": self.due,
            "queued": self.queued,
            "sent": self.delivery.sent,
            "failed": self.delivery.failed,
        }


def hand_out(app: App, a: Assignment, *, now: datetime) -> HandedOut:
    """Create the assignment's matters and tell each unit (UnknownUnit, ValueError: nothing created)."""
    queued = 0
    with app.store.session(write=True) as s:
        made = assign(s, app.campaign, a, now=now)
        for m in made:
            queued += queue_matter_notice(
                s,
                campaign=app.campaign,
                matter=m,
                unit=m.unit.name,
                notice=MatterNotice.ASSIGNED,
                key=f"matter:{m.id}:assigned",
                now=now,
                mail_from=app.settings.mail_from,
                link=make_link(app.settings, m.unit, now=now).url,
            )
        out = [(m.id, m.unit.name) for m in made]
        title, due = made[0].title if made else a.title, (made[0].effective_due if made else a.due).isoformat()
    return HandedOut(out, title, due, queued, send_queued(app, now=now))
