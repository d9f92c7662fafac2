"""Uncomputed formulas said as such: an issue on a cell that holds a formula with no computed
value (the reader found them, `tasks.reader.formulas`) tells the clerk to open and save the file."""

from __future__ import annotations

from tasks.intake.locate import Table
from tasks.intake.verdict import Issue
from tasks.reader import NO_VALUE, Sheet


def explain(issues: list[Issue], table: Table, sheets: list[Sheet]) -> list[Issue]:
    """Issues on a data cell of `table` holding an uncomputed formula say so, once per cell;
    such a cell that raised no issue (an optional column) gets a warning all the same."""
    sheet = next((s for s in sheets if s.name == table.sheet and s.formulas), None)
    if sheet is None:
        return issues
    header = {i: table.headers[k] for k, i in table.columns.items()}
    data_rows = {n for n, _ in table.records}
    cells = {(r + 1, header[c]) for r, c in sheet.formulas if c in header and r + 1 in data_rows}
    out, told = [], set()
    for i in issues:
        key = (i.row or 0, i.column or "")
        if key not in cells:
            out.append(i)
        elif key not in told:
            told.add(key)
            out.append(Issue(i.severity, "formula-no-value", f"第{key[0]}行“{key[1]}”{NO_VALUE}", i.sheet, *key))
    out += [
        Issue("warning", "formula-no-value", f"第{row}行“{col}”{NO_VALUE}", table.sheet, row, col)
        for row, col in sorted(cells - told)
    ]
    return out
