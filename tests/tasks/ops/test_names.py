"""Names as people type them (issue 15): units by a unique beginning, obligations by title,
form label or id, forms by label or code, periods as the calendar writes them; unknown or
ambiguous names list the candidates. Dates in every common form, with an optional time."""

from datetime import date, time

import pytest

from tasks.intake.cells import CellError, a_datetime
from tasks.ops import names
from tests.tasks.intake.files import CAMPAIGN as C

pytestmark = [pytest.mark.unit]


def test_units_by_name_alias_or_unique_beginning():
    assert names.unit(C, "盱眙县") == names.unit(C, "盱眙") == "盱眙县"
    assert names.unit(C, " 清河区 ") == "清河区"
    with pytest.raises(names.UnknownName, match="“淮阴”对应多个单位，您是否要找：淮阴区、淮阴工学院、淮阴师范学院"):
        names.unit(C, "淮阴")
    with pytest.raises(names.UnknownName, match="没有名为“清江区”的单位，您是否要找：.*清河区"):
        names.unit(C, "清江区")


def test_obligations_by_title_label_name_or_id():
    assert {names.obligation(C, x) for x in ("O7", "专题活动方案", "o7")} == {"O7"}
    o5 = names.obligation(C, "附表5")
    assert names.obligation(C, "对接洽谈及签约项目动态") == names.obligation(C, "附表5 对接洽谈及签约项目动态") == o5
    with pytest.raises(names.UnknownName, match="没有名为“附表9”的任务"):
        names.obligation(C, "附表9")


def test_forms_by_label_code_or_title():
    assert (
        names.form(C, "附表3") == names.form(C, "tech-needs") == names.form(C, "技术难题和需求征集表") == "tech-needs"
    )
    with pytest.raises(names.UnknownName, match="表单"):
        names.form(C, "附表99")


def test_periods_as_the_calendar_or_people_write_them():
    o5 = names.obligation(C, "附表5")
    assert names.period(C, o5, "2010年8月") == names.period(C, o5, "2010-08") == "2010-08"
    assert names.period(C, "O7", None) == "2010"  # owed once: no period needed
    with pytest.raises(names.UnknownName, match="有多期，请指定期次：2010年7月、2010年8月、2010年9月"):
        names.period(C, o5, None)
    with pytest.raises(names.UnknownName, match="不是“附表5 对接洽谈及签约项目动态”的期次"):
        names.period(C, o5, "2010年12月")


@pytest.mark.parametrize("text", ["2010-07-16", "2010/7/16", "2010.7.16", "2010年7月16日", "２０１０年７月１６日"])
def test_a_date_in_every_common_form(text):
    assert a_datetime(text) == (date(2010, 7, 16), None)


@pytest.mark.parametrize(
    "text",
    [
        "2010-07-16 10:30",
        "2010/7/16 10:30",
        "2010年7月16日 10:30",
        "2010年7月16日10时30分",
        "2010-07-16T10:30:00",
        "2010.7.16 10：30",
    ],
)
def test_a_date_with_a_time(text):
    assert a_datetime(text) == (date(2010, 7, 16), time(10, 30))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2010-02-30", "2010年2月没有30日"),
        ("2010-13-01", "月份应为1–12"),
        ("2010-07-16 24:10", "时间不对"),
        ("7月16日", "应填写日期"),
    ],
)
def test_a_bad_date_says_why_in_chinese(text, why):
    with pytest.raises(CellError, match=why):
        a_datetime(text)
