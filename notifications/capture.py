"""The local SMTP capture server (aiosmtpd): every message it receives is written as an
.eml file under DUBAN_HOME/mail/, envelope recipients included. The default for the demo and
for tests — a real SMTP server on loopback, not a mock."""

from __future__ import annotations

import itertools
import socket
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session


class CaptureHandler:
    """Writes each accepted message to `folder` (one .eml file each, never overwritten)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._n = itertools.count(len(list(folder.glob("*.eml"))) + 1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self._lock:
            n = next(self._n)
        head = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        data = envelope.original_content or envelope.content
        path = self.folder / f"{n:06d}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(head.encode() + (data if isinstance(data, bytes) else data.encode()))
        tmp.rename(path)
        return "250 OK 已接收"


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now (aiosmtpd's Controller cannot start on port 0: it probes the port)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_smtp(handler: object, *, host: str = "127.0.0.1", port: int = 0) -> tuple[Controller, int]:
    """Start an aiosmtpd server for `handler` in a background thread; returns it and its port."""
    port = port or free_port(host)
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    return controller, port


def start_capture(folder: Path, *, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the capture server in a background thread; `.stop()` it when done."""
    return start_smtp(CaptureHandler(folder), host=host, port=port)[0]
