"""What a briefing measures, as campaign data: indicators over the stored form rows, targets
with yearly milestones, the briefing's wording, and the final evaluation.

An indicator is a count, a sum or a distinct count over a form's current rows (with filters),
the number of units with at least one matching row, or a ratio of two indicators. A periodic
form's declared meaning decides which periods count: a cumulative form's latest period per
unit, an incremental form's every period. `tasks/briefing/indicators.py` computes them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from schemas.forms import KEY, Condition
from schemas.strict import Model

MatterCount = Literal["due", "closed", "closed_on_time", "overdue", "open", "closure_rate"]
"""What a `matters:` indicator counts: matters due by the day, closed, closed by their deadline,
overdue, still open; or the share of those due that were closed."""


class Display(Model):
    """How a figure is shown when its own unit makes long numbers: 1,500,000万元 read as 150亿元."""

    unit: str = Field(description="the unit shown, e.g. 亿元")
    divide_by: float = Field(gt=0, description="the stored value divided by this is shown (万元 → 亿元: 10000)")
    digits: int | None = Field(None, ge=0, le=4, description="decimals shown (default: the indicator's)")


class Indicator(Model):
    key: str = Field(pattern=KEY)
    label: str
    unit: str = ""
    form: str | None = Field(None, description="the form whose rows it counts (all but ratios)")
    measure: Literal["count", "sum", "distinct", "units", "latest", "mean", "max", "min"] = Field(
        "count",
        description="rows, the sum of `column`, distinct values of `column`, units with a matching row; "
        "or a level: the latest value of `column` (the last period reported), its mean, max or min",
    )
    reported_by: str | None = Field(None, description="only the rows this unit reported (a figure one unit reports)")
    column: str | None = Field(None, description="sum and distinct: the column")
    where: tuple[Condition, ...] = Field((), description="only rows where every condition holds")
    periods: Literal["auto", "latest", "all"] = Field(
        "auto", description="auto: a cumulative form's latest period per unit, an incremental form's every period"
    )
    of_kind: str | None = Field(None, description="units: out of how many units of this kind")
    ratio: tuple[str, str] | None = Field(None, description="[numerator, denominator] indicator keys")
    percent: bool = Field(False, description="a ratio shown as a percentage")
    digits: int = Field(1, ge=0, le=4, description="decimals shown")
    display: Display | None = Field(None, description="shown in another unit (万元 as 亿元)")
    matters: MatterCount | None = Field(
        None, description="a count of the campaign's matters (督办事项) as of the briefing's day, instead of a form"
    )

    @model_validator(mode="after")
    def _shape(self) -> Indicator:
        given = [x for x in (self.form, self.ratio, self.matters) if x is not None]
        if not given:
            raise ValueError(f"指标“{self.label}”需要 form（统计哪张表）、ratio（两个指标之比）或 matters（督办事项）")
        if len(given) > 1:
            raise ValueError(f"指标“{self.label}”只能有 form、ratio、matters 之一")
        if self.measure in ("sum", "distinct", "latest", "mean", "max", "min") and self.form and not self.column:
            raise ValueError(f"指标“{self.label}”的 measure: {self.measure} 需要 column")
        return self


class Milestone(Model):
    by: date = Field(description="the date the value is due by")
    value: float


class Target(Model):
    key: str = Field(pattern=KEY)
    label: str
    value: float
    unit: str = ""
    baseline: float = Field(0, description="where it starts, for a level that grows (value added from 27 to 54)")
    indicator: str | None = Field(None, description="the indicator measured against it (default: from the kpi form)")
    milestones: tuple[Milestone, ...] = Field((), description="interim values, e.g. one per year")
    display: Display | None = Field(None, description="shown in another unit (万元 as 亿元)")

    def milestone_at(self, day: date) -> Milestone | None:
        """The milestone being worked towards on `day`: the first not yet past, else the last."""
        ahead = [m for m in sorted(self.milestones, key=lambda m: m.by) if m.by >= day]
        return ahead[0] if ahead else (max(self.milestones, key=lambda m: m.by) if self.milestones else None)

    def milestone_for(self, end: date) -> Milestone | None:
        """The milestone a report of the period ending on `end` is measured against: the last one
        due on or before that day (none before the first is due)."""
        due = [m for m in self.milestones if m.by <= end]
        return max(due, key=lambda m: m.by) if due else None


class Kpi(Model):
    """A KPI form: each unit reports, per period, the cumulative value of the targets it owns.
    A target without its own indicator is the sum, over units, of their latest value."""

    form: str
    name: str = Field(description="the column holding the target's label")
    value: str = Field(description="the column holding the cumulative value")


class Evaluation(Model):
    """The final ranking: each part on 0..1, weighted; units ranked within their kind."""

    weights: dict[Literal["timeliness", "completeness", "quality", "outcomes", "matters"], float] = Field(
        {}, description="matters: the share of a unit's matters closed on time (a unit with none is not weighed on it)"
    )
    outcomes: tuple[str, ...] = Field((), description="indicators whose per-unit values add up to a unit's outcomes")


class Wording(Model):
    """What a briefing calls itself and whom it addresses; `{name}` is the campaign, `{number}` the issue."""

    masthead: str = "督查简报"
    final_masthead: str = "总结评比通报"
    title: str = "{name}督查简报（第{number}期）"
    final_title: str = "{name}总结评比通报"
    addressees: str = Field("", description="the 报送 line: to whom the briefing goes")
    copies: str = Field("", description="the 抄送 line of the Word and PDF briefing's foot")
    footer: str = "本简报由督办系统根据各单位实际报送时间自动生成。"
    figures_heading: str = "主要指标"
    next_steps: str = Field("", description="the 下步工作 section of the Word and PDF briefing, as the office words it")
