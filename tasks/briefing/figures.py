"""Reading what a briefing needs from the store (set-based), then the pure metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from schemas.briefings import Briefing
from schemas.campaign import Campaign, periods
from schemas.outbox import NotificationItem
from schemas.tables import Obligation, Submission, Unit
from tasks import metrics
from tasks.rows import current_rows
from tasks.status import status_rows


@dataclass
class BriefingData:
    campaign: Campaign
    kind: str
    number: int
    as_of: date
    units: list[metrics.UnitFigures]
    overdue: list[metrics.Overdue]
    figures: list[metrics.Figure]
    totals: dict[str, float]
    signings_by_month: dict[str, int]
    ranking: list[metrics.Score] = field(default_factory=list)
    failed_mail: list[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.kind == "final":
            return f"{self.campaign.name}总结评比通报"
        return f"{self.campaign.name}督查简报（第{self.number}期）"


def schedule(campaign: Campaign) -> list[date]:
    """Briefing days: the working day after each listed obligation's due date plus its grace."""
    cal = campaign.work_calendar
    days = set()
    for oid in campaign.briefings.after_obligations:
        grace = campaign.ladder_of(oid).grace_working_days
        for _, due in periods(campaign.obligation(oid)):
            days.add(cal.shift(due, grace + 1))
    return sorted(days)


def number_for(campaign: Campaign, as_of: date) -> int:
    return max(1, sum(1 for d in schedule(campaign) if d <= as_of))


def gather(session: Session, campaign: Campaign, as_of: date, *, kind: str = "monthly",
           number: int | None = None) -> BriefingData:
    rows = status_rows(session, campaign, as_of)
    kinds = {u.name: u.kind for u in campaign.units}
    units = metrics.unit_figures(rows, kinds, as_of, _files(session, campaign, as_of))
    levels = dict(session.execute(
        select(NotificationItem.obligation_id, func.max(NotificationItem.level))
        .join(Obligation, Obligation.id == NotificationItem.obligation_id)
        .where(Obligation.campaign == campaign.id, NotificationItem.kind == "escalation")
        .group_by(NotificationItem.obligation_id)).tuples().all())
    figures, per_unit, signings = _outcomes(session, campaign, as_of)
    number = number or number_for(campaign, as_of)
    prev = session.scalar(select(Briefing.figures).where(
        Briefing.campaign == campaign.id, Briefing.kind == kind, Briefing.number < number)
        .order_by(Briefing.number.desc()).limit(1)) or {}
    data = BriefingData(campaign, kind, number, as_of, units, metrics.overdue(rows, levels),
                        metrics.with_previous(figures, prev), metrics.totals(units), signings)
    if kind == "final":
        data.ranking = metrics.ranking(units, per_unit, campaign.evaluation)
    return data


def _files(session: Session, campaign: Campaign, as_of: date) -> dict[str, tuple[int, int]]:
    cutoff = _end_of(as_of)
    q = (select(Unit.name, func.count(), func.sum(case((Submission.status == "rejected", 1), else_=0)))
         .join(Unit, Submission.unit_id == Unit.id)
         .where(Submission.campaign == campaign.id, Submission.status != "duplicate", Submission.received_at <= cutoff)
         .group_by(Unit.name))
    return {u: (n, int(r or 0)) for u, n, r in session.execute(q).tuples()}


def _end_of(d: date):  # type: ignore[no-untyped-def]
    from datetime import datetime, time

    return datetime.combine(d, time.max)


def _current(session: Session, campaign: Campaign, as_of: date, form: str, *, latest_period: bool) -> list[Any]:
    """Current rows of accepted files received by `as_of`; for monthly forms, each unit's latest
    month only (a monthly report states the situation as of that month: adding months would count twice)."""
    from types import SimpleNamespace

    if form not in {f.code for f in campaign.forms}:
        return []
    rows = [SimpleNamespace(**r) for r in current_rows(session, campaign.form(form), campaign.id,
                                                        received_by=_end_of(as_of))]
    if latest_period:
        latest: dict[str, str] = {}
        for r in rows:
            latest[r.unit] = max(latest.get(r.unit, ""), r.period)
        rows = [r for r in rows if r.period == latest[r.unit]]
    return rows


def _outcomes(session: Session, campaign: Campaign, as_of: date):  # type: ignore[no-untyped-def]
    t = {x.key: x.value for x in campaign.targets}
    now = (session, campaign, as_of)
    needs = _current(*now, "tech-needs", latest_period=False)
    negs = _current(*now, "negotiations", latest_period=True)
    coops = _current(*now, "cooperation-deepening", latest_period=True)
    plans = _current(*now, "activity-plan", latest_period=False)
    held = _current(*now, "activity-report", latest_period=False)
    keys = _current(*now, "key-projects", latest_period=False)
    miles = _current(*now, "milestones", latest_period=False)
    signed = [n for n in negs if n.status == "已签约"]
    counties = [u for u in campaign.units if u.kind == "county"]
    held_units = {r.unit for r in held}
    figs = [
        metrics.Figure("needs", "征集技术难题和需求", len(needs), None, "项"),
        metrics.Figure("need_enterprises", "涉及企业", len({n.enterprise for n in needs}), None, "家"),
        metrics.Figure("negotiations", "对接洽谈项目", len(negs), None, "项"),
        metrics.Figure("signed", "已签约项目", len(signed), None, "项"),
        metrics.Figure("contract_value", "签约合同金额", round(sum(getattr(n, "amount_wan", 0) or 0 for n in signed), 1), None, "万元"),
        metrics.Figure("academician", "院士团队签约项目", sum(1 for n in signed if getattr(n, "academician", False)), None, "项"),
        metrics.Figure("deepening", "深化产学研合作的重点企业", len({c.enterprise for c in coops}), None, "家"),
        metrics.Figure("activities_planned", "计划专题活动", len(plans), None, "场"),
        metrics.Figure("activities_held", "已举办专题活动", len(held), None, "场"),
        metrics.Figure("counties_with_activity", "已举办活动的县区", len(held_units & {u.name for u in counties}),
                       len(counties) if "activities_per_county_min" in t else None, "个"),
        metrics.Figure("key_projects", "推荐重点签约项目", len(keys), t.get("key_projects"), "项"),
        metrics.Figure("milestones_done", "平台建设已完成事项", sum(1 for m in miles if getattr(m, "done", False)),
                       2 * len(counties) if counties else None, "项"),
    ]
    per_unit: dict[str, float] = {}
    for rows in (needs, signed, held):
        for r in rows:
            per_unit[r.unit] = per_unit.get(r.unit, 0) + 1
    return figs, per_unit, metrics.group_by_month([n.signed_date for n in signed if getattr(n, "signed_date", None)])
