"""The bureau's mailbox as an intake channel: one message at a time, recorded, filed, answered at most once.

A reply with the form attached is a submission, answered by one threaded receipt for all its
files, exactly once. Only a unit's current liaison and head file for it; whom else the mailbox
answers is `tasks.mailbox.policy`'s call."""

from tasks.mailbox.addresses import senders
from tasks.mailbox.box import Fetched, Mailbox, MailboxError, MailboxRefused
from tasks.mailbox.files import MessageResult
from tasks.mailbox.held import held_rows, release
from tasks.mailbox.imap import Imap, opened
from tasks.mailbox.policy import trust_problem
from tasks.mailbox.reading import poll

__all__ = [
    "Fetched",
    "Imap",
    "Mailbox",
    "MailboxError",
    "MailboxRefused",
    "MessageResult",
    "held_rows",
    "opened",
    "poll",
    "release",
    "senders",
    "trust_problem",
]
