"""A blank template, filled in as a clerk would (typed numbers and real date cells), passes
our own validation: the templates and the validator agree on every header."""

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from config.settings import CAMPAIGNS_DIR
from schemas.loading import load_campaign
from tasks.intake.templates import template
from tasks.intake.validate import inspect_file
from tests.tasks.intake.files import need_row

pytestmark = [pytest.mark.integration]

CAMPAIGN = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")


def filled(form: str, rows: list[list[object]], unit: str) -> bytes:
    buf = io.BytesIO()
    template(CAMPAIGN.form(form), CAMPAIGN).save(buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb.worksheets[0]
    ws["A2"] = f"填报单位（盖章）：{unit}科技局        填报日期：2010年8月15日"
    for i, row in enumerate(rows, 4):
        ws.cell(i, 1, i - 3)
        for j, value in enumerate(row, 2):
            ws.cell(i, j, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_every_template_has_the_form_headers_and_is_recognised():
    for spec in CAMPAIGN.forms:
        code = spec.code
        if spec.document:
            continue
        v = inspect_file(filled(code, [], "清河区"), "x.xlsx", CAMPAIGN, received=date(2010, 7, 1))
        assert v.form == code and v.header_row == 3, (code, v.issues)
        assert [i.code for i in v.errors] == ["no-rows"], (code, v.issues)


def test_a_filled_template_with_typed_numbers_and_date_cells_is_accepted():
    row: list[object] = need_row(0)
    row[2] = 2500  # a number cell, formatted #,##0.00 by the template
    v = inspect_file(filled("tech-needs", [row], "淮阴区"), "附表3_第1批.xlsx", CAMPAIGN, received=date(2010, 7, 1))
    assert (v.status, v.unit, v.period) == ("accepted", "淮阴区", "第1批"), v.issues
    assert v.records[0]["sales_wan"] == 2500.0

    neg = [
        "校企合作项目",
        "淮安华达",
        "淮阴工学院",
        datetime(2010, 8, 5),
        "已签约",
        date(2010, 8, 12),
        120,
        "合作开发",
        "否",
        None,
    ]
    v = inspect_file(
        filled("negotiations", [neg], "楚州区"), "附表5_2010年8月.xlsx", CAMPAIGN, received=date(2010, 8, 16)
    )
    assert (v.status, v.period) == ("accepted", "2010-08"), v.issues
    assert (v.records[0]["contact_date"], v.records[0]["signed_date"]) == (date(2010, 8, 5), date(2010, 8, 12))
