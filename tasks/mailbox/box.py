"""The mailbox as the machine sees it: the few operations it needs, behind a Protocol.

Production reads the bureau's mailbox over IMAP (`tasks.mailbox.imap.Imap`); unit tests use an
in-memory one (`tests/fakes_mailbox.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol


class MailboxError(RuntimeError):
    """The mailbox cannot be read; `str()` says why, in Chinese."""


class MailboxRefused(MailboxError):
    """The settings forbid reading the mailbox (`tasks.mailbox.policy.trust_problem`); `str()` says why."""


class Fetched(NamedTuple):
    """One message as fetched: the raw message, or only its header when it is over the limit."""

    raw: bytes
    whole: bool  # False: over the size limit, only its header (at most 64 KB) was fetched
    internal: datetime  # the server's arrival time (INTERNALDATE), aware
    size: int  # the whole message's size in bytes


class Mailbox(Protocol):
    """One folder of one mailbox, read by UID; messages leave it only by being moved."""

    key: str  # which mailbox and folder the UIDs number (recorded with each message)
    done: str  # the folder a handled message moves to (已处理)
    failed: str  # ... and one that could not be filed (处理失败)

    def uidvalidity(self) -> int:
        """The folder's UIDVALIDITY: when it changes, every UID means another message."""
        ...

    def uids(self) -> list[int]:
        """Every message's UID in the folder, oldest first."""
        ...

    def fetch(self, uid: int, max_bytes: int) -> Fetched:
        """The message, whole when it is at most `max_bytes`, else only its header; never marked read."""
        ...

    def move(self, uid: int, folder: str) -> None:
        """Move the message to `folder` (made when missing), atomically."""
        ...

    def close(self) -> None: ...
