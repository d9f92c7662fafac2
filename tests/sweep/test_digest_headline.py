"""Reminders name the due date (issue 26.2): the subject and the first line say when the report
is due and how many working days are left, never only the day the mail was sent."""

from datetime import date

import pytest

from schemas.loading import load_campaign
from config.settings import CAMPAIGNS_DIR
from tasks.digest import render_digest

pytestmark = [pytest.mark.unit]
CAMPAIGN = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")


def _item(due: str, late: bool = False) -> dict:
    return dict(unit="清河区", name="附表3 技术难题和需求征集表", period="第1批", due=due, phrase="", late=late,
                escalation=late, level=1)


def test_a_reminder_names_the_due_date_and_the_working_days_left():
    m = render_digest(CAMPAIGN, "王晓明", [_item("2010-06-30")], date(2010, 6, 23))
    assert m.subject == "【催报提醒】1项报送于6月30日截止（还有5个工作日）"  # 24, 25, 28, 29, 30 June
    assert "以下 1 项报送任务于 2010年6月30日 截止（还有5个工作日）：" in m.text
    assert "请您：" not in m.text and "6月23日" not in m.subject


def test_several_due_dates_name_the_earliest_and_late_ones_come_first():
    m = render_digest(CAMPAIGN, "王晓明", [_item("2010-07-05"), _item("2010-06-30")], date(2010, 6, 30))
    assert m.subject == "【催报提醒】2项报送最早于6月30日截止（今天截止）"
    late = render_digest(CAMPAIGN, "王晓明", [_item("2010-06-30", late=True), _item("2010-07-05")], date(2010, 7, 2))
    assert late.subject == "【督办】1项报送已逾期（截止6月30日，已逾期2天）"
    assert "已过截止日期（2010年6月30日），请立即报送" in late.text
