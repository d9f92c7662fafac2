"""The local SMTP capture server (aiosmtpd): every message it receives is written as an
.eml file under DUBAN_HOME/mail/, envelope recipients included. The default for the demo and
for tests — a real SMTP server on loopback, not a mock."""

from __future__ import annotations

import itertools
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


def start_capture(folder: Path, *, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the capture server in a background thread; `.stop()` it when done. Port 0 picks one."""
    controller = Controller(CaptureHandler(folder), hostname=host, port=port)
    controller.start()
    return controller


def bound_port(controller: Controller) -> int:
    return controller.server.sockets[0].getsockname()[1]
