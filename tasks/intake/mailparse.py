"""A received e-mail, read as a submission: who sent it, whether a machine or a list did, and its files.

Pure: bytes in, values out. Attachments are found in every part, in forwarded messages
(message/rfc822) and in .zip archives (under the same limits as a workbook's archive). Inline
images (a logo, a pasted screenshot) are not attachments; attached images, patches, signatures,
calendar files and vCards are attachments but not report files: they are named to the sender,
never judged. Names encoded as RFC 2231 or as an RFC 2047 word inside the filename parameter
(QQ Mail, Foxmail, 163) are decoded, in GBK, GB18030 or UTF-8. Every text taken from the message
is cleaned of characters no database column or mail may carry (a NUL in an encoded subject).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from pathlib import PurePath

from schemas.text import clean_text

SKIPPED_TYPES = {
    "message/delivery-status",
    "message/disposition-notification",
    "message/feedback-report",
    "text/rfc822-headers",
}  # parts of reports machines send: never files
# what an attachment is when it is not a report file: by content type, then by suffix
NOT_REPORT_TYPES = {
    "application/pgp-signature": "数字签名",
    "application/pkcs7-signature": "数字签名",
    "application/x-pkcs7-signature": "数字签名",
    "application/pgp-keys": "数字签名",
    "text/calendar": "日历文件",
    "application/ics": "日历文件",
    "text/x-vcalendar": "日历文件",
    "text/vcard": "名片（vCard）",
    "text/x-vcard": "名片（vCard）",
    "text/directory": "名片（vCard）",
    "text/x-diff": "补丁文件",
    "text/x-patch": "补丁文件",
    "application/x-patch": "补丁文件",
}
NOT_REPORT_MAINTYPES = {"image": "图片", "audio": "音频", "video": "视频", "font": "字体文件"}
NOT_REPORT_SUFFIXES = {
    **dict.fromkeys(
        (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".svg", ".ico"), "图片"
    ),
    **dict.fromkeys((".patch", ".diff"), "补丁文件"),
    **dict.fromkeys((".p7s", ".p7c", ".asc", ".sig", ".gpg"), "数字签名"),
    **dict.fromkeys((".ics", ".ical", ".vcs"), "日历文件"),
    ".vcf": "名片（vCard）",
    **dict.fromkeys((".mp3", ".wav", ".amr", ".m4a"), "音频"),
    **dict.fromkeys((".mp4", ".avi", ".mov", ".wmv"), "视频"),
}
MAX_OTHERS = 100  # attachments that are not report files, named at most this many
MAX_DEPTH = 3  # forwarded inside forwarded inside forwarded: no deeper
MAX_FILES = 20
AUTO_SUBJECT = re.compile(r"自动回复|自动答复|auto(matic)?[ -]?reply|out of (the )?office|不在办公(室)?|休假", re.I)
BOUNCE_SUBJECT = re.compile(
    r"退信|未送达|无法送达|投递失败|undeliver|delivery (status )?notification|returned mail|"
    r"mail delivery (failed|system)|failure notice",
    re.I,
)
BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|bounce[s]?)([+@-]|$)", re.I)


@dataclass(frozen=True)
class Incoming:
    message_id: str
    sender: str  # the address, lower-cased ('' for a null sender)
    sender_name: str
    subject: str
    references: str  # the References chain to reply with
    files: list[tuple[str, bytes]] = field(default_factory=list)
    automatic: str | None = None  # why no answer may go to it: an auto-reply, a bounce, our own mail
    skipped: list[str] = field(default_factory=list)  # parts that were not files (for ops)
    over: list[str] = field(default_factory=list)  # files past the first MAX_FILES: not filed, the sender told
    verified: bool | None = None  # our mail server vouched for the From domain (None: not checked)
    others: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, what it is, bytes): not report files
    attached: bool = False  # its structure says it carries attachments (multipart/mixed), read from the header


def _decode(value: str | None) -> str:
    """A header or parameter value, with RFC 2047 words inside it decoded (GBK read as GB18030)."""
    if not value:
        return ""
    value = str(value)
    if "=?" not in value:
        return value
    try:
        fixed = re.sub(r"=\?(gb2312|gbk)\?", "=?gb18030?", value, flags=re.I)
        return str(make_header(decode_header(fixed)))
    except (LookupError, ValueError, UnicodeDecodeError):
        return value


def _filename(part: Message) -> str | None:
    name = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if name is None:
        return None
    if isinstance(name, tuple):  # RFC 2231: (charset, language, value)
        charset, _, raw = name
        charset = "gb18030" if (charset or "").lower() in ("gbk", "gb2312") else (charset or "utf-8")
        try:
            name = raw.encode("latin-1", "surrogateescape").decode(charset)
        except (LookupError, UnicodeError):
            name = str(raw)
    name = _decode(str(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in clean_text(name) if ch.isprintable()).strip()
    return name[:200] or None


def not_report(content_type: str, name: str) -> str | None:
    """What an attachment is when it is not a report file ("图片"), by its content type, then its
    suffix; None for anything intake should judge. Pure."""
    ctype = content_type.lower()
    kind = NOT_REPORT_TYPES.get(ctype) or NOT_REPORT_MAINTYPES.get(ctype.partition("/")[0])
    return kind or NOT_REPORT_SUFFIXES.get(PurePath(name.lower()).suffix)


def _is_file(part: Message, name: str | None) -> bool:
    """Is this part an attachment the sender meant to send (a report file or not)?"""
    ctype = part.get_content_type()
    if ctype in SKIPPED_TYPES:
        return False
    disposition = (part.get_content_disposition() or "").lower()
    if part.get_content_maintype() == "image" and (disposition != "attachment" or part.get("Content-ID")):
        return False  # a logo, a signature picture, a pasted screenshot
    return bool(name) and disposition != "inline" or disposition == "attachment"


def _unzip(name: str, data: bytes, max_expanded: int) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The files of a .zip a clerk sent, refused whole when it would expand past `max_expanded`."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = [
            i for i in z.infolist() if not i.is_dir() and not PurePath(i.filename).name.startswith((".", "__MACOSX"))
        ]
        if sum(i.file_size for i in infos) > max_expanded or len(infos) > MAX_FILES:
            return [(name, data)], []  # judged as sent: intake refuses it with its reason
        out = []
        for i in infos:
            member = i.filename
            if not i.flag_bits & 0x800:  # no UTF-8 flag: Windows in China wrote GBK
                try:
                    member = member.encode("cp437").decode("gb18030")
                except UnicodeError:
                    pass
            out.append((clean_text(PurePath(member.replace("\\", "/")).name)[:200] or "附件", z.read(i)))
        return out, []
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        return [(name, data)], []  # a broken or encrypted archive is answered like any unreadable file


def _walk(msg: Message, depth: int, budget: list[int], files: list, skipped: list, others: list) -> None:
    """Files of `msg` into `files`, attachments that are not report files into `others`;
    `budget[0]`: bytes the message's archives may still expand to."""
    for part in msg.iter_parts() if isinstance(msg, EmailMessage) else (msg.get_payload() or []):
        if part.is_multipart():
            _walk(part, depth, budget, files, skipped, others)
            continue
        if part.get_content_type() == "message/rfc822":
            if depth < MAX_DEPTH:
                for inner in part.get_payload() or []:
                    if isinstance(inner, Message):
                        if inner.is_multipart():
                            _walk(inner, depth + 1, budget, files, skipped, others)
            continue
        name = _filename(part)
        if not _is_file(part, name):
            if name:
                skipped.append(name)
            continue
        data = part.get_payload(decode=True) or b""
        name = name or "附件"
        if name.lower().endswith(".zip") and not not_report(part.get_content_type(), name):
            inside, _ = _unzip(name, data, budget[0])
            budget[0] -= sum(len(d) for n, d in inside if (n, d) != (name, data))
            for n, d in inside:
                _sort(n, "application/octet-stream", d, files, others)
        else:
            _sort(name, part.get_content_type(), data, files, others)


def _sort(name: str, content_type: str, data: bytes, files: list, others: list) -> None:
    """An attachment into `files` (to be judged) or `others` (not a report file: named, never judged)."""
    kind = not_report(content_type, name)
    if kind is None:
        files.append((name, data))
    elif len(others) < MAX_OTHERS:
        others.append((name, kind, data))


def automatic(msg: Message, sender: str, own: set[str]) -> str | None:
    """Why this message must not be answered (RFC 3834 and what real servers send), or None."""
    if not sender:
        return "退信（空发件人）"
    if sender in own or msg.get("X-Duban"):
        return "本系统发出的邮件"
    auto = (msg.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"自动发送的邮件（Auto-Submitted: {clean_text(auto)[:60]}）"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Response-Suppress", "").lower() == "all":
        return "自动回复"
    if (msg.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "群发或自动邮件"
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        return "邮件列表或群发邮件（List-Id / List-Unsubscribe）"
    if BOUNCE_SENDERS.match(sender.split("@", 1)[0] + "@") or msg.get_content_type() == "multipart/report":
        return "退信"
    subject = _decode(msg.get("Subject"))
    if BOUNCE_SUBJECT.search(subject):
        return "退信"
    if AUTO_SUBJECT.search(subject):
        return "自动回复"
    return None


def read_message(raw: bytes, *, own: set[str], max_expanded: int, authserv: str | None = None) -> Incoming:
    """One received message as a submission (never raises for a malformed message). With
    `authserv` (our mail server's authserv-id), `verified` says whether it vouched for the sender."""
    try:
        inc = _read(raw, own, max_expanded)
        if authserv:
            values = [
                str(v)
                for v in BytesParser(policy=policy.compat32)
                .parsebytes(raw, headersonly=True)
                .get_all("Authentication-Results")
                or []
            ]
            inc = replace(inc, verified=sender_verified(values, inc.sender, authserv))
        return inc
    except Exception:  # nested past Python's recursion limit, or worse: a message with no usable file
        mid = "<sha256." + hashlib.sha256(raw).hexdigest()[:40] + "@duban.invalid>"
        return Incoming(mid, "", "", "", mid, [], None, ["（邮件结构异常，无法读取）"])


def sender_verified(results: list[str], sender: str, authserv: str) -> bool:
    """Whether our own mail server vouched for the sender's domain (RFC 8601, RFC 7489): the first
    Authentication-Results header it added (`authserv` is its authserv-id; it removes any that
    arrive claiming its name) says dmarc=pass, or dkim=pass or spf=pass for a domain aligned
    with the From address's. Anything else, a header from anyone else included, is not."""
    domain = sender.rpartition("@")[2].lower()
    if not domain:
        return False

    def aligned(value: str) -> bool:
        d = value.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")
        return "." in d and (d == domain or domain.endswith("." + d) or d.endswith("." + domain))

    for header in results:
        parts = [p.strip() for p in re.sub(r"\([^()]*\)", " ", " ".join(header.split())).split(";")]
        if not parts[0] or parts[0].split()[0].lower() != authserv.lower():
            continue
        for part in parts[1:]:
            tokens = part.split()
            if not tokens:
                continue
            method, _, result = tokens[0].lower().partition("=")
            props = dict(t.split("=", 1) for t in tokens[1:] if "=" in t)
            props = {k.lower(): v.strip('"') for k, v in props.items()}
            if result != "pass":
                continue
            if method == "dmarc" and aligned(props.get("header.from", domain)):
                return True
            if method == "dkim" and aligned(props.get("header.d") or props.get("header.i", "")):
                return True
            if method == "spf" and aligned(props.get("smtp.mailfrom", "")):
                return True
        return False  # only the first of our server's own results counts
    return False


def _read(raw: bytes, own: set[str], max_expanded: int) -> Incoming:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    try:
        name, sender = parseaddr(str(msg.get("From", "")))
    except (ValueError, IndexError, TypeError):
        name, sender = "", ""
    sender = clean_text(sender.strip().lower()) if "@" in sender else ""
    if (msg.get("Return-Path") or "").strip() == "<>":
        sender = ""
    mid = str(msg.get("Message-ID") or "").strip()
    if not re.fullmatch(r"<[^<>\s\x00-\x1f\x7f]{1,240}>", mid):  # no controls: a NUL never reaches a column
        mid = "<sha256." + hashlib.sha256(raw).hexdigest()[:40] + "@duban.invalid>"
    refs = " ".join([clean_text(r) for r in str(msg.get("References") or "").split()[-10:]] + [mid])
    files: list[tuple[str, bytes]] = []
    skipped: list[str] = []
    others: list[tuple[str, str, bytes]] = []
    try:
        if msg.is_multipart():
            _walk(msg, 0, [max_expanded], files, skipped, others)
        else:
            fname = _filename(msg)
            if fname and _is_file(msg, fname):
                _sort(fname, msg.get_content_type(), msg.get_payload(decode=True) or b"", files, others)
    except (ValueError, TypeError, LookupError, AttributeError, RecursionError, MemoryError):
        skipped.append("（邮件结构异常，无法读取附件）")  # a malformed message has no files, never a crash
    return Incoming(
        mid,
        sender,
        clean_text(_decode(name)),
        clean_text(_decode(str(msg.get("Subject") or ""))),
        refs,
        files[:MAX_FILES],
        automatic(msg, sender, own),
        skipped,
        [n for n, _ in files[MAX_FILES:]],
        others=others,
        attached=msg.get_content_type() == "multipart/mixed",
    )


def addresses_of(value: str) -> list[str]:
    return [a.lower() for _, a in getaddresses([value]) if "@" in a]
