"""Obligation state as of a date: a pure function of dates, shared by status, sweep and briefings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from schemas.workdays import WorkCalendar


class State(StrEnum):
    PENDING = "pending"  # not yet due, nothing received
    DUE_SOON = "due_soon"  # inside the reminder window
    RECEIVED = "received"  # a file came but was rejected: awaiting correction, within the grace
    RETURNED_OVERDUE = "returned_overdue"  # rejected, and still not corrected after the grace: overdue
    ON_TIME = "accepted_on_time"
    LATE = "accepted_late"
    OVERDUE = "overdue"
    EXCUSED = "excused"  # an extension is running and its new date has not passed

    @property
    def light(self) -> str:
        """Traffic light for people: green done, yellow due soon / awaiting correction, red overdue."""
        if self in (State.ON_TIME, State.LATE):
            return "green"
        if self in (State.OVERDUE, State.RETURNED_OVERDUE):
            return "red"
        if self in (State.DUE_SOON, State.RECEIVED):
            return "yellow"
        return "grey"

    @property
    def badge(self) -> str:
        """The light as a terminal shows it: ●绿 ●黄 ●红, or ○ when nothing is due yet."""
        return {"green": "●绿", "yellow": "●黄", "red": "●红"}.get(self.light, "○  ")

    @property
    def is_done(self) -> bool:
        return self in (State.ON_TIME, State.LATE)

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def page_label(self) -> str:
        """The light's word on a unit's own page: 未提交 / 未通过 / 已通过 / 逾期报送，已通过 / 已延期 / 逾期."""
        return _PAGE_LABELS[self]


_LABELS = {
    State.PENDING: "未到期",
    State.DUE_SOON: "即将到期",
    State.RECEIVED: "已收到待更正",
    State.RETURNED_OVERDUE: "退回未改，已逾期",
    State.ON_TIME: "按时完成",
    State.LATE: "逾期完成",
    State.OVERDUE: "逾期未交",
    State.EXCUSED: "已批准延期",
}

_PAGE_LABELS = {
    State.PENDING: "未提交",
    State.DUE_SOON: "未提交",
    State.RECEIVED: "未通过",
    State.RETURNED_OVERDUE: "逾期",
    State.ON_TIME: "已通过",
    State.LATE: "逾期报送，已通过",
    State.OVERDUE: "逾期",
    State.EXCUSED: "已延期",
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the store knows about one obligation (dates in Asia/Shanghai)."""

    due: date  # the date in force (extension applied)
    extended: bool = False
    first_received: date | None = None  # first file identified for it, accepted or not
    accepted: date | None = None  # first accepted file


@dataclass(frozen=True, slots=True)
class Standing:
    state: State
    days_late: int  # calendar days past the due date (0 when not late)


def obligation_state(
    f: Facts, as_of: date, cal: WorkCalendar, *, grace_working_days: int = 2, soon_working_days: int = 5
) -> Standing:
    """The state of one obligation on `as_of`.

    Only what happened on or before `as_of` counts, so a whole campaign can be replayed.
    A file received by the due date and corrected within `grace_working_days` after it
    counts as on time.
    """
    received = f.first_received if f.first_received and f.first_received <= as_of else None
    accepted = f.accepted if f.accepted and f.accepted <= as_of else None
    if accepted:
        on_time = accepted <= f.due or (
            received is not None and received <= f.due and accepted <= cal.shift(f.due, grace_working_days)
        )
        if on_time:
            return Standing(State.ON_TIME, 0)
        return Standing(State.LATE, (accepted - f.due).days)
    late = max((as_of - f.due).days, 0)
    if received:  # a rejected file: awaiting correction while the grace lasts, then overdue like no file at all
        if received <= f.due and as_of <= cal.shift(f.due, grace_working_days) or as_of <= f.due:
            return Standing(State.RECEIVED, late)
        return Standing(State.RETURNED_OVERDUE, late)
    if as_of > f.due:
        return Standing(State.OVERDUE, late)
    if f.extended:
        return Standing(State.EXCUSED, 0)
    if as_of >= cal.shift(f.due, -soon_working_days):
        return Standing(State.DUE_SOON, 0)
    return Standing(State.PENDING, 0)
