"""What became of a message read from the bureau's mailbox, and of its attachments: the one home
of these values (`MailIn.action`, the `status` of a note in `MailIn.files`) and of their groups."""

from __future__ import annotations

from enum import StrEnum


class MailAction(StrEnum):
    """What became of one message (`MailIn.action`); the store keeps the value."""

    PROCESSING = "processing"  # recorded, its files being filed: a run that dies here is finished by the next
    PROCESSED = "processed"  # filed, and answered by one receipt
    IGNORED = "ignored"  # a machine's (auto-reply, bounce, list, our own mail): never answered
    HELD = "held"  # nobody's unit (a stranger, a shared or disowned address): kept for ops to name it
    NO_ATTACHMENT = "no-attachment"  # no report file in it
    TOO_LARGE = "too-large"  # over DUBAN_IMAP_MAX_MESSAGE_BYTES: only its header was read
    ALREADY_SEEN = "already-seen"  # its Message-ID (or its UID) was recorded before
    RELEASED = "released"  # a held message filed for the unit ops named
    ERROR = "error"  # handling it failed; never recorded: it stays in the folder for the next run


# moved to the failed folder (处理失败); every other recorded message goes to the done folder (已处理)
FAILED = frozenset({MailAction.NO_ATTACHMENT, MailAction.TOO_LARGE})

# a new message not filed now: its attachments are kept on its record, and it gets a short answer
# when `tasks.mailbox.policy` says its sender may have one
ACKNOWLEDGED = frozenset({MailAction.HELD, MailAction.NO_ATTACHMENT, MailAction.TOO_LARGE})


class AttachmentStatus(StrEnum):
    """What became of an attachment that was not filed (a filed one's status is its `Verdict`)."""

    HELD = "held"  # kept as received, to be filed when ops name the unit
    NOT_REPORT = "not-report"  # a picture, a signature...: kept, never judged
    OVER_LIMIT = "over-limit"  # past the number of files one message may carry: not filed


# not a report file of the message: named in its receipt, never counted as one
NOT_FILED = frozenset({AttachmentStatus.NOT_REPORT, AttachmentStatus.OVER_LIMIT})
