"""Finding the table in a workbook: which sheet, which row is the header, which form it is.

Counties put title rows and a "填报单位…" line above the header, an instructions sheet in
front, and a 填表说明 note below the table; header text may carry line breaks, full-width
brackets and the unit. The header row is the row (among the first 30 of any sheet) that
matches the most columns of some form; the title helps break ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from schemas.forms import Column, Form
from tasks.intake.cells import fold, header_key
from tasks.reader import Sheet

HEADER_SCAN_ROWS = 30
NOTE_MARKS = ("填表说明", "说明", "注：", "注:", "备注：", "备注:", "填报说明")


@dataclass
class Table:
    form: Form
    sheet: str
    header_row: int  # Excel row number of the header
    columns: dict[str, int]  # column key -> 0-based column index
    headers: dict[str, str]  # column key -> header text as written in the file
    extra: list[str]  # headers in the file that the form does not have
    missing: list[Column]  # required columns the file does not have
    records: list[tuple[int, list[str | None]]] = field(default_factory=list)  # (Excel row, cells)
    context: str = ""  # text above the header: title, 填报单位 line


@lru_cache(maxsize=16384)
def _header_key(text: str) -> str:
    """`header_key` of a cell, cached: the same titles, notes and headers come in every file."""
    return header_key(text)


def _keys(col: Column) -> frozenset[str]:
    return _keys_of(col.header, tuple(col.aliases))


@cache
def _keys_of(header: str, aliases: tuple[str, ...]) -> frozenset[str]:
    return frozenset({header_key(header), *(header_key(a) for a in aliases)})


_FORM_KEYS: dict[int, tuple[Form, frozenset[str]]] = {}


def _form_keys(form: Form) -> frozenset[str]:
    """Every header key that names one of `form`'s columns (kept with the form, so its id is never reused)."""
    got = _FORM_KEYS.get(id(form))
    if got is None or got[0] is not form:
        got = _FORM_KEYS[id(form)] = (form, frozenset().union(*(_keys(c) for c in form.columns)))
    return got[1]


def _match(row: list[str | None], form: Form, cells: list[tuple[int, str]] | None = None) -> dict[str, int]:
    """Which of `form`'s columns a row's cells name; `cells`: the row's (index, header key), made
    once per row for all forms."""
    found: dict[str, int] = {}
    if cells is None:
        cells = [(i, _header_key(c)) for i, c in enumerate(row) if c]
    keys_of_form = _form_keys(form)
    cells = [(i, k) for i, k in cells if k in keys_of_form]  # a cell naming none of them matches no column
    if not cells:
        return found
    for col in form.columns:
        keys = _keys(col)
        for i, k in cells:
            if k in keys and col.key not in found and i not in found.values():
                found[col.key] = i
                break
    return found


def find_table(sheets: list[Sheet], forms: list[Form]) -> Table | None:
    """The best (sheet, header row, form) among `forms`, or None when nothing looks like a form."""
    best: tuple[float, Sheet, int, Form, dict[str, int]] | None = None
    for sheet in sheets:
        above = ""
        for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            cells = [(i, _header_key(c)) for i, c in enumerate(row) if c]
            for form in forms:
                if form.document:
                    continue
                found = _match(row, form, cells)
                if len(found) < 2:
                    continue
                score = len(found) / len(form.columns) + (0.2 if form.label in above or form.title in above else 0)
                if best is None or score > best[0]:
                    best = (score, sheet, r, form, found)
            above += " ".join(fold(c) for c in row if c) + "\n"
    if best is None:
        return None
    _, sheet, r, form, found = best
    row = sheet.rows[r]
    known = set(found.values())
    table = Table(
        form=form,
        sheet=sheet.name,
        header_row=r + 1,
        columns=found,
        headers={k: _as_written(row[i]) for k, i in found.items()},
        extra=[
            _as_written(c)
            for i, c in enumerate(row)
            if c and i not in known and header_key(c) not in {"序号", "编号", ""}
        ],
        missing=[c for c in form.columns if c.required and c.key not in found],
        context="\n".join(" ".join(fold(c) for c in rr if c) for rr in sheet.rows[:r]),
    )
    table.records = list(_records(sheet.rows, r + 1, found))
    return table


def best_partial(sheets: list[Sheet], form: Form) -> dict[str, int]:
    """The columns of `form` named by the one row (of the first rows of any sheet) that names the
    most of them, even one: what a file that does not make the table has of it."""
    best: dict[str, int] = {}
    for sheet in sheets:
        for row in sheet.rows[:HEADER_SCAN_ROWS]:
            found = _match(row, form)
            if len(found) > len(best):
                best = found
    return best


def _records(rows: list[list[str | None]], start: int, cols: dict[str, int]):  # type: ignore[no-untyped-def]
    """Data rows below the header, up to a note (填表说明…); blank rows skipped."""
    idx = list(cols.values())
    for r in range(start, len(rows)):
        row = rows[r]
        n = len(row)
        cells = [row[i] if i < n else None for i in idx]
        if len(cells) - cells.count(None) - cells.count("") > 2:
            yield r + 1, cells  # the common case: a data row (a note fills one or two cells)
            continue
        filled = [c for c in row if c and not c.isspace()]
        if not filled:
            continue
        if len(filled) <= 2 and fold(filled[0]).startswith(NOTE_MARKS):
            break
        if not any(c and not c.isspace() for c in cells):
            continue  # only 序号 or a stray mark outside the form's columns
        yield r + 1, cells


def _as_written(cell: str | None) -> str:
    """Header text as written, on one line (a line break inside a header cell is layout)."""
    return " ".join((cell or "").replace("\r", "").replace("\n", "").split())
