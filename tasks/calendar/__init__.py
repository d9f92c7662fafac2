"""The campaign's calendar: obligations (unit × obligation × period, due), the reminder ladder,
obligation state as of a day, status, checkpoints, the store's copy of the campaign (sync), and the clock."""

from tasks.calendar.checkpoints import plan, report
from tasks.calendar.clock import Clock, SystemClock, now_local, to_local
from tasks.calendar.ladder import Step, days_phrase, ladder_steps, step_on
from tasks.calendar.obligations import build_calendar, extended_dues
from tasks.calendar.state import State
from tasks.calendar.status import StatusRow, narrow, parse_ladder, status_rows, totals
from tasks.calendar.sync import sync_campaign

__all__ = [
    "Clock",
    "SystemClock",
    "State",
    "StatusRow",
    "Step",
    "build_calendar",
    "days_phrase",
    "extended_dues",
    "ladder_steps",
    "narrow",
    "now_local",
    "parse_ladder",
    "plan",
    "report",
    "status_rows",
    "step_on",
    "sync_campaign",
    "to_local",
    "totals",
]
