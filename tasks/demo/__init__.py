"""A campaign replayed with synthetic but plausible unit behaviour (for `make demo`), from its `demo:` section."""

from tasks.demo.behaviour import Extension, Send, plan, window
from tasks.demo.files import Author, file_name, summary_text, workbook

__all__ = ["Author", "Extension", "Send", "file_name", "plan", "summary_text", "window", "workbook"]
