"""Synthetic files as units make them, for any campaign: a title with the period, a 填报单位 line,
the form's headers and a note below, with plausible values for every declared column.

Values follow the form's declarations: choices from their lists, dates inside the period or the
rule's window, numbers inside their bounds, `required-when` columns filled when their condition
holds, `date-order` respected, keys unique. A cumulative form's file carries the unit's earlier
rows forward (some of them progressing to the value a rule waits for), so no figure goes
backwards without a reason; the KPI form's values follow the targets' milestones. Text comes
from the campaign's `demo.samples`.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook

from schemas.campaign import Campaign, periods
from schemas.forms import NUMERIC, Column, Form
from schemas.period import period_label, period_span
from tasks.intake import check_char, holds, org_check_char, sheet_title

CREDIT_CODES_FROM = 2015  # GB 32100: the 18-character 统一社会信用代码 began in 2015

Row = dict[str, Any]


class Author:
    """Writes every unit's files period after period, remembering what each unit sent before."""

    def __init__(self, campaign: Campaign, rnd: random.Random):
        self.c, self.rnd = campaign, rnd
        self.sent: dict[tuple[str, str], list[Row]] = {}  # (unit, form) -> the rows of its last good file

    def rows(self, form_code: str, unit: str, period: str, *, broken: bool = False) -> list[Row]:
        form = self.c.form(form_code)
        if form.contacts:
            out = self._contacts(form, unit)
        elif self.c.kpi and form.code == self.c.kpi.form:
            out = self._kpi(form, unit, period)
        else:
            out = self._rows(form, unit, period)
        if broken:
            return _break(form, [dict(r) for r in out])
        self.sent[(unit, form.code)] = out
        return out

    def _rows(self, form: Form, unit: str, period: str) -> list[Row]:
        lo, hi = self.c.demo.rows.get(form.code) or self.c.demo.rows.get("default", (2, 5))
        carried = (
            [self._progress(form, dict(r), period) for r in self.sent.get((unit, form.code), [])]
            if form.meaning == "cumulative"
            else []
        )
        cap = min((r.count for r in form.rules if r.rule == "at-most" and r.column is None), default=None)
        n = self.rnd.randint(lo, hi)
        if cap is not None:
            n = max(0, min(n, cap - len(carried)))
        fresh = [self._row(form, unit, period, len(carried) + i) for i in range(n)]
        out = _consistent(form, self.c, carried + fresh, self.rnd, period)
        return out or carried

    def _row(self, form: Form, unit: str, period: str, i: int) -> Row:
        row: Row = {}
        targets = {r.column for r in form.rules if r.rule == "required-when"}
        for col in form.columns:
            optional_skip = not col.required and (col.key in targets or self.rnd.random() < 0.3)
            row[col.key] = None if optional_skip else self._value(form, col, unit, period, i)
        return row

    def _value(self, form: Form, col: Column, unit: str, period: str, i: int) -> Any:
        rnd = self.rnd
        choices = self.c.choices_of(form, col.key)
        if col.kind == "text" and col.key in self.c.demo.samples:
            return rnd.choice(self.c.demo.samples[col.key])
        if col.kind == "multi":
            return "、".join(sorted(rnd.sample(col.choices, rnd.randint(1, min(2, len(col.choices))))))
        if col.kind == "flag":
            return col.choices[0] if rnd.random() < 0.3 else col.choices[1]  # "yes" is the rarer answer
        if choices:
            return rnd.choice(choices)
        if col.kind == "date":
            lo, hi = self._dates(form, col, period)
            return lo + timedelta(days=rnd.randint(0, max(0, (hi - lo).days)))
        if col.kind in NUMERIC:
            lo = col.lower if col.lower is not None else 0
            hi = col.max if col.max is not None else (60 if col.kind == "int" else 1000)
            v = rnd.uniform(max(lo, 1), hi)
            return int(v) if col.kind in ("int", "money") else round(v, 1)
        if col.kind in ("mobile", "phone"):
            return f"13{rnd.randint(800000000, 999999999)}"
        if col.kind == "landline":
            return f"0{rnd.randint(20, 99)}-{rnd.randint(60000000, 89999999)}"
        if col.kind == "email":
            return f"user{rnd.randint(100, 999)}@example.cn"
        if col.kind == "org-code":  # the code of the campaign's time: 统一社会信用代码 only from 2015 on
            if self.c.start.year < CREDIT_CODES_FROM:
                first8 = f"{rnd.randint(10000000, 99999999)}"
                return f"{first8}-{org_check_char(first8)}"
            first = f"9132{rnd.randint(1000, 9999)}MA1M{rnd.randint(10000, 99999)}"[:17]
            return first + check_char(first)
        return f"{unit}{col.header}{i + 1}"

    def _dates(self, form: Form, col: Column, period: str) -> tuple[date, date]:
        for r in form.rules:
            if r.rule == "date-within" and r.column == col.key and r.window != "period":
                w = self.c.windows[r.window]
                return w.start, w.end
        span = period_span(period)
        due = max(
            (d for o in self.c.obligations if o.form == form.code for p, d in periods(o) if p == period),
            default=self.c.end,
        )
        lo, hi = span if span else (max(self.c.start, due - timedelta(days=40)), due)
        return max(lo, self.c.start), min(hi, due, self.c.end)

    def _progress(self, form: Form, row: Row, period: str) -> Row:
        """A carried row may move on to a choice that some rule's condition waits for."""
        for rule in form.rules:
            if rule.rule == "required-when":
                for cond in rule.when:
                    op, want = cond.operator
                    if op == "eq" and row.get(cond.column) != want and self.rnd.random() < 0.3:
                        row[cond.column] = want
        return row

    def _contacts(self, form: Form, unit: str) -> list[Row]:
        m = form.contacts
        assert m is not None
        spec = self.c.unit(unit)
        words = {role: word for word, role in m.roles.items()}
        nl = self.c.demo.new_liaison
        out = []
        for ct in spec.contacts:
            name, email = (
                (nl.name, nl.email) if nl and nl.unit == unit and ct.role == "liaison" else (ct.name, ct.email)
            )
            row = {col.key: None for col in form.columns}
            row.update({m.role: words.get(ct.role), m.name: name, m.email: email})
            if m.mobile:
                row[m.mobile] = ct.mobile or f"13{self.rnd.randint(800000000, 999999999)}"
            if m.position:
                row[m.position] = f"{unit}{'负责人' if ct.role == 'head' else '工作人员'}"
            out.append(row)
        return out

    def _kpi(self, form: Form, unit: str, period: str) -> list[Row]:
        """The targets this unit reports (shared out in turn), at the value their milestones expect by then."""
        kpi = self.c.kpi
        assert kpi is not None
        owners = sorted(
            {u.name for o in self.c.obligations if o.form == form.code for u in self.c.owners_of(o)},
            key=[u.name for u in self.c.units].index,
        )
        mine = [t for i, t in enumerate(self.c.targets) if t.indicator is None and owners[i % len(owners)] == unit]
        due = next(d for o in self.c.obligations if o.form == form.code for p, d in periods(o) if p == period)
        before = {r[kpi.name]: r[kpi.value] for r in self.sent.get((unit, form.code), [])}
        out = []
        for t in mine:
            expected = _expected(self.c, t, due)
            whole = t.value <= 100 and all(
                float(v).is_integer() for v in (t.value, t.baseline, *(m.value for m in t.milestones))
            )
            total = max(before.get(t.label, 0), round(expected * self.rnd.uniform(0.88, 1.04), 0 if whole else 1))
            row: Row = {col.key: None for col in form.columns}
            row[kpi.name], row[kpi.value] = t.label, total
            for col in form.columns:
                if col.kind in NUMERIC and col.key != kpi.value:
                    row[col.key] = round(total - before.get(t.label, t.baseline if t.baseline else 0), 1)
                    row[col.key] = max(0.0, min(row[col.key], total))
                elif col.key not in (kpi.name, kpi.value) and col.required:
                    row[col.key] = self._value(form, col, unit, period, 0)
                elif col.key not in (kpi.name, kpi.value) and not col.required:
                    row[col.key] = t.unit if "单位" in col.header else None
            out.append(row)
        return out


def _expected(c: Campaign, t: Any, day: date) -> float:
    """The value a target's milestones expect by `day`: straight lines from the baseline at the
    campaign's start through each milestone to the target at its end."""
    points = [(c.start, float(t.baseline)), *sorted((m.by, m.value) for m in t.milestones), (c.end, t.value)]
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if d0 <= day <= d1:
            return v0 + (v1 - v0) * ((day - d0).days / max(1, (d1 - d0).days))
    return t.value


def _consistent(form: Form, c: Campaign, rows: list[Row], rnd: random.Random, period: str) -> list[Row]:
    """Rows made to meet the form's rules, as a careful clerk's would."""

    def typed(r: Row) -> Row:  # what the rules compare: flags as true/false
        out = dict(r)
        for col in form.columns:
            if col.kind == "flag" and isinstance(out.get(col.key), str):
                out[col.key] = out[col.key] == col.choices[0]
        return out

    for rule in form.rules:
        if rule.rule == "required-when":
            for r in rows:
                if all(holds(w, typed(r), form) for w in rule.when) and r.get(rule.column) in (None, "", 0):
                    col = form.col(rule.column)
                    r[rule.column] = (
                        rnd.randint(50, 900) if col.kind in NUMERIC else Author(c, rnd)._value(form, col, "", period, 0)
                    )
        elif rule.rule == "date-order":
            for r in rows:
                a, b = r.get(rule.first), r.get(rule.then)
                if a and b and b < a:
                    r[rule.first], r[rule.then] = b, a
        elif rule.rule == "unique":
            seen: set[tuple] = set()
            for i, r in enumerate(rows):
                k = tuple(r.get(x) for x in rule.columns)
                if k in seen and isinstance(r.get(rule.columns[-1]), str):
                    r[rule.columns[-1]] = f"{r[rule.columns[-1]]}（{i + 1}）"
                    k = tuple(r.get(x) for x in rule.columns)
                if k in seen:
                    r["__drop"] = True
                seen.add(k)
        elif rule.rule == "at-least":
            have = sum(1 for r in rows if r.get(rule.column) == rule.value)
            for r in rows[: max(0, rule.count - have)]:
                r[rule.column] = rule.value
    return [r for r in rows if not r.pop("__drop", False)]


def _break(form: Form, rows: list[Row]) -> list[Row]:
    """A first draft with a mistake: a required cell left empty."""
    col = next((c for c in form.columns if c.required), None)
    if rows and col is not None:
        rows[0][col.key] = None
    return rows


def workbook(campaign: Campaign, form_code: str, unit: str, period: str, day: date, rows: list[Row]) -> bytes:
    form = campaign.form(form_code)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(form.label)
    many = len({p for o in campaign.obligations if o.form == form.code for p, _ in periods(o)}) > 1
    when = f"（{period_label(period)}）" if many else ""
    head = f"{form.label}：{campaign.name}{form.title}" if form.label != form.title else f"{campaign.name}{form.title}"
    ws.append([head + when])
    ws.append([f"填报单位（盖章）：{unit}      填报日期：{day.year}年{day.month}月{day.day}日"])
    ws.append(["序号", *(c.template_header for c in form.columns)])
    for i, r in enumerate(rows, 1):
        ws.append([i, *(r.get(c.key) for c in form.columns)])
    ws.append([])
    ws.append(["填表说明：请于截止日期前报送。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def file_name(campaign: Campaign, form_code: str, unit: str, period: str, *, broken: bool = False) -> str:
    form = campaign.form(form_code)
    return f"{form.label}_{unit}_{period_label(period)}{'_初稿' if broken else ''}.xlsx"


def summary_text(campaign: Campaign, unit: str) -> bytes:
    body = campaign.demo.samples.get("summary", ["一、基本情况\n二、主要成效\n三、存在问题和下一步打算"])[0]
    return f"{unit}{campaign.name}工作总结\n\n{body}\n".encode()
