"""The handling of one message, as a small state machine: each step is one function, and each
step that changes the store does so in one transaction.

    LOOK_UP → MOVE                    recorded and done by an earlier run that did not move it
    LOOK_UP → READ → FILE             recorded and being processed: carried on
    LOOK_UP → READ → RECORD → FILE    new, from a unit's liaison or head
    LOOK_UP → READ → RECORD → MOVE    new: held, no attachment, too large, a machine's, already seen
    FILE → FILE (one per report file) → FINISH → MOVE → DONE

A message is recorded — (mailbox, UIDVALIDITY, UID) and its Message-ID — before anything in it
is filed (RECORD); each file's outcome is noted as it is filed (FILE); the one reply is queued
in the transaction that closes the record (FINISH); the message is moved to 已处理 or 处理失败
only after that, never deleted (MOVE). A run that dies anywhere leaves the message in the
folder, recorded or not: the next run either finds the record and finishes it, or starts it
afresh. A file filed but not yet noted is recognised by its bytes and arrival time and never
filed twice (`tasks.mailbox.files.file_one`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.receipts import Reply
from schemas.mailbox import ACKNOWLEDGED, FAILED, MailAction
from schemas.tables import MailIn, Unit
from schemas.text import clean_text
from tasks.app import App
from tasks.intake import Incoming, read_message
from tasks.mailbox.addresses import own_addresses, senders
from tasks.mailbox.answer import answer_new, reply_once
from tasks.mailbox.box import Mailbox
from tasks.mailbox.files import MessageResult, file_one, kept, others, over_limit
from tasks.mailbox.policy import decide


class Step(StrEnum):
    """Where the handling of one message stands: the step to take next."""

    LOOK_UP = "look-up"  # is its UID recorded?
    READ = "read"  # fetch it and read it
    RECORD = "record"  # record a new message with its action (and its short answer)
    FILE = "file"  # file its next report file and note it
    FINISH = "finish"  # queue its one receipt and close its record
    MOVE = "move"  # move it out of the folder
    DONE = "done"


@dataclass(frozen=True)
class Run:
    """What one reading of the mailbox knows before it reads a message."""

    app: App
    box: Mailbox
    uv: int  # the folder's UIDVALIDITY
    own: set[str]  # our own addresses: mail from them is ours, looped back
    known: dict[str, str | None]  # a liaison's or head's address -> its unit (None: shared)
    tz: ZoneInfo
    now: datetime | None

    @classmethod
    def start(cls, app: App, box: Mailbox, now: datetime | None) -> Run:
        """A run over `box`'s folder as it is now; `now`: when messages are recorded (None: the clock)."""
        with app.store.session() as s:
            known = senders(s, app.campaign.id)
        return cls(app, box, box.uidvalidity(), own_addresses(app), known, ZoneInfo(app.campaign.timezone), now)


@dataclass(frozen=True)
class Message:
    """One message as the machine knows it after a step; each step returns a new one."""

    uid: int
    step: Step = Step.LOOK_UP
    message_id: str = ""
    sender: str = ""
    inc: Incoming | None = None  # read (None: found done, never fetched)
    unit: str | None = None  # the sender's unit: its liaison or head sent it, not forged
    contact: bool = False  # a current liaison's or head's address
    forged: bool = False  # ... that our mail server disowned
    too_large: str = ""  # why it was not fetched whole, or ""
    row_id: int | None = None  # its record
    action: MailAction | None = None  # its record's action
    reason: str = ""
    received: datetime | None = None  # its arrival, in the campaign's zone
    files: tuple[dict, ...] = ()  # what became of its attachments so far
    seen_before: bool = False  # recorded and done by an earlier run, which did not move it

    def result(self) -> MessageResult:
        action = MailAction.ALREADY_SEEN if self.seen_before else self.action
        return MessageResult(self.message_id, self.sender, self.unit, action, list(self.files), self.reason)


def handle(run: Run, uid: int) -> MessageResult:
    """Take one message of the folder through every step, from its UID to its move."""
    m = Message(uid)
    while m.step is not Step.DONE:
        m = STEPS[m.step](run, m)
    return m.result()


def look_up(run: Run, m: Message) -> Message:
    """Its record by UID: done (then it is only moved), being processed (carried on), or none."""
    with run.app.store.session() as s:
        row = s.scalar(
            select(MailIn).where(MailIn.mailbox == run.box.key, MailIn.uidvalidity == run.uv, MailIn.uid == m.uid)
        )
        if row is None:
            return replace(m, step=Step.READ)
        found = replace(
            m,
            message_id=row.message_id,
            sender=row.sender,
            row_id=row.id,
            action=MailAction(row.action),
            received=row.received_at,
            files=tuple(row.files),
        )
        if row.action != MailAction.PROCESSING:  # recorded, then the run stopped before moving it
            return replace(found, step=Step.MOVE, seen_before=True)
        return replace(found, step=Step.READ, reason=row.reason)


def read(run: Run, m: Message) -> Message:
    """Fetch it (only its header when it is too large) and read who sent it and what it carries."""
    limit = run.app.settings.imap_max_message_bytes
    raw, whole, internal, size = run.box.fetch(m.uid, limit)
    inc = read_message(
        raw,
        own=run.own,
        max_expanded=run.app.settings.max_expanded_bytes,  # too large: its header only
        authserv=run.app.settings.imap_trusted_authserv,
    )
    contact = inc.sender in run.known
    return replace(
        m,
        step=Step.FILE if m.row_id is not None else Step.RECORD,
        message_id=inc.message_id,
        sender=inc.sender,
        inc=inc,
        unit=run.known.get(inc.sender) if inc.verified is not False else None,  # a forged From is nobody's
        contact=contact,
        forged=inc.verified is False and contact,
        too_large="" if whole else f"邮件大小 {_mb(size)}，超过 {_mb(limit)} 的上限",
        received=m.received or internal.astimezone(run.tz).replace(tzinfo=None),
    )


def record(run: Run, m: Message) -> Message:
    """Record a new message with its action, its kept files and its short answer, if any; or,
    when its Message-ID is being processed under another UID (a renumbered folder), carry on with that."""
    app, inc = run.app, m.inc
    assert inc is not None and m.received is not None
    recorded = run.now or datetime.now(run.tz).replace(tzinfo=None)
    with app.store.session(write=True) as s:
        before = s.scalar(
            select(MailIn)
            .where(MailIn.campaign == app.campaign.id, MailIn.message_id == inc.message_id[:255])
            .order_by(MailIn.id)
        )
        if before is not None and before.action == MailAction.PROCESSING:  # renumbered mid-way: as recorded
            before.mailbox, before.uidvalidity, before.uid = run.box.key, run.uv, m.uid
            return replace(
                m,
                step=Step.FILE,
                row_id=before.id,
                action=MailAction.PROCESSING,
                reason=before.reason,
                received=before.received_at,
                files=tuple(before.files),
            )
        action, reason = (
            (MailAction.ALREADY_SEEN, "")
            if before is not None
            else decide(inc, too_large=m.too_large, unit=m.unit, contact=m.contact, forged=m.forged)
        )
        row = _new_row(s, run, m, action, reason, recorded)
        if action in ACKNOWLEDGED:
            row.files = kept(app, inc, action)
        # after the reason is set: the answer to a message too large quotes it
        row.reason += clean_text(answer_new(s, app, row, inc, contact=m.contact, forged=m.forged, now=recorded))
        step = Step.FILE if action == MailAction.PROCESSING else Step.MOVE
        return replace(m, step=step, row_id=row.id, action=action, reason=row.reason, files=tuple(row.files))


def _new_row(s: Session, run: Run, m: Message, action: MailAction, reason: str, recorded: datetime) -> MailIn:
    """The record of a new message, added and flushed (it has its id)."""
    inc, app = m.inc, run.app
    assert inc is not None
    unit_id = s.scalar(select(Unit.id).where(Unit.campaign == app.campaign.id, Unit.name == m.unit)) if m.unit else None
    row = MailIn(
        campaign=app.campaign.id,
        mailbox=run.box.key,
        uidvalidity=run.uv,
        uid=m.uid,
        message_id=inc.message_id[:255],
        sender=clean_text(inc.sender)[:320],
        subject=clean_text(inc.subject)[:2000],
        unit_id=unit_id,
        action=action,
        reason=clean_text(reason),
        received_at=m.received,
        recorded_at=recorded,
        files=[],
    )
    s.add(row)
    s.flush()
    return row


def file_next(run: Run, m: Message) -> Message:
    """File its next report file, noting it on its record in one transaction; when none is left, finish."""
    inc = m.inc
    assert inc is not None and m.received is not None and m.row_id is not None
    if len(m.files) >= len(inc.files):
        return replace(m, step=Step.FINISH)
    name, data = inc.files[len(m.files)]
    by = (inc.sender_name or inc.sender)[:64]
    files = (*m.files, file_one(run.app, name, data, unit=m.unit, received=m.received, by=by))
    with run.app.store.session(write=True) as s:
        s.get(MailIn, m.row_id).files = list(files)
    return replace(m, files=files)


def finish(run: Run, m: Message) -> Message:
    """Queue its one reply and close its record, in one transaction: a run that dies before it
    commits leaves both undone, and the next run does both (the reply is keyed by the message)."""
    inc = m.inc
    assert inc is not None and m.received is not None
    files = [*m.files, *others(run.app, inc), *over_limit(inc)]
    with run.app.store.session(write=True) as s:
        row = s.get(MailIn, m.row_id)
        if row.unit_id is not None:
            reply = Reply(inc.message_id, inc.references, inc.subject, inc.sender, inc.sender_name)
            reply_once(s, run.app, row, files, reply, m.received)
        row.files, row.action = files, MailAction.PROCESSED
    return replace(m, step=Step.MOVE, action=MailAction.PROCESSED, files=tuple(files))


def move(run: Run, m: Message) -> Message:
    """Move it out of the folder: to 处理失败 when it could not be filed, else to 已处理."""
    run.box.move(m.uid, run.box.failed if m.action in FAILED else run.box.done)
    return replace(m, step=Step.DONE)


STEPS: dict[Step, Callable[[Run, Message], Message]] = {
    Step.LOOK_UP: look_up,
    Step.READ: read,
    Step.RECORD: record,
    Step.FILE: file_next,
    Step.FINISH: finish,
    Step.MOVE: move,
}


def _mb(n: int) -> str:
    """A size as Windows shows it to the person who sent it (1 MB = 1024 KB): 40 KB, 1.5 MB, 60 MB."""
    kb, mb = n / 1024, n / 1024 / 1024
    return f"{kb:.0f} KB" if mb < 1 else f"{mb:.1f} MB" if mb < 10 else f"{mb:.0f} MB"
