"""Seed 004's forms (工作汇报, 目标任务完成情况表) through templates, validation and submission."""

from datetime import date, datetime

import pytest

from config.settings import CAMPAIGNS_DIR, Settings
from schemas.loading import load_campaign
from tasks.intake.templates import write_templates
from tasks.intake.validate import inspect_file
from tests.filled import filled_template

pytestmark = [pytest.mark.integration]

SI = load_campaign(CAMPAIGNS_DIR / "self-innovation.yaml")
GROUP = "科技项目实施组"


def filled(form: str, rows: list[list[object]], title: str) -> bytes:
    return filled_template(SI, form, rows, GROUP, title=title)


def test_both_forms_have_templates_with_dropdowns_from_the_campaign(tmp_path):
    paths = write_templates(SI, tmp_path)
    assert {p.name for p in paths} >= {"工作汇报_项目组半月工作汇报.xlsx", "目标任务_目标任务完成情况表.xlsx"}
    from openpyxl import load_workbook

    wb = load_workbook(next(p for p in paths if "目标任务" in p.name))
    lists = [dv.formula1 for dv in wb.worksheets[0].data_validations.dataValidation]
    assert any("高新技术产业增加值" in (f or "") for f in lists)  # the indicator dropdown is the campaign's targets


def test_a_half_monthly_report_and_a_kpi_report_are_judged_and_stored(tmp_path):
    from tasks.app.open import open_app
    from tasks.intake.rows import current_rows
    from tasks.intake.service import submit_bytes

    report = filled(
        "progress-report",
        [
            ["工作进度", "省级项目申报", "已完成3个项目的省级申报材料"],
            ["存在问题", "配套资金", "两个项目的企业配套资金尚未落实，需指挥部协调"],
        ],
        "项目组半月工作汇报（2011年3月上半月）",
    )
    v = inspect_file(report, "汇报.xlsx", SI, received=date(2011, 3, 14))
    assert (v.status, v.unit, v.period) == ("accepted", GROUP, "2011-03上"), v.issues
    no_progress = filled(
        "progress-report", [["存在问题", "资金", "配套资金尚未落实，需要协调"]], "半月工作汇报 2011年3月下半月"
    )
    v = inspect_file(no_progress, "汇报.xlsx", SI, received=date(2011, 3, 30))
    assert v.period == "2011-03下" and [i.code for i in v.errors] == ["no-progress"]

    kpi = filled(
        "kpi-progress",
        [["高新技术产业增加值", 0.4, 28.1, "亿元", ""], ["不存在的指标", 1, 1, "", ""]],
        "目标任务完成情况表（2011年3月）",
    )
    v = inspect_file(kpi, "指标.xlsx", SI, received=date(2011, 3, 25))
    assert v.status == "rejected" and [i.code for i in v.errors] == ["not-in-list"] and v.errors[0].row == 5

    app = open_app("self-innovation", settings=Settings(home=tmp_path / "var", _env_file=None))  # type: ignore[call-arg]
    assert submit_bytes(app, report, "汇报.xlsx", received_at=datetime(2011, 3, 14, 9)).status == "accepted"
    with app.store.session() as s:
        rows = current_rows(s, SI.form("progress-report"), SI.id)
    assert [(r["unit"], r["period"], r["category"]) for r in rows] == [
        (GROUP, "2011-03上", "工作进度"),
        (GROUP, "2011-03上", "存在问题"),
    ]
    app.store.dispose()
