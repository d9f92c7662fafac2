"""Supervision briefings: figures from the store, charts, HTML for email, PDF for print; recorded, approved, sent."""

from tasks.briefing.figures import schedule
from tasks.briefing.job import Compiled, compile_briefing, deliver_briefing, record

__all__ = ["Compiled", "compile_briefing", "deliver_briefing", "record", "schedule"]
