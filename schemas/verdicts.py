"""What a refusal's headline says, by the code of its first issue: the one home of these words
for the command line, the receipt and the unit's page."""

from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    """A submission's verdict: what became of one received file (`Submission.status`); the store
    keeps the value."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"  # read, judged, and refused for its errors
    UNREADABLE = "unreadable"  # could not be read, or is no form of this campaign
    DUPLICATE = "duplicate"  # the same bytes as a file already received
    REFUSED = "refused"  # not a regular file, or over the size limit: its bytes were never taken
    EXTERNAL = "external"  # delivered outside Duban before it started (`duban backfill`)


# what meets an obligation: an accepted file, or one delivered outside Duban
DELIVERED = (SubmissionStatus.ACCEPTED, SubmissionStatus.EXTERNAL)

# why a file could not be read at all (the reader's codes); any other refusal was read first
READ_FAILURES = frozenset(
    {
        "empty-file",
        "too-large",
        "not-a-workbook",
        "encrypted",
        "zip-bomb",
        "xml-entities",
        "too-complex",
        "not-a-table",
        "encoding",
        "io-error",
        "not-a-file",
    }
)


def refusal_of(code: str) -> str:
    """Unreadable, read but of no form of this campaign, or read and refused for another reason
    (the unit, the period, a header that names too few columns)."""
    if code in READ_FAILURES:
        return "无法读取，未能受理"
    return "无法识别是哪张报表，未能受理" if code == "unknown-form" else "未能受理"
