"""Files as clerks send them (design/INTAKE-CHANNELS.md): every format Excel opens gets the
verdict its content deserves, the same row messages as the .xlsx of the same sheet."""

import io
import random
from datetime import date

import pytest
from openpyxl import load_workbook

from tasks.intake.cells import phone
from tasks.intake.validate import inspect_file
from tasks.reader import NO_VALUE
from tasks.reader.parse import parse
from tasks.reader.sheet import Limits, Unreadable
from tasks.reader.sniff import markup_kind, tabular_text
from tests.tasks.intake.files import CAMPAIGN, messy_workbook, need_row, xls_bytes
from tests.tasks.intake.format_files import (
    grid,
    html_xls,
    ods_bytes,
    spreadsheet_ml,
    unicode_text,
    xlsx_of,
)

pytestmark = [pytest.mark.integration]

GOOD = [need_row(0), need_row(1)]
BAD = [need_row(0), need_row(1, sales_wan="0.3亿"), need_row(2, need_type="难题", phone="83660000", contact="")]


def verdict(data: bytes, name: str, **kw):
    return inspect_file(data, name, CAMPAIGN, received=date(2010, 7, 1), **kw)


def row_issues(v):
    return [(i.severity, i.code, i.row, i.column, i.message) for i in v.issues]


def judged_like_xlsx(build, name: str, unit: str) -> None:
    """A correct 附表3 in this format is accepted; one with bad rows gets the .xlsx's messages."""
    good = verdict(build("tech-needs", GOOD, unit=unit), name)
    assert (good.status, good.form, good.unit, good.period) == ("accepted", "tech-needs", unit, "第1批"), good.issues
    assert [r["enterprise"] for r in good.records] == [GOOD[0][0], GOOD[1][0]]
    assert good.records[0]["sales_wan"] == 2500.0 and good.records[0]["phone"] == "0517-83660000"
    bad = verdict(build("tech-needs", BAD, unit=unit), name)
    reference = verdict(xlsx_of(grid("tech-needs", BAD, unit)), "reference.xlsx")
    assert bad.status == reference.status == "rejected"
    assert {"bad-money", "not-in-list", "bad-phone", "required"} <= {i.code for i in bad.issues}
    assert row_issues(bad) == row_issues(reference)


@pytest.mark.parametrize("charset", ["gbk", "utf-8"])
def test_a_html_table_named_xls(charset):
    judged_like_xlsx(lambda *a, **kw: html_xls(*a, **kw, charset=charset), "附表3_导出.xls", "清河区")
    v = verdict(html_xls("tech-needs", GOOD, charset=charset), "导出Excel.xls")
    assert v.headers["sales_wan"] == "上年销售收入（万元）"  # the <br> in the header cell is layout, as in a workbook


def test_b_excel_2003_xml_named_xls():
    judged_like_xlsx(spreadsheet_ml, "附表3.xls", "洪泽县")
    v = verdict(spreadsheet_ml("tech-needs", GOOD), "附表3.xls")
    assert v.sheet == "附表3" and v.header_row == 4  # the instructions sheet in front is skipped


def test_c_opendocument_ods():
    judged_like_xlsx(ods_bytes, "附表3.ods", "金湖县")


def test_d_wps_et_is_read_by_its_bytes():
    for data, name in (
        (messy_workbook("tech-needs", GOOD, unit="清河区"), "附表3.et"),
        (xls_bytes("tech-needs", GOOD, unit="涟水县"), "附表3模板.ett"),
    ):
        v = verdict(data, name)
        assert (v.status, v.form) == ("accepted", "tech-needs"), v.issues
        assert len(v.records) == 2
    v = verdict(b"\x00\x01WPS proprietary \xff\xfe junk" * 40, "附表3.et")
    assert v.unreadable and v.issues[0].code == "not-a-workbook"  # a workbook's name: never read as CSV


def test_e_unicode_text_is_a_table_and_prose_text_a_document():
    judged_like_xlsx(unicode_text, "附表3.txt", "盱眙县")
    prose = "\r\n".join(
        [
            "清河区2010科洽会活动总结",
            "",
            "一、基本情况：本次活动共组织企业46家，签约项目12个。",
            "二、主要做法：一是提前对接，二是精心组织。",
            "三、下一步打算：加强跟踪服务。",
        ]
    )
    for data in (b"\xff\xfe" + prose.encode("utf-16-le"), prose.encode("gbk")):
        v = verdict(data, "清河区活动总结.txt")
        assert (v.status, v.form, v.unit) == ("accepted", "summary", "清河区"), v.issues


def test_f_landline_written_with_spaces():
    assert phone("0517 8490 1235") == phone("(0517) 8490 1235") == "0517-84901235"
    rows = [need_row(0, phone="0517 8490 1235"), need_row(1, phone="0517　8490　1235")]  # also ideographic spaces
    for data, name in ((messy_workbook("tech-needs", rows), "附表3.xlsx"), (html_xls("tech-needs", rows), "附表3.xls")):
        v = verdict(data, name)
        assert v.status == "accepted", v.issues
        assert [r["phone"] for r in v.records] == ["0517-84901235", "0517-84901235"]


def test_g_formula_without_a_computed_value():
    wb = load_workbook(io.BytesIO(xlsx_of(grid("tech-needs", GOOD, "清河区"))))
    ws = wb.active
    ws["D5"] = "=1000*2.5"  # 上年销售收入, required; openpyxl writes the formula and no result
    ws["K6"] = "=K5"  # 意向合作高校院所, optional
    buf = io.BytesIO()
    wb.save(buf)
    v = verdict(buf.getvalue(), "附表3.xlsx")
    got = {(i.row, i.column): i for i in v.issues if i.code == "formula-no-value"}
    assert got[5, "上年销售收入（万元）"].message == f"第5行“上年销售收入（万元）”{NO_VALUE}"
    assert got[5, "上年销售收入（万元）"].severity == "error" and v.status == "rejected"
    assert got[6, "意向合作高校院所"].severity == "warning"
    assert "不能为空" not in " ".join(i.message for i in v.issues)

    v = verdict(spreadsheet_ml("tech-needs", GOOD, formulas={(1, 3): "=R[-1]C*2"}), "附表3.xls")
    assert [(i.code, i.row, i.severity) for i in v.issues if i.severity == "error"] == [
        ("formula-no-value", 6, "error")
    ]

    wb = load_workbook(io.BytesIO(xlsx_of(grid("tech-needs", GOOD, "清河区"))))
    wb.active["E5"] = "是"  # an xlsx whose empty cells are just empty still says "不能为空"
    wb.active["D5"] = None
    buf = io.BytesIO()
    wb.save(buf)
    assert {i.code for i in verdict(buf.getvalue(), "附表3.xlsx").issues} >= {"required"}


def test_h_a_form_table_does_not_meet_the_summary():
    for data, name in (
        (html_xls("tech-needs", GOOD), "清河区活动总结.xls"),
        (unicode_text("tech-needs", GOOD, unit="清河区"), "清河区总结.txt"),
        (messy_workbook("tech-needs", GOOD), "清河区总结.xlsx"),
    ):
        v = verdict(data, name, form="summary")
        assert v.unreadable and v.issues[0].code == "not-a-document", name
        assert "附表3" in v.issues[0].message and "活动总结" in v.issues[0].message
        v = verdict(data, name)  # no obligation named: it is identified as the form it is
        assert (v.form, v.status) == ("tech-needs", "accepted")
    prose = "清河区科洽会活动总结\n本次活动组织企业46家。\n签约项目12个。\n".encode()
    assert verdict(prose, "清河区总结.txt", form="summary").status == "accepted"
    assert verdict(b"%PDF-1.4 ...", "清河区总结.pdf", form="summary").status == "accepted"


# --- the readers themselves: caps and safety (in-process, no reader child) ---------------------


@pytest.mark.unit
def test_sniffing_looks_at_bytes_not_names():
    assert markup_kind(html_xls("tech-needs", GOOD)) == "html"
    assert markup_kind(b"\xef\xbb\xbf  <!-- saved -->\n<!DOCTYPE html><html><table>") == "html"
    assert markup_kind(spreadsheet_ml("tech-needs", GOOD)) == "spreadsheet-ml"
    assert markup_kind(messy_workbook("tech-needs", GOOD)) is None
    assert markup_kind("企业名称,联系人\n<b>".encode()) is None
    assert tabular_text(unicode_text("tech-needs", GOOD))
    assert tabular_text(b"a,b,c\n1,2,3\n4,5,6\n")
    assert not tabular_text("总结\n一、今年我们做了很多工作，成效明显。\n二、下一步。".encode("gbk"))


@pytest.mark.unit
def test_markup_keeps_the_limits():
    wide = ("<html><body><table><tr>" + "<td>x</td>" * 50 + "</tr></table></body></html>").encode()
    with pytest.raises(Unreadable, match="文件过大"):
        parse(wide, "x.xls", Limits(max_columns=20))
    spans = b"<html><table>" + b'<tr><td colspan="999999" rowspan="999999">x</td></tr>' * 50 + b"</table></html>"
    with pytest.raises(Unreadable, match="文件过大"):
        parse(spans, "x.xls", Limits(max_cells=10_000))
    far = spreadsheet_ml("tech-needs", GOOD).replace(b"<Row/>", b'<Row ss:Index="900000"/>', 1)
    with pytest.raises(Unreadable, match="文件过大"):
        parse(far, "x.xls", Limits(max_cells=100_000))
    entity = (
        b'<?xml version="1.0"?><!DOCTYPE Workbook [<!ENTITY a "aaaaaaaa">]>'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>'
    )
    with pytest.raises(Unreadable) as e:
        parse(entity, "x.xls", Limits())
    assert e.value.code == "xml-entities"
    with pytest.raises(Unreadable) as e:
        parse(b"<html><body><p>no table here</p></body></html>", "x.xls", Limits())
    assert e.value.code == "not-a-table"


@pytest.mark.unit
def test_broken_markup_is_unreadable_never_an_exception():
    """Tags and declarations spliced into real exports (found: a broken "<![" section makes
    html.parser assert; an unknown XML encoding makes expat raise LookupError)."""
    rnd = random.Random(7)
    seeds = [
        (html_xls("tech-needs", GOOD), "x.xls"),
        (spreadsheet_ml("tech-needs", GOOD, formulas={(0, 3): "=1"}), "y.xls"),
    ]
    splices = [
        b"<tr>",
        b"<td colspan=99>",
        b"</table>",
        b"<table>",
        b'ss:Index="7"',
        b"<Row>",
        b"</Cell>",
        b'ss:MergeAcross="-3"',
        b"<![CDATA[",
        b"<![if",
        b"&#0;",
        b'encoding="et"',
        b"<!--",
    ]
    for _ in range(400):
        data, name = rnd.choice(seeds)
        b = bytearray(data)
        for _ in range(rnd.randint(1, 12)):
            p = rnd.randrange(len(b))
            if rnd.random() < 0.5:
                b[p:p] = rnd.choice(splices)
            else:
                del b[p : p + rnd.randint(1, 40)]
        try:
            parse(bytes(b), name, Limits(max_cells=100_000))
        except Unreadable:
            pass
