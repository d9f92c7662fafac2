"""Edited, then approved; corrections say so. What a briefing says, as a snapshot to compare; the
office's edited .docx checked before anything is sent; the version sent kept with its SHA-256; a
regenerated issue whose figures changed since it was sent is a correction (更正) naming the change."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.briefings import Briefing, BriefingVersion
from tasks.briefing.figures import BriefingData

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_UNPACKED = 50 * 2**20  # what an edited briefing may unpack to: its text, tables and pictures, with room
MAX_PARTS = 1000  # the parts of its zip: Word writes a few dozen
UNIT_FIELDS = (("expected", "应报"), ("received", "已报"), ("on_time", "按时"), ("late", "逾期报"), ("missing", "未报"))


class BriefingRefused(ValueError):
    """A file ops supplied that cannot be sent, said in Chinese; nothing was sent."""


def said(d: BriefingData) -> dict[str, Any]:
    """What the briefing says, as people read it: each figure's text, each unit's counts, the overdue count."""
    return {
        "figures": {f.value.label: f.value.text() for f in d.figures},
        "units": {u.unit: {k: getattr(u, k) for k, _ in UNIT_FIELDS} for u in d.units},
        "overdue": len(d.overdue),
    }


def changes(before: dict[str, Any], now: dict[str, Any]) -> str:
    """What changed between the issue sent and the figures now, in words; empty when nothing did."""
    out = [
        f"{label}由{was}更正为{now['figures'][label]}"
        for label, was in before.get("figures", {}).items()
        if label in now["figures"] and now["figures"][label] != was
    ]
    names = dict(UNIT_FIELDS)
    for unit, was in before.get("units", {}).items():
        is_ = now["units"].get(unit, {})
        out += [f"{unit}{names[k]}由{v}更正为{is_[k]}" for k, v in was.items() if k in is_ and is_[k] != v]
    if before.get("overdue") is not None and before["overdue"] != now["overdue"]:
        out.append(f"逾期未报事项由{before['overdue']}项更正为{now['overdue']}项")
    return "；".join(out) + ("。" if out else "")


def last_sent(session: Session, campaign: str, kind: str, number: int) -> BriefingVersion | None:
    return session.scalar(
        select(BriefingVersion)
        .join(Briefing, Briefing.id == BriefingVersion.briefing_id)
        .where(Briefing.campaign == campaign, Briefing.kind == kind, Briefing.number == number)
        .order_by(BriefingVersion.version.desc())
        .limit(1)
    )


def edited_in(folder: Path, given: str) -> Path:
    """The office's edited .docx named in the approval form, as its real path: a regular file inside
    `folder` (the app's briefings folder or any folder under it, links resolved; a relative path is
    read from `folder`), else BriefingRefused. Whether it is a Word document is `check_docx`'s to say."""
    name = Path(given).name or given
    try:
        path = (folder / given).resolve()
        inside = path.is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL in the path
        raise BriefingRefused(f"无法读取文件“{name}”，未发送。请确认路径正确。") from None
    if not inside:  # the same answer whether or not it exists: the form is no way to probe the server
        raise BriefingRefused(
            f"“{name}”不在简报文件夹（{folder}）内，未发送。请把修改稿放在该文件夹或其子文件夹中后重试。"
        )
    try:
        st = path.stat()
    except (OSError, ValueError):
        raise BriefingRefused(f"无法读取文件“{name}”，未发送。请确认路径正确。") from None
    if not stat.S_ISREG(st.st_mode):
        raise BriefingRefused(f"“{name}”不是普通文件，未发送。请给出修改后的 .docx 文件的路径。")
    return path


def check_docx(path: Path, max_bytes: int) -> bytes:
    """The bytes of an edited briefing, read once (what is kept, hashed and sent), or BriefingRefused:
    not a .docx, not a regular file, over `max_bytes`, unreadable, unpacking to too much, or not a
    Word document inside."""
    if path.suffix.lower() != ".docx":
        raise BriefingRefused(f"“{path.name}”不是 Word 文档（.docx），未发送。请上传修改后的 .docx 文件。")
    data = _read(path, max_bytes)
    damaged = BriefingRefused(
        f"“{path.name}”已损坏或不是有效的 Word 文档，未发送。请在 Word/WPS 中另存为 .docx 后重试。"
    )
    if data.count(b"PK\x01\x02") > MAX_PARTS:  # each part has one such header: too many, before zipfile lists them
        raise _too_many(path.name)
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            parts = z.infolist()
    except Exception:  # a damaged or foreign file, whatever the library says: refused in Chinese
        raise damaged from None
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED:  # zipfile reads no more
        raise _too_many(path.name)
    if "word/document.xml" not in {p.filename for p in parts}:
        raise damaged
    try:
        Document(BytesIO(data))
    except Exception:  # a damaged or foreign file, whatever the library says: refused in Chinese
        raise damaged from None
    return data


def _read(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, its size checked before it is opened and again on what was opened."""
    unreadable = BriefingRefused(f"无法读取文件“{path.name}”，未发送。请确认路径正确。")
    try:
        _fits(path.stat(), path.name, max_bytes)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise unreadable from None
    with os.fdopen(fd, "rb") as f:
        try:
            _fits(os.fstat(fd), path.name, max_bytes)  # the entry could have been swapped since
            data = f.read(max_bytes + 1)
        except OSError:
            raise unreadable from None
    _fits(None, path.name, max_bytes, len(data))  # it grew while it was read
    return data


def _fits(st: os.stat_result | None, name: str, max_bytes: int, size: int = 0) -> None:
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise BriefingRefused(f"“{name}”不是普通文件，未发送。请给出修改后的 .docx 文件的路径。")
    size = st.st_size if st is not None else size
    if size > max_bytes:
        raise BriefingRefused(
            f"“{name}”超过 {max_bytes / 2**20:.0f} MB，未发送。请压缩其中的图片，另存为 .docx 后重试。"
        )


def _too_many(name: str) -> BriefingRefused:
    return BriefingRefused(
        f"“{name}”解压后超过 {MAX_UNPACKED // 2**20} MB 或含有超过 {MAX_PARTS} 个部件，不像正常的简报，未发送。"
        "请在 Word/WPS 中另存为 .docx 后重试。"
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keep(folder: Path, data: bytes, suffix: str, version: int) -> tuple[Path, str]:
    """The version sent, written into the briefing's folder from the bytes checked (named by its version
    and hash, so never over an earlier one; written whole or not at all); its SHA-256."""
    digest = sha256(data)
    target = folder / f"sent-v{version}-{digest[:12]}{suffix}"
    part = target.with_name(f".{target.name}.part")
    part.write_bytes(data)
    os.replace(part, target)
    return target, digest
