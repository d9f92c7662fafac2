"""The annotated copy a clerk gets back: a summary sheet in front, then the data sheet with
error cells in red and warning cells in yellow, each with a comment saying what is wrong.

It is rebuilt from the text we read (not by re-opening the sender's workbook), and every
cell is written as text: a cell starting with = + - @ is never a formula in our copy.
"""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from tasks.intake.read import Sheet
from tasks.intake.verdict import Issue, Verdict

RED = PatternFill("solid", fgColor="FFC7CE")
YELLOW = PatternFill("solid", fgColor="FFEB9C")
BOLD = Font(bold=True)


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
        t = f"{base[:31 - len(str(n)) - 1]}_{n}"
    return t


def safe_text(cell: Cell, value: str | None) -> None:
    """Write `value` as plain text, even when it looks like a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def annotated_workbook(v: Verdict, sheets: list[Sheet], *, summary_text: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "校验结果"
    ws["A1"], ws["A1"].font = "校验结果", Font(bold=True, size=14)
    for i, line in enumerate(summary_text.splitlines(), start=3):
        safe_text(ws.cell(i, 1), line)
    ws.column_dimensions["A"].width = 110
    start = len(summary_text.splitlines()) + 4
    for j, h in enumerate(("级别", "工作表", "行", "列", "说明"), 1):
        ws.cell(start, j, h).font = BOLD
    for k, issue in enumerate(v.issues, start + 1):
        for j, val in enumerate((_level(issue), issue.sheet, issue.row, issue.column, issue.message), 1):
            safe_text(ws.cell(k, j), val) if isinstance(val, str) else ws.cell(k, j, val)
    by_cell: dict[tuple[str, int], list[Issue]] = defaultdict(list)
    for issue in v.issues:
        if issue.sheet and issue.row:
            by_cell[(issue.sheet, issue.row)].append(issue)
    for sheet in sheets:
        if sheet.name != v.sheet:
            continue
        data = wb.create_sheet(sheet_title(sheet.name, {ws.title}))
        for r, row in enumerate(sheet.rows, 1):
            for c, value in enumerate(row, 1):
                if value:
                    safe_text(data.cell(r, c), value)
        header = sheet.rows[(v.header_row or 1) - 1] if v.header_row else []
        columns = {" ".join((h or "").replace("\n", "").split()): i + 1 for i, h in enumerate(header)}
        for (_, r), issues in by_cell.items():
            for issue in issues:
                cell = data.cell(r, columns.get(issue.column or "", 1))
                worst = cell.fill == RED or issue.severity == "error"
                cell.fill = RED if worst else YELLOW
                text = (cell.comment.text + "\n" if cell.comment else "") + f"{_level(issue)}：{issue.message}"
                cell.comment = Comment(text, "督办")
                cell.alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _level(issue: Issue) -> str:
    return "错误" if issue.severity == "error" else "提示"
