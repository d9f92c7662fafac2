"""An in-memory mailbox for unit tests: a `Mailbox` (tasks.mailbox.box) with one folder read by
UID, folders to move messages to, a UIDVALIDITY the server may change, and moves that can fail.

    box = FakeMailbox()
    box.append(message(...).as_bytes(), datetime(2010, 7, 5, 9, tzinfo=SH))
    poll(app, box)
    box.folders[box.done]            # what was moved there
    box.renumber()                   # a new UIDVALIDITY: every message gets a new UID
    box.fail_moves = 1               # the next move raises OSError (the connection dropped)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from tasks.mailbox import Fetched


@dataclass
class _Held:
    raw: bytes
    internal: datetime  # aware


@dataclass
class FakeMailbox:
    key: str = "duban@mail.example.cn/INBOX"
    done: str = "已处理"
    failed: str = "处理失败"
    validity: int = 1
    fail_moves: int = 0  # how many of the next moves raise OSError
    messages: dict[int, _Held] = field(default_factory=dict)  # the folder read: UID -> message
    folders: dict[str, list[bytes]] = field(default_factory=lambda: defaultdict(list))
    fetched: list[tuple[int, bool]] = field(default_factory=list)  # (UID, whole) of every fetch
    closed: bool = False
    _next: int = 1

    def append(self, raw: bytes, internal: datetime) -> int:
        """Deliver a message to the folder; its UID."""
        uid, self._next = self._next, self._next + 1
        self.messages[uid] = _Held(raw, internal)
        return uid

    def renumber(self) -> None:
        """What a server may do: a new UIDVALIDITY, and every message in the folder a new UID."""
        self.validity += 1
        held, self.messages = list(self.messages.values()), {}
        for m in held:
            self.append(m.raw, m.internal)

    # the Mailbox protocol

    def uidvalidity(self) -> int:
        return self.validity

    def uids(self) -> list[int]:
        return sorted(self.messages)

    def fetch(self, uid: int, max_bytes: int) -> Fetched:
        m = self.messages[uid]
        whole = len(m.raw) <= max_bytes
        self.fetched.append((uid, whole))
        raw = m.raw if whole else _header(m.raw)[:65536]
        return Fetched(raw, whole, m.internal, len(m.raw))

    def move(self, uid: int, folder: str) -> None:
        if self.fail_moves:
            self.fail_moves -= 1
            raise OSError("connection reset by peer")
        self.folders[folder].append(self.messages.pop(uid).raw)

    def close(self) -> None:
        self.closed = True


def _header(raw: bytes) -> bytes:
    """A message's header, with the blank line that ends it (what BODY.PEEK[HEADER] returns)."""
    for end in (b"\r\n\r\n", b"\n\n"):
        if end in raw:
            return raw[: raw.index(end) + len(end)]
    return raw
