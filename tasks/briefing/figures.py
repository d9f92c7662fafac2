"""What a briefing says, gathered from the store: reporting rates per unit, the overdue list,
the campaign's own indicators against its targets and milestones (with the change since the
last briefing, and which units lowered a figure that fell), their trend, the events of the
period, and for the final evaluation a ranking within each kind of unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from schemas.briefings import Briefing, BriefingStatus
from schemas.campaign import Campaign, periods
from schemas.indicators import Display, Milestone, Target
from schemas.outbox import NotificationItem
from schemas.period import period_label, period_span
from schemas.tables import Obligation, Submission, Unit
from schemas.verdicts import SubmissionStatus
from tasks.briefing import indicators, metrics, numbers
from tasks.briefing.matters import MatterCounts, count_matters
from tasks.calendar import status_rows


@dataclass
class Figure:
    """One line of the figures table."""

    value: indicators.Value
    target: Target | None = None
    milestone: Milestone | None = None
    previous: float | None = None
    lowered_by: list[str] = field(default_factory=list)  # "清河区（8→6）": who lowered a figure that fell

    @property
    def change(self) -> float | None:
        if self.previous is None or not self.value.reported:
            return None
        return round(self.value.value - self.previous, 4)

    @property
    def change_text(self) -> str:
        """+3项, -2.5万元, +3.3个百分点 (a rate changes by points), 持平, or — with nothing to compare."""
        v = self.value
        return numbers.change(self.change, v.unit, v.digits, v.display, percent=v.percent)

    def _goal(self, value: float) -> str:
        t, v = self.target, self.value
        if t is None or v.percent:
            return f"{numbers.grouped(value, 4)}{t.unit if t else ''}"
        return numbers.quantity(value, t.unit or v.unit, v.digits, target_display(t, v.unit, v.display))

    @property
    def target_text(self) -> str:
        """1,500,000万元, or 150亿元: the target in the unit the campaign shows."""
        return "—" if self.target is None else self._goal(self.target.value)

    @property
    def milestone_text(self) -> str:
        return "—" if self.milestone is None else self._goal(self.milestone.value)


def target_display(t: Target, unit: str, display: Display | None) -> Display | None:
    """A target is shown in its own display unit, else its indicator's when both count in the same unit."""
    return t.display or (display if t.unit in ("", unit) else None)


@dataclass
class Trend:
    """An indicator with a target, period by period: the bars of its chart."""

    key: str
    label: str
    unit: str
    points: list[tuple[str, float | None]]  # (period as people write it, value shown; None: nobody reported)
    target: float | None = None
    baseline: float = 0
    milestones: list[tuple[date, float]] = field(default_factory=list)


@dataclass
class BriefingData:
    campaign: Campaign
    kind: str
    number: int
    as_of: date
    units: list[metrics.UnitFigures]
    overdue: list[metrics.Overdue]
    figures: list[Figure]
    totals: dict[str, float]
    trends: list[Trend] = field(default_factory=list)
    events: list[tuple[date, str, str]] = field(default_factory=list)  # (day, title, by) since the last briefing
    ranking: list[tuple[str, list[metrics.Score]]] = field(default_factory=list)  # (kind label, scores)
    failed_mail: list[dict] = field(default_factory=list)
    correction: str = ""  # a corrected issue (更正): what changed since the issue was sent
    matters: MatterCounts | None = None  # 督办事项办理情况 (shown only when the campaign has any)

    @property
    def title(self) -> str:
        w = self.campaign.briefings.wording
        return (w.final_title if self.kind == "final" else w.title).format(name=self.campaign.name, number=self.number)

    @property
    def masthead(self) -> str:
        w = self.campaign.briefings.wording
        return w.final_masthead if self.kind == "final" else w.masthead

    def stored_figures(self) -> dict[str, Any]:
        """What the next briefing compares with: each value, and each unit's part of it."""
        return {
            f.value.key: {"value": f.value.value, "units": f.value.per_unit, "reported": f.value.reported}
            for f in self.figures
        }


def schedule(campaign: Campaign) -> list[date]:
    """Briefing days (`Campaign.briefing_days`)."""
    return campaign.briefing_days()


def reported_period_end(campaign: Campaign, as_of: date) -> date:
    """The last day of the period a briefing on `as_of` reports: the period of the briefing's
    obligations (every obligation's, if none are listed) last due on or before `as_of` (the quarter
    ended 06-30 for a briefing on 07-17); `as_of` itself before any is due."""
    oids = campaign.briefings.after_obligations or [o.id for o in campaign.obligations]
    due = [(d, p) for oid in oids for p, d in periods(campaign.obligation(oid)) if d <= as_of]
    if not due:
        return as_of
    day, period = max(due)
    span = period_span(period)
    return span[1] if span else day


def issue_number(session: Session, campaign: Campaign, kind: str, as_of: date) -> int:
    """Issues are numbered as they are issued: a briefing of the same day keeps its number, else the
    next after the last approved or sent (a campaign's first issue is 第1期, whatever the schedule)."""
    rows = session.execute(
        select(Briefing.number, Briefing.as_of, Briefing.status).where(
            Briefing.campaign == campaign.id, Briefing.kind == kind
        )
    ).tuples()
    issued = (BriefingStatus.APPROVED, BriefingStatus.SENT)
    seen = [(n, d, st) for n, d, st in rows]
    same = [n for n, d, _ in seen if d == as_of]
    return max(same) if same else 1 + max((n for n, d, st in seen if st in issued and d < as_of), default=0)


def gather(
    session: Session, campaign: Campaign, as_of: date, *, kind: str = "monthly", number: int | None = None
) -> BriefingData:
    rows = status_rows(session, campaign, as_of)
    kinds = {u.name: u.kind for u in campaign.units}
    units = metrics.unit_figures(rows, kinds, as_of, _files(session, campaign, as_of))
    levels = dict(
        session.execute(
            select(NotificationItem.obligation_id, func.max(NotificationItem.level))
            .join(Obligation, Obligation.id == NotificationItem.obligation_id)
            .where(Obligation.campaign == campaign.id, NotificationItem.kind == "escalation")
            .group_by(NotificationItem.obligation_id)
        )
        .tuples()
        .all()
    )
    frames = indicators.load(session, campaign, _end_of(as_of))
    matters = count_matters(session, campaign, as_of)
    values = indicators.compute(campaign, frames, as_of=as_of, matters=matters.values())
    number = number or issue_number(session, campaign, kind, as_of)
    # every earlier briefing, monthly or final: the last is what "较上期" compares with
    history = [
        (d, f)
        for d, f in session.execute(
            select(Briefing.as_of, Briefing.figures)
            .where(
                Briefing.campaign == campaign.id,
                Briefing.as_of < as_of,
                ~((Briefing.kind == kind) & (Briefing.number == number)),
            )
            .order_by(Briefing.as_of)
        ).tuples()
    ]
    prev = history[-1] if history else _previous_day(session, campaign, as_of)
    data = BriefingData(
        campaign,
        kind,
        number,
        as_of,
        units,
        metrics.overdue(rows, levels),
        figures(campaign, values, prev[1] if prev else {}, as_of),
        metrics.totals(units),
        trends(campaign, frames, values, history, as_of),
        events(campaign, prev[0] if prev else None, as_of),
    )
    data.matters = matters
    if kind == "final":
        data.ranking = ranking(campaign, units, values, matters.on_time_by_unit())
    return data


def _previous_day(session: Session, campaign: Campaign, as_of: date) -> tuple[date, dict[str, Any]] | None:
    """When no earlier briefing was recorded (compiled but never approved or sent, or a store
    started mid-campaign), what "较上期" compares with: the figures as of the last briefing day
    before `as_of`, from the files in force then."""
    day = max((d for d in schedule(campaign) if d < as_of), default=None)
    if day is None:
        return None
    frames, matters = indicators.load(session, campaign, _end_of(day)), count_matters(session, campaign, day).values()
    values = indicators.compute(campaign, frames, as_of=day, matters=matters)
    return day, {k: {"value": v.value, "units": v.per_unit, "reported": v.reported} for k, v in values.items()}


def figures(
    campaign: Campaign, values: dict[str, indicators.Value], previous: dict[str, Any], as_of: date
) -> list[Figure]:
    """The figures table: the briefing's indicators (all by default; every target too), each with its target, the
    milestone worked towards now, the change since the last briefing, and who lowered it."""
    targets = {campaign.indicator_of(t): t for t in campaign.targets}
    keys = campaign.shown_indicators()
    reported_end = reported_period_end(campaign, as_of)
    out = []
    for key in keys:
        v = values[key]
        t = targets.get(key)
        before = previous.get(key)
        prev_value = before.get("value") if isinstance(before, dict) else before
        if isinstance(before, dict) and not before.get("reported", True):
            prev_value = None  # nothing was reported then: no change to speak of
        f = Figure(v, t, t.milestone_for(reported_end) if t else None, prev_value)
        if f.change is not None and f.change < 0 and isinstance(before, dict):
            was = before.get("units", {})
            f.lowered_by = [
                f"{u}（{v.text(was[u])}→{v.text(v.per_unit.get(u, 0.0))}）"
                for u in sorted(was)
                if v.per_unit.get(u, 0.0) < was[u]
            ]
        out.append(f)
    return out


def trends(
    campaign: Campaign,
    frames: dict,
    values: dict[str, indicators.Value],
    history: list[tuple[date, dict[str, Any]]],
    as_of: date,
) -> list[Trend]:
    """A trend for each indicator that has a target: its value at every period so far, or, for a
    form owed once, at every briefing so far."""
    out = []
    for t in campaign.targets:
        key = campaign.indicator_of(t)
        if key is None:
            continue
        ind = campaign.indicator(key)
        form = ind.form or campaign.indicator(ind.ratio[0]).form if ind.ratio else ind.form
        if len(indicators.period_order(campaign, form or "")) > 1:
            points = [(period_label(p), v) for p, v in indicators.series(campaign, frames, key, until=as_of)]
        else:
            points = [(f"{d.month}月{d.day}日", _value_of(f.get(key))) for d, f in history if key in f]
            points.append((f"{as_of.month}月{as_of.day}日", values[key].value if values[key].reported else None))
        shown = target_display(t, ind.unit, values[key].display)
        k, unit = (shown.divide_by, shown.unit) if shown else (1.0, t.unit or ind.unit)
        out.append(
            Trend(
                key,
                t.label,
                unit,
                [(p, None if v is None else v / k) for p, v in points],
                t.value / k,
                t.baseline / k,
                [(m.by, m.value / k) for m in sorted(t.milestones, key=lambda m: m.by)],
            )
        )
    return out


def _value_of(stored: Any) -> float | None:
    if isinstance(stored, dict):
        return float(stored.get("value", 0.0)) if stored.get("reported", True) else None
    return float(stored or 0.0)


def events(campaign: Campaign, since: date | None, as_of: date) -> list[tuple[date, str, str]]:
    """The campaign's events after the last briefing (or the campaign's start) and on or before `as_of`."""
    start = since or campaign.start
    return sorted(
        (day, e.title, e.by)
        for e in campaign.events
        for _, day in periods(e)
        if start < day <= as_of or (since is None and day == start)
    )


def ranking(
    campaign: Campaign,
    units: list[metrics.UnitFigures],
    values: dict[str, indicators.Value],
    matters: dict[str, float] | None = None,
) -> list[tuple[str, list[metrics.Score]]]:
    """The final ranking, one table per kind of unit (universities are not measured against counties);
    `matters`: the share of each unit's due matters closed on time (a unit with none is absent)."""
    outcomes: dict[str, float] = {}
    for key in campaign.evaluation.outcomes:
        for u, v in values[key].per_unit.items():
            outcomes[u] = outcomes.get(u, 0.0) + v
    out = []
    for kind, label in campaign.kinds.items():
        members = [u for u in units if u.kind == kind]
        if members:
            out.append((label, metrics.ranking(members, outcomes, dict(campaign.evaluation.weights), matters)))
    return out


def _files(session: Session, campaign: Campaign, as_of: date) -> dict[str, tuple[int, int]]:
    cutoff = _end_of(as_of)
    q = (
        select(Unit.name, func.count(), func.sum(case((Submission.status == SubmissionStatus.REJECTED, 1), else_=0)))
        .join(Unit, Submission.unit_id == Unit.id)
        .where(
            Submission.campaign == campaign.id,
            Submission.status != SubmissionStatus.DUPLICATE,
            Submission.received_at <= cutoff,
        )
        .group_by(Unit.name)
    )
    return {u: (n, int(r or 0)) for u, n, r in session.execute(q).tuples()}


def _end_of(d: date) -> datetime:
    return datetime.combine(d, time.max)
