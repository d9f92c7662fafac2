"""One decision of the daily sweep: a ladder step of an obligation or of a matter, for whom.

Shared by the obligations' sweep (`sweep.py`) and the matters' (`matters.py`), so each person
still gets one digest a day carrying both."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from schemas.matters import MatterState
from tasks.calendar import State, Step

# (obligation or matter id, kind, level, recipient in lower case, step date): a step once queued
SentKey = tuple[int, str, int, str, date]


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    role: str  # liaison | head | group


@dataclass
class Decision:
    """A step of an obligation's ladder (`obligation_id`) or of a matter's (`matter_id`)."""

    obligation_id: int | None
    unit: str
    obligation: str  # the obligation's id in the campaign ("" for a matter)
    name: str  # as people read it: 附表5 对接洽谈及签约项目动态, or 督办事项：<title>
    form: str
    period: str  # "" for a matter
    due: date
    state: State | MatterState
    step: Step
    recipients: list[Recipient] = field(default_factory=list)
    matter_id: int | None = None

    @property
    def is_matter(self) -> bool:
        return self.matter_id is not None

    def item_key(self, email: str) -> str:
        """Once per step of the ladder of the due date in force: after an extension the ladder of
        the new date runs again (its reminders name the new date); the same step never twice.
        A matter's keys begin with m<id>, an obligation's with its id."""
        subject = f"m{self.matter_id}" if self.is_matter else str(self.obligation_id)
        return f"{subject}:{self.step.kind}:{self.step.level}:{email.lower()}:{self.step.date:%Y%m%d}"

    def sent_key(self, email: str) -> SentKey:
        """What `_already_queued` (of obligations, or of matters) holds for this step and recipient."""
        subject = self.matter_id if self.is_matter else self.obligation_id
        assert subject is not None
        return (subject, self.step.kind, self.step.level, email.lower(), self.step.date)

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "unit": self.unit,
            "obligation": self.obligation,
            "form": self.form,
            "period": self.period,
            "due": self.due.isoformat(),
            "kind": self.step.kind,
            "level": self.step.level,
            "recipients": [r.email for r in self.recipients],
        }
        if self.is_matter:
            out |= {"matter": self.matter_id, "name": self.name}
        return out


def candidates(to: tuple[str, ...], contacts: list[Recipient], group: Recipient | None) -> list[Recipient]:
    """Whom a step sent to the roles `to` reaches: the unit's current contacts by role, `group`
    for a step sent to the group (none when there is none), each address once, in role order."""
    out: dict[str, Recipient] = {}
    for role in to:
        found = ([group] if group is not None else []) if role == "group" else [c for c in contacts if c.role == role]
        for rcpt in found:
            out.setdefault(rcpt.email.lower(), rcpt)
    return list(out.values())


def add_recipients(d: Decision, found: list[Recipient], sent: set[SentKey]) -> None:
    """The step's recipients among `found` (its `candidates`), leaving out those it was queued for before."""
    d.recipients.extend(r for r in found if d.sent_key(r.email) not in sent)
