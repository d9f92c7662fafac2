"""A third campaign, written only in YAML (tests/data/campaigns/sti-2012.yaml): its calendar,
templates, validation, submission and sweep work with no Python change."""

from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from config.settings import Settings
from schemas.campaign import periods
from schemas.loading import CampaignError, load_campaign
from tasks.app.open import open_app
from tasks.briefing.job import compile_briefing
from tasks.calendar.obligations import build_calendar
from tasks.intake.rows import current_rows
from tasks.intake.service import submit_bytes
from tasks.intake.templates import template, write_templates
from tasks.intake.validate import inspect_file
from tasks.reminders.job import sweep_day
from tests import TEST_DATA
from tests.filled import filled_template

HERE = TEST_DATA / "campaigns"
STI = load_campaign(HERE / "sti-2012.yaml")


@pytest.mark.unit
def test_its_calendar_is_quarterly():
    rows = build_calendar(STI)
    assert len(rows) == 5 * 4 + 3 * 4
    assert periods(STI.obligation("P1")) == [
        ("2012-Q1", date(2012, 3, 25)),
        ("2012-Q2", date(2012, 6, 25)),
        ("2012-Q3", date(2012, 9, 25)),
        ("2012-Q4", date(2012, 12, 25)),
    ]


def filled(form: str, rows: list[list[object]], unit: str, title_period: str) -> bytes:
    title = template(STI.form(form), STI, unit=unit).worksheets[0]["A1"].value
    return filled_template(STI, form, rows, unit, title=f"{title}（{title_period}）")


@pytest.mark.integration
def test_templates_validate_submit_and_sweep(tmp_path):
    paths = write_templates(STI, tmp_path / "tpl")
    assert sorted(p.name for p in paths) == [
        "季度进展_重点工作季度进展情况表.xlsx",
        "指标完成_主要指标季度完成情况表.xlsx",
    ]
    notes = load_workbook(paths[0])["填表说明"]
    assert any("累计报表" in str(c.value) for c in notes["A"])

    good = filled(
        "task-progress",
        [
            ["科技项目申报", "已组织申报国家级项目2项", 60, "资金未到位", "跟进省厅初审"],
            ["专利申请与保护", "完成专利申请80件", 100, None, "继续培训"],
        ],
        "计划科",
        "2012年第一季度",
    )
    v = inspect_file(good, "进展.xlsx", STI, received=date(2012, 3, 20))
    assert (v.status, v.unit, v.form, v.period) == ("accepted", "计划科", "task-progress", "2012-Q1"), v.issues
    bad = filled(
        "task-progress",
        [["科技项目申报", "进行中", 160, None, "继续"], ["招商引资", "x", 50, None, "y"]],
        "计划科",
        "2012年第一季度",
    )
    v = inspect_file(bad, "进展.xlsx", STI, received=date(2012, 3, 20))
    codes = {i.code for i in v.issues}
    assert v.status == "rejected" and {"out-of-range", "not-in-list", "when"} <= codes, v.issues
    assert any("不大于100" in i.message for i in v.issues)

    kpi = filled("target-progress", [["高新技术企业", 3, 2], ["专利申请", 80, 80]], "知识产权科", "2012年第1季度")
    v = inspect_file(kpi, "指标.xlsx", STI, received=date(2012, 3, 20))
    assert v.status == "rejected" and [i.message for i in v.errors] == ["第4行“累计”累计不能小于本季度"]

    settings = Settings(home=tmp_path / "var", campaigns_dir=HERE, campaign="sti-2012", _env_file=None)  # type: ignore[call-arg]
    app = open_app("sti-2012", settings=settings)
    r = submit_bytes(app, good, "计划科_2012年第一季度.xlsx", received_at=datetime(2012, 3, 20, 10))
    assert r.status == "accepted"

    with app.store.session() as s:
        rows = current_rows(s, STI.form("task-progress"), "sti-2012")
    assert [(x["unit"], x["task"], x["percent"]) for x in rows] == [
        ("计划科", "科技项目申报", 60.0),
        ("计划科", "专利申请与保护", 100.0),
    ]
    swept = sweep_day(app, date(2012, 3, 21), dry_run=True)  # 3 working days before 03-25 (a Sunday)
    reminded = {(d.unit, d.obligation) for d in swept.decisions}
    assert ("计划科", "P1") not in reminded and ("办公室", "P1") in reminded and ("计划科", "P2") in reminded

    # it briefs on its own three targets, from its KPI form
    kpi_ok = filled("target-progress", [["高新技术企业", 3, 8], ["专利申请", 80, 95]], "知识产权科", "2012年第1季度")
    assert submit_bytes(app, kpi_ok, "知识产权科_指标.xlsx", received_at=datetime(2012, 3, 22, 10)).status == "accepted"
    kpi_2 = filled("target-progress", [["省级以上科技项目", 2, 2]], "高新技术科", "2012年第1季度")
    assert submit_bytes(app, kpi_2, "高新技术科_指标.xlsx", received_at=datetime(2012, 3, 23, 10)).status == "accepted"

    c = compile_briefing(app, date(2012, 3, 29), out=tmp_path / "brief")
    figs = {
        f.value.label: (f.value.value, f.target.value if f.target else None, f.milestone.value if f.milestone else None)
        for f in c.data.figures
    }
    # the Q1 briefing is measured against no milestone: the first (06-30) is not due by the quarter's end
    assert (
        figs["高新技术企业"] == (8, 25, None)
        and figs["专利申请"] == (95, 400, None)
        and figs["省级以上科技项目"] == (2, 10, None)
    )
    assert figs["已完成的重点工作"] == (1, None, None)
    assert c.data.title == "2012年区科技局重点工作计划季度通报（第1期）" and c.pages >= 1
    assert [t.label for t in c.data.trends] == ["高新技术企业", "专利申请", "省级以上科技项目"]
    assert "报送：局党组成员，各科室。" in c.html.read_text(encoding="utf-8")
    app.store.dispose()


@pytest.mark.unit
@pytest.mark.parametrize(
    "edit,expected",
    [
        (lambda t: t.replace("list: key-tasks}", "list: key-taskz}"), "没有名为“key-taskz”的列表"),
        (lambda t: t.replace("columns: [task]}", "columns: [task_name]}"), "没有列“task_name”"),
        (
            lambda t: t.replace(
                "rule: when, conditions: [{column: percent", "rule: whenever, conditions: [{column: percent"
            ),
            "未知规则“whenever”",
        ),
        (lambda t: t.replace("form: target-progress\n", "form: targets-progress\n"), "未知表单“targets-progress”"),
        (
            lambda t: t.replace(
                "form: task-progress, where: [{column: percent", "form: task-progres, where: [{column: percent"
            ),
            "统计的表单“task-progres”不存在",
        ),
        (
            lambda t: t.replace(
                "where: [{column: problems, empty: false}]", "where: [{column: problem, empty: false}]"
            ),
            "没有列“problem”",
        ),
        (lambda t: t.replace("{by: 2012-06-30, value: 12}", "{by: 2013-06-30, value: 12}"), "不在活动期"),
        (lambda t: t.replace("after_obligations: [P2]", "after_obligations: [P9]"), "简报所依据的任务“P9”不存在"),
        (
            lambda t: t.replace(
                "kpi: {form: target-progress, name: indicator, value: total}",
                "kpi: {form: target-progress, name: indicator, value: totals}",
            ),
            "没有列“totals”",
        ),
    ],
)
def test_an_authors_mistake_is_named_with_its_line(tmp_path, edit, expected):
    p = tmp_path / "campaigns" / "sti-2012.yaml"
    p.parent.mkdir()
    p.write_text(edit((HERE / "sti-2012.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CampaignError) as e:
        load_campaign(p)
    assert expected in str(e.value) and "行" in str(e.value), str(e.value)
