"""Blank templates, one .xlsx per form: exact headers, dropdowns for every column with a fixed
list of values, number and date formats, and a 填表说明 sheet that says what each column wants
and whether a periodic report is cumulative or incremental. Built from the campaign's forms."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from schemas.campaign import Campaign, periods
from schemas.forms import Column, Form
from schemas.period import period_label
from tasks.intake.annotate import sheet_title

ROWS = 500
FORMATS = {"money": "#,##0.00", "number": "0.00", "int": "0", "date": "yyyy-mm-dd"}
HINTS = {
    "number": "数字，不写单位",
    "int": "整数",
    "mobile": "11位手机号码",
    "landline": "带区号，如 0517-83660000",
    "phone": "手机号码，或带区号的固定电话",
    "email": "电子邮箱",
    "org-code": "9位组织机构代码（如 12345678-9），或18位统一社会信用代码",
}
REQUIRED = Font(bold=True, color="C00000")
WRAP = Alignment(wrap_text=True, vertical="top")
NOTE_WIDTH = 80  # the 填表说明 column, in character widths: an A4 page  # the header of a column that must be filled
MEANING = {
    "cumulative": "本表为累计报表：每期报送截至本期末的完整情况，以最新一期为准，不要只填本期新增的部分。",
    "incremental": "本表为增量报表：每期只填报本期新增的情况，不要重复填报以前各期已报的内容。",
}


def file_name(form: Form) -> str:
    return f"{form.label}_{form.title}.xlsx" if form.label != form.title else f"{form.title}.xlsx"


def write_templates(campaign: Campaign, out: Path) -> list[Path]:
    """A template for each table form some obligation asks for."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    owed = {o.form for o in campaign.obligations}
    for form in campaign.forms:
        if form.document or form.code not in owed:
            continue
        path = out / file_name(form)
        template(form, campaign).save(path)
        paths.append(path)
    return paths


def _choices(form: Form, col: Column, campaign: Campaign) -> tuple[str, ...]:
    return campaign.choices_of(form, col.key)


def _hint(col: Column, campaign: Campaign) -> str:
    if col.hint:
        return col.hint
    if col.kind == "date":
        d = campaign.start
        return f"日期，如 {d:%Y-%m-%d} 或 {d.year}年{d.month}月{d.day}日"
    if col.kind == "money":
        return f"以{col.unit or '万元'}为单位的数字，不写单位或“亿”“万”等字"
    if col.kind == "multi":
        return f"{'、'.join(col.choices)}中的一项或多项"
    hint = HINTS.get(col.kind, "")
    if col.kind in ("number", "int") and (col.lower is not None or col.max is not None):
        lo, hi = col.lower, col.max
        bounds = ([f"不小于{lo:g}"] if lo is not None else []) + ([f"不大于{hi:g}"] if hi is not None else [])
        hint += "，" + "、".join(bounds)
    return hint


def periodic(form: Form, campaign: Campaign) -> bool:
    """Is the form owed for more than one period (its meaning then matters to the clerk)?"""
    return any(len(periods(o)) > 1 for o in campaign.obligations if o.form == form.code)


def template(form: Form, campaign: Campaign, *, unit: str | None = None) -> Workbook:
    """The blank workbook of `form`; with `unit`, its 填报单位 line is filled in."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(form.title)
    n = len(form.columns) + 1
    ws["A1"] = title_of(form, campaign)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    period = "        报送期次：" if periodic(form, campaign) else ""  # read like the title: 2013年3月, 第2批
    ws["A2"] = f"填报单位（盖章）：{unit or ''}{period}        填报日期："
    ws.append(["序号", *(c.template_header for c in form.columns)])
    for j in range(1, n + 1):
        cell = ws.cell(3, j)
        cell.font = REQUIRED if j > 1 and form.columns[j - 2].required else Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = 8 if j == 1 else 18
    ws.freeze_panes = "B4"
    ws.page_setup.orientation = "landscape"  # printed, the whole width on one page (rows run on)
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "3:3"  # the header on every printed page
    for j, col in enumerate(form.columns, 2):
        letter = get_column_letter(j)
        choices = _choices(form, col, campaign)
        if choices:
            # a list longer than Excel's 255-character formula limit goes on a hidden sheet
            formula = '"' + ",".join(choices) + '"' if len(",".join(choices)) < 250 else _list_sheet(wb, col, choices)
            dv = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="请从下拉列表中选择",
                error=f"“{col.header}”只能填写列表中的值",
            )
            ws.add_data_validation(dv)
            dv.add(f"{letter}4:{letter}{ROWS + 3}")
        fmt = FORMATS.get(col.kind, "@")  # text by default: a 0517 landline keeps its zero
        for r in range(4, ROWS + 4):
            ws.cell(r, j).number_format = fmt
    _notes(wb, form, campaign)
    return wb


def title_of(form: Form, campaign: Campaign) -> str:
    """The label, the title, then the campaign in brackets: “表号　表名（活动名称）”."""
    head = f"{form.label}　{form.title}" if form.label != form.title else form.title
    return f"{head}（{campaign.name}）"


def _list_sheet(wb: Workbook, col: Column, choices: tuple[str, ...]) -> str:
    ws = wb.create_sheet(sheet_title(f"_{col.key}", set(wb.sheetnames)))
    ws.sheet_state = "hidden"
    for i, c in enumerate(choices, 1):
        ws.cell(i, 1, c)
    return f"'{ws.title}'!$A$1:$A${len(choices)}"


def _notes(wb: Workbook, form: Form, campaign: Campaign) -> None:
    notes = wb.create_sheet("填表说明", 1)
    notes.column_dimensions["A"].width = NOTE_WIDTH  # an A4 page wide: long lines wrap
    where = (
        "“填报单位”和“报送期次”处写明单位名称和报送期次（如“" + _example(form, campaign) + "”）"
        if periodic(form, campaign)
        else "“填报单位”处写明单位名称"
    )
    lines = [
        f"{form.name} 填表说明",
        "",
        f"1. 请勿修改、删除表头；请在表格上方{where}。",
        "2. 表头为红色的列必填（下列“各列要求”中标“必填”），不能为空；有下拉列表的列请从列表中选择。",
    ]
    extra = [MEANING[form.meaning]] if periodic(form, campaign) else []
    if form.versions == "accumulate":
        keys = "+".join(form.col(k).header for k in form.key)
        extra.append(f"本表可分批报送，各批累加；同一（{keys}）再次填报，视为对以前所报内容的更正。")
    lines += [f"{k}. {t}" for k, t in enumerate([*extra, *form.notes], 3)]
    lines += ["", "各列要求："]
    for c in form.columns:
        choices = _choices(form, c, campaign)
        lines.append(
            f"· {c.template_header}：{'必填' if c.required else '选填'}"
            + (f"；{_hint(c, campaign)}" if _hint(c, campaign) else "")
            + (f"；可选：{'、'.join(choices)}" if choices and len(choices) <= 12 else "")
        )
    for i, line in enumerate(lines, 1):
        notes.cell(i, 1, line).alignment = WRAP  # on screen and on paper, a long line wraps
        wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in line)  # a Chinese character is two columns wide
        if wide > NOTE_WIDTH:  # rows do not grow by themselves in every reader: say how tall
            notes.row_dimensions[i].height = 15 * -(-wide // NOTE_WIDTH)
    notes.sheet_properties.pageSetUpPr.fitToPage = True
    notes.page_setup.fitToWidth, notes.page_setup.fitToHeight = 1, 0
    notes["A1"].font = Font(bold=True, size=13)


def _example(form: Form, campaign: Campaign) -> str:
    """A period this form is owed for, as people write it."""
    first = next(periods(o)[0][0] for o in campaign.obligations if o.form == form.code)
    return period_label(first)
