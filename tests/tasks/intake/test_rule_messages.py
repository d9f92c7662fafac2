"""A rule's message fills every placeholder it documents, and `duban check` refuses one its rule
does not fill (issue 24.5): "小于本季度完成数（{other}）" never reaches a clerk."""

from datetime import date
from pathlib import Path

import pytest

from schemas.loading import CampaignError, load_campaign
from tests import ROOT, TEST_DATA

STI = TEST_DATA / "campaigns" / "sti-2012.yaml"


def _with_rules(tmp_path: Path, old: str, new: str) -> Path:
    text = STI.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "sti-rules.yaml"
    path.write_text(text.replace(old, new).replace("id: sti-2012", "id: sti-rules"), encoding="utf-8")
    return path


@pytest.mark.integration
def test_when_and_unique_fill_other_and_value(tmp_path):
    from tasks.intake.validate import inspect_file
    from tests.campaigns.test_third_campaign import filled

    campaign = load_campaign(
        _with_rules(tmp_path, "message: 累计不能小于本季度}", "message: '累计（{value}）小于本季度完成数（{other}）'}")
    )
    rows = [[campaign.targets[0].label, 30, 12], [campaign.targets[1].label, 5, 8]]
    v = inspect_file(
        filled("target-progress", rows, "计划科", "2012年第二季度"), "指标.xlsx", campaign, received=date(2012, 7, 1)
    )
    texts = [i.message for i in v.issues if i.code == "when"]
    assert texts == ["第4行“累计”累计（12）小于本季度完成数（30）"], v.issues
    assert not any("{" in i.message for i in v.issues)

    campaign = load_campaign(
        _with_rules(
            tmp_path,
            "{rule: unique, columns: [task]}",
            "{rule: unique, columns: [task], message: '“{value}”与第{first}行重复'}",
        )
    )
    rows = [["科技项目申报", "已申报", 60, "x", "y"], ["科技项目申报", "再报", 70, "x", "y"]]
    v = inspect_file(
        filled("task-progress", rows, "计划科", "2012年第二季度"), "进展.xlsx", campaign, received=date(2012, 7, 1)
    )
    assert "第5行“重点工作”“科技项目申报”与第4行重复" in [i.message for i in v.issues]


@pytest.mark.unit
@pytest.mark.parametrize(
    "message,named", [("共{total}项", "{total}"), ("与第{first}行重复", "{first}"), ("{ value }", "{ value }")]
)
def test_check_refuses_a_placeholder_its_rule_does_not_fill(tmp_path, message, named):
    path = _with_rules(tmp_path, "message: 累计不能小于本季度}", f"message: '{message}'}}")
    with pytest.raises(CampaignError) as e:
        load_campaign(path)
    assert f"消息中的占位符 {named} 不适用于 when 规则（可用：{{value}}、{{other}}、{{length}}）" in str(e.value)


@pytest.mark.unit
def test_targets_are_shown_unless_the_author_says_otherwise(tmp_path):
    """briefings.indicators orders and filters with indicator or target keys; every target is
    still shown unless all_targets: false (issue 24.4)."""
    base = ROOT / "config" / "campaigns" / "self-innovation.yaml"
    text = base.read_text(encoding="utf-8")

    def shown(briefings: str) -> list[str]:
        path = tmp_path / "c.yaml"
        path.write_text(text.replace("\nbriefings:\n", f"\nbriefings:\n{briefings}", 1), encoding="utf-8")
        return load_campaign(path).shown_indicators()

    every = shown("")
    assert "target_tech_trade" in every and len([k for k in every if k.startswith("target_")]) == 8
    listed = shown("  indicators: [tech_trade, target_iur_bases]\n")
    assert listed[:2] == ["target_tech_trade", "target_iur_bases"] and len(listed) == 8  # then the other targets
    assert shown("  indicators: [tech_trade]\n  all_targets: false\n") == ["target_tech_trade"]
    with pytest.raises(CampaignError, match="“nope”既不是指标也不是目标"):
        shown("  indicators: [nope]\n")


@pytest.mark.unit
def test_a_briefing_measures_against_the_milestone_of_the_period_it_reports(tmp_path):
    """Issued on 07-17 for the quarter ended 06-30: the 06-30 milestone, not the 09-30 one (issue 24.3)."""
    from tasks.briefing.figures import reported_period_end

    text = (
        STI.read_text(encoding="utf-8")
        .replace(
            "milestones: [{by: 2012-06-30, value: 12}]",
            "milestones: [{by: 2012-06-30, value: 12}, {by: 2012-09-30, value: 18}]",
        )
        .replace(
            "{every: quarter, day: 25, start: 2012-01, end: 2012-12}",
            "{every: quarter, day: 10, after: true, start: 2012-01, end: 2012-09}",
        )
    )
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    c = load_campaign(path)
    target = next(t for t in c.targets if t.key == "hitech_enterprises")
    assert reported_period_end(c, date(2012, 7, 17)) == date(2012, 6, 30)
    assert target.milestone_for(reported_period_end(c, date(2012, 7, 17))).value == 12
    assert target.milestone_for(reported_period_end(c, date(2012, 10, 17))).value == 18
    assert target.milestone_for(reported_period_end(c, date(2012, 4, 17))) is None  # Q1: no milestone due yet


@pytest.mark.unit
def test_check_says_every_mistake_at_once(tmp_path):
    """A placeholder, a choice no cell can hold, and a Saturday briefing: one run names them all
    (the author trial found them one by one)."""
    from config.settings import CAMPAIGNS_DIR

    text = (CAMPAIGNS_DIR / "huaian-2010.yaml").read_text(encoding="utf-8")
    text = text.replace("{column: is_tech_enterprise, eq: 否}", "{column: is_tech_enterprise, eq: 不是}", 1)
    text = text.replace("message: 已完成的事项须填写完成日期}", "message: '已完成的事项须填写完成日期（{first}）'}", 1)
    text = text.replace("  after_obligations: [O4]\n", "  after_obligations: [O4]\n  dates: [2010-07-24]\n", 1)
    (tmp_path / "campaigns").mkdir()
    path = tmp_path / "campaigns" / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as e:
        load_campaign(path)
    said = str(e.value)
    assert "“不是”不是“是否科技型企业”的可选值（可选：是、否）" in said
    assert "占位符 {first} 不适用于 required-when 规则" in said
    assert "提醒：" in said and "简报日 2010-07-24 不是工作日" in said


@pytest.mark.integration
def test_an_in_list_rule_speaks_in_its_authors_words(tmp_path):
    from tasks.intake.validate import inspect_file
    from tests.campaigns.test_third_campaign import filled

    campaign = load_campaign(
        _with_rules(
            tmp_path,
            "{rule: in-list, column: indicator, list: targets}",
            "{rule: in-list, column: indicator, list: targets, message: '“{value}”不是本计划的指标'}",
        )
    )
    v = inspect_file(
        filled("target-progress", [["科技企业贷款", 1, 2]], "计划科", "2012年第二季度"),
        "指标.xlsx",
        campaign,
        received=date(2012, 7, 1),
    )
    assert [i.message for i in v.issues if i.code == "not-in-list"] == ["第4行“指标”“科技企业贷款”不是本计划的指标"]
