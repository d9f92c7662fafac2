"""What became of a message and of each of its attachments: the notes on its record, and the
filing of one report file, never twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import select

from schemas.mailbox import AttachmentStatus, MailAction
from schemas.tables import Submission
from tasks.app import App
from tasks.intake import Incoming, Origin, keep_bytes, submit_bytes

CHANNEL = "mail"


@dataclass
class MessageResult:
    message_id: str
    sender: str
    unit: str | None
    action: MailAction
    files: list[dict] = field(default_factory=list)
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "message_id": self.message_id,
            "from": self.sender,
            "unit": self.unit,
            "action": self.action,
            "files": [{k: f.get(k) for k in ("name", "status", "form", "period")} for f in self.files],
        }


def kept(app: App, inc: Incoming, action: MailAction) -> list[dict]:
    """The record of a message that is not filed now: a held message's files, kept as received
    to be filed when ops name the unit; its attachments that are not report files; those past the limit."""
    held = (
        [
            {
                "name": n,
                "sha256": keep_bytes(app.settings.files_dir, d),
                "size": len(d),
                "status": AttachmentStatus.HELD,
                "form": None,
                "period": None,
            }
            for n, d in inc.files
        ]
        if action == MailAction.HELD
        else []
    )
    return held + others(app, inc) + (over_limit(inc) if held else [])


def others(app: App, inc: Incoming) -> list[dict]:
    """A message's attachments that are not report files: kept as received, never judged."""
    return [
        {
            "name": n,
            "sha256": keep_bytes(app.settings.files_dir, d),
            "size": len(d),
            "status": AttachmentStatus.NOT_REPORT,
            "kind": k,
            "form": None,
            "period": None,
        }
        for n, k, d in inc.others
    ]


def over_limit(inc: Incoming) -> list[dict]:
    """The report files past the number one message may carry: named, not filed."""
    return [{"name": n, "status": AttachmentStatus.OVER_LIMIT} for n in inc.over]


def file_one(app: App, name: str, data: bytes, *, unit: str | None, received: datetime, by: str) -> dict:
    """File one report file of a message and return its note; a file filed by a run that died
    before noting it is not filed again."""
    sha = hashlib.sha256(data).hexdigest()
    return filed_before(app, name, sha, received, by) or submit(
        app, name, data, sha, unit=unit, received=received, by=by
    )


def submit(app: App, name: str, data: bytes, sha: str, *, unit: str | None, received: datetime, by: str) -> dict:
    """File one attachment (no receipt: the message is answered once, for all its files); its note."""
    origin = Origin(CHANNEL, unit=unit, submitted_by=by, receipt=False)
    r = submit_bytes(app, data, name, received_at=received, origin=origin)
    return {
        "name": name,
        "sha256": sha,
        "submission": r.submission_id,
        "status": r.status,
        "form": r.verdict.form,
        "period": r.verdict.period,
    }


def filed_before(app: App, name: str, sha: str, received: datetime, sender: str | None = None) -> dict | None:
    """The note of a file filed by a run that died before noting it: the same bytes, the same
    arrival, the same file name and the same sender (two messages carrying one blank template in
    the same second are two files, never one unit's verdict given to another)."""
    with app.store.session() as s:
        q = select(Submission).where(
            Submission.campaign == app.campaign.id,
            Submission.sha256 == sha,
            Submission.channel == CHANNEL,
            Submission.received_at == received,
            Submission.filename == PurePath(name).name,
        )
        if sender is not None:
            q = q.where(Submission.submitted_by == sender)
        earlier = s.scalar(q.order_by(Submission.id))
        return _note(name, earlier) if earlier else None


def _note(name: str, sub: Submission) -> dict:
    return {
        "name": name,
        "sha256": sub.sha256,
        "submission": sub.id,
        "status": sub.status,
        "form": sub.form,
        "period": sub.period,
    }
