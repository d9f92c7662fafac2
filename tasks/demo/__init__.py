"""A campaign replayed with synthetic but plausible unit behaviour (for `make demo`), from its `demo:` section."""

from tasks.demo.behaviour import Extension, Send, plan, window
from tasks.demo.files import Author, file_name, summary_text, workbook
from tasks.demo.matters import MatterStep, matter_plan, play_matters

__all__ = [
    "Author",
    "Extension",
    "MatterStep",
    "Send",
    "file_name",
    "matter_plan",
    "plan",
    "play_matters",
    "summary_text",
    "window",
    "workbook",
]
