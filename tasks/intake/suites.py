"""Great Expectations suites, one per form, built from the form's declared columns and its
`in-list` rules (schemas/forms.py, from the campaign file).

The GX context is ephemeral and built once per process (`_context`); suites are cached per
form (by its declaration's content) and per set of columns present. Results become typed
`Issue`s with the Excel row and the header as written.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import threading
from functools import cache
from typing import Any

import pandas as pd

from schemas.campaign import Campaign
from schemas.forms import NUMERIC, Column, Form
from tasks.intake.frame import NUMERIC_SUFFIX
from tasks.intake.gx import import_gx
from tasks.intake.locate import Table
from tasks.intake.rules import fill
from tasks.intake.verdict import Issue

# One context per process, shared by every thread (two intake runs in one worker, Prefect's
# thread pool): building it, adding a suite and validating are not thread-safe in GX, and a
# second thread adding the same suite fails, so all GX work goes through this lock.
GX_LOCK = threading.RLock()


@cache
def _context():  # type: ignore[no-untyped-def]
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig  # deferred with GX itself

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("intake").add_dataframe_asset(name="submission")
    return ctx, asset.add_batch_definition_whole_dataframe("whole")


Spec = tuple[Column, str, dict[str, Any], str]  # column, expectation class, kwargs, what a failure means


def expectations(form: Form, present: frozenset[str], campaign: Campaign) -> list[Spec]:
    """(column, expectation class name, kwargs, kind of failure) for the columns present in the file."""
    out: list[Spec] = []
    for col in form.columns:
        if col.key not in present:
            continue
        if col.required:
            out.append((col, "ExpectColumnValuesToNotBeNull", {"column": col.key}, "required"))
        choices = campaign.choices_of(form, col.key)
        if choices:
            out.append((col, "ExpectColumnValuesToBeInSet", {"column": col.key, "value_set": list(choices)}, "choices"))
        if col.kind in NUMERIC and (col.lower is not None or col.max is not None):
            out.append(
                (
                    col,
                    "ExpectColumnValuesToBeBetween",
                    {"column": col.key + NUMERIC_SUFFIX, "min_value": col.lower, "max_value": col.max},
                    "bounds",
                )
            )
    return out


@cache
def _suite(name: str, specs: tuple[tuple[str, str], ...]):  # type: ignore[no-untyped-def]
    gx = import_gx()

    ctx, _ = _context()
    # built whole and stored once (adding expectations one by one re-serialises the suite each time)
    return ctx.suites.add(
        gx.ExpectationSuite(
            name=name, expectations=[getattr(gx.expectations, cls)(**json.loads(kwargs)) for cls, kwargs in specs]
        )
    )


def suite(form: Form, present: frozenset[str], campaign: Campaign):  # type: ignore[no-untyped-def]
    """The suite of `form` for the columns present, built once per distinct declaration."""

    specs = tuple(
        (cls, json.dumps(kw, ensure_ascii=False, sort_keys=True))
        for _, cls, kw, _ in expectations(form, present, campaign)
    )
    digest = hashlib.sha1(repr(specs).encode()).hexdigest()[:12]
    return _suite(f"{form.code}:{digest}", specs)


def run_suite(table: Table, frame: pd.DataFrame, campaign: Campaign) -> list[Issue]:
    """Validate the normalised frame; one issue per failing cell, in Chinese."""
    return _validate([(table, frame)], campaign)[0]


def _value_set(kwargs: dict) -> tuple:
    return tuple(kwargs.get("value_set") or ())


def _checked(r):  # type: ignore[no-untyped-def]
    """The result's expectation; an expectation that crashed must not pass as "no issues"."""
    if (r.exception_info or {}).get("raised_exception"):
        raise RuntimeError(
            f"GX expectation {r.expectation_config.type} crashed: {r.exception_info.get('exception_message')}"
        )
    return r.expectation_config


def _expectation(cfg):  # type: ignore[no-untyped-def]
    gx = import_gx()
    cls = getattr(gx.expectations, "".join(p.title() for p in cfg.type.split("_")))
    return cls(**cfg.kwargs)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _num(x: float | None) -> str:
    return f"{x:g}" if x is not None else ""


def _issue(table: Table, frame: pd.DataFrame, spec: Spec, idx: int) -> Issue:
    col, _, kwargs, what = spec
    row = int(frame["__row"].iat[idx])
    header = table.headers[col.key]
    value = frame[col.key].iat[idx]
    where = f"第{row}行“{header}”"
    if what == "required":
        return Issue("error", "required", f"{where}为必填项，不能为空", table.sheet, row, header)
    if what == "choices":
        rule = next((r for r in table.form.rules if r.rule == "in-list" and r.column == col.key), None)
        if rule is not None and rule.message:  # the author's own words for it
            return Issue(
                rule.severity or "error",
                rule.code or "not-in-list",
                f"{where}{fill(rule.message, {'value': value})}",
                table.sheet,
                row,
                header,
            )
        choices = "、".join(kwargs["value_set"])
        return Issue("error", "not-in-list", f"{where}应为“{choices}”之一，当前为“{value}”", table.sheet, row, header)
    lo, hi = col.lower, col.max
    if lo == 0 and hi is None:
        return Issue("error", "negative", f"{where}不能为负数，当前为“{value}”", table.sheet, row, header)
    bound = (
        f"不小于{_num(lo)}" if hi is None else f"不大于{_num(hi)}" if lo is None else f"在{_num(lo)}到{_num(hi)}之间"
    )
    return Issue("error", "out-of-range", f"{where}应{bound}，当前为“{value}”", table.sheet, row, header)


def run_suites(items: list[tuple[Table, pd.DataFrame]], campaign: Campaign) -> list[list[Issue]]:
    """`run_suite` over many tables of one form with the same columns, in one GX validation."""
    return _validate(items, campaign)


def _validate(items: list[tuple[Table, pd.DataFrame]], campaign: Campaign) -> list[list[Issue]]:
    """Tables of one form with the same columns, validated in one GX call over one frame: each row
    keeps its file (the offset of its frame) and its Excel row (`__row`), so every failure maps
    back to one cell of one file. Expectations are row-wise (not null, in set,
    between), so a row's result does not depend on the rows beside it."""
    if not items:
        return []
    table0 = items[0][0]
    cols = list(items[0][1].columns)
    if any(list(f.columns) != cols or t.form.code != table0.form.code for t, f in items):
        raise ValueError("run_suites: the tables of one call must share form and columns")
    kept = [(i, t, f) for i, (t, f) in enumerate(items) if not f.empty]
    out: list[list[Issue]] = [[] for _ in items]
    if not kept:
        return out
    frame = kept[0][2] if len(kept) == 1 else pd.concat([f for _, _, f in kept], ignore_index=True, copy=False)
    starts = []
    n = 0
    for _, _, f in kept:
        starts.append(n)
        n += len(f)
    present = frozenset(table0.columns)
    specs = expectations(table0.form, present, campaign)
    with GX_LOCK:
        _, batch_definition = _context()
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        # Pass/fail first (cheap); only the expectations that failed are run again for their rows.
        quick = batch.validate(suite(table0.form, present, campaign), result_format="BOOLEAN_ONLY")
        failed = [_checked(r) for r in quick.results if not r.success]
        results = [batch.validate(_expectation(cfg), result_format="COMPLETE") for cfg in failed]
    by = {(_snake(spec[1]), spec[2]["column"], _value_set(spec[2])): spec for spec in specs}

    for r in results:
        cfg = _checked(r)
        spec = by[(cfg.type, cfg.kwargs["column"], _value_set(cfg.kwargs))]
        for idx in r.result.get("unexpected_index_list") or []:
            k = bisect.bisect_right(starts, int(idx)) - 1
            i, table, f = kept[k]
            out[i].append(_issue(table, f, spec, int(idx) - starts[k]))
    return out
