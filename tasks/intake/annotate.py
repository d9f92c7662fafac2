"""The annotated copy a clerk gets back: a summary sheet in front, then the data sheet with
error cells in red and warning cells in yellow, each with a comment saying what is wrong
(the first `MAX_COMMENTS` issues; the summary sheet counts the rest).

It is rebuilt from the text we read (not by re-opening the sender's workbook), and every
cell is written as text: a cell starting with = + - @ is never a formula in our copy.
"""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from schemas.text import clean_text
from tasks.intake.budget import Budget
from tasks.intake.verdict import MAX_ISSUES, Issue, Verdict
from tasks.reader import Sheet

RED = PatternFill("solid", fgColor="FFC7CE")
YELLOW = PatternFill("solid", fgColor="FFEB9C")
BOLD = Font(bold=True)
SUMMARY = "校验结果"
MAX_COMMENTS = MAX_ISSUES  # cells given a comment: a file's listed issues, never more


_NOT_IN_TITLES = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def sheet_title(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A worksheet title every writer accepts: no []:*?/\\, no quote at either end, at most 31
    characters, not empty, not "History", and not one of `taken` (case-insensitive)."""
    t = "".join(ch for ch in name.translate(_NOT_IN_TITLES) if ch.isprintable()).strip().strip("'")[:31] or "Sheet"
    if t.lower() == "history":
        t = "History_"
    base, n = t, 1
    while t.lower() in {x.lower() for x in taken}:
        n += 1
        t = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    return t


def safe_text(cell: Cell, value: str | None) -> Cell:
    """`value` in `cell` as plain text, even when it looks like a formula, without the characters
    a workbook cannot hold (a control character pasted from Word: `schemas.text.clean_text`)."""
    cell.value = clean_text(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def annotated_workbook(v: Verdict, sheets: list[Sheet], *, summary_text: str, budget: Budget | None = None) -> bytes:
    """The copy for the clerk, written as a stream: a sheet of a million cells costs a row's
    memory, not a million cells'. `budget`, the file's time budget, is checked as rows are
    written (`OverBudget`). At most `MAX_COMMENTS` cells get a comment."""
    wb = Workbook(write_only=True)
    try:
        _summary_sheet(wb.create_sheet(SUMMARY), v, summary_text)
        for sheet in sheets:
            if sheet.name == v.sheet:
                _data_sheet(wb.create_sheet(sheet_title(sheet.name, {SUMMARY})), v, sheet, budget)
    except BaseException:
        _discard(wb)
        raise
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _discard(wb: Workbook) -> None:
    """A copy given up half-way (the file's budget ran out): each sheet's stream is closed and
    its temporary file removed now, not when the process exits (openpyxl's own clean-up)."""
    for ws in wb.worksheets:
        writer = ws._writer  # openpyxl's stream of a write-only sheet: None until a row is written
        if writer is None:
            continue
        try:
            if not ws.closed:
                ws.close()
        finally:
            writer.cleanup()


def _summary_sheet(ws: WriteOnlyWorksheet, v: Verdict, summary_text: str) -> None:
    ws.column_dimensions["A"].width = 110
    ws.append([_styled(ws, SUMMARY, Font(bold=True, size=14))])
    ws.append([])
    for line in summary_text.splitlines():
        ws.append([safe_text(WriteOnlyCell(ws), line)])
    ws.append([])
    ws.append([_styled(ws, h, BOLD) for h in ("级别", "工作表", "行", "列", "说明")])
    for issue in v.issues:
        values = (_level(issue), issue.sheet, issue.row, issue.column, issue.message)
        ws.append([safe_text(WriteOnlyCell(ws), x) if isinstance(x, str) else x for x in values])


def _data_sheet(ws: WriteOnlyWorksheet, v: Verdict, sheet: Sheet, budget: Budget | None) -> None:
    """The sheet as read, each cell with an issue red (an error) or yellow, its messages a comment."""
    marks = _marks(v, sheet)
    by_row: dict[int, list[int]] = defaultdict(list)
    for r, c in marks:
        by_row[r].append(c)
    last = max([len(sheet.rows), *by_row])
    for r in range(1, last + 1):
        row = sheet.rows[r - 1] if r <= len(sheet.rows) else []
        out: list[object] = [_plain(ws, x) for x in row]
        for c in by_row.get(r, ()):
            out.extend([None] * (c - len(out)))
            error, texts = marks[(r, c)]
            out[c - 1] = _marked(ws, row[c - 1] if c <= len(row) else None, error, texts)
        ws.append(out)
        if budget is not None and r % 1000 == 0:
            budget.check()


def _marks(v: Verdict, sheet: Sheet) -> dict[tuple[int, int], tuple[bool, list[str]]]:
    """(Excel row, column number) -> (an error among them?, the messages) of the listed issues."""
    header = sheet.rows[(v.header_row or 1) - 1] if v.header_row and v.header_row <= len(sheet.rows) else []
    columns = {" ".join((h or "").replace("\n", "").split()): i + 1 for i, h in enumerate(header)}
    marks: dict[tuple[int, int], tuple[bool, list[str]]] = {}
    for issue in v.issues[:MAX_COMMENTS]:
        if issue.sheet != sheet.name or not issue.row:
            continue
        key = (issue.row, columns.get(issue.column or "", 1))
        error, texts = marks.get(key, (False, []))
        marks[key] = (error or issue.severity == "error", [*texts, f"{_level(issue)}：{clean_text(issue.message)}"])
    return marks


def _plain(ws: WriteOnlyWorksheet, value: str | None) -> object:
    """A cell's text as written into the stream; one that Excel would read as a formula, as text."""
    if not value:
        return None
    value = clean_text(value)
    return safe_text(WriteOnlyCell(ws), value) if value.startswith("=") else value


def _marked(ws: WriteOnlyWorksheet, value: str | None, error: bool, texts: list[str]) -> Cell:
    cell = safe_text(WriteOnlyCell(ws), value or None)
    cell.fill = RED if error else YELLOW
    cell.comment = Comment("\n".join(texts), "督办")
    cell.alignment = Alignment(wrap_text=True)
    return cell


def _styled(ws: WriteOnlyWorksheet, text: str, font: Font) -> Cell:
    cell = safe_text(WriteOnlyCell(ws), text)
    cell.font = font
    return cell


def _level(issue: Issue) -> str:
    return "错误" if issue.severity == "error" else "提示"
