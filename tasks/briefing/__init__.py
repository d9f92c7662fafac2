"""Supervision briefings: figures from the store, charts, HTML for email, PDF for print; recorded, approved, sent."""

from tasks.briefing.figures import schedule
from tasks.briefing.job import Compiled, compile_briefing, deliver_briefing, record
from tasks.briefing.versions import BriefingRefused, edited_in
from tasks.briefing.wording import overdue_summary

__all__ = [
    "BriefingRefused",
    "Compiled",
    "compile_briefing",
    "deliver_briefing",
    "edited_in",
    "overdue_summary",
    "record",
    "schedule",
]
