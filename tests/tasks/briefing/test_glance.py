"""What a leader reads at a glance (issue 28, point 5): numbers as people write them, charts whose
axes and milestone labels read, 暂无数据 for a period nobody reported, 较上期 with its unit, the
overdue list per unit in the campaign's order, issues numbered as issued."""

from datetime import date, datetime

import pytest

from config.settings import CAMPAIGNS_DIR
from schemas.indicators import Display, Target
from schemas.loading import load_campaign
from tasks.briefing import charts, numbers
from tasks.briefing.figures import Figure
from tasks.briefing.indicators import Value
from tasks.briefing.metrics import Overdue
from tasks.briefing.wording import overdue_summary, periods_text

CAMPAIGN = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")
YI = Display(unit="亿元", divide_by=10000)


@pytest.mark.unit
def test_numbers_print_as_people_write_them():
    assert numbers.quantity(1_500_000, "万元") == "1,500,000万元"
    assert numbers.quantity(1_500_000, "万元", display=YI) == "150亿元"
    assert numbers.quantity(7783.5, "万元") == "7,783.5万元" and numbers.quantity(0.25, "", 2) == "0.25"
    assert Value("invest", "投资额", "万元", 1_500_000.0).text() == "1,500,000万元"
    assert Value("invest", "投资额", "万元", 1_500_000.0, display=YI).text() == "150亿元"
    assert Value("signed", "签约项目", "项", 0.0, reported=False).text() == numbers.NO_DATA


@pytest.mark.unit
def test_a_change_and_a_target_carry_their_units():
    v = Value("invest", "投资额", "万元", 1_500_000.0, display=YI)
    f = Figure(v, Target(key="invest", label="投资额", value=3_000_000, unit="万元"), previous=1_000_000.0)
    assert f.change_text == "+50亿元" and f.target_text == "300亿元"
    assert Figure(Value("n", "项目", "项", 5.0), previous=5.0).change_text == "持平"
    assert Figure(Value("n", "项目", "项", 3.0), previous=5.0).change_text == "-2项"
    assert Figure(Value("r", "签约率", "", 0.5, percent=True), previous=0.4).change_text == "+10.0个百分点"
    assert Figure(Value("n", "项目", "项", 0.0, reported=False), previous=5.0).change_text == "—"


@pytest.mark.unit
def test_chart_axes_and_milestone_labels_read():
    fig = charts.trend_figure(
        "固定资产投资",
        "万元",
        [("2011年1月", 300_000.0), ("2011年2月", None), ("2011年3月", 900_000.0)],
        target=1_500_000,
        milestones=[("阶段目标（2011年底）", 1_000_000), ("阶段目标（2012年底）", 1_200_000)],
    )
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "1,500,000" in ticks and not any("e" in t for t in ticks) and not ax.yaxis.get_offset_text().get_text()
    assert numbers.NO_DATA in [t.get_text() for t in ax.texts]  # February: nobody reported, no bar of 0
    legend = fig.legends[0].get_texts()
    assert {t.get_text() for t in legend} == {
        "完成值",
        "阶段目标（2011年底）：1,000,000万元",
        "阶段目标（2012年底）：1,200,000万元",
        "目标：1,500,000万元",
    }
    page = fig.bbox
    boxes = [t.get_window_extent() for t in legend]
    assert all(page.x0 <= b.x0 and b.x1 <= page.x1 and page.y0 <= b.y0 and b.y1 <= page.y1 for b in boxes)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    charts._pyplot().close(fig)


@pytest.mark.unit
def test_periods_read_as_a_run_of_months():
    assert periods_text(["2011-01", "2011-02", "2011-03", "2011-04", "2011-05"], 2011) == "1–5月"
    assert periods_text(["2011-01", "2011-03"], 2011) == "1、3月"
    assert periods_text(["2010-12", "2011-01"], 2011) == "2010年12月–2011年1月"


@pytest.mark.unit
def test_the_overdue_list_is_one_line_per_unit_in_the_campaigns_order():
    first, second = CAMPAIGN.units[0].name, CAMPAIGN.units[1].name
    monthly = next(o for o in CAMPAIGN.obligations if o.id == "O4")
    once = next(o for o in CAMPAIGN.obligations if o.id == "O1")
    items = [
        Overdue(second, once.id, once.form, "", date(2010, 6, 30), 9, 2),
        Overdue(first, monthly.id, monthly.form, "2010-07", date(2010, 7, 20), 40, 1),
        Overdue(first, monthly.id, monthly.form, "2010-08", date(2010, 8, 20), 9, 0),
    ]
    lines = overdue_summary(CAMPAIGN, sorted(items, key=lambda o: o.unit), 2010)
    assert [u.unit for u in lines] == [first, second]
    assert lines[0].text == f"{first}：{CAMPAIGN.form(monthly.form).label} 7–8月均未报，最长逾期40天"
    assert lines[1].text == f"{second}：{CAMPAIGN.form(once.form).label}未报，最长逾期9天（已提级督办）"
    both = overdue_summary(
        CAMPAIGN, [*items, Overdue(second, "O4", monthly.form, "2010-07", date(2010, 7, 20), 41, 0)], 2010
    )
    assert len(both) == 2  # the second owes more: a line of its own
    same = [Overdue(u.name, "O1", once.form, "", date(2010, 6, 30), 9, 0) for u in CAMPAIGN.units[:3]]
    assert [x.unit for x in overdue_summary(CAMPAIGN, same, 2010)] == ["、".join(u.name for u in CAMPAIGN.units[:3])]


def test_issues_are_numbered_as_issued(app):
    """A campaign's first briefing is 第1期 whatever day it is compiled; the next issued is 第2期; a
    briefing of the same day keeps its number."""
    from schemas.briefings import Briefing, BriefingStatus
    from tasks.briefing.figures import issue_number

    late = CAMPAIGN.briefing_days()[-1]
    with app.store.session(write=True) as s:
        assert issue_number(s, app.campaign, "monthly", late) == 1
        s.add(
            Briefing(
                campaign=app.campaign.id,
                kind="monthly",
                number=1,
                as_of=date(2010, 7, 23),
                status=BriefingStatus.SENT,
                created_at=datetime(2010, 7, 23, 10),
            )
        )
        s.flush()
        assert issue_number(s, app.campaign, "monthly", late) == 2
        assert issue_number(s, app.campaign, "monthly", date(2010, 7, 23)) == 1
        assert issue_number(s, app.campaign, "final", late) == 1
