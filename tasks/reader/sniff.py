"""What a file's bytes are, whatever its name says: the first bytes are read, never the whole file.

Excel opens an HTML table or Excel 2003 XML named .xls, and "Unicode 文本" named .txt, so a
clerk cannot tell these from a workbook; the name alone is not trusted (design/INTAKE-CHANNELS.md).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_ML_NS = "urn:schemas-microsoft-com:office:spreadsheet"
HEAD_BYTES = 4096
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|meta|body|table|style|title)\b")
_TABLE_LINES = 50


def head_text(data: bytes, size: int = HEAD_BYTES) -> str:
    """The first bytes as text, for looking only: BOM honoured (UTF-16 too), else Latin-1 (every
    marker looked for is ASCII, and Latin-1 never fails), lower-cased, leading blanks dropped."""
    head = data[:size]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[2 : len(head) // 2 * 2].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be", "replace")
    else:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    return text.lstrip(" \t\r\n\x00\ufeff").lower()


def markup_kind(data: bytes) -> Literal["spreadsheet-ml", "html"] | None:
    """Excel 2003 XML (SpreadsheetML), an HTML page (a web system's "导出Excel"), or neither."""
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return None
    head = head_text(data)
    if not head.startswith("<"):
        return None
    if SPREADSHEET_ML_NS in head and re.search(r"<(?:\w+:)?workbook\b", head):
        return "spreadsheet-ml"
    if head.startswith("<?xml"):
        head = head.split("?>", 1)[-1].lstrip()
    while head.startswith("<!--") and "-->" in head:  # "<!-- saved from url=... -->"
        head = head.split("-->", 1)[1].lstrip()
    if _HTML_START.match(head):
        return "html"
    return None


def tabular_text(data: bytes) -> bool:
    """Whether a text file (.txt) is a table rather than prose: most of its first lines are
    cut by the same number (two or more) of tabs, or of commas. Excel's "Unicode 文本" is
    UTF-16 with tabs; a summary typed in Notepad is lines of prose."""
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)) or markup_kind(data):
        return False
    text = head_text(data, 1 << 16)
    lines = [ln for ln in text.splitlines()[:_TABLE_LINES] if ln.strip()]
    if len(lines) < 2:
        return False
    for sep in ("\t", ","):
        counts = Counter(ln.count(sep) for ln in lines)
        n, rows = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if n >= 2 and rows >= 2 and rows * 2 >= len(lines):
            return True
    return False
