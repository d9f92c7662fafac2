"""An HTML table named .xls: what a web system's "导出Excel" button sends, and Excel opens
without a word. Runs in the reader child, like the rest of `parse.py`.

The standard library's tolerant `html.parser` streams the page (no tree is built): cells are
collected as they go by, with the caps of `Limits` (columns, cells) checked row by row and
colspan/rowspan capped as the HTML standard caps them.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from tasks.reader.sheet import MAX_ROWS, TOO_COMPLEX, Limits, Sheet, Unreadable, decode_text

MAX_ROWSPAN = 65_534  # the HTML standard's own cap
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_GB = {"gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936", "gb18030", "x-euc-cn", "euc-cn"}


def html_text(data: bytes) -> str:
    """The page as text: a BOM, else the <meta> charset (GBK/GB2312 read as GB18030, their
    superset), else strict UTF-8 then GB18030 (`decode_text`). A charset that does not decode
    the bytes is a web system's mislabel, not a reason to refuse."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        m = _CHARSET.search(data[:4096])
        if m:
            name = m[1].decode("ascii", "replace").lower()
            try:
                return data.decode("gb18030" if name in _GB else codecs.lookup(name).name)
            except (LookupError, UnicodeDecodeError):
                pass
    return decode_text(data)


class _Cells(HTMLParser):
    """Rows of the page's tables, in page order; text between tables (a title in <h3>, a
    填报单位 line in <p>) becomes a one-cell row, as it would above the table in a workbook.
    Nested tables are read as text of the outer cell."""

    SKIP = {"script", "style", "title", "xml"}
    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "caption"}

    def __init__(self, limits: Limits):
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.rows: list[list[str | None]] = []
        self.cells = 0
        self.depth = 0  # table nesting
        self.skip = 0
        self.row: list[tuple[str | None, int, int]] | None = None  # (text, colspan, rowspan)
        self.cell: list[str] | None = None
        self.span = (1, 1)
        self.loose: list[str] = []
        self.pending: dict[int, list] = {}  # column -> [rows left, value] of a rowspan

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
            return
        if tag in ("body", "table"):
            self.skip = 0  # an unclosed <style> or <title> does not hide the page
        if tag == "table":
            if self.depth == 0:
                self._flush_loose()
            self.depth += 1
        elif self.depth != 1:  # outside any table, or in a table nested in a cell: text only
            if tag in ("br", "tr") or tag in self.BLOCK:
                self._break()
            elif tag in ("td", "th") and self.cell is not None:
                self.cell.append(" ")
        elif tag == "tr":
            self._end_row()
            self.row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self.row is None:
                self.row = []
            a = dict(attrs)
            self.span = (_span(a.get("colspan"), self.limits.max_columns), _span(a.get("rowspan"), MAX_ROWSPAN))
            self.cell = []
        elif tag == "br" or tag in self.BLOCK:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self._end_row()
                self.pending.clear()
        elif self.depth == 1 and tag in ("td", "th"):
            self._end_cell()
        elif self.depth == 1 and tag == "tr":
            self._end_row()
        elif tag in self.BLOCK and self.depth == 0:
            self._flush_loose()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.depth == 0:
            self.loose.append(data)

    def close(self) -> None:
        super().close()
        self._end_row()
        self._flush_loose()

    def _break(self) -> None:
        if self.cell is not None:
            self.cell.append("\n")
        elif self.depth == 0:
            self._flush_loose()

    def _end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        self.row.append((_clean("".join(self.cell)), *self.span))
        self.cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is None:
            return
        cells, self.row = self.row, None
        out: list[str | None] = []
        for text, colspan, rowspan in cells:
            while len(out) in self.pending:
                self._take_pending(out)
            for k in range(colspan):
                # a cell spanning rows holds its value in each (an enterprise over its needs); one
                # spanning columns only in the first, so a note row under the table stays a note
                value = text if k == 0 else None
                if rowspan > 1:
                    self.pending[len(out)] = [rowspan - 1, value]
                out.append(value)
                self._check(out)
        for c in sorted(k for k in self.pending if k >= len(out)):
            out.extend([None] * (c - len(out)))
            self._take_pending(out)
            self._check(out)
        self._append(out)

    def _take_pending(self, out: list[str | None]) -> None:
        left = self.pending.pop(len(out))
        out.append(left[1])
        if left[0] > 1:
            self.pending[len(out) - 1] = [left[0] - 1, left[1]]

    def _flush_loose(self) -> None:
        text = _clean("".join(self.loose))
        self.loose = []
        if text:
            self._append([text])

    def _check(self, out: list[str | None]) -> None:
        if len(out) > self.limits.max_columns or self.cells + len(out) > self.limits.max_cells:
            raise Unreadable("too-complex", TOO_COMPLEX)

    def _append(self, row: list[str | None]) -> None:
        self._check(row)
        self.cells += len(row)
        self.rows.append(row)
        if len(self.rows) > MAX_ROWS:
            raise Unreadable("too-complex", TOO_COMPLEX)


def _span(value: str | None, cap: int) -> int:
    m = re.match(r"\s*(\d{1,7})", value or "")
    return min(max(int(m[1]), 1), cap) if m else 1


def _clean(text: str) -> str | None:
    """Cell text as a browser shows it: runs of blanks (&nbsp; too) one space, <br> a line break."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out = "\n".join(line for line in lines if line)
    return out or None


def html_sheets(data: bytes, name: str, limits: Limits) -> list[Sheet]:
    """The tables of an HTML page as one sheet (named after the file, as a CSV is)."""
    parser = _Cells(limits)
    try:
        parser.feed(html_text(data))
        parser.close()
    except AssertionError:  # html.parser's answer to a broken "<![" section (found by fuzzing)
        raise Unreadable(
            "not-a-table", "网页格式的文件已损坏，无法读取。请在系统中重新导出，或用 Excel 另存为 .xlsx 后发送"
        ) from None
    if not any(len(r) > 1 for r in parser.rows):
        raise Unreadable(
            "not-a-table", "文件是网页格式，但其中没有表格。请在系统中重新导出，或用 Excel 另存为 .xlsx 后发送"
        )
    return [Sheet(name, parser.rows)]
