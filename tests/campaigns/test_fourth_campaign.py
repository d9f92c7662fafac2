"""A fourth campaign, written only in YAML (tests/data/campaigns/yudu-2013.yaml, from seed 003 篇4),
run end to end with files named as clerks name them: templates → filled files → validate →
submit (no period given) → sweep → brief. Every figure below is worked out by hand."""

import io
from datetime import date, datetime

import pytest

from config.settings import Settings
from schemas.briefings import BriefingStatus
from schemas.campaign import periods
from schemas.loading import check_campaign
from tasks.app.open import open_app
from tasks.briefing.job import compile_briefing, record
from tasks.intake.service import submit_bytes
from tasks.intake.templates import template, write_templates
from tasks.intake.validate import inspect_file
from tasks.reminders.job import sweep_day
from tests import TEST_DATA
from tests.filled import filled_template

HERE = TEST_DATA / "campaigns"
YUDU, NOTES = check_campaign(HERE / "yudu-2013.yaml")


def filled(form: str, rows: list[list[object]], unit: str) -> bytes:
    """The campaign's own template, filled in as a clerk would (the 填报单位 line names the unit)."""
    return filled_template(YUDU, form, rows, unit)


@pytest.mark.unit
def test_its_plan_reads_as_the_plan_writes_it():
    assert NOTES == []  # nothing to point out
    due = dict(periods(YUDU.obligation("M1")))
    # 次月10日, 如逢节假日顺延: 2013-02-10 falls in the Spring Festival holiday, the next working day is
    # the 调休 Saturday 02-16; 03-10 is a Sunday; 06-10 is in the 端午 holiday (06-10..12)
    assert (due["2013-01"], due["2013-02"], due["2013-05"], due["2013-06"]) == (
        date(2013, 2, 16),
        date(2013, 3, 11),
        date(2013, 6, 13),
        date(2013, 7, 10),
    )
    assert periods(YUDU.obligation("Y1")) == [("2013", date(2014, 1, 15))]  # declared as 2013年度
    assert YUDU.briefing_days() == [date(2013, 4, 17), date(2013, 7, 17), date(2013, 10, 17)]


PARK_MARCH = [
    ["园区企业科技成果转化率", "%", 1.5, 56.5],
    ["省级民营科技企业", "家", 1, 1],
    ["引进新技术新成果", "项", 2, 4],
]
CENTRE_MARCH = [["引进新技术新成果", "项", 1, 3], ["省级以上科技项目", "项", 0, 1]]
IP_MARCH = [["专利申请", "件", 6, 17], ["专利授权", "件", 3, 8]]
PARK_LEDGER_MARCH = [
    ["半导体照明企业创新基金申报", "刘园", "2013-03-31", "推进中", None, "材料已报省厅"],
    ["新能源产业技术对接", "刘园", "2013-06-30", "推进中", None, "已对接两所高校"],
    ["园区成果转化服务平台", "陈主任", "2013-03-15", "已完成", "2013-03-12", "已投入使用"],
]
FARM_LEDGER_MARCH = [["乐兴园申报省级农业科技园", "钟农", "2013-04-30", "推进中", None, "申报材料编制中"]]


@pytest.mark.integration
def test_files_as_clerks_name_them_are_judged_with_the_plans_own_rules():
    march = date(2013, 4, 8)
    for data, name, unit in (
        (
            filled("monthly-kpi", PARK_MARCH, "工业园区管委会"),
            "工业园区管委会2013年3月份指标月报.xlsx",
            "工业园区管委会",
        ),
        (filled("monthly-kpi", CENTRE_MARCH, "县生产力促进中心"), "生产力促进中心_2013.3月报.xlsx", "县生产力促进中心"),
        (filled("monthly-kpi", IP_MARCH, "局知识产权股"), "知识产权股 三月份 指标月报.xlsx", "局知识产权股"),
    ):
        v = inspect_file(data, name, YUDU, received=march)
        assert (v.status, v.unit, v.form, v.period) == ("accepted", unit, "monthly-kpi", "2013-03"), (name, v.issues)
        assert v.issues == []

    bad = [["专利申请", "件", 1, 2.5], ["园区企业科技成果转化率", "%", 1, 130], ["引进新技术新成果", "项", 5, 3]]
    v = inspect_file(
        filled("monthly-kpi", bad, "工业园区管委会"), "园区管委会_2013年3月_指标月报.xlsx", YUDU, received=march
    )
    assert v.status == "rejected"
    assert [i.message for i in v.issues] == [
        "第4行“1-本月累计”为项数，应填写整数（当前2.5）",
        "第5行“1-本月累计”为百分比，应在0至100之间（当前130）",
        "第6行“1-本月累计”1-本月累计（3）小于本月完成数（5）",
    ]

    # the ledger: a row past its 完成时限 on the day the file arrives is pointed out, not refused
    v = inspect_file(
        filled("project-ledger", PARK_LEDGER_MARCH, "工业园区管委会"),
        "工业园区重点项目台账（2013年3月）.xlsx",
        YUDU,
        received=march,
    )
    assert (v.status, v.period) == ("accepted", "2013-03")
    assert [i.message for i in v.issues] == [
        "第4行“完成时限”（2013-03-31）已过，项目尚未完成，请在进展说明中写明原因和新的完成时间"
    ]


@pytest.mark.integration
def test_templates_submit_sweep_and_two_briefings(tmp_path, smtp):
    names = sorted(p.name for p in write_templates(YUDU, tmp_path / "tpl"))
    assert names == ["指标月报_科技工作主要指标月报表.xlsx", "项目台账_重点科技项目推进台账.xlsx"]

    settings = Settings(home=tmp_path / "var", smtp_port=smtp.port, _env_file=None)  # type: ignore[call-arg]
    app = open_app(campaign=YUDU, settings=settings)
    march = datetime(2013, 4, 8, 10)
    for form, rows, unit, name in (
        ("monthly-kpi", PARK_MARCH, "工业园区管委会", "工业园区管委会2013年3月份指标月报.xlsx"),
        ("monthly-kpi", CENTRE_MARCH, "县生产力促进中心", "生产力促进中心_2013.3月报.xlsx"),
        ("monthly-kpi", IP_MARCH, "局知识产权股", "知识产权股 三月份 指标月报.xlsx"),
        ("project-ledger", PARK_LEDGER_MARCH, "工业园区管委会", "工业园区重点项目台账（2013年3月）.xlsx"),
        ("project-ledger", FARM_LEDGER_MARCH, "县农业局", "农业局_项目台账_2013.03.xlsx"),
    ):
        r = submit_bytes(app, filled(form, rows, unit), name, received_at=march)
        assert (r.status, r.verdict.unit, r.verdict.period) == ("accepted", unit, "2013-03"), (name, r.verdict.issues)

    # the day after the March ledger was due (04-10): the one unit that sent none is escalated
    swept = sweep_day(app, date(2013, 4, 11), confirmed_by="测试", now=datetime(2013, 4, 11, 9))
    march_due = {(d.unit, d.obligation) for d in swept.decisions if d.period == "2013-03"}
    assert march_due == {("县林业局", "M2")}

    first = compile_briefing(app, date(2013, 4, 17), out=tmp_path / "b1")
    assert first.data.title == "于都县2013年科技工作计划督办通报（第1期）"
    record(app, first, status=BriefingStatus.SENT, by="办公室", comment="", now=datetime(2013, 4, 17, 10))
    assert _figures(first) == {
        "园区企业科技成果转化率": (56.5, 65, None),  # the park's own figure: no milestone due by 03-31
        "已完成重点项目": (1, None, None),
        "逾期未完成重点项目": (1, None, None),  # 03-31 passed and not done; 04-30 not yet
        "省级以上科技项目": (1, 2, None),
        "省级民营科技企业": (1, 3, None),
        "引进新技术新成果": (7, 13, None),  # 4 (park) + 3 (centre)
        "专利申请": (17, 50, None),
        "专利授权": (8, 26, None),
    }

    june = datetime(2013, 7, 8, 10)
    park_june = [
        ["园区企业科技成果转化率", "%", 0.5, 58],
        ["省级民营科技企业", "家", 0, 1],
        ["引进新技术新成果", "项", 1, 5],
    ]
    ledger_june = [
        ["半导体照明企业创新基金申报", "刘园", "2013-03-31", "已完成", "2013-05-20", "已获立项"],
        ["新能源产业技术对接", "刘园", "2013-06-30", "推进中", None, "合作协议待签"],
        ["园区成果转化服务平台", "陈主任", "2013-03-15", "已完成", "2013-03-12", "已投入使用"],
    ]
    for form, rows, name in (
        ("monthly-kpi", park_june, "工业园区2013年6月指标月报.xlsx"),
        ("project-ledger", ledger_june, "工业园区管委会_项目台账_二〇一三年六月.xlsx"),
    ):
        r = submit_bytes(app, filled(form, rows, "工业园区管委会"), name, received_at=june)
        assert (r.status, r.verdict.period) == ("accepted", "2013-06"), (name, r.verdict.issues)

    second = compile_briefing(app, date(2013, 7, 17), out=tmp_path / "b2")  # numbered as issued: the first was sent
    assert second.data.title == "于都县2013年科技工作计划督办通报（第2期）"
    figs = _figures(second)
    # the quarter reported ended 06-30: the 06-30 milestones, not the 09-30 one
    assert figs["园区企业科技成果转化率"] == (58, 65, 57)
    assert figs["已完成重点项目"] == (2, None, None)
    assert figs["逾期未完成重点项目"] == (2, None, None)  # the park's 06-30 project, the farm bureau's 04-30 one
    assert figs["引进新技术新成果"] == (8, 13, 6)  # 5 (park, June) + 3 (centre, March)
    assert figs["专利申请"] == (17, 50, 25)
    app.store.dispose()


def _figures(compiled) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    return {
        f.value.label: (f.value.value, f.target.value if f.target else None, f.milestone.value if f.milestone else None)
        for f in compiled.data.figures
    }


@pytest.mark.integration
def test_its_templates_speak_of_its_own_plan_and_their_period_line_is_read():
    wb = template(YUDU.form("project-ledger"), YUDU, unit="县农业局")
    ws, notes = wb.worksheets[0], wb["填表说明"]
    assert ws["A1"].value == "项目台账　重点科技项目推进台账（于都县2013年科技工作计划）"
    assert "报送期次：" in ws["A2"].value
    red = {
        ws.cell(3, j).value
        for j in range(2, 8)
        if ws.cell(3, j).font.color and ws.cell(3, j).font.color.rgb == "00C00000"
    }
    assert red == {"项目名称", "责任人", "完成时限", "推进状态"}
    text = "\n".join(str(c.value) for c in notes["A"] if c.value)
    assert "2010" not in text and "日期，如 2013-01-01 或 2013年1月1日" in text
    assert "报送期次”处写明单位名称和报送期次（如“2013年1月”）" in text and "含以前各期" not in text

    ws["A2"] = "填报单位（盖章）：县农业局        报送期次：2013年5月        填报日期：2013年6月8日"
    for j, value in enumerate([1, *FARM_LEDGER_MARCH[0]], 1):
        ws.cell(4, j, value)
    buf = io.BytesIO()
    wb.save(buf)
    v = inspect_file(buf.getvalue(), "项目台账.xlsx", YUDU, received=date(2013, 6, 8))
    assert (v.status, v.unit, v.period) == ("accepted", "县农业局", "2013-05"), v.issues
    assert not [i for i in v.issues if i.code == "period-assumed"]


@pytest.mark.integration
def test_the_change_since_the_last_briefing_without_recording_it(tmp_path):
    """Compiled but never approved, the 04-17 briefing still is what 07-17 compares with: its
    figures as of 04-17, from the files in force then (the author trial saw "—" everywhere)."""
    app = open_app(campaign=YUDU, settings=Settings(home=tmp_path / "var", _env_file=None))  # type: ignore[call-arg]
    submit_bytes(
        app,
        filled("monthly-kpi", PARK_MARCH, "工业园区管委会"),
        "园区3月月报_2013年3月.xlsx",
        received_at=datetime(2013, 4, 8, 10),
    )
    park_june = [
        ["园区企业科技成果转化率", "%", 0.5, 58],
        ["省级民营科技企业", "家", 0, 1],
        ["引进新技术新成果", "项", 1, 5],
    ]
    submit_bytes(
        app,
        filled("monthly-kpi", park_june, "工业园区管委会"),
        "园区6月月报_2013年6月.xlsx",
        received_at=datetime(2013, 7, 8, 10),
    )
    second = compile_briefing(app, date(2013, 7, 17), out=tmp_path / "b2")
    change = {f.value.label: f.change for f in second.data.figures}
    assert change["园区企业科技成果转化率"] == pytest.approx(1.5) and change["引进新技术新成果"] == 1
    app.store.dispose()
