"""Indicators over the stored form rows, as of a day: the campaign's own figures (schemas/indicators.py).

`load` reads, per form, only the columns the indicators use (extracted from the JSON in the
database) of the rows in force on a day: for each unit and period the last accepted file
received by then, and for an accumulating form the last row of each key. `compute` is pure: it
filters, picks the periods the form's meaning asks for, and counts, sums or takes distinct
values, per unit and in all; `series` gives an indicator's value period by period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign, periods
from schemas.forms import NUMERIC, Condition, Form
from schemas.indicators import Display, Indicator
from schemas.rows import FormRow
from schemas.tables import Submission, Unit
from tasks.briefing.numbers import NO_DATA, grouped, quantity


@dataclass(frozen=True)
class Value:
    key: str
    label: str
    unit: str
    value: float
    per_unit: dict[str, float] = field(default_factory=dict)
    of: int | None = None  # `units`: out of how many units of the kind
    percent: bool = False
    digits: int = 1
    defined: bool = True  # a ratio over nothing (0/0) has no value: shown as —, never 0.0%
    reported: bool = True  # rows exist to count: a form nobody has sent yet reads 暂无数据, not 0
    display: Display | None = None  # shown in another unit (万元 as 亿元)

    def text(self, v: float | None = None) -> str:
        """The value as a person reads it: 21项, 7,783.5万元, 64.3%, 5/9个; — for 0/0; 暂无数据."""
        if v is None and not self.reported:
            return NO_DATA
        if v is None and not self.defined:
            return "—"
        whole = v is None
        v = self.value if v is None else v
        if self.percent:
            return f"{v * 100:.{self.digits}f}%"
        if self.of is not None and whole:
            return f"{grouped(v, self.digits)}/{self.of}{self.unit}"
        return quantity(v, self.unit, self.digits, self.display)


def needed_columns(campaign: Campaign) -> dict[str, set[str]]:
    """For each form an indicator counts, the columns it reads."""
    out: dict[str, set[str]] = {}
    for ind in campaign.measured():
        if ind.form is None:
            continue
        cols = out.setdefault(ind.form, set())
        cols.update(c.column for c in ind.where)
        cols.update(c.lt_column for c in ind.where if c.lt_column)
        if ind.column:
            cols.add(ind.column)
    return out


def period_order(campaign: Campaign, form: str) -> dict[str, int]:
    """The form's periods in due-date order (a cumulative form's latest period is the last)."""
    dues: dict[str, Any] = {}
    for o in campaign.obligations:
        if o.form == form:
            for p, due in periods(o):
                dues[p] = min(due, dues.get(p, due))
    return {p: i for i, p in enumerate(sorted(dues, key=lambda p: (dues[p], p)))}


def load(session: Session, campaign: Campaign, received_by: datetime) -> dict[str, pd.DataFrame]:
    """Per form, the rows in force on `received_by`: columns unit, period, order, and the data read."""
    frames = {}
    for code, cols in needed_columns(campaign).items():
        form = campaign.form(code)
        names = sorted(cols)
        q = (
            select(
                Unit.name.label("unit"),
                FormRow.period,
                FormRow.key,
                FormRow.submission_id,
                *(_json(form, c).label(c) for c in names),
            )
            .join(Unit, Unit.id == FormRow.unit_id)
            .join(Submission, Submission.id == FormRow.submission_id)
            .where(FormRow.campaign == campaign.id, FormRow.form == code, Submission.received_at <= received_by)
        )
        with session.connection().execute(q) as result:  # plain tuples from the driver: 100,000 rows in ~0.3 s
            raw = result.cursor.fetchall()
        df = pd.DataFrame.from_records(raw, columns=["unit", "period", "key", "submission_id", *names])
        frames[code] = _typed(in_force(df, form, period_order(campaign, code)), form, names)
    return frames


def _typed(df: pd.DataFrame, form: Form, names: list[str]) -> pd.DataFrame:
    """Flags as booleans (SQLite answers 0/1), numbers as floats, words as categories (fast to compare)."""
    for key in names:
        kind = form.col(key).kind
        if kind == "flag":
            df[key] = df[key].map({1: True, 0: False})  # True == 1 and False == 0: PostgreSQL booleans too
        elif kind in NUMERIC:
            df[key] = pd.to_numeric(df[key], errors="coerce")
        elif kind != "date":
            df[key] = df[key].astype("category")
    df["unit"] = df["unit"].astype("category")
    return df


def _json(form: Form, key: str):  # type: ignore[no-untyped-def]
    kind = form.col(key).kind
    element = FormRow.data[key]
    if kind in NUMERIC:
        return element.as_float()
    if kind == "flag":
        return element.as_boolean()
    return element.as_string()


def in_force(df: pd.DataFrame, form: Form, order: dict[str, int]) -> pd.DataFrame:
    """The rows a reader would see: the last file of each unit and period (replace), or the last
    row of each key (accumulate)."""
    if df.empty:
        return df.assign(order=pd.Series(dtype="int64"))
    by = ["unit", "key"] if form.versions == "accumulate" else ["unit", "period"]
    last = df.groupby(by, dropna=False)["submission_id"].transform("max")
    df = df[df["submission_id"] == last]
    return df.assign(order=df["period"].map(order).fillna(-1).astype("int64"))


def _mask(df: pd.DataFrame, c: Condition, form: Form, as_of: date | None = None) -> pd.Series:
    op, want = c.operator
    s = df[c.column]
    col = form.col(c.column)
    if col.kind == "date":  # stored as ISO text: compared as days (a date, another date column, as_of)
        s = pd.to_datetime(s, errors="coerce")
        if op == "lt_column":
            return (s < pd.to_datetime(df[want], errors="coerce")).fillna(False)
        if op in ("lt", "le", "gt", "ge"):
            want = pd.Timestamp(as_of or date.today()) if want == "as_of" else pd.Timestamp(want)
    if col.kind == "flag" and isinstance(want, str):
        want = want == col.choices[0]
    if op == "in_" and col.kind == "flag":
        want = [w == col.choices[0] if isinstance(w, str) else w for w in want]
    if op == "empty":
        return s.isna() if want else s.notna()
    if op == "eq":
        return s == want
    if op == "ne":
        return s.notna() & (s != want)
    if op == "in_":
        return s.isin(list(want))
    if op == "shorter_than":
        return s.str.len() < want
    if op == "lt_column":
        return s < df[want]
    return {"lt": s < want, "le": s <= want, "gt": s > want, "ge": s >= want}[op].fillna(False)


LEVELS = ("latest", "mean", "max", "min")  # a level, not a sum: a share, a rate, a figure one unit reports


def _level(df: pd.DataFrame, ind: Indicator) -> tuple[float, dict[str, float], None]:
    """`latest`: the value of the last period reported (rows of one period and unit averaged; the
    units' latest values averaged); `mean`, `max`, `min` over the rows. No rows: 0."""
    values = df.dropna(subset=[ind.column])
    if values.empty:
        return 0.0, {}, None
    if ind.measure == "latest":
        last = values[values["order"] == values.groupby("unit", observed=True)["order"].transform("max")]
        per = last.groupby("unit", observed=True)[ind.column].mean()
        return float(per.mean()), {u: float(v) for u, v in per.items()}, None
    per = values.groupby("unit", observed=True)[ind.column].agg(ind.measure)
    return float(values[ind.column].agg(ind.measure)), {u: float(v) for u, v in per.items()}, None


def _base(df: pd.DataFrame, ind: Indicator, form: Form, upto: int | None) -> pd.DataFrame:
    """The rows an indicator looks at before its filters: up to a period, and for a cumulative
    form each unit's latest period (whatever the filters: a later report restates the earlier)."""
    if upto is not None:
        df = df[df["order"] <= upto]
    latest = ind.periods == "latest" or (ind.periods == "auto" and form.meaning == "cumulative")
    if latest and not df.empty:
        df = df[df["order"] == df.groupby("unit", observed=True)["order"].transform("max")]
    return df


def _measure(df: pd.DataFrame, ind: Indicator, campaign: Campaign) -> tuple[float, dict[str, float], int | None]:
    if ind.measure in LEVELS:
        return _level(df, ind)
    if ind.measure == "count":
        per = df.groupby("unit", observed=True).size()
        return float(len(df)), {u: float(v) for u, v in per.items() if v}, None
    if ind.measure == "sum":
        per = df.groupby("unit", observed=True)[ind.column].sum()
        return float(df[ind.column].sum()), {u: float(v) for u, v in per.items()}, None
    if ind.measure == "distinct":
        per = df.groupby("unit", observed=True)[ind.column].nunique()
        return float(df[ind.column].nunique()), {u: float(v) for u, v in per.items()}, None
    units = set(df["unit"])
    if ind.of_kind is not None:
        kind = {u.name for u in campaign.units if u.kind == ind.of_kind}
        units &= kind
        return float(len(units)), dict.fromkeys(units, 1.0), len(kind)
    return float(len(units)), dict.fromkeys(units, 1.0), None


def compute(
    campaign: Campaign,
    frames: dict[str, pd.DataFrame],
    *,
    upto: dict[str, int] | None = None,
    only: set[str] | None = None,
    as_of: date | None = None,
    matters: dict[str, tuple[float, dict[str, float], bool]] | None = None,
) -> dict[str, Value]:
    """Every indicator's value (and per-unit value); `upto` keeps each form's periods up to that
    order (a trend's point), `only` computes just these keys (and what their ratios need); a
    condition's `as_of` is `as_of` (the briefing's day); a `matters:` indicator's value is taken
    from `matters` (tasks/briefing/matters.py `MatterCounts.values`; none: 0)."""
    todo = campaign.measured()
    wanted = only and (only | {k for i in todo if i.key in only and i.ratio for k in i.ratio})
    out: dict[str, Value] = {}
    bases: dict[tuple[str, bool], pd.DataFrame] = {}  # shared by the indicators over one form
    masks: dict[tuple[str, bool, str], pd.Series] = {}  # and so are their conditions
    for ind in todo:
        if wanted and ind.key not in wanted or ind.ratio:
            continue
        if ind.matters:
            total, per, defined = (matters or {}).get(ind.matters, (0.0, {}, ind.matters != "closure_rate"))
            out[ind.key] = Value(ind.key, ind.label, ind.unit, total, per, None, ind.percent, ind.digits, defined)
            continue
        form = campaign.form(ind.form or "")
        df = frames.get(form.code)
        reported = df is not None and not df.empty
        if not reported:
            total, per, of = 0.0, {}, (sum(1 for u in campaign.units if u.kind == ind.of_kind) if ind.of_kind else None)
        else:
            latest = ind.periods == "latest" or (ind.periods == "auto" and form.meaning == "cumulative")
            if (form.code, latest) not in bases:
                bases[form.code, latest] = _base(df, ind, form, (upto or {}).get(form.code))
            base = bases[form.code, latest]
            keep = pd.Series(True, index=base.index) if ind.reported_by is None else base["unit"] == ind.reported_by
            for c in ind.where:
                k = (form.code, latest, c.model_dump_json())
                if k not in masks:
                    masks[k] = _mask(base, c, form, as_of)
                keep &= masks[k]
            total, per, of = _measure(base[keep], ind, campaign)
        out[ind.key] = Value(
            ind.key, ind.label, ind.unit, round(total, 4), per, of, ind.percent, ind.digits, True, reported, ind.display
        )
    for ind in todo:
        if ind.ratio and (not wanted or ind.key in wanted):
            out[ind.key] = _ratio(ind, out[ind.ratio[0]], out[ind.ratio[1]])
    return out


def _ratio(ind: Indicator, num: Value, den: Value) -> Value:
    """A ratio indicator from its numerator's and denominator's values (0, undefined, where the denominator is 0)."""
    per = {u: (num.per_unit.get(u, 0.0) / d if d else 0.0) for u, d in den.per_unit.items()}
    return Value(
        ind.key,
        ind.label,
        ind.unit,
        round(num.value / den.value, 6) if den.value else 0.0,
        per,
        None,
        ind.percent,
        ind.digits,
        defined=bool(den.value),
        reported=num.reported and den.reported,
        display=ind.display,
    )


def series(
    campaign: Campaign, frames: dict[str, pd.DataFrame], key: str, *, until: date | None = None
) -> list[tuple[str, float | None]]:
    """An indicator's value at each period of its form (due by `until`, a date): its trend; None
    for a period nobody reported."""
    ind = campaign.indicator(key)
    form = ind.form or next(campaign.indicator(k).form for k in (ind.ratio or ()) if campaign.indicator(k).form)
    dues = {p: d for o in campaign.obligations if o.form == form for p, d in periods(o)}
    df = frames.get(form or "")
    sent = set() if df is None or df.empty else set(df["order"])
    out: list[tuple[str, float | None]] = []
    for p, i in period_order(campaign, form or "").items():
        if until is not None and dues.get(p) and dues[p] > until:
            break
        if i not in sent:  # nobody reported this period: no data, not zero
            out.append((p, None))
            continue
        out.append((p, compute(campaign, frames, upto={form or "": i}, only={key}, as_of=until)[key].value))
    return out
