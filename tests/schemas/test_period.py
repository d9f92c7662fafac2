"""A period is one value, however it is written (issue 24.1): the plan's declared labels, a
file's title or name and ops' `--period` all meet in `schemas.period.Period`."""

import re
from datetime import date
from pathlib import Path

import pytest

from schemas.campaign import periods
from schemas.loading import check_campaign, load_campaign
from schemas.period import Period, period_label, period_span
from tasks.intake.identify import Unidentified, given_period, identify_period
from tasks.intake.validate import inspect_file
from tasks.ops import names
from tests import ROOT, TEST_DATA
from tests.campaigns.test_third_campaign import filled

HERE = TEST_DATA / "campaigns"

SPELLINGS = {
    "2017-Q2": [
        "2017Q2",
        "2017-Q2",
        "2017年第二季度",
        "2017年二季度",
        "二〇一七年第2季度",
        "2017年第2季度",
        "２０１７Ｑ２",
        "2017 q2",
        "2017年度第二季度",
    ],
    "2017-06": ["2017年6月", "2017-06", "2017.6", "2017/06", "2017年6月份", "2017年六月", "二〇一七年六月"],
    "2017-06上": ["2017年6月上半月", "2017-06上", "2017年6月份上半月"],
    "2017-06下": ["2017年6月下半月", "2017-06下"],
    "第3批": ["第3批", "第三批", "第 3 批"],
    "第12批": ["第十二批", "第12批"],
    "2017": ["2017", "2017年", "2017年度"],
}


@pytest.mark.unit
@pytest.mark.parametrize("key,spellings", SPELLINGS.items())
def test_every_spelling_is_one_period(key, spellings):
    assert {Period.parse(s).key for s in spellings} == {key}
    assert Period.parse(key).key == key  # what the store holds reads back as itself


@pytest.mark.unit
def test_labels_spans_and_named_periods():
    assert [period_label(k) for k in ("2017-Q2", "2017-06", "2017-06上", "第3批", "2017")] == [
        "2017年第2季度",
        "2017年6月",
        "2017年6月上半月",
        "第3批",
        "2017",
    ]
    assert period_span("2017-Q2") == (date(2017, 4, 1), date(2017, 6, 30))
    assert period_span("2016-02下") == (date(2016, 2, 16), date(2016, 2, 29))
    assert period_span("第1批") is None and Period.parse("2017-Q2").contains(date(2017, 5, 1))
    named = Period.parse("启动阶段")
    assert (named.kind, named.key, named.label, named.span()) == ("named", "启动阶段", "启动阶段", None)
    assert Period.parse("6月", 2017).key == "2017-06"  # a month with no year: the campaign's


@pytest.mark.unit
@pytest.mark.parametrize(
    "text,found",
    [
        ("附表5_2011年3月上半月.xlsx", ["2011-03上", "2011-03", "2011"]),
        ("盱眙_附表5_8月.xlsx", ["2010-08", "2010"]),
        ("清河区2017年二季度目标进展.xlsx", ["2017-Q2", "2017"]),
        ("工业运行月报_2010.5.xls", ["2010-05", "2010"]),
        ("2010淮安科技洽谈会技术难题", []),  # a year with no 年 is a name, not a period
        ("填报日期：2010年7月15日", []),  # the filling date is no period
        ("报表_2017-06-30.xlsx", []),  # a date is no period
    ],
)
def test_periods_named_in_a_title_or_file_name(text, found):
    assert [p.key for p in Period.find(text, 2010)] == found


def _dated_campaign(tmp_path: Path, labels: list[str]) -> Path:
    """sti-2012 with its quarterly schedule declared as dates, labelled as a plan writes them."""
    text = (HERE / "sti-2012.yaml").read_text(encoding="utf-8")
    dates = ", ".join(
        f"{{period: '{label}', due: 2012-{m:02d}-25}}" for label, m in zip(labels, (3, 6, 9, 12), strict=True)
    )
    text = re.sub(
        r"\{every: quarter, day: 25, start: 2012-01, end: 2012-12\}", f"{{every: dates, periods: [{dates}]}}", text
    )
    path = tmp_path / "sti-dated.yaml"
    path.write_text(text.replace("id: sti-2012", "id: sti-dated"), encoding="utf-8")
    return path


@pytest.mark.integration
@pytest.mark.parametrize(
    "labels",
    [
        ["2012Q1", "2012Q2", "2012Q3", "2012Q4"],
        ["2012年第一季度", "2012年第二季度", "2012年第三季度", "2012年第四季度"],
    ],
)
@pytest.mark.parametrize("name", ["计划科_2012年第二季度.xlsx", "计划科_2012Q2.xlsx", "计划科_2012年二季度进展.xlsx"])
def test_a_file_named_as_clerks_name_it_meets_its_declared_period(tmp_path, labels, name):
    campaign = load_campaign(_dated_campaign(tmp_path, labels))
    assert [p for p, _ in periods(campaign.obligation("P1"))] == ["2012-Q1", "2012-Q2", "2012-Q3", "2012-Q4"]
    data = filled(
        "task-progress", [["科技项目申报", "已组织申报国家级项目2项", 60, "资金未到位", "跟进省厅初审"]], "计划科", ""
    )
    v = inspect_file(data, name, campaign, received=date(2012, 7, 1))
    assert (v.status, v.period) == ("accepted", "2012-Q2"), v.issues
    assert not [i for i in v.issues if i.code == "period-assumed"]
    assert given_period(campaign, "计划科", "task-progress", "2012年第3季度") == "2012-Q3"
    with pytest.raises(Unidentified, match="期次“foo”不是计划科本表的报送期次（2012年第1季度、"):
        given_period(campaign, "计划科", "task-progress", "foo")
    refused = inspect_file(data, name, campaign, received=date(2012, 7, 1), period="2013Q1")
    assert refused.status == "unreadable" and refused.issues[0].code == "period-unknown"
    wrong = inspect_file(data, "计划科_2013年第一季度.xlsx", campaign, received=date(2012, 7, 1))
    assert "“2013年第1季度”不在本表的报送期次内（2012年第1季度、2012年第2季度" in wrong.issues[0].message


@pytest.mark.unit
def test_ops_name_a_period_in_any_spelling_and_an_unknown_one_is_refused():
    campaign = load_campaign(ROOT / "config" / "campaigns" / "huaian-2010.yaml")
    o4 = next(o.id for o in campaign.obligations if o.form == "negotiations")
    assert {names.period(campaign, o4, s) for s in ("2010.8", "2010年8月份", "2010-08", "八月")} == {"2010-08"}
    with pytest.raises(names.UnknownName, match="期次“foo”不是"):
        names.period(campaign, o4, "foo")


@pytest.mark.unit
def test_due_the_month_after_rolled_to_the_next_working_day(tmp_path):
    """每月数据于次月8日前报送，如逢节假日顺延至节后第一个工作日."""
    text = (
        (HERE / "sti-2012.yaml")
        .read_text(encoding="utf-8")
        .replace("id: sti-2012", "id: sti-monthly")
        .replace("end: 2012-12-31", "end: 2013-01-31")
        .replace(
            "{every: quarter, day: 25, start: 2012-01, end: 2012-12}",
            "{every: month, day: 8, after: true, roll: next-workday, start: 2012-01, end: 2012-12}",
            1,
        )
        .replace(
            "{every: quarter, day: 25, start: 2012-01, end: 2012-12}",
            "{every: dates, periods: [{period: 2012年上半年, due: 2012-07-01}, {period: 2012年, due: 2012-12-29}]}",
            1,
        )
    )
    path = tmp_path / "monthly.yaml"
    path.write_text(text, encoding="utf-8")
    campaign, notes = check_campaign(path)
    due = dict(periods(campaign.obligation("P1")))
    assert due["2012-01"] == date(2012, 2, 8)  # a Wednesday
    assert due["2012-03"] == date(2012, 4, 9)  # 04-08 is a Sunday: the Monday after
    assert due["2012-09"] == date(2012, 10, 8)  # 10-08 is a 调休 working day after the National Day holiday
    assert due["2012-12"] == date(2013, 1, 8)
    assert due["2012-04"] == date(2012, 5, 8)
    assert any("2012-07-01 不是工作日" in n and "roll: next-workday" in n for n in notes), notes
    assert any("2012-12-29 不是工作日" in n for n in notes), notes


@pytest.mark.unit
def test_a_period_of_another_kind_is_placed_or_refused_never_guessed():
    """A month named on a quarterly form answers the quarter holding it; a month named on a
    half-monthly form asks which half; a year alone places nothing (the author trial, issue 24)."""
    sti = load_campaign(HERE / "sti-2012.yaml")
    assert identify_period(sti, "计划科", "task-progress", ["2012-06", "2012"], date(2012, 7, 1)) == ("2012-Q2", True)
    si = load_campaign(ROOT / "config" / "campaigns" / "self-innovation.yaml")
    form = next(o.form for o in si.obligations if o.schedule.every == "half-month")
    unit = si.owners_of(next(o for o in si.obligations if o.form == form))[0].name
    with pytest.raises(
        Unidentified,
        match="“2011年3月”包含多个报送期次，本表应分期报送：请在标题或文件名中写明“2011年3月上半月”或“2011年3月下半月”",
    ):
        identify_period(si, unit, form, ["2011-03", "2011"], date(2011, 4, 2))
    assert identify_period(si, unit, form, ["2011"], date(2011, 4, 2)) == ("2011-04上", False)  # a year names no half


@pytest.mark.unit
def test_an_ambiguous_obligation_lists_titles_not_ids():
    """Issue 26.14: “专题活动” names two tasks: both are listed by what people read."""
    campaign = load_campaign(ROOT / "config" / "campaigns" / "huaian-2010.yaml")
    with pytest.raises(names.UnknownName) as e:
        names.obligation(campaign, "专题活动")
    said = str(e.value)
    assert "专题活动方案（O7）" in said and "专题活动举办情况" in said and "：O7、O8" not in said
