"""Messages as values: render first (`Rendered`), then build an `EmailMessage` for the sender.

Only `EmailMessage` builds headers, so nothing from data can inject one: names and subjects
are single-lined, addresses are checked, and non-ASCII names are RFC 2047-encoded by the
library. The envelope recipient is always passed to SMTP explicitly, never read from To.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from schemas.addresses import BadAddress, email_address


class BadMessage(ValueError):
    """A row that can never be sent as it is (bad address, unusable header): a poison row."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, mime, bytes)
    inline: list[tuple[str, str, bytes]] = field(default_factory=list)  # (cid, mime, bytes)
    in_reply_to: str | None = None  # a reply: the Message-ID answered, and the References chain
    references: str | None = None


MSG_ID = re.compile(r"<[!-;=?-~]{1,240}>")  # printable ASCII, no < > or space inside


def one_line(s: str) -> str:
    return " ".join(s.split())


def check_address(addr: str) -> str:
    try:
        email_address(addr or "")
    except BadAddress:
        raise BadMessage(f"收件地址无效：{addr!r}") from None
    return addr


def message_id(row_id: int, key: str, domain: str) -> str:
    """Stable per outbox row: a retry or a resend of the same row carries the same Message-ID."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<duban.{row_id}.{digest}@{domain}>"


def build(r: Rendered, *, to_email: str, to_name: str, sender: str, msg_id: str, date: datetime) -> EmailMessage:
    """An RFC 5322 message (multipart/alternative, inline images related, files attached)."""
    from_name, from_addr = parseaddr(sender)
    check_address(from_addr)
    check_address(to_email)
    m = EmailMessage()
    try:
        m["From"] = Address(display_name=one_line(from_name), addr_spec=from_addr)
        m["To"] = Address(display_name=one_line(to_name), addr_spec=to_email)
        m["Subject"] = one_line(r.subject)
    except (ValueError, IndexError) as e:
        raise BadMessage(f"邮件头无效：{e}") from None
    m["Message-ID"] = msg_id
    if r.in_reply_to:  # ids from a received message: only well-formed ones, never a line break
        ids = [i for i in (r.references or r.in_reply_to).split() if MSG_ID.fullmatch(i)][-10:]
        if MSG_ID.fullmatch(r.in_reply_to):
            m["In-Reply-To"] = r.in_reply_to
            m["References"] = " ".join(ids or [r.in_reply_to])
    m["Date"] = format_datetime(date)  # aware: the campaign's zone
    m["Auto-Submitted"] = "auto-generated"
    m.set_content(r.text)
    m.add_alternative(r.html, subtype="html")
    if r.inline:
        html_part = m.get_payload()[1]
        for cid, mime, data in r.inline:
            maintype, subtype = mime.split("/", 1)
            html_part.add_related(data, maintype=maintype, subtype=subtype, cid=f"<{cid}>")
    for filename, mime, data in r.attachments:
        maintype, subtype = mime.split("/", 1)
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return m
