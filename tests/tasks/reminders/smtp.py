"""A real SMTP server (aiosmtpd) on loopback that records what it accepts and can misbehave
on purpose: answer 4xx/5xx, or drop the connection before or after taking the message."""

from __future__ import annotations

import email
import email.policy
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller  # noqa: F401  (the type start() returns)


@dataclass
class Recorder:
    """Faults are consumed in order, one per transaction: None (accept), "451", "550",
    "drop-before" (close at MAIL), "drop-after" (take the message, then close without answering)."""

    faults: list[str | None] = field(default_factory=list)
    received: list[email.message.EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _next(self) -> str | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        session.fault = self._next()
        if session.fault == "drop-before":
            server.transport.close()
            return "421 closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if session.fault == "451":
            return "451 4.3.0 try again later"
        if session.fault == "550":
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.received.append(msg)
        if session.fault == "drop-after":
            server.transport.close()
        return "250 OK"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(m["Message-ID"] for m in self.received)


def start(recorder: Recorder) -> tuple[Controller, int]:
    from notifications.capture import start_smtp

    return start_smtp(recorder)
