"""Small files that expand: one text shown in millions of cells (issue 23, point 3). Built as
real bytes, for tests/tasks/intake/test_amplification.py and bench/bench_amplification.py."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.tasks.intake.files import messy_workbook, need_row
from tests.tasks.intake.hostile import _rewrite_sheet

TEXT = "淮安市华达电子有限公司多层高频电路板散热技术需求说明"  # 26 characters


def merged_text_xlsx(rows: int = 100_000, repeat: int = 8, unit: str = "清河区") -> bytes:
    """~5 KB: a 附表3 title, and A3 (`repeat` x TEXT) merged over A3:Z`rows`. The reader shares
    one string among 2.6 million cells; sent to the parent, each is a copy (3.2 GB of RSS)."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "附表3：2010淮安科技洽谈会企业技术需求表"
    ws["A2"] = f"填报单位（盖章）：{unit}科技局"
    ws["A3"] = TEXT * repeat
    ws[f"Z{rows}"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    merge = b'<mergeCells count="1"><mergeCell ref="A3:Z%d"/></mergeCells>' % rows
    return _rewrite_sheet(buf.getvalue(), lambda b: b.replace(b"</sheetData>", b"</sheetData>" + merge))


def merged_form_xlsx(rows: int = 19_000, text: str = "清河区科技局") -> bytes:
    """~5 KB and just under the reader's default caps (494,000 cells once filled): a 附表3 header
    row, then `text` merged over A3:Z`rows`, so every row is a record with an error in most cells.
    The worst such file the reader lets through: what it costs is judging, not reading."""
    from tests.tasks.intake.files import CAMPAIGN

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "附表3：2010淮安科技洽谈会企业技术需求表"
    for j, col in enumerate(CAMPAIGN.form("tech-needs").columns, 1):
        ws.cell(2, j, col.header)
    ws["A3"] = text
    ws[f"Z{rows}"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    merge = b'<mergeCells count="1"><mergeCell ref="A3:Z%d"/></mergeCells>' % rows
    return _rewrite_sheet(buf.getvalue(), lambda b: b.replace(b"</sheetData>", b"</sheetData>" + merge))


def rowspan_html(columns: int = 60, rows: int = 30_000, repeat: int = 4) -> bytes:
    """~130 KB: an HTML table named .xls whose first row's `columns` cells each span all `rows`
    rows (bare <tr> tags below them): one text per column, shown in every row."""
    cells = "".join(f'<td rowspan="{rows}">{TEXT * repeat}{i}</td>' for i in range(columns))
    page = (
        f'<html><head><meta charset="utf-8"></head><body><table><tr>{cells}</tr>{"<tr>" * (rows - 1)}</'
        f"table></body></html>"
    )
    return page.encode()


def many_errors_xlsx(rows: int, unit: str = "清河区") -> bytes:
    """A 附表3 whose every row has a wrong amount (an error each)."""
    return messy_workbook("tech-needs", [need_row(i, sales_wan="很多") for i in range(rows)], unit=unit)
