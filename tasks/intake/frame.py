"""Turning a located table into (a) the normalised frame Great Expectations checks and
(b) typed records to store. Parse failures of numbers and dates become issues here; format
checks (phones, codes, choices, required) are left to the suite, which sees canonical text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from schemas.forms import Col
from tasks.intake import cells
from tasks.intake.locate import Table
from tasks.intake.verdict import Issue

# kinds normalised to a canonical text that the suite's regex then checks
CANONICAL: dict[str, Callable[[str], str]] = {
    "mobile": cells.mobile,
    "landline": cells.landline,
    "phone": cells.phone,
    "email": cells.email,
    "criteria": cells.criteria,
    "credit": lambda s: s.upper().replace(" ", ""),  # the check character is verified in validate
}
PARSED: dict[str, Callable[[str], Any]] = {"money": cells.money, "int": cells.whole, "date": cells.a_date}
NUMERIC_SUFFIX = "__n"


def normalise(table: Table) -> tuple[pd.DataFrame, list[dict[str, Any]], list[Issue]]:
    """(frame for the suite, typed records, parse issues) for the table's data rows."""
    keys = list(table.columns)
    raw = [r for _, r in table.records]
    issues: list[Issue] = []
    data: dict[str, list[Any]] = {"__row": [n for n, _ in table.records]}
    typed: list[dict[str, Any]] = [{"row_number": n} for n, _ in table.records]
    for j, key in enumerate(keys):
        col = table.form.col(key)
        folded = _memo_map(cells.folded_or_none, [r[j] for r in raw])  # a column repeats itself a lot
        data[key] = _canonical(col, folded)
        if col.kind in PARSED:
            values = _parse(col, folded, table, issues)
            if col.kind != "date":
                data[key + NUMERIC_SUFFIX] = values
        elif col.kind == "flag":
            values = [None if v is None else v == col.choices[0] for v in data[key]]
        else:
            values = data[key]
        for t, v in zip(typed, values, strict=True):
            t[key] = v
    return pd.DataFrame(data), typed, issues


def _memo_map(fn: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    memo: dict[Any, Any] = {}
    return [memo[v] if v in memo else memo.setdefault(v, fn(v)) for v in values]


def _canonical(col: Col, folded: list[str | None]) -> list[str | None]:
    fn = CANONICAL.get(col.kind)
    if fn is None:
        return folded

    def one(v: str | None) -> str | None:
        try:
            return fn(v) if v is not None else None
        except cells.CellError:
            return v  # left as written: the suite's pattern check reports it

    return _memo_map(one, folded)


def _parse(col: Col, folded: list[str | None], table: Table, issues: list[Issue]) -> list[Any]:
    fn, out = PARSED[col.kind], []
    header = table.headers[col.key]
    for (row, _), v in zip(table.records, folded, strict=True):
        if v is None:
            out.append(None)
            continue
        try:
            out.append(fn(v))
        except cells.CellError as e:
            out.append(None)
            issues.append(Issue("error", f"bad-{col.kind}", f"第{row}行“{header}”{e}，当前为“{v}”", table.sheet, row, header))
    return out
