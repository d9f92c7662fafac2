"""Excel 2003 XML (SpreadsheetML, "XML 电子表格 2003") named .xls, as Excel and many report
systems write it. Runs in the reader child, like the rest of `parse.py`.

Read with defusedxml (no DTD, no entities), row by row, each <Row> freed once read, with the
caps of `Limits` (columns, cells, merged areas) checked as rows arrive.
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from tasks.reader.sheet import (
    MAX_ROWS,
    TOO_COMPLEX,
    Limits,
    Range,
    Sheet,
    Unreadable,
    check_extent,
    check_merged,
    fill_merged,
    text_of,
)
from tasks.reader.sniff import SPREADSHEET_ML_NS

_SS = "{" + SPREADSHEET_ML_NS + "}"


def spreadsheet_ml_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    """Every <Worksheet> of an Excel 2003 XML file, row by row (each <Row> freed once read).
    A cell with ss:Formula and no <Data> is recorded in `Sheet.formulas`: Excel never
    computed it, and the clerk must be told so, not that the cell is empty."""
    sheets: list[Sheet] = []
    try:
        rows: list[list[str | None]] = []
        merged: list[Range] = []
        formulas: list[tuple[int, int]] = []
        cells = 0
        for event, el in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if el.tag == _SS + "Worksheet" and event == "start":
                rows, merged, formulas, cells = [], [], [], 0
            elif el.tag == _SS + "Row" and event == "end":
                r = _index(el, len(rows) + 1) - 1
                if r >= MAX_ROWS or r < len(rows):
                    raise Unreadable("too-complex", TOO_COMPLEX)
                rows.extend([] for _ in range(r - len(rows)))
                row = _row(el, r, limits, merged, formulas)
                cells += max(len(row), 1)
                if cells > limits.max_cells or len(merged) > limits.max_merged:
                    raise Unreadable("too-complex", TOO_COMPLEX)
                rows.append(row)
                el.clear()
            elif el.tag == _SS + "Worksheet" and event == "end":
                width = max((len(r) for r in rows), default=0)
                check_extent(len(rows), width, limits)
                check_merged(merged, len(rows), width, limits)
                fill_merged(rows, merged)
                sheets.append(Sheet(el.get(_SS + "Name") or f"Sheet{len(sheets) + 1}", rows, tuple(formulas)))
                el.clear()
    except DefusedXmlException:
        raise Unreadable("xml-entities", "工作簿含有不允许的 XML 实体定义，疑似异常文件，已拒收") from None
    except (ParseError, ValueError, LookupError):
        raise Unreadable(
            "not-a-workbook", "Excel 2003 XML 文件已损坏，无法读取，请用 Excel 另存为 .xlsx 后重新发送"
        ) from None
    if not sheets:
        raise Unreadable("not-a-workbook", "文件是 XML 格式，但不是 Excel 工作簿，请用 Excel 另存为 .xlsx 后重新发送")
    return sheets


def _index(el, default: int) -> int:  # type: ignore[no-untyped-def]
    """ss:Index (1-based), which skips empty rows or cells, capped so padding stays bounded."""
    v = el.get(_SS + "Index")
    if v is None:
        return default
    n = int(v.strip())
    if n < default or n > MAX_ROWS:
        raise ValueError("ss:Index out of order")
    return n


def _row(el, r: int, limits: Limits, merged: list[Range], formulas: list[tuple[int, int]]) -> list[str | None]:  # type: ignore[no-untyped-def]
    row: list[str | None] = []
    for cell in el.iterfind(_SS + "Cell"):
        c = _index(cell, len(row) + 1) - 1
        if c >= limits.max_columns:
            raise Unreadable("too-complex", TOO_COMPLEX)
        row.extend([None] * (c - len(row)))
        data = cell.find(_SS + "Data")
        value = _value(data) if data is not None else None
        if value is None and cell.get(_SS + "Formula"):
            formulas.append((r, c))
        row.append(value)
        across = int(cell.get(_SS + "MergeAcross", "0").strip() or 0)
        down = int(cell.get(_SS + "MergeDown", "0").strip() or 0)
        if across or down:
            merged.append(((r, c), (r + min(down, MAX_ROWS), c + min(across, limits.max_columns))))
            row.extend([None] * min(across, limits.max_columns))
    if len(row) > limits.max_columns:
        raise Unreadable("too-complex", TOO_COMPLEX)
    return row


def _value(data) -> str | None:  # type: ignore[no-untyped-def]
    text = "".join(data.itertext())
    kind = data.get(_SS + "Type", "String")
    try:
        if kind == "Number":
            return text_of(float(text))
        if kind == "Boolean":
            return text_of(text.strip() in ("1", "true", "TRUE"))
        if kind == "DateTime":
            return text_of(datetime.fromisoformat(text.strip()[:19]))
    except ValueError:
        pass
    return text_of(text)
