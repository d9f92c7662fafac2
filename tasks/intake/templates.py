"""Blank templates, one .xlsx per form: exact headers, dropdowns for every enumerated column,
number and date formats, and a 填表说明 sheet. Built from `schemas/forms.py`."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from schemas.campaign import Campaign
from schemas.forms import FORMS, FormSpec
from tasks.intake.annotate import sheet_title

ROWS = 500
FORMATS = {"money": "#,##0.00", "int": "0", "date": "yyyy-mm-dd"}
HINTS = {
    "money": "以万元为单位的数字，不写“万元”“亿”",
    "int": "不小于0的整数",
    "date": "日期，如 2010-07-05",
    "mobile": "11位手机号码",
    "landline": "带区号，如 0517-83660000",
    "phone": "手机号码，或带区号的固定电话",
    "email": "电子邮箱",
    "credit": "18位统一社会信用代码",
    "criteria": "1、2、3中的一项或多项",
}


def write_templates(campaign: Campaign, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in campaign.forms:
        spec = FORMS.get(f.code)
        if spec is None or spec.document:
            continue
        path = out / f"{spec.label}_{spec.title}.xlsx" if spec.label != spec.title else out / f"{spec.title}.xlsx"
        template(spec, campaign).save(path)
        paths.append(path)
    return paths


def template(spec: FormSpec, campaign: Campaign) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(spec.title)
    n = len(spec.columns) + 1
    ws["A1"] = f"{spec.label}：{campaign.name}{spec.title}" if spec.label != spec.title else f"{campaign.name}{spec.title}"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws["A2"] = "填报单位（盖章）：                填报日期："
    ws.append(["序号", *(c.template_header for c in spec.columns)])
    for j in range(1, n + 1):
        cell = ws.cell(3, j)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = 8 if j == 1 else 18
    ws.freeze_panes = "B4"
    for j, col in enumerate(spec.columns, 2):
        letter = get_column_letter(j)
        rng = f"{letter}4:{letter}{ROWS + 3}"
        if col.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=not col.required,
                                showErrorMessage=True, errorTitle="请从下拉列表中选择",
                                error=f"“{col.header}”只能填写：{'、'.join(col.choices)}")
            ws.add_data_validation(dv)
            dv.add(rng)
        fmt = FORMATS.get(col.kind)
        for r in range(4, ROWS + 4):
            c = ws.cell(r, j)
            c.number_format = fmt or "@"  # text by default: a 0517 landline keeps its zero
    notes = wb.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 100
    lines = [f"{spec.label} {spec.title} 填表说明", "", "1. 请勿修改、删除表头；可在表格上方“填报单位”处写明单位名称。",
             "2. 标“必填”的列不能为空，下拉列表中的列请从列表中选择。", *(f"{k}. {t}" for k, t in enumerate(spec.notes, 3)), "",
             "各列要求："]
    lines += [f"· {c.template_header}：{'必填' if c.required else '选填'}"
              + (f"；{HINTS[c.kind]}" if c.kind in HINTS else "")
              + (f"；可选：{'、'.join(c.choices)}" if c.choices else "") for c in spec.columns]
    for i, line in enumerate(lines, 1):
        notes.cell(i, 1, line)
    notes["A1"].font = Font(bold=True, size=13)
    return wb
