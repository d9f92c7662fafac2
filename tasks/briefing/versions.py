"""Edited, then approved; corrections say so. What a briefing says, as a snapshot to compare; the
office's edited .docx checked before anything is sent; the version sent kept with its SHA-256; a
regenerated issue whose figures changed since it was sent is a correction (更正) naming the change."""

from __future__ import annotations

import hashlib
import shutil
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


def check_docx(path: Path) -> bytes:
    """The bytes of an edited briefing, or BriefingRefused: not a .docx, unreadable, or not a Word
    document inside."""
    if path.suffix.lower() != ".docx":
        raise BriefingRefused(f"“{path.name}”不是 Word 文档（.docx），未发送。请上传修改后的 .docx 文件。")
    try:
        data = path.read_bytes()
    except OSError:
        raise BriefingRefused(f"无法读取文件“{path.name}”，未发送。请确认路径正确。") from None
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                raise zipfile.BadZipFile
        Document(BytesIO(data))
    except Exception:  # a damaged or foreign file, whatever the library says: refused in Chinese
        raise BriefingRefused(
            f"“{path.name}”已损坏或不是有效的 Word 文档，未发送。请在 Word/WPS 中另存为 .docx 后重试。"
        ) from None
    return data


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def keep(folder: Path, source: Path, version: int) -> tuple[Path, str]:
    """The version sent, copied into the briefing's folder (never overwriting an earlier one); its SHA-256."""
    digest = sha256(source)
    target = folder / f"sent-v{version}-{digest[:12]}{source.suffix}"
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    return target, digest
