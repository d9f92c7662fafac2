"""Reading a received file safely into sheets of text cells.

Checks come before any parsing: size limit, the zip's declared expanded size (a zip bomb is
refused before anything is expanded), XML with DTDs or entities, encrypted workbooks. Cells
are returned as the text a person sees (see `cells.text_of`); merged ranges are filled from
their top-left cell so a merged 企业名称 applies to every row it spans.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from tasks.intake.cells import text_of

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
DOCUMENT_SUFFIXES = {".docx", ".doc", ".pdf", ".txt", ".wps"}
MAX_ZIP_MEMBERS = 2000
XLS_TIMEOUT = 60  # seconds for a legacy .xls read in a child process


class Unreadable(Exception):
    """A file that cannot be read; `code` is stable, `str()` is the message for a clerk."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[str | None]]  # rows[i] is Excel row i + 1


def read_sheets(data: bytes, filename: str, *, max_bytes: int, max_expanded: int) -> list[Sheet]:
    """All sheets of an xlsx/xls/csv file as text cells, or `Unreadable` with the reason."""
    if not data:
        raise Unreadable("empty-file", "文件是空的（0字节），请重新导出后再发送")
    if len(data) > max_bytes:
        raise Unreadable("too-large", f"文件超过 {max_bytes / 1e6:.0f} MB 的上限，请删除无关工作表或拆分后重新发送")
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(ZIP_MAGIC):
        _check_zip(data, max_expanded)
        return _calamine(data)
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise Unreadable("encrypted", "工作簿设置了打开密码，无法读取：请取消密码后重新发送")
        return _calamine_isolated(data)
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        raise Unreadable("not-a-workbook", f"文件扩展名是 {suffix}，但内容不是 Excel 工作簿（可能已损坏）")
    return [Sheet(PurePath(filename).stem or "CSV", _csv_rows(data))]


def _check_zip(data: bytes, max_expanded: int) -> None:
    try:
        _check_zip_members(data, max_expanded)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, OSError):
        raise Unreadable("not-a-workbook", "文件不是有效的 Excel 工作簿（压缩结构损坏）") from None


def _check_zip_members(data: bytes, max_expanded: int) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except zipfile.BadZipFile:
        raise Unreadable("not-a-workbook", "文件不是有效的 Excel 工作簿（压缩结构损坏）") from None
    if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > max_expanded:
        raise Unreadable("zip-bomb", "文件解压后过大，疑似异常文件，已拒收；请检查后重新导出")
    if not any(i.filename == "[Content_Types].xml" for i in infos):
        raise Unreadable("not-a-workbook", "文件是压缩包而不是 Excel 工作簿")
    for i in infos:
        if i.filename.endswith((".xml", ".rels", ".vml")):
            with zf.open(i) as fh:
                _check_prolog(fh)


def _check_prolog(fh: IO[bytes]) -> None:
    """Refuse a DTD or entity declaration, wherever the prolog puts it (padding, comments,
    UTF-16 included): defusedxml parses up to the root element only, in 16 KB chunks."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:
        for _ in iterparse(fh, events=("start",), forbid_dtd=True):
            break
    except DefusedXmlException:
        raise Unreadable("xml-entities", "工作簿含有不允许的 XML 实体定义，疑似异常文件，已拒收") from None
    except ParseError:
        pass  # malformed XML: the workbook reader refuses it with its own message


def _calamine(data: bytes) -> list[Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in wb.sheet_names:
            sh = wb.get_sheet_by_name(name)
            rows = [
                [(v if v and not v.isspace() else None) if v.__class__ is str else text_of(v) for v in row]
                for row in sh.to_python(skip_empty_area=False)
            ]  # text_of's str case inlined: most cells are text, and this loop is hot
            _fill_merged(rows, sh.merged_cell_ranges or [])
            sheets.append(Sheet(name, rows))
        return sheets
    except PasswordError:
        raise Unreadable("encrypted", "工作簿设置了密码，无法读取：请取消密码后重新发送") from None
    except (CalamineError, ValueError, OSError) as e:
        raise Unreadable("not-a-workbook", f"无法读取该 Excel 文件（{type(e).__name__}），请用 Excel 另存为 .xlsx 后重新发送") from None
    except BaseException as e:
        # A corrupt .xls can make calamine's Rust code panic; pyo3 raises that as
        # PanicException, a BaseException (found by fuzzing): still just an unreadable file.
        if type(e).__name__ != "PanicException":
            raise
        raise Unreadable("not-a-workbook", "Excel 文件已损坏，无法读取，请用 Excel 另存为 .xlsx 后重新发送") from None


def _calamine_isolated(data: bytes) -> list[Sheet]:
    """`_calamine` in a child process (see `xls_child`): a crash there is an unreadable file."""
    try:
        done = subprocess.run([sys.executable, "-m", "tasks.intake.xls_child"], input=data,
                              capture_output=True, timeout=XLS_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise Unreadable("not-a-workbook", "Excel 文件读取超时（可能已损坏），请用 Excel 另存为 .xlsx 后重新发送") from None
    if done.returncode != 0:
        raise Unreadable("not-a-workbook", "Excel 文件已损坏，无法读取，请用 Excel 另存为 .xlsx 后重新发送")
    out = json.loads(done.stdout)
    if "error" in out:
        raise Unreadable(*out["error"])
    return [Sheet(name, rows) for name, rows in out["sheets"]]


def _fill_merged(rows: list[list[str | None]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                if rows[r][c] is None:
                    rows[r][c] = value


def decode_text(data: bytes) -> str:
    """BOM, then strict UTF-8, then strict GB18030 (a superset of GBK); else a clear refusal."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc)
            except UnicodeDecodeError:
                break
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise Unreadable("encoding", "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030），请用 Excel 另存为 .xlsx 后重新发送")


def _csv_rows(data: bytes) -> list[list[str | None]]:
    text = decode_text(data)
    if "\x00" in text:
        raise Unreadable("not-a-table", "文件内容不是表格（含有二进制数据），请发送 Excel 或 CSV 文件")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[c if c.strip() else None for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as e:
        raise Unreadable("not-a-table", f"CSV 格式有误（{e}），请用 Excel 另存为 .xlsx 后重新发送") from None


def is_document(filename: str) -> bool:
    return PurePath(filename).suffix.lower() in DOCUMENT_SUFFIXES
