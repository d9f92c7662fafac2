"""Hostile and careless files, built as real bytes: each one reproduces an attack that once
stopped intake or redirected a unit's mail (issue 11)."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from tests.tasks.intake.files import csv_bytes, messy_workbook, need_row

COUNTIES = ["清河区", "清浦区", "楚州区", "淮阴区", "涟水县", "洪泽县", "盱眙县", "金湖县", "淮安经济开发区"]
ATTACKER = [
    ["黑客甲", "某公司", "组长", "", "13800000001", "boss@evil.example.com", ""],
    ["黑客乙", "某公司", "联络员", "", "13800000002", "inbox@evil.example.com", ""],
]


def _rewrite_sheet(data: bytes, rewrite) -> bytes:  # type: ignore[no-untyped-def]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item)
            z.writestr(item.filename, rewrite(body) if item.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


def sparse_xlsx(*, declared: bool = True, corner: str = "XFD1048576") -> bytes:
    """Cells only at A1 and `corner`: 4.8 KB that made calamine ask for 549 GB and abort the process.
    With `declared=False` the <dimension> element is gone, so only the reader's memory limit stops it."""
    wb = Workbook()
    wb.active["A1"], wb.active[corner] = "x", "y"
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    return data if declared else _rewrite_sheet(data, lambda b: re.sub(rb"<dimension [^>]*/>", b"", b))


def merge_bomb(copies: int = 1000) -> bytes:
    """A 5 KB file with 1,000 copies of <mergeCell ref="A1:Z10000"/> over a 10,000-row extent:
    filling them took 9.7 s, and 100 KB of them hours."""
    wb = Workbook()
    wb.active["A1"], wb.active["Z10000"] = "企业名称", "x"
    buf = io.BytesIO()
    wb.save(buf)
    merges = b'<mergeCells count="%d">' % copies + b'<mergeCell ref="A1:Z10000"/>' * copies + b"</mergeCells>"
    return _rewrite_sheet(buf.getvalue(), lambda b: b.replace(b"</sheetData>", b"</sheetData>" + merges))


def good_files() -> dict[str, bytes]:
    """20 good files: both batches of 附表3 from every county, and two monthly 附表5."""
    out = {}
    for i, unit in enumerate(COUNTIES):
        for batch in (1, 2):
            out[f"附表3_{unit}_第{batch}批.xlsx"] = messy_workbook("tech-needs", [need_row(i * 2 + batch)], unit=unit)
    neg = ["校企合作项目", "淮安华达", "淮阴工学院", "2010-07-05", "洽谈中", "", "", "合作开发", "否", ""]
    for unit in ("清河区", "金湖县"):
        out[f"附表5_{unit}_2010年7月.xlsx"] = messy_workbook(
            "negotiations", [neg], unit=unit, title="附表5：对接洽谈及签约项目动态表（2010年7月）"
        )
    assert len(out) == 20
    return out


# The long name: 82 characters, 226 bytes; the old claim name (+34 bytes) could not be created.
LONG_NAME = (
    "附表3_楚州区_第1批_"
    + "关于报送我区重点企业技术难题和需求征集情况的函及附件" * 2
    + "（修改稿）第二次修订最终版.xlsx"
)


def hostile_inbox(inbox: Path, side: Path) -> dict[str, str]:
    """Every hostile case in `inbox` (helpers such as the FIFO live in `side`); name -> what it is."""
    inbox.mkdir(parents=True, exist_ok=True)
    side.mkdir(parents=True, exist_ok=True)
    cases = {
        "附表3_清河区_稀疏.xlsx": "sparse-declared",
        "附表3_清浦区_稀疏.xlsx": "sparse-undeclared",
        "附表3_盱眙县_合并单元格.xlsx": "merge-bomb",
        LONG_NAME: "long-name",
        "附表3_淮阴区_环境变量.xlsx": "symlink-environ",
        "附表3_涟水县_管道.xlsx": "symlink-fifo",
        "附表3_洪泽县_1TB.xlsx": "sparse-1tb",
        "清河区[附表3].csv": "bracket-sheet",
        "附表3_金湖县_第1批_倒签.xlsx": "backdated",
        "附表2_金湖县.xlsx": "takeover",
    }
    (inbox / "附表3_清河区_稀疏.xlsx").write_bytes(sparse_xlsx())
    (inbox / "附表3_清浦区_稀疏.xlsx").write_bytes(sparse_xlsx(declared=False))
    (inbox / "附表3_盱眙县_合并单元格.xlsx").write_bytes(merge_bomb())
    assert len(LONG_NAME.encode()) > 221 and len(LONG_NAME.encode()) <= 255
    (inbox / LONG_NAME).write_bytes(messy_workbook("tech-needs", [need_row(40)], unit="楚州区"))
    (inbox / "附表3_淮阴区_环境变量.xlsx").symlink_to("/proc/self/environ")
    os.mkfifo(side / "fifo")
    (inbox / "附表3_涟水县_管道.xlsx").symlink_to(side / "fifo")
    with (inbox / "附表3_洪泽县_1TB.xlsx").open("wb") as fh:
        fh.truncate(1 << 40)  # sparse: takes no disk, says 1 TB
    (inbox / "清河区[附表3].csv").write_bytes(csv_bytes("tech-needs", [need_row(50, sales_wan="0.3亿")], unit="清河区"))
    backdated = inbox / "附表3_金湖县_第1批_倒签.xlsx"
    backdated.write_bytes(messy_workbook("tech-needs", [need_row(60)], unit="金湖县"))
    os.utime(backdated, (1_270_000_000, 1_270_000_000))  # 2010-03-31: "sent before the deadline"
    (inbox / "附表2_金湖县.xlsx").write_bytes(messy_workbook("contacts", ATTACKER, unit="金湖县"))
    return cases
