"""Briefings count matters (issue 27): due, closed, closed on time, overdue, closure rate, by unit,
the matters longest overdue by name, a `matters:` indicator, the briefing's section, and the
final evaluation's weight for on-time closure (a unit with no matters is not penalised)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from schemas.indicators import Evaluation, Indicator
from schemas.matters import Matter, MatterAction
from tasks.briefing import indicators, metrics, render
from tasks.briefing.figures import gather
from tasks.briefing.matters import count_matters
from tasks.matters import Assignment, act, assign

AS_OF = date(2010, 7, 25)


def _assign(s, app, title, units, due):  # type: ignore[no-untyped-def]
    a = Assignment(list(units), title, due, "王主任", source="领导批示")
    return {m.unit.name: m for m in assign(s, app.campaign, a, now=datetime(2010, 7, 1, 10))}


def _close(s, m: Matter, asked: datetime, approved: datetime | None = None) -> None:
    act(s, m, MatterAction.REQUEST_CLOSE, actor="张三", at=asked, done_on=asked.date())
    if approved:
        act(s, m, MatterAction.APPROVE, actor="王主任", at=approved)


@pytest.fixture
def matters_app(app):  # type: ignore[no-untyped-def]
    """Six matters of three units: closed on time, closed late, overdue 5 and 15 days, asking to
    close, and one not yet due."""
    with app.store.session(write=True) as s:
        a = _assign(s, app, "落实签约项目协议文本", ("清河区", "清浦区", "淮阴区"), date(2010, 7, 20))
        b = _assign(s, app, "推进项目落地", ("淮阴区", "清河区"), date(2010, 7, 10))
        _assign(s, app, "筹备成果展", ("清浦区",), date(2010, 8, 30))
        _close(s, a["清河区"], datetime(2010, 7, 15, 9), datetime(2010, 7, 16, 9))
        _close(s, a["清浦区"], datetime(2010, 7, 22, 9), datetime(2010, 7, 23, 9))
        _close(s, b["清河区"], datetime(2010, 7, 24, 9))
    return app


def test_counts_in_all_and_by_unit_with_the_longest_overdue_by_name(matters_app):
    with matters_app.store.session() as s:
        c = count_matters(s, matters_app.campaign, AS_OF)
    assert c.all.as_json() == {
        "unit": "",
        "total": 6,
        "due": 5,
        "closed": 2,
        "closed_on_time": 1,
        "overdue": 2,
        "open": 4,
        "closure_rate": 0.4,
    }
    by = {t.unit: (t.due, t.closed, t.closed_on_time, t.overdue, t.open) for t in c.units}
    assert by == {"清河区": (2, 1, 1, 0, 1), "清浦区": (1, 1, 0, 0, 1), "淮阴区": (2, 0, 0, 2, 2)}
    assert [(r.unit, r.title, r.standing.days_late) for r in c.longest_overdue] == [
        ("淮阴区", "推进项目落地", 15),
        ("淮阴区", "落实签约项目协议文本", 5),
    ]
    assert c.on_time_by_unit() == {"清河区": 0.5, "清浦区": 0.0, "淮阴区": 0.0}
    with matters_app.store.session() as s:  # before any deadline: nothing due, no rate
        early = count_matters(s, matters_app.campaign, date(2010, 7, 5))
    assert early.all.due == 0 and early.all.closure_rate is None and early.longest_overdue == []


def test_a_matters_indicator_is_one_line_and_counts_as_of_the_day(matters_app):
    overdue = Indicator.model_validate({"key": "overdue_matters", "label": "逾期整改事项", "matters": "overdue"})
    rate = Indicator(key="matter_closure", label="督办事项办结率", matters="closure_rate", percent=True)
    with pytest.raises(ValueError, match="只能有 form、ratio、matters 之一"):
        Indicator(key="x", label="两者", matters="due", form="contacts")
    campaign = matters_app.campaign.model_copy(update={"indicators": (*matters_app.campaign.indicators, overdue, rate)})
    with matters_app.store.session() as s:
        counts = count_matters(s, campaign, AS_OF).values()
        none = count_matters(s, campaign, date(2010, 7, 5)).values()
    v = indicators.compute(campaign, {}, only={"overdue_matters", "matter_closure"}, matters=counts)
    assert v["overdue_matters"].value == 2 and v["overdue_matters"].per_unit == {"淮阴区": 2.0}
    assert v["matter_closure"].text() == "40.0%" and v["matter_closure"].per_unit["清浦区"] == 1.0
    v = indicators.compute(campaign, {}, only={"matter_closure"}, matters=none)
    assert v["matter_closure"].text() == "—"  # nothing due yet: no rate, never 0.0%


def test_the_briefing_has_a_matters_section_only_when_there_are_matters(matters_app, app):
    with matters_app.store.session() as s:
        d = gather(s, matters_app.campaign, AS_OF)
    page = render.html(d, {"completeness": [], "trends": []})
    assert "督办事项办理情况" in page and "推进项目落地" in page and "15天" in page
    d.matters = None
    assert "督办事项办理情况" not in render.html(d, {"completeness": [], "trends": []})


def test_on_time_closure_weighs_in_the_final_evaluation_without_penalising_units_with_none(matters_app):
    assert Evaluation(weights={"timeliness": 1, "matters": 1}).weights["matters"] == 1
    x, y = metrics.UnitFigures("甲", "county"), metrics.UnitFigures("乙", "county")  # alike on every other part
    scores = {s.unit: s for s in metrics.ranking([x, y], {}, {"timeliness": 1, "matters": 1}, {"甲": 0.5})}
    assert scores["乙"].total == 100.0 and "matters" not in scores["乙"].parts  # none: not weighed on it
    assert scores["甲"].total == 75.0 and scores["甲"].parts["matters"] == 0.5
    weights = {**matters_app.campaign.evaluation.weights, "matters": 0.2}
    campaign = matters_app.campaign.model_copy(update={"evaluation": Evaluation(weights=weights)})
    with matters_app.store.session() as s:
        d = gather(s, campaign, AS_OF, kind="final")
    parts = {s.unit: s.parts for _, scores in d.ranking for s in scores}
    assert parts["清河区"]["matters"] == 0.5 and parts["淮阴区"]["matters"] == 0.0
    assert "matters" not in parts["金湖县"]
