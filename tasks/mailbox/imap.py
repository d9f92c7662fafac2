"""The bureau's mailbox over IMAP (imap-tools, polling, not IDLE): the one `Mailbox` production uses."""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from config.settings import Settings
from tasks.mailbox.box import Fetched, MailboxError, MailboxRefused
from tasks.mailbox.policy import trust_problem


class Imap:
    """The few IMAP operations intake needs (`tasks.mailbox.box.Mailbox`), over imap-tools."""

    def __init__(self, settings: Settings):
        from imap_tools import MailBox, MailBoxUnencrypted  # deferred: only the mailbox commands need imap-tools

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

    def fetch(self, uid: int, max_bytes: int) -> Fetched:
        typ, data = self.box.client.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE)")
        head = b" ".join(d if isinstance(d, bytes) else b" ".join(d) for d in data if d)
        m = re.search(rb"RFC822\.SIZE (\d+)", head)
        size = int(m.group(1)) if m else 0
        internal = _internaldate(head) or datetime.now().astimezone()
        whole = size <= max_bytes
        typ, data = self.box.client.uid("FETCH", str(uid), "(BODY.PEEK[])" if whole else "(BODY.PEEK[HEADER]<0.65536>)")
        raw = next((d[1] for d in data if isinstance(d, tuple)), b"")
        return Fetched(raw, whole, internal, size)

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


@contextmanager
def opened(settings: Settings) -> Iterator[Imap]:
    """The bureau's mailbox, logged in, and logged out after."""
    box = Imap(settings)
    try:
        yield box
    finally:
        box.close()


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
