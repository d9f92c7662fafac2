"""The reminder and escalation ladder: pure functions over dates.

Steps are dated in working days from the due date; levels are numbered within each kind in
date order (reminder 1 is the earliest, escalation 1 the first after the due date). On a
working day the step that applies is the most recent one dated on or before that day;
older steps nobody sent are skipped, so after downtime nobody gets a stale "5 days left".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from schemas.workdays import WorkCalendar

KINDS = {"reminder": "催报", "escalation": "督办"}


@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # reminder | escalation
    level: int
    date: date
    offset: int
    to: tuple[str, ...]  # liaison | head | group
    list_in_briefing: bool = False

    @property
    def label(self) -> str:
        """How ops and liaisons name it: 催报1, 督办2."""
        return f"{KINDS[self.kind]}{self.level}"


def ladder_steps(due: date, ladder: dict[str, Any], cal: WorkCalendar) -> list[Step]:
    """The dated steps of a ladder (a campaign `Ladder` as JSON, as snapshotted) for `due`."""
    steps = sorted(ladder["steps"], key=lambda s: s["offset"])
    out, levels = [], {"reminder": 0, "escalation": 0}
    for s in steps:
        levels[s["kind"]] += 1
        out.append(
            Step(
                s["kind"],
                levels[s["kind"]],
                cal.shift(due, s["offset"]),
                s["offset"],
                tuple(s["to"]),
                bool(s.get("list_in_briefing", False)),
            )
        )
    return out


def step_on(steps: list[Step], as_of: date, cal: WorkCalendar) -> Step | None:
    """The step to send on `as_of`: the latest dated on or before it; none on a non-working day."""
    if not cal.is_workday(as_of):
        return None
    due_steps = [s for s in steps if s.date <= as_of]
    return max(due_steps, key=lambda s: (s.date, s.offset)) if due_steps else None


def days_phrase(due: date, as_of: date) -> str:
    """ "还有3天" / "今天截止" / "已逾期2天" — what a liaison reads next to each item."""
    d = (due - as_of).days
    if d > 0:
        return f"距截止还有{d}天"
    if d == 0:
        return "今天截止"
    return f"已逾期{-d}天"
