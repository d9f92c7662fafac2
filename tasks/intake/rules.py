"""The rules a form declares (schemas/forms.py), evaluated over a file's typed records.

Each rule compares cells with each other, with the report period or a campaign window, or
counts rows; its issue says where (第N行“列名”, or 本表) and why, in the campaign's words or
in a default sentence. Pure: records in, issues out. Here too the one rule that changes a whole
verdict: a file for an obligation the campaign has closed (`close_if_past`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from schemas.campaign import Campaign
from schemas.forms import DEFAULT_SEVERITY, AtMost, Condition, Form, Unique
from schemas.period import period_span
from tasks.intake.locate import Table
from tasks.intake.verdict import Issue, Verdict
from tasks.matters import ledger_key

Rec = dict[str, Any]


def check(
    table: Table, records: list[Rec], period: str | None, campaign: Campaign, as_of: date | None = None
) -> list[Issue]:
    """Every rule of the table's form over its rows; `as_of` (the day the file arrived) is what a
    condition's `as_of` compares with."""
    ctx = _Ctx(table, period, campaign, as_of or date.today())
    out: list[Issue] = []
    for rule in table.form.rules:
        out += _EVAL[rule.rule](ctx, rule, records)
    tracks = table.form.tracks
    if tracks is not None:  # one row per matter (identities equal spacing aside), and at most max_rows of them
        if not _says_already(table.form):
            out += _unique(ctx, implied(table.form), records, same=lambda r: ledger_key(tracks, r))
        out += _at_most(ctx, too_many(table.form), records)
    return out


def implied(form: Form) -> Unique:
    """The rule a form's `tracks:` implies besides its required columns (schemas/forms.py): one
    row per matter, so no two rows with the same identity; an error even when the form declares a
    milder rule of its own, since two rows cannot be one matter."""
    assert form.tracks is not None
    message = "与第{first}行重复：台账中同一事项只能填写一行"
    return Unique(rule="unique", columns=form.tracks.id, code="duplicate-matter", message=message, severity="error")


def _says_already(form: Form) -> bool:
    """The form declares the same one-row-per-matter rule itself, as an error."""
    assert form.tracks is not None
    return any(
        r.rule == "unique" and set(r.columns) == set(form.tracks.id) and (r.severity or "error") == "error"
        for r in form.rules
    )


def too_many(form: Form) -> AtMost:
    """A tracked ledger's bound: one file creates at most `tracks.max_rows` matters."""
    assert form.tracks is not None
    n = form.tracks.max_rows
    message = f"台账共{{n}}行，超过每份台账{n}项督办事项的上限：请分表报送，或联系组织单位"
    return AtMost(rule="at-most", count=n, code="too-many-matters", message=message, severity="error")


def close_if_past(v: Verdict, campaign: Campaign, received: date, dues: Callable[[], list[date]]) -> None:
    """A campaign that closes obligations N days after their due date (`intake.closes_after_days`)
    refuses a file for a closed one, saying so; without it, nothing is locked. `dues`: the
    effective due dates of the file's obligations, asked only when the rule applies."""
    days = campaign.intake.closes_after_days
    if days is None or v.unreadable or not (v.unit and v.form and v.period):
        return
    due = dues()
    if due and all(received > d + timedelta(days=days) for d in due):
        last = max(due) + timedelta(days=days)
        v.unreadable = True
        v.issues.insert(
            0,
            Issue(
                "error",
                "closed",
                f"本期报送已于{last:%Y年%m月%d日}关闭（截止日后{days}天），不再接收；"
                f"如需补报，请联系{campaign.organiser}",
            ),
        )


class _Ctx:
    def __init__(self, table: Table, period: str | None, campaign: Campaign, as_of: date):
        self.table, self.form, self.campaign, self.as_of = table, table.form, campaign, as_of
        self.span = period_span(period) if period else None

    def has(self, key: str) -> bool:
        return key in self.table.columns

    def header(self, key: str | None) -> str | None:
        return self.table.headers.get(key) if key else None

    def issue(self, rule: Any, rec: Rec | None, key: str | None, default: str, **values: Any) -> Issue:
        """An issue of `rule` at a row (or the whole file), with the rule's message or `default`."""
        header = self.header(key)
        row = rec["row_number"] if rec else None
        where = (f"第{row}行" if row else "本表") + (f"“{header}”" if header else "")
        text = fill(rule.message, values) if rule.message else default
        severity = rule.severity or DEFAULT_SEVERITY.get(rule.rule, "error")
        return Issue(severity, rule.code or rule.rule, f"{where}{text}", self.table.sheet, row, header)


_PLACEHOLDER = re.compile(r"\{(value|other|count|n|first|start|end|length|min|max)\}")


def fill(message: str, values: dict[str, Any]) -> str:
    """`{value}`-style placeholders filled in (only these names: a campaign author's message is
    never a format string)."""
    return _PLACEHOLDER.sub(lambda m: _text(values.get(m[1], "")), message)


def _text(v: Any) -> str:
    if v is None:
        return "（空）"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def holds(c: Condition, rec: Rec, form: Form, as_of: date | None = None) -> bool:
    """Does one condition hold for a row? Flags compare by their words (是/否)."""
    return test(c, form, as_of)(rec)


def test(c: Condition, form: Form, as_of: date | None = None):  # type: ignore[no-untyped-def]
    """A condition made once into a test of a row (rules run it on every row of a file); a
    comparison with `as_of` compares with that day (the day the file arrived)."""
    op, want = c.operator
    if want == "as_of":
        want = as_of or date.today()
    key = c.column
    col = form.col(key)
    if col.kind == "flag":
        yes = col.choices[0]

        def value(rec: Rec) -> Any:
            v = rec.get(key)
            return (yes if v else col.choices[1]) if isinstance(v, bool) else v
    else:

        def value(rec: Rec) -> Any:
            return rec.get(key)

    if op == "empty":
        return lambda rec: (value(rec) is None) == want
    if op == "eq":
        return lambda rec: (v := value(rec)) is not None and v == want
    if op == "ne":
        return lambda rec: (v := value(rec)) is not None and v != want
    if op == "in_":
        return lambda rec: (v := value(rec)) is not None and v in want
    if op == "shorter_than":
        return lambda rec: isinstance(v := value(rec), str) and len(v) < want
    if op == "lt_column":
        return lambda rec: (v := value(rec)) is not None and (o := rec.get(want)) is not None and v < o
    compare = {
        "lt": lambda v: v < want,
        "le": lambda v: v <= want,
        "gt": lambda v: v > want,
        "ge": lambda v: v >= want,
    }[op]

    def ordered(rec: Rec) -> bool:
        v = value(rec)
        try:
            return v is not None and compare(v)
        except TypeError:  # a text compared with a number: the condition cannot hold
            return False

    return ordered


def _required_when(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    if not c.has(rule.column) or not all(c.has(w.column) for w in rule.when):
        return
    first = rule.when[0]
    tests = [test(w, c.form, c.as_of) for w in rule.when]
    for r in recs:
        if not all(t(r) for t in tests):
            continue
        v = r.get(rule.column)
        if v is None or (rule.positive and not (isinstance(v, int | float) and v > 0)):
            cond = "、".join(f"“{c.header(w.column)}”为“{w.operator[1]}”" for w in rule.when)
            what = "须填写大于0的数" if rule.positive else "须填写"
            other = r.get(first.column)
            if c.form.col(first.column).kind == "flag" and isinstance(other, bool):
                other = c.form.col(first.column).choices[0 if other else 1]
            yield c.issue(rule, r, rule.column, f"在{cond}时{what}", other=other, value=v)


def _date_order(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    for r in recs:
        a, b = r.get(rule.first), r.get(rule.then)
        if a and b and b < a:
            yield c.issue(rule, r, rule.then, f"（{b}）不能早于“{c.header(rule.first)}”（{a}）", value=b, other=a)


def _date_within(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    if rule.window == "period":
        if c.span is None:
            return  # the period names no dates (第1批): nothing to check against
        start, end = c.span
    else:
        w = c.campaign.windows[rule.window]
        start, end = w.start, w.end
    for r in recs:
        d = r.get(rule.column)
        if not d:
            continue
        early = rule.bound in ("both", "start") and d < start
        late = rule.bound in ("both", "end") and d > end
        if early or late:
            default = (
                f"（{d}）晚于本期（截至{end}）"
                if rule.bound == "end"
                else f"（{d}）早于本期（自{start}起）"
                if rule.bound == "start"
                else f"（{d}）应在{start}至{end}之间"
            )
            yield c.issue(rule, r, rule.column, default, value=d, start=start, end=end)


def _unique(c: _Ctx, rule: Any, recs: list[Rec], same: Callable[[Rec], Any] | None = None) -> Iterator[Issue]:
    """`same`: what makes two rows the same (default: their values in `rule.columns`)."""
    if not all(c.has(k) for k in rule.columns):
        return
    seen: dict[Any, int] = {}
    what = "+".join(c.header(k) or k for k in rule.columns)
    for r in recs:
        k = tuple(str(r.get(x) or "") for x in rule.columns)  # record values are folded already
        if not all(k):
            continue
        k = same(r) if same else k
        if k in seen:
            yield c.issue(
                rule,
                r,
                rule.columns[-1],
                f"与第{seen[k]}行重复：同一（{what}）只能填写一次",
                first=seen[k],
                value=r.get(rule.columns[-1]),
            )
        else:
            seen[k] = r["row_number"]


def _at_least(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    if not c.has(rule.column):
        return
    n = sum(1 for r in recs if r.get(rule.column) == rule.value)
    if n < rule.count:
        yield c.issue(rule, None, rule.column, f"至少需要{rule.count}行填写“{rule.value}”", count=rule.count, n=n)


def _at_most(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    if rule.column and not c.has(rule.column):
        return
    n = sum(1 for r in recs if rule.column is None or r.get(rule.column) == rule.value)
    if n > rule.count:
        yield c.issue(rule, None, rule.column, f"共{n}行，超过{rule.count}行的上限", count=rule.count, n=n)


def _when(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    if not all(c.has(w.column) for w in rule.conditions):
        return
    at = rule.column or when_column(rule.conditions)
    tests = [test(w, c.form, c.as_of) for w in rule.conditions]
    compared = next((w for w in rule.conditions if w.column == at), rule.conditions[0])
    op, want = compared.operator
    for r in recs:
        if all(t(r) for t in tests):
            v = r.get(at)
            other = r.get(want) if op == "lt_column" else want  # the other cell, or what the cell is compared with
            yield c.issue(rule, r, at, "请核实", value=v, other=other, length=len(v) if isinstance(v, str) else "")


def when_column(conditions: Any) -> str:
    """The column a `when` rule without `column` is about: the one compared with another column
    (`lt_column`), else the one compared with a number or date, else the first condition's."""
    for ops in (("lt_column",), ("lt", "le", "gt", "ge")):
        if found := next((w.column for w in conditions if w.operator[0] in ops), None):
            return found
    return conditions[0].column


def _kind_when(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    if not c.has(rule.column) or not all(c.has(w.column) for w in rule.when):
        return
    tests = [test(w, c.form, c.as_of) for w in rule.when]
    low, high = rule.min, rule.max
    for r in recs:
        v = r.get(rule.column)
        if not isinstance(v, int | float) or not all(t(r) for t in tests):
            continue
        if rule.kind == "int" and v != int(v):
            yield c.issue(rule, r, rule.column, f"应为整数，当前为{_text(v)}", value=v, min=low, max=high)
        elif (low is not None and v < low) or (high is not None and v > high):
            span = (
                f"{_text(low)}至{_text(high)}之间"
                if low is not None and high is not None
                else (f"不小于{_text(low)}" if low is not None else f"不大于{_text(high)}")
            )
            yield c.issue(rule, r, rule.column, f"应{span}，当前为{_text(v)}", value=v, min=low, max=high)


def _in_list(c: _Ctx, rule: Any, recs: list[Rec]) -> Iterator[Issue]:
    return iter(())  # checked by the form's Great Expectations suite (tasks/intake/suites.py)


_EVAL = {
    "required-when": _required_when,
    "date-order": _date_order,
    "date-within": _date_within,
    "unique": _unique,
    "at-least": _at_least,
    "at-most": _at_most,
    "when": _when,
    "in-list": _in_list,
    "kind-when": _kind_when,
}
