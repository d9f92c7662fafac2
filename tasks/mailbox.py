"""The bureau's mailbox as an intake channel: a reply with the form attached is a submission,
answered by a threaded receipt, exactly once.

Each message is recorded — (mailbox, UIDVALIDITY, UID) and its Message-ID — before anything in
it is filed; each file's outcome is recorded as it is filed; the message is moved to 已处理 or
处理失败 only after that (never deleted). A run that dies anywhere leaves the message in the
folder, recorded or not: the next run either finds the record and finishes it, or starts it
afresh. A file filed but not yet noted is recognised by its bytes and arrival time and never
filed twice. Auto-replies, bounces and our own mail are never answered.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from sqlalchemy import select

from config.settings import Settings
from schemas.tables import MailIn, Submission, Unit, current_contacts
from tasks.app import App
from tasks.intake.keep import keep_bytes, kept_path
from tasks.intake.mailparse import MAX_FILES, Incoming, read_message

log = logging.getLogger(__name__)
ACTIONS = ("processed", "ignored", "held", "no-attachment", "too-large", "already-seen")
FAILED = ("no-attachment", "too-large")  # moved to 处理失败


class MailboxError(RuntimeError):
    """The mailbox cannot be read; `str()` says why, in Chinese."""


@dataclass
class MessageResult:
    message_id: str
    sender: str
    unit: str | None
    action: str
    files: list[dict] = field(default_factory=list)
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        return {"message_id": self.message_id, "from": self.sender, "unit": self.unit, "action": self.action,
                "files": [{k: f.get(k) for k in ("name", "status", "form", "period")} for f in self.files]}


class Imap:
    """The few IMAP operations intake needs, over imap-tools (polling, not IDLE)."""

    def __init__(self, settings: Settings):
        from imap_tools import MailBox, MailBoxUnencrypted

        s = settings
        if not s.imap_host or not s.imap_username or not s.imap_password:
            raise MailboxError("未配置邮箱：请设置 DUBAN_IMAP_HOST、DUBAN_IMAP_USERNAME 和 DUBAN_IMAP_PASSWORD")
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


def senders(session, campaign_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every current contact's address -> its unit (an address two units share is nobody's)."""
    out: dict[str, str | None] = {}
    for unit, c in current_contacts(session, campaign_id):
        e = c.email.lower()
        out[e] = unit if out.get(e, unit) == unit else None
    return {e: u for e, u in out.items() if u}


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
    with open(app.settings.home / "mailbox.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another run is reading the mailbox; this one stops")
            return []
        return _poll(app, box, now)


def _poll(app: App, box: Imap, now: datetime | None) -> list[MessageResult]:
    tz = ZoneInfo(app.campaign.timezone)
    uv = box.uidvalidity()
    own = own_addresses(app)
    with app.store.session() as s:
        known = senders(s, app.campaign.id)
    out = []
    for uid in box.uids():
        try:
            out.append(_one(app, box, uv, uid, own, known, tz, now))
        except (MailboxError, imaplib.IMAP4.abort, OSError):
            raise  # the mailbox itself is gone: the next run starts again
        except Exception as e:  # one message must never stop the others; it stays for the next run
            log.exception("mail uid %s not handled", uid)
            out.append(MessageResult(f"<uid.{uv}.{uid}>", "", None, "error", [], f"{type(e).__name__}: {e}"[:300]))
    return out


def _one(app: App, box: Imap, uv: int, uid: int, own: set[str], known: dict[str, str], tz: ZoneInfo,
         now: datetime | None) -> MessageResult:
    with app.store.session() as s:
        row = s.scalar(select(MailIn).where(MailIn.mailbox == box.key, MailIn.uidvalidity == uv, MailIn.uid == uid))
        if row is not None and row.action != "processing":  # recorded, then the run stopped before moving it
            s.expunge(row)
    if row is not None and row.action != "processing":
        box.move(uid, box.failed if row.action in FAILED else box.done)
        return MessageResult(row.message_id, row.sender, None, "already-seen", list(row.files))
    limit = app.settings.imap_max_message_bytes
    raw, whole, internal, size = box.fetch(uid, limit)
    received = row.received_at if row is not None else internal.astimezone(tz).replace(tzinfo=None)
    recorded = now or datetime.now(tz).replace(tzinfo=None)
    inc = read_message(raw, own=own, max_expanded=app.settings.max_expanded_bytes,  # too large: its header only
                       authserv=app.settings.imap_trusted_authserv)
    reason = "" if whole else f"邮件大小 {_mb(size)}，超过 {_mb(limit)} 的上限"
    unit = known.get(inc.sender) if inc.verified is not False else None  # a forged From is nobody's
    forged = inc.verified is False and inc.sender in known
    with app.store.session(write=True) as s:
        if row is None:
            seen = s.scalar(select(MailIn).where(MailIn.campaign == app.campaign.id,
                                                 MailIn.message_id == inc.message_id[:255]).order_by(MailIn.id))
            if seen is not None and seen.action == "processing":  # renumbered mid-way: finish it, as recorded
                seen.mailbox, seen.uidvalidity, seen.uid = box.key, uv, uid
                row, received = seen, seen.received_at
            if row is not None:
                action = row.action
            elif seen is not None:
                action = "already-seen"
            elif not whole:
                action = "too-large" if not inc.automatic else "ignored"
            elif inc.automatic:
                action, reason = "ignored", inc.automatic
            elif not inc.files:
                action, reason = "no-attachment", "邮件中没有可识别的附件"
            elif unit is None:
                action, reason = "held", ("发件人未通过本单位邮件服务器的验证（DMARC/DKIM/SPF）" if forged
                                          else "发件地址不是任何单位登记的联系人")
            else:
                action = "processing"
        if row is None:
            unit_id = s.scalar(select(Unit.id).where(Unit.campaign == app.campaign.id, Unit.name == unit)) if unit else None
            row = MailIn(campaign=app.campaign.id, mailbox=box.key, uidvalidity=uv, uid=uid,
                         message_id=inc.message_id[:255], sender=inc.sender[:320], subject=inc.subject[:2000],
                         unit_id=unit_id, action=action, reason=reason, received_at=received, recorded_at=recorded,
                         files=[])
            s.add(row)
            s.flush()
            if action == "held":  # kept as received, filed when ops name the unit
                row.files = [{"name": n, "sha256": keep_bytes(app.settings.files_dir, d), "size": len(d),
                              "status": "held", "form": None, "period": None} for n, d in inc.files]
            if action == "held" and forged:  # to the address's real owner, who may not have sent it
                _acknowledge(s, app, row, inc, recorded, what=(
                    "本系统收到一封以您的地址发出、带有附件的邮件，但它未通过邮件服务器的发件人验证，附件已保存，"
                    "待工作人员核实后处理。如果这封邮件不是您发送的，请告知我们。"))
            elif action in ("held", "no-attachment", "too-large") and not inc.automatic and inc.sender:
                _acknowledge(s, app, row, inc, recorded)
            elif action == "processing" and inc.over:  # each file gets its receipt; these none: say so
                _acknowledge(s, app, row, inc, recorded, what=(
                    f"本邮件的附件超过 {MAX_FILES} 个，前 {MAX_FILES} 个已处理（各有回执），以下 {len(inc.over)} 个未处理，"
                    f"请另发邮件报送：{'、'.join(inc.over[:30])}{' 等' if len(inc.over) > 30 else ''}。"))
        row_id, action = row.id, row.action
    if action == "processing":
        files = _file_all(app, row_id, inc, unit, received)
        with app.store.session(write=True) as s:
            s.get(MailIn, row_id).action = action = "processed"
    else:
        with app.store.session() as s:
            files = list(s.get(MailIn, row_id).files)
    box.move(uid, box.failed if action in FAILED else box.done)
    return MessageResult(inc.message_id, inc.sender, unit, action, files, reason)


def _file_all(app: App, row_id: int, inc: Incoming, unit: str | None, received: datetime) -> list[dict]:
    """File each attachment once, noting it on the message's record as it goes."""
    from notifications.receipts import Reply
    from tasks.intake.service import submit_bytes

    reply = Reply(inc.message_id, inc.references, inc.subject, inc.sender, inc.sender_name)
    with app.store.session() as s:
        done = list(s.get(MailIn, row_id).files)
    for i, (name, data) in enumerate(inc.files):
        if i < len(done):
            continue
        sha = hashlib.sha256(data).hexdigest()
        with app.store.session() as s:  # filed by a run that died before noting it: the same bytes, same arrival
            earlier = s.scalar(select(Submission).where(Submission.campaign == app.campaign.id, Submission.sha256 == sha,
                                                        Submission.channel == "mail", Submission.received_at == received))
            note = _note(name, earlier) if earlier else None
        if note is None:
            r = submit_bytes(app, data, name, received_at=received, expect_unit=unit, channel="mail",
                             submitted_by=(inc.sender_name or inc.sender)[:64], reply=reply)
            note = {"name": name, "sha256": sha, "submission": r.submission_id, "status": r.status,
                    "form": r.verdict.form, "period": r.verdict.period}
        done.append(note)
        with app.store.session(write=True) as s:
            s.get(MailIn, row_id).files = list(done)
    return done


def _note(name: str, sub: Submission) -> dict:
    return {"name": name, "sha256": sub.sha256, "submission": sub.id, "status": sub.status, "form": sub.form,
            "period": sub.period}


def _acknowledge(session, app: App, row: MailIn, inc: Incoming, now: datetime,  # type: ignore[no-untyped-def]
                 what: str | None = None) -> None:
    """One short answer to a message (held, empty, too large, too many files): no validation
    details, nobody's data."""
    from notifications.outbox import enqueue
    from notifications.render import compose

    subject = inc.subject if inc.subject.lower().startswith("re:") else f"Re: {inc.subject or '您的来信'}"
    what = what or {
        "held": "已收到您的邮件和附件。发件地址不是本活动登记的单位联系人，附件已保存，待工作人员确认单位后处理。",
        "no-attachment": "已收到您的邮件，但邮件中没有找到报表附件。请回复本邮件并附上 Excel 报表文件。",
        "too-large": f"已收到您的邮件，但{row.reason}，未能处理。请删除无关的工作表或图片、"
                     "压缩后重新发送，或分成几封邮件发送；也可以在本单位的报送页面上传。",
    }[row.action]
    message = compose(app.campaign, "acknowledge", subject, name=inc.sender_name or "您好", what=what,
                      in_reply_to=inc.message_id, references=inc.references)
    enqueue(session, key=f"mail-ack:{app.campaign.id}:{inc.message_id[:200]}", kind="receipt", campaign=app.campaign.id,
            to_email=inc.sender, to_name=inc.sender_name, message=message, now=now, as_of=now.date(),
            mail_from=app.settings.mail_from, tz=app.campaign.timezone)


def release(app: App, mail_id: int, unit: str, *, by: str, now: datetime) -> MessageResult:
    """File a held message's kept attachments for `unit`, as ops decided (audited)."""
    from notifications.receipts import Reply
    from tasks.audit import audit
    from tasks.intake.service import submit_bytes

    with app.store.session() as s:
        row = s.get(MailIn, mail_id)
        if row is None or row.campaign != app.campaign.id:
            raise MailboxError(f"本活动没有编号为 {mail_id} 的邮件")
        if row.action != "held":
            raise MailboxError(f"邮件 {mail_id} 不是待确认的邮件（{row.action}）")
        held, sender, mid, subject = list(row.files), row.sender, row.message_id, row.subject
    reply = Reply(mid, mid, subject, sender)
    files = []
    for f in held:
        data = kept_path(app.settings.files_dir, f["sha256"]).read_bytes()
        r = submit_bytes(app, data, f["name"], received_at=row.received_at, expect_unit=unit, channel="mail",
                         submitted_by=sender[:64], reply=reply)
        files.append({"name": f["name"], "sha256": f["sha256"], "submission": r.submission_id, "status": r.status,
                      "form": r.verdict.form, "period": r.verdict.period})
    with app.store.session(write=True) as s:
        row = s.get(MailIn, mail_id)
        row.action, row.files = "released", files
        row.unit_id = s.scalar(select(Unit.id).where(Unit.campaign == app.campaign.id, Unit.name == unit))
        audit(s, at=now, actor=by, action="mail.release", subject=f"{unit}/{mail_id}", sender=sender, message_id=mid)
    return MessageResult(mid, sender, unit, "processed", files)


def held_rows(app: App) -> list[dict]:
    with app.store.session() as s:
        rows = s.scalars(select(MailIn).where(MailIn.campaign == app.campaign.id, MailIn.action == "held")
                         .order_by(MailIn.id)).all()
        return [{"编号": r.id, "发件人": r.sender, "主题": r.subject, "收到": f"{r.received_at:%Y-%m-%d %H:%M}",
                 "附件": "、".join(f["name"] for f in r.files)} for r in rows]
