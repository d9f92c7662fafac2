"""The bureau's mailbox as an intake channel: one message at a time, recorded, judged, answered once."""

from tasks.mailbox.machine import MailboxError, MailboxRefused, held_rows, opened, poll, release
from tasks.mailbox.policy import trust_problem

__all__ = ["MailboxError", "MailboxRefused", "held_rows", "opened", "poll", "release", "trust_problem"]
