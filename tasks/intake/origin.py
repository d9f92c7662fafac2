"""Where a received file came from and how it is answered: one value, passed along whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifications.receipts import Reply


@dataclass(frozen=True)
class Origin:
    """The channel a file came by, who sent it, and where and whether its receipt goes.

    `unit`: the sender's unit is known (its page, a unit's mail): a file naming another unit is
    refused as a mismatch. `receipt=False`: the caller answers (one reply for all of a message's
    files); none is queued for the file."""

    channel: str = "inbox"  # inbox | mail | portal
    unit: str | None = None
    submitted_by: str | None = None
    phone: str | None = None
    reply: Reply | None = None  # the received message the receipt answers
    receipt: bool = True


INBOX = Origin()  # a file dropped in the inbox folder: no sender known, answered on its own
