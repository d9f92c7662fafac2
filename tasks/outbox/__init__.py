"""Sending what is queued, with the domain's check of what is still worth sending, and a digest's text."""

from tasks.outbox.digest_text import render_digest
from tasks.outbox.send import STATUS_LABELS, age_text, mail_rows, send_queued

__all__ = ["STATUS_LABELS", "age_text", "mail_rows", "render_digest", "send_queued"]
