"""One reading of the mailbox: every message in the folder once, one reader at a time."""

from __future__ import annotations

import fcntl
import imaplib
import logging
import os
from datetime import datetime

from schemas.mailbox import MailAction
from tasks.app import App
from tasks.mailbox.box import Mailbox, MailboxError
from tasks.mailbox.files import MessageResult
from tasks.mailbox.machine import Run, handle

log = logging.getLogger(__name__)


def poll(app: App, box: Mailbox, *, now: datetime | None = None) -> list[MessageResult]:
    """Read every message in the folder once; return what became of each. One reader at a time
    (a lock under DUBAN_HOME; the deployment's concurrency limit is 1 too): a run that finds
    another one reading returns nothing, and the next run carries on."""
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


def _poll(app: App, box: Mailbox, now: datetime | None) -> list[MessageResult]:
    run = Run.start(app, box, now)
    out = []
    for uid in box.uids():
        try:
            out.append(handle(run, uid))
        except (MailboxError, imaplib.IMAP4.abort, OSError):
            raise  # the mailbox itself is gone: the next run starts again
        except Exception as e:  # one message must never stop the others; it stays for the next run
            log.exception("mail uid %s not handled", uid)
            why = f"{type(e).__name__}: {e}"[:300]
            out.append(MessageResult(f"<uid.{run.uv}.{uid}>", "", None, MailAction.ERROR, [], why))
    return out
