"""One file read and identified: its table, form, unit and period, its cells normalised, waiting
for Great Expectations (`Pending`); or refused with the reason. Writes nothing."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date
from pathlib import PurePath

import pandas as pd

from schemas.campaign import Campaign, periods
from schemas.forms import Form
from schemas.text import clean_text, forbidden_characters
from tasks.intake import formulas, rules
from tasks.intake.budget import Budget, OverBudget, too_slow
from tasks.intake.cells import fold
from tasks.intake.frame import drop_shadowed, normalise
from tasks.intake.identify import (
    Unidentified,
    assumed_period_note,
    given_period,
    identify_period,
    identify_unit,
    period_hints,
)
from tasks.intake.locate import Table, best_partial, find_table
from tasks.intake.verdict import Issue, Verdict
from tasks.reader import DOCUMENT_SUFFIXES, Limits, Sheet, Unreadable, is_document, read_sheets

UNSHOWN = "（单元格含有无法显示的控制字符）"


@dataclass
class Pending:
    """A table read, identified and normalised, waiting for its Great Expectations results."""

    v: Verdict
    table: Table
    frame: pd.DataFrame
    records: list
    issues: list[Issue]
    sheets: list
    budget: Budget
    received: date | None = None  # the day the file arrived: what a rule's `as_of` compares with

    def finish(self, gx_issues: list[Issue], campaign: Campaign) -> Verdict:
        """The verdict, or the too-complex answer when the file is past its time budget."""
        try:
            with self.budget:
                return self._finish(gx_issues, campaign)
        except OverBudget:
            return too_slow(self.v)
        finally:
            self.v.spent = self.budget.spent

    def _finish(self, gx_issues: list[Issue], campaign: Campaign) -> Verdict:
        v, table = self.v, self.table
        self.budget.check()
        issues = self.issues + gx_issues
        issues += rules.check(table, self.records, v.period, campaign, self.received)
        self.budget.check()
        issues = _note_unshown(formulas.explain(drop_shadowed(issues), table, self.sheets), table)
        self.budget.check()
        order = {k: i for i, k in enumerate(table.columns)}
        by_header = {h: order[k] for k, h in table.headers.items()}
        v.issues += sorted(issues, key=lambda i: (i.row or 0, by_header.get(i.column or "", -1), i.code))
        v.records = self.records
        return _assumed_last(v)


def _note_unshown(issues: list[Issue], table: Table) -> list[Issue]:
    """An issue on a cell holding a control character (Word and web systems paste them; .xlsx
    stores them as _x000B_) says so: wherever the message is written, the character is dropped."""
    keys = list(table.columns)
    marked: set[tuple[int, str]] = set()
    for row, cells in table.records:
        if forbidden_characters("".join(c for c in cells if c)):
            marked.update((row, table.headers[keys[j]]) for j, c in enumerate(cells) if c and forbidden_characters(c))
    if not marked:
        return issues
    return [replace(i, message=clean_text(i.message) + UNSHOWN) if (i.row, i.column) in marked else i for i in issues]


def identify_file(
    data: bytes,
    filename: str,
    campaign: Campaign,
    received: date,
    limits: Limits,
    unit: str | None,
    form: str | None,
    period: str | None,
    expect_unit: str | None = None,
    read: Future[list[Sheet]] | None = None,
) -> Verdict | Pending:
    """Read and identify a file; what is done with its cells once read is charged to its budget."""
    v = Verdict(filename=PurePath(filename).name)
    forms = _forms(campaign, form)
    if not forms:
        return _refuse(v, "unknown-form", f"本活动没有表单“{form}”")
    try:
        if len(forms) == 1 and forms[0].document and not is_document(filename, data):
            sent = _form_table(data, filename, campaign, limits)
            if sent:  # a report form does not meet a document obligation
                return _refuse(
                    v,
                    "not-a-document",
                    f"收到的是报表“{sent.label}”，不是{forms[0].label}：{forms[0].label}请以 Word、"
                    f"PDF 或文本文档报送，{sent.label}请作为报表单独报送",
                )
        if is_document(filename, data) or (len(forms) == 1 and forms[0].document):
            return _document(v, data, filename, campaign, forms, received, unit, period, limits, expect_unit)
        sheets = read.result() if read is not None else read_sheets(data, filename, limits)
    except (Unreadable, Unidentified) as e:
        return _refuse(v, e.code, str(e))
    budget = Budget(limits.budget_seconds)
    try:
        with budget:
            return _judge(v, sheets, campaign, received, forms, unit, period, expect_unit, budget)
    except OverBudget:
        return too_slow(v)
    finally:
        v.spent = budget.spent


def _judge(
    v: Verdict,
    sheets: list[Sheet],
    campaign: Campaign,
    received: date,
    forms: list[Form],
    unit: str | None,
    period: str | None,
    expect_unit: str | None,
    budget: Budget,
) -> Verdict | Pending:
    v.sheets = sheets
    try:
        table = find_table(sheets, forms)
        # a header that makes no complete table of another form: said against the form the name names
        if (table is None or table.missing) and (why := _short_header(sheets, v.filename, forms, table)):
            return _refuse(v, "header-incomplete", why)
        if table is None:
            labels = "、".join(f.label for f in forms if not f.document)
            return _refuse(
                v,
                "unknown-form",
                f"无法识别是哪张报表：未找到本活动报表（{labels}）的表头。请使用下发的统一模板填写，不要改动表头",
            )
        v.form, v.sheet, v.header_row, v.headers = table.form.code, table.sheet, table.header_row, table.headers
        v.unit = unit or _unit(expect_unit, [table.context, v.filename], campaign)
        _check_unit(v.unit, campaign)
        v.period = (
            given_period(campaign, v.unit, v.form, period)
            if period
            else _period(v, campaign, [table.context, v.filename], received, table.sheet)
        )
    except (Unreadable, Unidentified) as e:
        return _refuse(v, e.code, str(e))
    v.issues += _column_issues(table)
    if not table.records:
        v.issues.append(
            Issue("error", "no-rows", "表格只有表头，没有填写任何数据行", table.sheet, table.header_row + 1, None)
        )
        return _assumed_last(v)
    budget.check()
    frame, records, issues = normalise(table, {k: campaign.choices_of(table.form, k) for k in table.columns})
    budget.check()
    return Pending(v, table, frame, records, issues, sheets, budget, received)


def _column_issues(table: Table) -> list[Issue]:
    """Required columns the header lacks, and columns that are not the form's."""
    out = []
    if table.missing:
        names = "、".join(f"“{c.template_header}”" for c in table.missing)
        out.append(
            Issue(
                "error",
                "missing-columns",
                f"缺少必填列：{names}。请使用统一模板，不要删除或改写表头",
                table.sheet,
                table.header_row,
                None,
            )
        )
    for extra in table.extra:
        out.append(
            Issue("warning", "extra-column", f"“{extra}”不是本表的列，已忽略", table.sheet, table.header_row, extra)
        )
    return out


def _form_table(data: bytes, filename: str, campaign: Campaign, limits: Limits) -> Form | None:
    """The report form a file sent for a document obligation really is, if it is one."""
    if PurePath(filename).suffix.lower() in DOCUMENT_SUFFIXES - {".txt"}:
        return None
    try:
        table = find_table(read_sheets(data, filename, limits), [f for f in campaign.forms if not f.document])
    except Unreadable:
        return None
    return table.form if table else None


def _short_header(sheets: list[Sheet], filename: str, forms: list[Form], table: Table | None) -> str | None:
    """A file whose name names one table form, with a header that names too few of its columns
    (and makes no complete table of another form): which it has and which are missing."""
    named = [f for f in named_forms(filename, forms) if not f.document]
    if len(named) != 1 or (table is not None and table.form is named[0]):
        return None
    form = named[0]
    found = best_partial(sheets, form)
    if not found:
        return None
    missing = [c.template_header for c in form.columns if c.key not in found and c.required]
    return (
        f"文件名写的是“{form.label}”，但表头只有其中 {len(found)} 列，缺少：{'、'.join(missing[:12])}"
        f"{' 等' if len(missing) > 12 else ''}。请使用下发的{form.label}模板填写，不要删改表头"
    )


def named_forms(filename: str, forms: list[Form]) -> list[Form]:
    """The forms a file's name names, by label or title (a name that starts with a form's label names it)."""
    name = fold(PurePath(filename).stem)
    return [f for f in forms if any(w and fold(w) in name for w in (f.label, f.title))]


def _forms(campaign: Campaign, form: str | None) -> list[Form]:
    if form:
        return [f for f in campaign.forms if f.code == form]
    return list(campaign.forms)


def _period(v: Verdict, campaign: Campaign, texts: list[str], received: date, sheet: str | None) -> str:
    """The period named in `texts`, or inferred from the received date with a warning saying so."""
    assert v.unit and v.form
    found, named = identify_period(campaign, v.unit, v.form, period_hints(texts, campaign.start.year), received)
    if not named and len({p for o in campaign.obligations if o.form == v.form for p, _ in periods(o)}) > 1:
        v.issues.append(Issue("warning", "period-assumed", assumed_period_note(found), sheet))
    return found


def _assumed_last(v: Verdict) -> Verdict:
    """What is wrong in the file first; the note on an inferred period after it (stable sort)."""
    v.issues.sort(key=lambda i: i.code == "period-assumed")
    return v


def _unit(expect: str | None, texts: list[str], campaign: Campaign) -> str:
    """The unit a file names; when the sender's unit is known, that unit unless the file names another."""
    if expect is None:
        return identify_unit(texts, campaign)
    try:
        named = identify_unit(texts, campaign)
    except Unidentified:
        return expect
    if named != expect:
        raise Unidentified(
            "unit-mismatch",
            f"文件中填写的单位是“{named}”，不是本单位（{expect}）。请只报送本单位的报表；如为代报，请由{named}自行报送",
        )
    return named


def _check_unit(unit: str, campaign: Campaign) -> None:
    if unit not in {u.name for u in campaign.units}:
        raise Unidentified("unit-unknown", f"“{unit}”不是本活动的填报单位")


def _refuse(v: Verdict, code: str, message: str) -> Verdict:
    v.unreadable = True
    v.issues.append(Issue("error", code, message))
    return v


def _document(v, data, filename, campaign, forms, received, unit, period, limits, expect_unit=None):  # type: ignore[no-untyped-def]
    docs = [f for f in forms if f.document]
    if not docs:
        return _refuse(v, "unknown-form", "收到的是文档，但本活动没有需要报送文档的任务")
    named = named_forms(filename, forms)
    if named and not any(f.document for f in named):
        label = named[0].label
        return _refuse(
            v,
            "no-table",
            f"文件名写的是“{label}”，但文件中没有表格（内容是文字）。{label}请用下发的模板填写，以 Excel 文件报送",
        )
    docs = [f for f in named if f.document] or docs
    if len(data.strip()) == 0:
        return _refuse(v, "empty-file", "文件是空的，请重新发送")
    if len(data) > limits.max_bytes:
        return _refuse(v, "too-large", f"文件超过 {limits.max_bytes / 1e6:.0f} MB 的上限，请压缩图片或拆分后重新发送")
    v.form = docs[0].code
    v.unit = unit or _unit(expect_unit, [filename], campaign)
    _check_unit(v.unit, campaign)
    v.period = (
        given_period(campaign, v.unit, v.form, period) if period else _period(v, campaign, [filename], received, None)
    )
    v.records = []
    return v
