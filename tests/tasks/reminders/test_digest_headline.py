"""Reminders name the due date (issue 26.2): the subject and the first line say when the report
is due and how many working days are left, never only the day the mail was sent."""

from datetime import date

import pytest

from config.settings import CAMPAIGNS_DIR
from schemas.loading import load_campaign
from tasks.outbox.digest_text import render_digest

pytestmark = [pytest.mark.unit]
CAMPAIGN = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")


def _item(due: str, late: bool = False) -> dict:
    return dict(
        unit="清河区",
        name="附表3 技术难题和需求征集表",
        period="第1批",
        due=due,
        phrase="",
        late=late,
        escalation=late,
        level=1,
    )


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


def test_the_committees_own_group_is_told_whom_to_urge_not_how_to_file():
    """Issue 26.7: a level-2 escalation to 综合协调组 is a supervision notice."""
    m = render_digest(CAMPAIGN, "综合协调组", [_item("2010-06-30", late=True)], date(2010, 7, 5), supervisor=True)
    assert m.subject.startswith("【督办通报】1项报送已逾期")
    assert "请督促以上单位尽快报送" in m.text
    for unit_words in ("回复本邮件并附上报表文件", "本单位报送页面上传"):
        assert unit_words not in m.text and unit_words not in m.html


def test_an_extension_notice_carries_no_filing_boilerplate():
    """Issue 26.17: a decision on a date is not a receipt: no "报送或更正文件" line; the page link stays."""
    from notifications.render import compose

    m = compose(
        CAMPAIGN,
        "extension",
        "延期",
        name="王晓明",
        unit="清河区",
        what="附表3",
        granted=True,
        due="2010年07月05日",
        new_due="2010年07月15日",
        reason="出差",
        link="http://portal.test/u/x",
    )
    assert "报送或更正文件" not in m.text and "报送或更正文件" not in m.html
    assert "http://portal.test/u/x" in m.text


def test_an_accepted_file_with_hints_is_not_told_to_resend():
    """The author trial: an accepted file with only a warning was told 请据此修改后重新报送."""
    from notifications.render import compose

    common = dict(
        name="王晓明",
        unit="清河区",
        filename="附表3.xlsx",
        received="2010年07月01日 09:00",
        verdict="已通过校验，予以受理。",
        errors=[],
        hints=["提示"],
        more=0,
        annotated=True,
        link="",
        headline="",
    )
    ok = compose(CAMPAIGN, "receipt", "回执", accepted=True, **common)
    assert "无须重新报送" in ok.text and "请据此修改后重新报送" not in ok.text + ok.html
    bad = compose(CAMPAIGN, "receipt", "回执", accepted=False, **{**common, "errors": ["错"]})
    assert "请据此修改后重新报送" in bad.text
