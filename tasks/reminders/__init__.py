"""The daily sweep: which obligations get which ladder step, one digest per person, queued and sent."""

from tasks.reminders.job import SweepResult, attention, sweep_day

__all__ = ["SweepResult", "attention", "sweep_day"]
