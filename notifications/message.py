"""Messages as values: render first (`Rendered`), then build an `EmailMessage` for the sender.

Only the email package builds headers, so nothing from data can inject one: names and subjects
are single-lined, addresses are checked, and non-ASCII text is RFC 2047-encoded by the library
(`email.header.Header`, `formataddr`). The envelope recipient is always passed to SMTP
explicitly, never read from To.

Headers are encoded and folded once, when set (`_Header`): the default policy would parse each
one into a syntax tree, again each time it is read, and fold it again on output: most of the
cost of a receipt.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.policy import Policy
from email.utils import format_datetime, formataddr, parseaddr

from schemas.addresses import BadAddress, ascii_address


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
    """`addr` as it goes on the wire (an internationalised domain in ASCII), or `BadMessage`."""
    try:
        return ascii_address(addr or "")
    except BadAddress:
        raise BadMessage(f"收件地址无效：{addr!r}") from None


def message_id(key: str, domain: str) -> str:
    """Stable per outbox row (its key is unique): a retry or a resend carries the same Message-ID."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"<duban.{digest}@{domain}>"


class _Header(str):
    """A header encoded and folded once by the email package. Like the library's own header
    objects it has a `name` and `fold()`, so the message stores, reads and writes it as it is,
    never parsing it again; unlike them, its value is the text as it goes on the wire."""

    name: str

    def __new__(cls, name: str, value: str) -> _Header:
        lines = value.splitlines()
        if "\r" in value.replace("\r\n", "") or any(not line[:1].isspace() for line in lines[1:]):
            raise BadMessage(f"邮件头无效：{name} 含有换行")  # only folding may break a header's line
        h = super().__new__(cls, value)
        h.name = name
        return h

    def fold(self, *, policy: Policy) -> str:
        return f"{self.name}: " + policy.linesep.join(self.splitlines()) + policy.linesep


def _text(name: str, value: str) -> _Header:
    """An unstructured header (Subject): one line, RFC 2047-encoded when not ASCII, folded once."""
    value = one_line(value)
    if value.isascii() and len(value) < 900:
        return _Header(name, value)
    return _Header(name, Header(value, "utf-8", header_name=name).encode())


def _address(header: str, name: str, addr: str) -> _Header:
    """A mailbox header (From, To): a checked address with its display name encoded once (a long
    Chinese name as several encoded words, folded, each within RFC 2047's 75 characters)."""
    name, addr = one_line(name), check_address(addr)
    if not name or name.isascii():
        return _Header(header, formataddr((name, addr)))
    return _Header(header, f"{Header(name, 'utf-8', header_name=header).encode()} <{addr}>")


def build(r: Rendered, *, to_email: str, to_name: str, sender: str, msg_id: str, date: datetime) -> EmailMessage:
    """An RFC 5322 message (multipart/alternative, inline images related, files attached)."""
    from_name, from_addr = parseaddr(sender)
    headers = [
        _address("From", from_name, from_addr),
        _address("To", to_name, to_email),
        _text("Subject", r.subject),
        _Header("Message-ID", msg_id),
    ]
    if r.in_reply_to:  # ids from a received message: only well-formed ones, never a line break
        ids = [i for i in (r.references or r.in_reply_to).split() if MSG_ID.fullmatch(i)][-10:]
        if MSG_ID.fullmatch(r.in_reply_to):
            headers += [
                _Header("In-Reply-To", r.in_reply_to),
                _Header("References", "\n ".join(ids or [r.in_reply_to])),
            ]  # an id a line: never over 998
    headers += [
        _Header("Date", format_datetime(date)),  # aware: the campaign's zone
        _Header("Auto-Submitted", "auto-generated"),
        _Header("MIME-Version", "1.0"),
    ]
    body = _text_part(r.html, "html")
    if r.inline:
        body = _multipart("related", [body, *(_bytes_part(data, mime, cid=f"<{cid}>") for cid, mime, data in r.inline)])
    parts = [_text_part(r.text, "plain"), body]
    if r.attachments:
        parts = [
            _multipart("alternative", parts),
            *(_bytes_part(data, mime, filename=name) for name, mime, data in r.attachments),
        ]
    message = EmailMessage()
    _multipart("mixed" if r.attachments else "alternative", parts, message, headers)
    return message


def _text_part(text: str, subtype: str) -> MIMEPart:
    """A UTF-8 text part, base64 (7-bit clean, lines of 76), its headers set as written."""
    part = MIMEPart()
    part["Content-Type"] = _Header("Content-Type", f'text/{subtype}; charset="utf-8"')
    part["Content-Transfer-Encoding"] = _Header("Content-Transfer-Encoding", "base64")
    part.set_payload(base64.encodebytes(text.encode()).decode("ascii"))
    return part


def _bytes_part(data: bytes, mime: str, **kw: str) -> MIMEPart:
    """An attached file or an inline image (the library encodes its name, RFC 2231)."""
    maintype, subtype = mime.split("/", 1)
    part = MIMEPart()
    part.set_content(
        data, maintype=maintype, subtype=subtype, **({"disposition": "inline"} if "cid" in kw else {}), **kw
    )
    return part


def _multipart(
    subtype: str, parts: list[MIMEPart], m: MIMEPart | None = None, headers: tuple[_Header, ...] | list[_Header] = ()
) -> MIMEPart:
    """A multipart of `parts` (into `m`, after `headers`); its boundary cannot occur in them
    (base64 has no "_")."""
    m = MIMEPart() if m is None else m
    for h in headers:
        m[h.name] = h
    m["Content-Type"] = _Header("Content-Type", f'multipart/{subtype}; boundary="=_duban_{secrets.token_hex(12)}"')
    m.set_payload(parts)
    return m
