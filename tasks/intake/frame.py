"""Turning a located table into (a) the normalised frame Great Expectations checks and
(b) typed records to store, by each column's declared kind. Cells that must parse (numbers,
dates, codes, phones, addresses, multiple choices) are parsed here, a failure becoming an issue;
required cells, choices and bounds are left to the suite, which sees canonical values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from schemas.forms import NUMERIC, Column
from tasks.intake import cells
from tasks.intake.locate import Table
from tasks.intake.verdict import Issue

# kinds parsed cell by cell (the one check of each: tasks/intake/cells.py); a failure is an issue
PARSED: dict[str, Callable[[str], Any]] = {
    "money": cells.money,
    "number": cells.number,
    "int": cells.whole,
    "date": cells.a_date,
    "org-code": cells.org_code,
    "mobile": cells.mobile,
    "landline": cells.landline,
    "phone": cells.phone,
    "email": cells.email,
}
NUMERIC_SUFFIX = "__n"
EXCEL_ERROR = "excel-error"


def normalise(
    table: Table,
    choices: dict[str, tuple[str, ...]] | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[Issue]]:
    """(frame for the suite, typed records, parse issues) for the table's data rows. A value
    of a column with `choices` that matches one once folded (full-width brackets) is that choice."""
    choices = choices or {}
    keys = list(table.columns)
    raw = [r for _, r in table.records]
    issues: list[Issue] = []
    data: dict[str, list[Any]] = {"__row": [n for n, _ in table.records]}
    typed: list[dict[str, Any]] = [{"row_number": n} for n, _ in table.records]
    for j, key in enumerate(keys):
        col = table.form.col(key)
        folded = _memo_map(cells.folded_or_none, [r[j] for r in raw])  # a column repeats itself a lot
        shown = _excel_errors(folded, table, table.headers[key], issues)
        if col.kind in PARSED or col.kind == "multi":
            values = _parse(col, folded, table, issues, shown)
            # the suite sees the canonical value, or the cell as written when it did not parse
            # (already an issue here: it must not be "required" as well)
            data[key] = (
                folded
                if col.kind in ("money", "number", "int", "date")
                else [v if v is not None else f for v, f in zip(values, folded, strict=True)]
            )
            if col.kind in NUMERIC:
                data[key + NUMERIC_SUFFIX] = values
        else:
            data[key] = folded
            if choices.get(key):
                data[key] = _as_declared(data[key], choices[key])
            values = (
                [None if v is None else v == col.choices[0] for v in data[key]] if col.kind == "flag" else data[key]
            )
            values = [None if i in shown else v for i, v in enumerate(values)] if shown else values
        for t, v in zip(typed, values, strict=True):
            t[key] = v
    return pd.DataFrame(data), typed, issues


def _excel_errors(folded: list[str | None], table: Table, header: str, issues: list[Issue]) -> set[int]:
    """Cells showing an Excel error value (#DIV/0!, #N/A) are said to, one issue a cell, whatever
    the column's kind; their typed value is empty. The suite still sees the text (so it is not
    "required" as well); `drop_shadowed` removes what else it says of such a cell."""
    shown = set()
    for i, ((row, _), v) in enumerate(zip(table.records, folded, strict=True)):
        if v is not None and v in cells.EXCEL_ERRORS:
            issues.append(
                Issue("error", EXCEL_ERROR, f"第{row}行“{header}”{cells.shown_error(v)}", table.sheet, row, header)
            )
            shown.add(i)
    return shown


# the codes of a cell that could not be read as its column's kind (`_parse`)
UNREAD = frozenset({EXCEL_ERROR, "bad-multi", "bad-credit-check", "bad-org-code-check", *(f"bad-{k}" for k in PARSED)})


def _unread(code: str) -> bool:
    return code in UNREAD


def drop_shadowed(issues: list[Issue]) -> list[Issue]:
    """A cell that could not be read (a date like 6月31日, a #DIV/0!) is told that, and nothing
    else about its value: not also "须填写" from a rule that saw it empty."""
    unread = {(i.row, i.column) for i in issues if _unread(i.code)}
    if not unread:
        return issues
    return [i for i in issues if _unread(i.code) or (i.row, i.column) not in unread]


def _as_declared(values: list[str | None], choices: tuple[str, ...]) -> list[str | None]:
    declared = {cells.fold(c): c for c in choices}
    return [declared.get(v, v) if v is not None else None for v in values]


def _memo_map(fn: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """`fn` over `values`, once per distinct value (a column repeats itself a lot)."""
    memo = {v: fn(v) for v in dict.fromkeys(values)}
    return list(map(memo.__getitem__, values))


def _parse(col: Column, folded: list[str | None], table: Table, issues: list[Issue], shown: set[int]) -> list[Any]:
    fn: Callable[[str], Any] = (lambda v: cells.multi(v, col.choices)) if col.kind == "multi" else PARSED[col.kind]
    header = table.headers[col.key]
    memo: dict[str, Any] = {}  # a file repeats its enterprises, dates and amounts: each parsed once
    out = []
    for i, ((row, _), v) in enumerate(zip(table.records, folded, strict=True)):
        if v is None or i in shown:
            out.append(None)
            continue
        if v not in memo:
            try:
                memo[v] = fn(v)
            except cells.CellError as e:
                memo[v] = e
        got = memo[v]
        if isinstance(got, cells.CellError):
            out.append(None)
            code = (
                "bad-credit-check"
                if isinstance(got, cells.CheckCharError) and len(v) >= 18
                else ("bad-org-code-check" if isinstance(got, cells.CheckCharError) else f"bad-{col.kind}")
            )
            why = f"应填写以{col.unit}为单位的数字" if col.kind in ("money", "number") and col.unit else got
            issues.append(Issue("error", code, f"第{row}行“{header}”{why}，当前为“{v}”", table.sheet, row, header))
        else:
            out.append(got)
    return out
