"""The bureau's mailbox as an intake channel: a reply with the form attached is a submission,
answered by one threaded receipt for all its files, exactly once.

Each message is recorded — (mailbox, UIDVALIDITY, UID) and its Message-ID — before anything in
it is filed; each file's outcome is recorded as it is filed; the one reply is queued in the
transaction that closes the record; the message is moved to 已处理 or 处理失败 only after that
(never deleted). A run that dies anywhere leaves the message in the folder, recorded or not: the
next run either finds the record and finishes it, or starts it afresh. A file filed but not yet
noted is recognised by its bytes and arrival time and never filed twice. Only a unit's current
liaison and head file for it; whom else the mailbox answers is `tasks.mailbox.policy`'s call.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import PurePath
from zoneinfo import ZoneInfo

from sqlalchemy import select

from config.settings import Settings
from schemas.tables import MailIn, Submission, Unit, current_contacts
from schemas.text import clean_text
from tasks.app import App
from tasks.contacts import MAIL_ROLES
from tasks.intake import Incoming, keep_bytes, kept_path, read_message
from tasks.mailbox.answer import answer_new, reply_once
from tasks.mailbox.policy import decide, trust_problem

log = logging.getLogger(__name__)
ACTIONS = ("processed", "ignored", "held", "no-attachment", "too-large", "already-seen")
FAILED = ("no-attachment", "too-large")  # moved to 处理失败


class MailboxError(RuntimeError):
    """The mailbox cannot be read; `str()` says why, in Chinese."""


class MailboxRefused(MailboxError):
    """The settings forbid reading the mailbox (`tasks.mailbox.policy.trust_problem`); `str()` says why."""


@dataclass
class MessageResult:
    message_id: str
    sender: str
    unit: str | None
    action: str
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


class Imap:
    """The few IMAP operations intake needs, over imap-tools (polling, not IDLE)."""

    def __init__(self, settings: Settings):
        from imap_tools import MailBox, MailBoxUnencrypted

        s = settings
        if not s.imap_host or not s.imap_username or not s.imap_password:
            raise MailboxError("未配置邮箱：请设置 DUBAN_IMAP_HOST、DUBAN_IMAP_USERNAME 和 DUBAN_IMAP_PASSWORD")
        if why := trust_problem(s):
            raise MailboxRefused(why)
        self.folder, self.done, self.failed = s.imap_folder, s.imap_done_folder, s.imap_failed_folder
        self.key = f"{s.imap_username}@{s.imap_host}/{s.imap_folder}"[:255]
        kind = MailBox if s.imap_tls else MailBoxUnencrypted
        try:
            self.box = kind(s.imap_host, s.imap_port, timeout=s.imap_timeout)
            self.box.login(s.imap_username, s.imap_password.get_secret_value(), initial_folder=s.imap_folder)
            # imaplib keeps the capabilities the server listed before login, and many (Dovecot)
            # list MOVE only after it: without this, imap-tools moves by COPY then EXPUNGE, and a
            # run killed between the two leaves the message in both folders
            typ, caps = self.box.client.capability()
            if typ == "OK" and caps and caps[-1]:
                self.box.client.capabilities = tuple(caps[-1].decode("ascii", "replace").upper().split())
        except (OSError, imaplib.IMAP4.error) as e:
            raise MailboxError(f"无法连接邮箱 {s.imap_host}:{s.imap_port}（{_why(e)}）") from None
        except Exception as e:  # imap-tools' login and folder errors
            raise MailboxError(f"无法登录邮箱 {s.imap_username}@{s.imap_host}（{_why(e)}）") from None
        self._made: set[str] = set()

    def uidvalidity(self) -> int:
        return int(self.box.folder.status(self.folder)["UIDVALIDITY"])

    def uids(self) -> list[int]:
        return [int(u) for u in self.box.uids("ALL")]

    def fetch(self, uid: int, max_bytes: int) -> tuple[bytes, bool, datetime, int]:
        """(the raw message, or only its header (at most 64 KB) when it is over `max_bytes`;
        whether it is whole; INTERNALDATE; size)."""
        typ, data = self.box.client.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE)")
        head = b" ".join(d if isinstance(d, bytes) else b" ".join(d) for d in data if d)
        m = re.search(rb"RFC822\.SIZE (\d+)", head)
        size = int(m.group(1)) if m else 0
        internal = _internaldate(head) or datetime.now().astimezone()
        whole = size <= max_bytes
        typ, data = self.box.client.uid("FETCH", str(uid), "(BODY.PEEK[])" if whole else "(BODY.PEEK[HEADER]<0.65536>)")
        raw = next((d[1] for d in data if isinstance(d, tuple)), b"")
        return raw, whole, internal, size

    def move(self, uid: int, folder: str) -> None:
        if folder not in self._made:
            if not self.box.folder.exists(folder):
                self.box.folder.create(folder)
            self._made.add(folder)
        self.box.move(str(uid), folder)

    def close(self) -> None:
        try:
            self.box.logout()
        except Exception:  # already gone
            pass


def _mb(n: int) -> str:
    """A size as Windows shows it to the person who sent it (1 MB = 1024 KB): 40 KB, 1.5 MB, 60 MB."""
    kb, mb = n / 1024, n / 1024 / 1024
    return f"{kb:.0f} KB" if mb < 1 else f"{mb:.1f} MB" if mb < 10 else f"{mb:.0f} MB"


def _internaldate(head: bytes) -> datetime | None:
    """INTERNALDATE as an aware datetime (imaplib's helper gives local time tuples)."""
    m = re.search(rb'INTERNALDATE "([^"]+)"', head)
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1).decode(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _why(e: Exception) -> str:
    text = str(e) or type(e).__name__
    if isinstance(e, ConnectionRefusedError):
        return "连接被拒绝"
    if "authentication" in text.lower() or "login" in text.lower():
        return "用户名或密码错误"
    if isinstance(e, TimeoutError):
        return "连接超时"
    return text[:200]


@contextmanager
def opened(settings: Settings) -> Iterator[Imap]:
    box = Imap(settings)
    try:
        yield box
    finally:
        box.close()


def senders(session, campaign_id: str) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    """Every current liaison's and head's address -> its unit (None: units share it, so it is
    nobody's). Other roles' addresses are not senders: their mail is held like a stranger's."""
    out: dict[str, str | None] = {}
    for unit, c in current_contacts(session, campaign_id, roles=MAIL_ROLES):
        e = c.email.lower()
        out[e] = unit if out.get(e, unit) == unit else None
    return out


def own_addresses(app: App) -> set[str]:
    own = {parseaddr(app.settings.mail_from)[1].lower(), (app.campaign.office.email or "").lower()}
    if app.settings.imap_username and "@" in app.settings.imap_username:
        own.add(app.settings.imap_username.lower())
    return {a for a in own if a}


def poll(app: App, box: Imap, *, now: datetime | None = None) -> list[MessageResult]:
    """Read every message in the folder once; return what became of each. One reader at a time
    (a lock under DUBAN_HOME; the deployment's concurrency limit is 1 too): a run that finds
    another one reading returns nothing, and the next run carries on."""
    import fcntl

    app.settings.home.mkdir(parents=True, exist_ok=True)
    try:  # never through a link planted in the home (a "w" open would truncate its target)
        fd = os.open(app.settings.home / "mailbox.lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as e:
        raise MailboxError(
            f"无法打开 {app.settings.home / 'mailbox.lock'}（{e.strerror}）：它可能是一个链接，请核实后删除"
        ) from None
    with os.fdopen(fd, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another run is reading the mailbox; this one stops")
            return []
        return _poll(app, box, now)


@dataclass(frozen=True)
class _Run:
    uv: int
    own: set[str]
    known: dict[str, str | None]
    tz: ZoneInfo
    now: datetime | None


def _poll(app: App, box: Imap, now: datetime | None) -> list[MessageResult]:
    with app.store.session() as s:
        known = senders(s, app.campaign.id)
    run = _Run(box.uidvalidity(), own_addresses(app), known, ZoneInfo(app.campaign.timezone), now)
    out = []
    for uid in box.uids():
        try:
            out.append(_one(app, box, run, uid))
        except (MailboxError, imaplib.IMAP4.abort, OSError):
            raise  # the mailbox itself is gone: the next run starts again
        except Exception as e:  # one message must never stop the others; it stays for the next run
            log.exception("mail uid %s not handled", uid)
            out.append(MessageResult(f"<uid.{run.uv}.{uid}>", "", None, "error", [], f"{type(e).__name__}: {e}"[:300]))
    return out


def _folder(box: Imap, action: str) -> str:
    return box.failed if action in FAILED else box.done


def _one(app: App, box: Imap, run: _Run, uid: int) -> MessageResult:
    with app.store.session() as s:
        row = s.scalar(select(MailIn).where(MailIn.mailbox == box.key, MailIn.uidvalidity == run.uv, MailIn.uid == uid))
        if row is not None:
            s.expunge(row)
    if row is not None and row.action != "processing":  # recorded, then the run stopped before moving it
        box.move(uid, _folder(box, row.action))
        return MessageResult(row.message_id, row.sender, None, "already-seen", list(row.files))
    limit = app.settings.imap_max_message_bytes
    raw, whole, internal, size = box.fetch(uid, limit)
    received = row.received_at if row is not None else internal.astimezone(run.tz).replace(tzinfo=None)
    recorded = run.now or datetime.now(run.tz).replace(tzinfo=None)
    inc = read_message(
        raw,
        own=run.own,
        max_expanded=app.settings.max_expanded_bytes,  # too large: its header only
        authserv=app.settings.imap_trusted_authserv,
    )
    contact = inc.sender in run.known
    unit = run.known.get(inc.sender) if inc.verified is not False else None  # a forged From is nobody's
    seen = _Seen(
        contact, inc.verified is False and contact, "" if whole else f"邮件大小 {_mb(size)}，超过 {_mb(limit)} 的上限"
    )
    row_id, action, reason, received = _record(app, box, run, uid, row, inc, unit, seen, received, recorded)
    if action == "processing":
        files = _finish(app, row_id, inc, _file_all(app, row_id, inc, unit, received), received)
        action = "processed"
    else:
        with app.store.session() as s:
            files = list(s.get(MailIn, row_id).files)
    box.move(uid, _folder(box, action))
    return MessageResult(inc.message_id, inc.sender, unit, action, files, reason)


@dataclass(frozen=True)
class _Seen:
    """What the run knows of a message's sender and size."""

    contact: bool  # a current liaison's or head's address
    forged: bool  # ... that our mail server disowned
    too_large: str  # why it was not fetched whole, or ""


def _record(
    app: App,
    box: Imap,
    run: _Run,
    uid: int,
    row: MailIn | None,
    inc: Incoming,
    unit: str | None,
    seen: _Seen,
    received: datetime,
    recorded: datetime,
) -> tuple[int, str, str, datetime]:
    """Record a new message with its action (and answer it, if it gets a short answer), or find
    the record of one being processed: (its id, action, reason, received time)."""
    with app.store.session(write=True) as s:
        if row is not None:
            return row.id, row.action, row.reason, row.received_at
        before = s.scalar(
            select(MailIn)
            .where(MailIn.campaign == app.campaign.id, MailIn.message_id == inc.message_id[:255])
            .order_by(MailIn.id)
        )
        if before is not None and before.action == "processing":  # renumbered mid-way: finish it, as recorded
            before.mailbox, before.uidvalidity, before.uid = box.key, run.uv, uid
            return before.id, before.action, before.reason, before.received_at
        action, reason = (
            ("already-seen", "")
            if before is not None
            else decide(inc, too_large=seen.too_large, unit=unit, contact=seen.contact, forged=seen.forged)
        )
        unit_id = s.scalar(select(Unit.id).where(Unit.campaign == app.campaign.id, Unit.name == unit)) if unit else None
        row = MailIn(
            campaign=app.campaign.id,
            mailbox=box.key,
            uidvalidity=run.uv,
            uid=uid,
            message_id=inc.message_id[:255],
            sender=clean_text(inc.sender)[:320],
            subject=clean_text(inc.subject)[:2000],
            unit_id=unit_id,
            action=action,
            reason=clean_text(reason),
            received_at=received,
            recorded_at=recorded,
            files=[],
        )
        s.add(row)
        s.flush()
        if action in ("held", "no-attachment", "too-large"):
            row.files = _kept(app, inc, action)
        # after the reason is set: the answer to a message too large quotes it
        row.reason += clean_text(answer_new(s, app, row, inc, contact=seen.contact, forged=seen.forged, now=recorded))
        return row.id, action, row.reason, received


def _kept(app: App, inc: Incoming, action: str) -> list[dict]:
    """The record of a message that is not filed now: a held message's files, kept as received
    to be filed when ops name the unit; its attachments that are not report files; those past the limit."""
    held = (
        [
            {
                "name": n,
                "sha256": keep_bytes(app.settings.files_dir, d),
                "size": len(d),
                "status": "held",
                "form": None,
                "period": None,
            }
            for n, d in inc.files
        ]
        if action == "held"
        else []
    )
    return held + _others(app, inc) + ([{"name": n, "status": "over-limit"} for n in inc.over] if held else [])


def _others(app: App, inc: Incoming) -> list[dict]:
    """A message's attachments that are not report files: kept as received, never judged."""
    return [
        {
            "name": n,
            "sha256": keep_bytes(app.settings.files_dir, d),
            "size": len(d),
            "status": "not-report",
            "kind": k,
            "form": None,
            "period": None,
        }
        for n, k, d in inc.others
    ]


def _file_all(app: App, row_id: int, inc: Incoming, unit: str | None, received: datetime) -> list[dict]:
    """File each report file once, noting it on the message's record as it goes (no receipt:
    the message is answered once, for all its files, by `_finish`)."""
    from tasks.intake import submit_bytes

    with app.store.session() as s:
        done = list(s.get(MailIn, row_id).files)
    for i, (name, data) in enumerate(inc.files):
        if i < len(done):
            continue
        sha = hashlib.sha256(data).hexdigest()
        by = (inc.sender_name or inc.sender)[:64]
        note = _filed_before(app, name, sha, received, by)
        if note is None:
            r = submit_bytes(
                app, data, name, received_at=received, expect_unit=unit, channel="mail", submitted_by=by, receipt=False
            )
            note = {
                "name": name,
                "sha256": sha,
                "submission": r.submission_id,
                "status": r.status,
                "form": r.verdict.form,
                "period": r.verdict.period,
            }
        done.append(note)
        with app.store.session(write=True) as s:
            s.get(MailIn, row_id).files = list(done)
    return done


def _filed_before(app: App, name: str, sha: str, received: datetime, sender: str | None = None) -> dict | None:
    """The note of a file filed by a run that died before noting it: the same bytes, the same
    arrival, the same file name and the same sender (two messages carrying one blank template in
    the same second are two files, never one unit's verdict given to another)."""
    with app.store.session() as s:
        q = select(Submission).where(
            Submission.campaign == app.campaign.id,
            Submission.sha256 == sha,
            Submission.channel == "mail",
            Submission.received_at == received,
            Submission.filename == PurePath(name).name,
        )
        if sender is not None:
            q = q.where(Submission.submitted_by == sender)
        earlier = s.scalar(q.order_by(Submission.id))
        return _note(name, earlier) if earlier else None


def _finish(app: App, row_id: int, inc: Incoming, filed: list[dict], received: datetime) -> list[dict]:
    """The message's one reply queued and its record closed, in one transaction: a run that dies
    before it commits leaves both undone, and the next run does both (the reply is keyed by the message)."""
    from notifications.receipts import Reply

    files = filed + _others(app, inc) + [{"name": n, "status": "over-limit"} for n in inc.over]
    with app.store.session(write=True) as s:
        row = s.get(MailIn, row_id)
        if row.unit_id is not None:
            reply_once(
                s,
                app,
                row,
                files,
                Reply(inc.message_id, inc.references, inc.subject, inc.sender, inc.sender_name),
                received,
            )
        row.files, row.action = files, "processed"
    return files


def _note(name: str, sub: Submission) -> dict:
    return {
        "name": name,
        "sha256": sub.sha256,
        "submission": sub.id,
        "status": sub.status,
        "form": sub.form,
        "period": sub.period,
    }


def release(app: App, mail_id: int, unit: str, *, by: str, now: datetime) -> MessageResult:
    """File a held message's kept attachments for `unit`, as ops decided (audited), and answer
    it once; the sender, not a liaison or head, gets no page link."""
    from notifications.receipts import Reply
    from tasks.app import audit
    from tasks.intake import submit_bytes

    with app.store.session() as s:
        row = s.get(MailIn, mail_id)
        if row is None or row.campaign != app.campaign.id:
            raise MailboxError(f"本活动没有编号为 {mail_id} 的邮件")
        if row.action != "held":
            raise MailboxError(f"邮件 {mail_id} 不是待确认的邮件（{row.action}）")
        kept, sender, mid, subject, received = list(row.files), row.sender, row.message_id, row.subject, row.received_at
    files = []
    for f in kept:
        if f.get("status") != "held":
            files.append(f)
            continue
        note = _filed_before(app, f["name"], f["sha256"], received)  # a release that died before it finished
        if note is None:
            data = kept_path(app.settings.files_dir, f["sha256"]).read_bytes()
            r = submit_bytes(
                app,
                data,
                f["name"],
                received_at=received,
                expect_unit=unit,
                channel="mail",
                submitted_by=sender[:64],
                receipt=False,
            )
            note = {
                "name": f["name"],
                "sha256": f["sha256"],
                "submission": r.submission_id,
                "status": r.status,
                "form": r.verdict.form,
                "period": r.verdict.period,
            }
        files.append(note)
    with app.store.session(write=True) as s:
        row = s.get(MailIn, mail_id)
        row.action, row.files = "released", files
        row.unit_id = s.scalar(select(Unit.id).where(Unit.campaign == app.campaign.id, Unit.name == unit))
        reply_once(s, app, row, files, Reply(mid, mid, subject, sender), received)
        audit(s, at=now, actor=by, action="mail.release", subject=f"{unit}/{mail_id}", sender=sender, message_id=mid)
    return MessageResult(mid, sender, unit, "processed", files)


def held_rows(app: App) -> list[dict]:
    with app.store.session() as s:
        rows = s.scalars(
            select(MailIn).where(MailIn.campaign == app.campaign.id, MailIn.action == "held").order_by(MailIn.id)
        ).all()
        return [
            {
                "编号": r.id,
                "发件人": r.sender,
                "主题": r.subject,
                "收到": f"{r.received_at:%Y-%m-%d %H:%M}",
                "附件": "、".join(
                    f["name"]
                    + {"not-report": f"（{f.get('kind')}，不是报表）", "over-limit": "（超出件数）"}.get(
                        f["status"], ""
                    )
                    for f in r.files
                ),
            }
            for r in rows
        ]
