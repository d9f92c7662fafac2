"""What the format readers share, low enough for each to import: a sheet of text cells, the
limits on reading one, `Unreadable`, and the checks and helpers every reader applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

MAX_ROWS = 1_048_576  # what Excel itself can show: the cap of the text formats' row numbers
TOO_COMPLEX = "文件过大或结构异常，无法读取。请删除无关的工作表和空白行列，用 Excel 另存为 .xlsx 后重新发送"
TOO_MUCH_TEXT = (
    "文件内容过多（合并单元格或跨行单元格展开后，单元格数或文字量超过上限），无法校验。"
    "请取消不必要的合并单元格，删除无关的工作表和内容，或拆分后重新发送"
)


@dataclass(frozen=True)
class Limits:
    """What a received file may cost to read. Every number is a setting (`DUBAN_READ_*`)."""

    max_bytes: int = 20 * 1024 * 1024  # the file itself
    max_expanded: int = 200 * 1024 * 1024  # what a zip archive may declare it expands to
    max_cells: int = 4_000_000  # a sheet's rows x columns, and all its merged areas together
    max_columns: int = 1_000
    max_merged: int = 20_000  # merged ranges per sheet
    # what the parent is sent: merged cells and rowspans repeat one text in every cell they cover
    # (shared in the child, a copy each once sent), so the file's cells and text are capped after filling
    max_filled: int = 500_000  # non-empty cells, all sheets together
    max_text: int = 10_000_000  # characters in all cells together
    max_reply_bytes: int = 64 * 1024 * 1024  # what the parent accepts from the child for one file
    memory_bytes: int = 512 << 20  # the reader child's address space (RSS stays below it)
    cpu_seconds: int = 30  # CPU time per file in the reader child
    timeout_seconds: float = 60.0  # wall clock per file, as the parent waits
    budget_seconds: float = 30.0  # judging, annotating and recording one file, in the parent


class Unreadable(Exception):
    """A file that cannot be read; `code` is stable, `str()` is the message for a clerk."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[str | None]]  # rows[i] is Excel row i + 1
    formulas: tuple[tuple[int, int], ...] = ()  # (row, column), 0-based: formulas with no computed value


def column_number(letters: str) -> int:
    """A1-style column letters as a 1-based number: A → 1, Z → 26, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_extent(rows: int, cols: int, limits: Limits) -> None:
    if cols > limits.max_columns or rows * cols > limits.max_cells:
        raise Unreadable("too-complex", TOO_COMPLEX)


Range = tuple[tuple[int, int], tuple[int, int]]


def check_merged(ranges: list[Range], height: int, width: int, limits: Limits) -> None:
    """Merged ranges fill cells one by one: their number and their area (clipped to the sheet)
    are capped before any is filled (1,000 copies of A1:Z10000 in 5 KB took hours)."""
    if len(ranges) > limits.max_merged:
        raise Unreadable("too-complex", TOO_COMPLEX)
    area = 0
    for (r0, c0), (r1, c1) in ranges:
        area += max(0, min(r1, height - 1) - r0 + 1) * max(0, min(c1, width - 1) - c0 + 1)
        if area > limits.max_cells:
            raise Unreadable("too-complex", TOO_COMPLEX)


def fill_merged(rows: list[list[str | None]], ranges: list[Range]) -> None:
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
                return data[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                break
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise Unreadable(
        "encoding", "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030），请用 Excel 另存为 .xlsx 后重新发送"
    )


def text_of(v: object) -> str | None:
    """A cell value from any reader as the text a person sees."""
    if v.__class__ is str:  # the common case first: calamine gives "" for an empty cell
        return v if v and not v.isspace() else None
    if v is None:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    s = str(v)
    return s if s.strip() else None
