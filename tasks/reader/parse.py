"""Parsing a received file's bytes into sheets of text cells.

This runs only inside the reader child (`child.py`), under a memory and a CPU limit, so
a file that makes a parser allocate without bound or spin kills the child, never the worker.
Cheap checks come first, before anything is expanded: the zip's declared sizes (a zip bomb is
refused before it is inflated), XML with DTDs or entities, encrypted workbooks, and each
sheet's declared dimensions. After the workbook is loaded and before a single Python cell is
made, the sheet's real extent and its merged ranges are checked against the caps too.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from tasks.reader.formulas import scan_cells
from tasks.reader.html_table import html_sheets
from tasks.reader.sheet import (
    TOO_COMPLEX,
    TOO_MUCH_TEXT,
    Limits,
    Sheet,
    Unreadable,
    check_extent,
    check_merged,
    column_number,
    decode_text,
    fill_merged,
    text_of,
)
from tasks.reader.sniff import OLE_MAGIC, ZIP_MAGIC, markup_kind
from tasks.reader.spreadsheet_ml import spreadsheet_ml_sheets

# names that promise a workbook: bytes that are none of the formats read are refused, not read as CSV
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ett", ".ods"}
MAX_ZIP_MEMBERS = 2000


def parse(data: bytes, filename: str, limits: Limits) -> list[Sheet]:
    """All sheets of a workbook (xlsx/xls/ods/WPS et, whatever the name; an HTML table or Excel
    2003 XML named .xls) or of a CSV/tab-separated text file, or `Unreadable` with the reason."""
    sheets = _parse(data, filename, limits)
    check_filled(sheets, limits)
    return sheets


def check_filled(sheets: list[Sheet], limits: Limits) -> None:
    """The file's cells as the parent will receive them (a merged range's text once per cell it
    covers), each row cut after its last filled cell (a far corner cell would otherwise send
    millions of nulls): over `max_cells` in all, or `max_filled` non-empty, or `max_text`
    characters, the file is refused."""
    cells = filled = text = 0
    for sheet in sheets:
        for row in sheet.rows:
            if row and row[-1] is None:
                end = len(row)
                while end and row[end - 1] is None:
                    end -= 1
                del row[end:]
            cells += len(row)
            filled += len(row) - row.count(None)
            text += sum(map(len, filter(None, row)))
            if cells > limits.max_cells:
                raise Unreadable("too-complex", TOO_COMPLEX)
            if filled > limits.max_filled or text > limits.max_text:
                raise Unreadable("too-complex", TOO_MUCH_TEXT)


def _parse(data: bytes, filename: str, limits: Limits) -> list[Sheet]:
    if not data:
        raise Unreadable("empty-file", "文件是空的（0字节），请重新导出后再发送")
    if len(data) > limits.max_bytes:
        raise Unreadable(
            "too-large", f"文件超过 {limits.max_bytes / 1e6:.0f} MB 的上限，请删除无关工作表或拆分后重新发送"
        )
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(ZIP_MAGIC):
        _check_zip(data, limits)
        return _calamine(data, limits)
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise Unreadable("encrypted", "工作簿设置了打开密码，无法读取：请取消密码后重新发送")
        return _calamine(data, limits)
    kind = markup_kind(data)
    if kind:
        if kind == "html":
            return html_sheets(data, PurePath(filename).stem or "Sheet1", limits)
        return spreadsheet_ml_sheets(data, limits)
    if suffix in WORKBOOK_SUFFIXES:
        raise Unreadable("not-a-workbook", f"文件扩展名是 {suffix}，但内容不是 Excel 工作簿（可能已损坏）")
    return [Sheet(PurePath(filename).stem or "CSV", _csv_rows(data, limits))]


def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        _check_zip_members(data, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, OSError):
        raise Unreadable("not-a-workbook", "文件不是有效的 Excel 工作簿（压缩结构损坏）") from None


def _check_zip_members(data: bytes, limits: Limits) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except zipfile.BadZipFile:
        raise Unreadable("not-a-workbook", "文件不是有效的 Excel 工作簿（压缩结构损坏）") from None
    if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > limits.max_expanded:
        raise Unreadable("zip-bomb", "文件解压后过大，疑似异常文件，已拒收；请检查后重新导出")
    if not any(i.filename in ("[Content_Types].xml", "mimetype") for i in infos):
        raise Unreadable("not-a-workbook", "文件是压缩包而不是 Excel 工作簿")
    for i in infos:
        if i.filename.endswith((".xml", ".rels", ".vml")):
            with zf.open(i) as fh:
                _check_prolog(fh)
        if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"):
            with zf.open(i) as fh:
                _check_declared_dimension(fh.read(16384), limits)


class _RootReached(Exception):
    """The prolog is over: the root element started."""


class _StopAtRoot:
    """A parser target that ends parsing at the root element's start tag."""

    def start(self, tag, attrib):  # type: ignore[no-untyped-def]
        raise _RootReached

    def close(self) -> None:
        return None


def _check_prolog(fh: IO[bytes]) -> None:
    """Refuse a DTD or entity declaration, wherever the prolog puts it (padding, comments,
    UTF-16 included): defusedxml's parser is fed 1 KB at a time and stops at the root element's
    start tag, so a member's body is never parsed (an 825-element tree a file, before)."""
    parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True)
    try:
        while chunk := fh.read(1024):
            parser.feed(chunk)
        parser.close()
    except _RootReached:
        return
    except DefusedXmlException:
        raise Unreadable("xml-entities", "工作簿含有不允许的 XML 实体定义，疑似异常文件，已拒收") from None
    except ParseError:
        pass  # malformed XML: the workbook reader refuses it with its own message


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')


def _check_declared_dimension(head: bytes, limits: Limits) -> None:
    """The sheet's own <dimension ref="A1:XFD1048576"/>, read from its first bytes."""
    m = _DIMENSION.search(head)
    if not m or not m[3]:
        return
    rows = int(m[4]) - int(m[2]) + 1
    cols = column_number(m[3].decode()) - column_number(m[1].decode()) + 1
    check_extent(rows, cols, limits)


def _calamine(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        scanned = _scanned(data, wb.sheet_names)
        for name in wb.sheet_names:
            sh = wb.get_sheet_by_name(name)  # an absurd extent aborts the child here (memory limit)
            check_extent(sh.height, sh.width, limits)
            merged = sh.merged_cell_ranges or []
            check_merged(merged, sh.height, sh.width, limits)
            rows = [
                [(v if v and not v.isspace() else None) if v.__class__ is str else text_of(v) for v in row]
                for row in sh.to_python(skip_empty_area=False)
            ]  # text_of's str case inlined: most cells are text, and this loop is hot
            uncomputed, errors = scanned.get(name, ((), ()))
            show_errors(rows, errors)
            fill_merged(rows, merged)
            sheets.append(Sheet(name, rows, _still_empty(rows, uncomputed)))
        return sheets
    except PasswordError:
        raise Unreadable("encrypted", "工作簿设置了密码，无法读取：请取消密码后重新发送") from None
    except (CalamineError, ValueError, OSError) as e:
        raise Unreadable(
            "not-a-workbook", f"无法读取该 Excel 文件（{type(e).__name__}），请用 Excel 另存为 .xlsx 后重新发送"
        ) from None
    except MemoryError:
        raise Unreadable("too-complex", TOO_COMPLEX) from None
    except BaseException as e:
        # A corrupt .xls can make calamine's Rust code panic; pyo3 raises that as
        # PanicException, a BaseException (found by fuzzing): still just an unreadable file.
        if type(e).__name__ != "PanicException":
            raise
        raise Unreadable("not-a-workbook", "Excel 文件已损坏，无法读取，请用 Excel 另存为 .xlsx 后重新发送") from None


def _scanned(data: bytes, names: list[str]) -> dict[str, tuple[list[tuple[int, int]], list[tuple[int, int, str]]]]:
    if not data.startswith(ZIP_MAGIC):
        return {}  # .xls keeps a result with every formula; .ods is not looked into
    return scan_cells(data, names)


def show_errors(rows: list[list[str | None]], errors: Iterable[tuple[int, int, str]]) -> None:
    """A cell showing an Excel error value (#DIV/0!, #N/A) holds that value, as the clerk sees
    it, not the empty string the workbook reader gives: validation says what it is."""
    for r, c, text in errors:
        if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
            rows[r][c] = text


MAX_FORMULA_CELLS = 10_000  # uncomputed formulas told about per sheet: what a clerk can act on


def _still_empty(rows: list[list[str | None]], cells: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Formula cells with no value, in the rows read (a cell past them is in no data row, and a
    sheet of a million bare formulas must not cost the worker a million tuples), at most
    `MAX_FORMULA_CELLS`."""
    out = []
    for r, c in cells:
        if r < len(rows) and (c >= len(rows[r]) or rows[r][c] is None):
            out.append((r, c))
            if len(out) >= MAX_FORMULA_CELLS:
                break
    return tuple(out)


def _csv_rows(data: bytes, limits: Limits) -> list[list[str | None]]:
    text = decode_text(data)
    if "\x00" in text:
        raise Unreadable("not-a-table", "文件内容不是表格（含有二进制数据），请发送 Excel 或 CSV 文件")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str | None]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            cells += len(row)
            if len(row) > limits.max_columns or cells > limits.max_cells:
                raise Unreadable("too-complex", TOO_COMPLEX)
            rows.append([c if c.strip() else None for c in row])
    except csv.Error as e:
        raise Unreadable("not-a-table", f"CSV 格式有误（{e}），请用 Excel 另存为 .xlsx 后重新发送") from None
    return rows
