"""Headlines say what happened (issue 23.8): a file read but of no form is not "unreadable"; a
prose text named after a table form is refused as such; a cell showing #DIV/0! says so."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from tasks.intake.validate import inspect_file
from tasks.intake.verdict import summary
from tests.tasks.intake.files import CAMPAIGN, csv_bytes, need_row
from tests.tasks.intake.format_files import grid

pytestmark = [pytest.mark.integration]


def verdict(data: bytes, name: str, **kw):
    return inspect_file(data, name, CAMPAIGN, received=date(2010, 7, 1), **kw)


def _xlsx(cells: list[list[object]], errors: dict[str, str] | None = None) -> bytes:
    """A workbook as Excel saves it: `errors` are cells whose formula failed (t="e", the value shown)."""
    wb = Workbook()
    ws = wb.active
    for row in cells:
        ws.append(row)
    for ref, shown in (errors or {}).items():
        ws[ref].value, ws[ref].data_type = shown, "e"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_file_read_but_of_no_form_says_so_and_an_unreadable_one_still_says_unreadable():
    other = verdict(_xlsx([["工资表"], ["姓名", "岗位", "月薪"], ["张三", "会计", "5000"]]), "清河区_工资表.xlsx")
    assert other.issues[0].code == "unknown-form"
    assert "无法识别是哪张报表，未能受理" in summary(other) and "无法读取" not in summary(other).split("：")[0]
    broken = verdict(b"PK\x03\x04" + b"\x00" * 300, "附表3_清河区.xlsx")
    assert summary(broken).split("：")[0].endswith("无法读取，未能受理")


@pytest.mark.parametrize("name", ["附表3_清河区_第1批.txt", "清河区技术难题和需求征集表.txt"])
def test_a_prose_text_named_after_a_table_form_is_refused_naming_it(name):
    prose = "各位领导：\n我区今年以来认真组织企业开展技术需求排查工作，取得了一定成效。\n".encode()
    v = verdict(prose, name)
    assert v.status == "unreadable" and v.issues[0].code == "no-table"
    assert "文件名写的是“附表3”，但文件中没有表格" in v.issues[0].message
    assert "附表3" in summary(v) and v.form is None


def test_a_summary_named_as_such_is_still_a_document():
    v = verdict("清河区科洽会活动总结\n一、基本情况\n".encode(), "活动总结_清河区.txt")
    assert (v.status, v.form, v.unit) == ("accepted", "summary", "清河区")


def test_a_cell_showing_an_excel_error_says_so_once():
    cells = grid("tech-needs", [need_row(0), need_row(1)], "清河区")
    header = cells[3]
    data = _xlsx(cells, errors={f"{_col(header, '上年销售收入')}5": "#DIV/0!", f"{_col(header, '所属领域')}6": "#N/A"})
    v = verdict(data, "附表3_清河区.xlsx")
    shown = [(i.row, i.column, i.message) for i in v.issues if i.code == "excel-error"]
    assert [(r, c) for r, c, _ in shown] == [(5, "上年销售收入（万元）"), (6, "所属领域")]
    assert "单元格显示错误值 #DIV/0!" in shown[0][2] and "单元格显示错误值 #N/A" in shown[1][2]
    # nothing else is said of those two cells (not "须填写", not "不在可选项")
    assert [i for i in v.issues if (i.row, i.column) in {(r, c) for r, c, _ in shown} and i.code != "excel-error"] == []
    assert v.status == "rejected"


def test_an_error_value_saved_into_a_csv_says_so_too():
    v = verdict(csv_bytes("tech-needs", [need_row(0, sales_wan="#VALUE!")]), "附表3_淮阴区.csv")
    assert [i.message for i in v.issues if i.code == "excel-error"] == [
        "第4行“上年销售收入（万元）”单元格显示错误值 #VALUE!（公式出错），请改正公式或直接填写数值"
    ]


def _col(header: list[str], starts: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(next(i for i, h in enumerate(header, 1) if h.startswith(starts)))


def test_a_date_that_does_not_exist_is_told_once():
    from tests.tasks.intake.format_files import xlsx_of

    rows = [["网络平台建设", "已完成", "2010年6月31日", "http://kj.example.cn", ""]]
    v = verdict(xlsx_of(grid("milestones", rows, "清河区")), "平台建设_清河区.xlsx")
    on_the_cell = [(i.code, i.message) for i in v.issues if i.column == "完成日期"]
    assert len(on_the_cell) == 1 and on_the_cell[0][0] == "bad-date", v.issues
    assert "须填写完成日期" not in on_the_cell[0][1]


def test_a_csv_with_too_few_columns_names_what_is_missing():
    """Issue 26.9: two columns of 附表3 in a file named so: which columns are missing, not "no header"."""
    v = verdict("企业名称,备注\n华达电子,无\n".encode("gb18030"), "附表3_清河区_第1批.csv")
    assert v.issues[0].code == "header-incomplete"
    assert "文件名写的是“附表3”，但表头只有其中 1 列，缺少：上年销售收入（万元）、" in v.issues[0].message
    assert "未找到表头" not in v.issues[0].message and "未能受理" in summary(v)
