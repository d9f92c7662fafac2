"""Great Expectations suites, one per form, built from the column specs in `schemas/forms.py`.

The GX context is ephemeral and built once per process (`_context`); suites are cached per
form. Results become typed `Issue`s with the Excel row and the header as written.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

import pandas as pd

from schemas.forms import Col, FormSpec
from tasks.intake.frame import NUMERIC_SUFFIX
from tasks.intake.gx import import_gx
from tasks.intake.locate import Table
from tasks.intake.verdict import Issue

PATTERNS = {
    "mobile": (r"^1[3-9]\d{9}$", "应填写11位手机号码"),
    "landline": (r"^0\d{2,3}-\d{7,8}(?:转\d{1,6})?$", "应填写带区号的固定电话，如 0517-83660000"),
    "phone": (r"^(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8}(?:转\d{1,6})?)$", "应填写手机号码或带区号的固定电话"),
    "email": (r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$", "不是有效的电子邮箱地址"),
    "credit": (r"^[0-9A-HJ-NPQRTUWXY]{18}$", "统一社会信用代码应为18位数字或大写字母"),
    "criteria": (r"^[123](?:,[123])*$", "应填写1、2、3中的一项或多项（对应推荐条件）"),
}


# One context per process, shared by every thread (two intake runs in one worker, Prefect's
# thread pool): building it, adding a suite and validating are not thread-safe in GX, and a
# second thread adding the same suite fails, so all GX work goes through this lock.
GX_LOCK = threading.RLock()


@cache
def _context():  # type: ignore[no-untyped-def]
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("intake").add_dataframe_asset(name="submission")
    return ctx, asset.add_batch_definition_whole_dataframe("whole")


def expectations(form: FormSpec, present: frozenset[str]) -> list[tuple[Col, str, dict[str, Any]]]:
    """(column, expectation class name, kwargs) for the columns present in the file."""
    out: list[tuple[Col, str, dict[str, Any]]] = []
    for col in form.columns:
        if col.key not in present:
            continue
        if col.required:
            out.append((col, "ExpectColumnValuesToNotBeNull", {"column": col.key}))
        if col.choices:
            out.append((col, "ExpectColumnValuesToBeInSet", {"column": col.key, "value_set": list(col.choices)}))
        if col.kind in PATTERNS:
            out.append((col, "ExpectColumnValuesToMatchRegex", {"column": col.key, "regex": PATTERNS[col.kind][0]}))
        if col.kind in ("money", "int"):
            out.append((col, "ExpectColumnValuesToBeBetween", {"column": col.key + NUMERIC_SUFFIX, "min_value": 0}))
    return out


@cache
def suite(form: FormSpec, present: frozenset[str]):  # type: ignore[no-untyped-def]
    gx = import_gx()

    ctx, _ = _context()
    name = f"{form.code}:{','.join(sorted(present))}"
    s = ctx.suites.add(gx.ExpectationSuite(name=name))
    for _, cls, kwargs in expectations(form, present):
        s.add_expectation(getattr(gx.expectations, cls)(**kwargs))
    return s


def run_suite(table: Table, frame: pd.DataFrame) -> list[Issue]:
    """Validate the normalised frame; one issue per failing cell, in Chinese."""
    if frame.empty:
        return []
    present = frozenset(table.columns)
    with GX_LOCK:
        _, batch_definition = _context()
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        # Pass/fail first (cheap); only the expectations that failed are run again for their rows.
        quick = batch.validate(suite(table.form, present), result_format="BOOLEAN_ONLY")
        failed = [_checked(r) for r in quick.results if not r.success]
        results = [batch.validate(_expectation(cfg), result_format="COMPLETE") for cfg in failed]
    specs = {(_snake(cls), kw["column"]): (col, cls) for col, cls, kw in expectations(table.form, present)}
    issues: list[Issue] = []
    for r in results:
        cfg = _checked(r)
        col, cls = specs[(cfg.type, cfg.kwargs["column"])]
        for idx in r.result.get("unexpected_index_list") or []:
            issues.append(_issue(table, frame, col, cls, int(idx)))
    return issues


def _checked(r):  # type: ignore[no-untyped-def]
    """The result's expectation; an expectation that crashed must not pass as "no issues"."""
    if (r.exception_info or {}).get("raised_exception"):
        raise RuntimeError(f"GX expectation {r.expectation_config.type} crashed: {r.exception_info.get('exception_message')}")
    return r.expectation_config


def _expectation(cfg):  # type: ignore[no-untyped-def]
    gx = import_gx()
    cls = getattr(gx.expectations, "".join(p.title() for p in cfg.type.split("_")))
    return cls(**cfg.kwargs)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _issue(table: Table, frame: pd.DataFrame, col: Col, cls: str, idx: int) -> Issue:
    row = int(frame["__row"].iat[idx])
    header = table.headers[col.key]
    value = frame[col.key].iat[idx]
    where = f"第{row}行“{header}”"
    if cls == "ExpectColumnValuesToNotBeNull":
        return Issue("error", "required", f"{where}为必填项，不能为空", table.sheet, row, header)
    if cls == "ExpectColumnValuesToBeInSet":
        choices = "、".join(col.choices)
        return Issue("error", "not-in-list", f"{where}应为“{choices}”之一，当前为“{value}”", table.sheet, row, header)
    if cls == "ExpectColumnValuesToMatchRegex":
        return Issue("error", f"bad-{col.kind}", f"{where}{PATTERNS[col.kind][1]}，当前为“{value}”", table.sheet, row, header)
    return Issue("error", "negative", f"{where}不能为负数，当前为“{value}”", table.sheet, row, header)
