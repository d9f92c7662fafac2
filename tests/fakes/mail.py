"""An in-memory mail server for unit tests: a `MailTransport` (notifications.transport) that
records what it is given and can refuse, defer, drop or crash on a recipient of your choice.

    server = FakeMailServer()
    server.fail("bad@example.cn", permanent=True)   # 550 at RCPT, every time
    server.fail("slow@example.cn", times=2)         # 451 twice, then accepted
    send_queued(app, now=NOW, transport=server.connect)
    server.sent_to("ok@example.cn")
"""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from notifications.transport import Permanent, Transient, Uncertain, Unreachable


class Crash(Exception):
    """The sending process dies: raised after the server took the message, before any answer."""


@dataclass
class Sent:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class _Rule:
    kind: str  # "permanent" | "temporary" | "uncertain" | "crash"
    times: int | None  # None: every time


@dataclass
class FakeMailServer:
    """What every connection made by `connect` delivers to: `sent`, in order, and the rules."""

    sent: list[Sent] = field(default_factory=list)
    rules: dict[str, _Rule] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)  # transactions tried, by recipient
    unreachable: str | None = None  # set: no connection can be made, for this reason
    connections: int = 0
    closed: int = 0

    def fail(self, recipient: str, *, permanent: bool = False, times: int | None = None) -> None:
        """Refuse `recipient`: 550 (permanent) or 451 (temporary), `times` times or always."""
        self.rules[recipient.lower()] = _Rule("permanent" if permanent else "temporary", times)

    def drop_after_data(self, recipient: str, *, times: int | None = 1) -> None:
        """Take the message for `recipient`, then lose the connection before answering."""
        self.rules[recipient.lower()] = _Rule("uncertain", times)

    def crash_after_data(self, recipient: str) -> None:
        """Take the message for `recipient`, then the sender 'dies' (`Crash` propagates)."""
        self.rules[recipient.lower()] = _Rule("crash", 1)

    def connect(self) -> FakeTransport:
        """A `TransportFactory`: one new connection."""
        self.connections += 1
        return FakeTransport(self)

    def sent_to(self, recipient: str) -> list[Sent]:
        return [m for m in self.sent if recipient.lower() in (r.lower() for r in m.recipients)]

    def message_ids(self) -> Counter[str]:
        return Counter(m.message_id for m in self.sent)

    def _rule(self, recipient: str) -> str | None:
        rule = self.rules.get(recipient.lower())
        if rule is None:
            return None
        if rule.times is not None:
            if rule.times <= 0:
                return None
            rule.times -= 1
        return rule.kind


class FakeTransport:
    """One connection to a `FakeMailServer`; raises what `SmtpTransport` would."""

    def __init__(self, server: FakeMailServer):
        self.server = server

    async def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> int:
        if self.server.unreachable:
            raise Unreachable(self.server.unreachable)
        for rcpt in recipients:
            self.server.attempts[rcpt.lower()] += 1
        kinds = [k for k in (self.server._rule(r) for r in recipients) if k]
        if "permanent" in kinds:
            raise Permanent("550 5.1.1 no such user", 550)
        if "temporary" in kinds:
            raise Transient("451 4.3.0 try again later", 451)
        self.server.sent.append(Sent(sender, list(recipients), message))
        if "crash" in kinds:
            raise Crash("the sender died after the server took the message")
        if "uncertain" in kinds:
            raise Uncertain("SMTPServerDisconnected")
        return 250

    async def close(self) -> None:
        self.server.closed += 1
