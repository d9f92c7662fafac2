"""Real files as counties make them: title rows, a 填报单位 line, merged cells, header text
with line breaks and full-width brackets, blank rows, a note under the table."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

from config.settings import CAMPAIGNS_DIR
from schemas.loading import load_campaign

CAMPAIGN = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")

GOOD_NEED = [
    "淮安市华达电子有限公司",
    "91320800MA1M8XXX00",
    "2,500",
    "是",
    "高频电路板散热技术",
    "技术难题",
    "电子信息",
    "多层高频电路板在高功率工作时局部温升超过40度，需要新的散热结构和导热材料方案",
    "合作开发",
    "淮阴工学院",
    "王晓明",
    "0517-83660000",
]


def valid_code(first17: str) -> str:
    from tasks.intake.cells import check_char

    return first17 + check_char(first17)


def need_row(i: int = 0, **changes: str) -> list[str]:
    row = list(GOOD_NEED)
    row[0] = f"淮安市华达电子有限公司{i}" if i else row[0]
    row[1] = valid_code(
        f"9132080{i % 10}MA1M8ABC0"[:17]
    )  # a 统一社会信用代码 is accepted under the 组织机构代码 header
    for k, v in changes.items():
        row[[c.key for c in CAMPAIGN.form("tech-needs").columns].index(k)] = v
    return row


def messy_workbook(
    form: str,
    rows: list[list[object]],
    *,
    unit: str = "清河区",
    title: str | None = None,
    instructions_sheet: bool = True,
) -> bytes:
    spec = CAMPAIGN.form(form)
    wb = Workbook()
    if instructions_sheet:
        wb.active.title = "填表说明"
        wb.active["A1"] = "请按模板填写，不要修改表头。"
        ws = wb.create_sheet("Sheet1")
    else:
        ws = wb.active
    headers = ["序号", *[c.template_header.replace("（", "（\n") if c.unit else c.header for c in spec.columns]]
    ws.append([title or f"{spec.label}：2010淮安科技洽谈会{spec.title}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append([f"填报单位（盖章）：{unit}科技局      填报日期：2010年7月15日"])
    ws.append([])
    ws.append(headers)
    for i, r in enumerate(rows, 1):
        ws.append([str(i), *r])
        if i == 1:
            ws.append([])  # a blank row in the middle
    ws.append([])
    ws.append(["填表说明：1.销售收入以万元为单位；2.联系电话请写区号。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(form: str, rows: list[list[str]], *, encoding: str = "gb18030", unit: str = "淮阴区") -> bytes:
    spec = CAMPAIGN.form(form)
    lines = [f"{spec.label}：{spec.title}", f"填报单位：{unit}"]
    lines.append(",".join(c.template_header for c in spec.columns))
    lines += [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]
    text = "\r\n".join(lines) + "\r\n"
    return text.encode(encoding)


def write(tmp: Path, name: str, data: bytes) -> Path:
    p = tmp / name
    p.write_bytes(data)
    return p


def xls_bytes(form: str, rows: list[list[str]], *, unit: str = "涟水县") -> bytes:
    """A real legacy .xls (BIFF8, Excel 97-2003) written by xlwt, with a merged title."""
    import xlwt

    spec = CAMPAIGN.form(form)
    wb = xlwt.Workbook()
    ws = wb.add_sheet(spec.label)
    ws.write_merge(0, 0, 0, len(spec.columns), f"{spec.label}：{spec.title}")
    ws.write(1, 0, f"填报单位（盖章）：{unit}科技局")
    for j, h in enumerate(["序号", *[c.template_header for c in spec.columns]]):
        ws.write(2, j, h)
    for i, r in enumerate(rows, 3):
        for j, val in enumerate([str(i - 2), *r]):
            ws.write(i, j, val)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


COUNTIES = ["清河区", "清浦区", "楚州区", "淮阴区", "涟水县", "洪泽县", "盱眙县", "金湖县"]


def county_files(n: int) -> dict[str, bytes]:
    """`n` ten-row county files as on the 20th, one in ten with an error (as bench/bench_batch.py)."""
    out = {}
    for i in range(n):
        u = COUNTIES[i % len(COUNTIES)]
        rows = [need_row(i * 10 + k) for k in range(10)]
        if i % 10 == 0:
            rows[4] = need_row(i * 10 + 4, sales_wan="很多")
        out[f"附表3_{u}_{i}.xlsx"] = messy_workbook("tech-needs", rows, unit=u, title="附表3：第1批技术需求")
    return out


def bad_files() -> dict[str, str]:
    """Bad input to mix in, name -> the status it must get: unreadable, duplicate (清河区's file
    again, under another county's name: its bytes say 清河区), oversized, unknown form, empty."""
    return {
        "附表3_清河区_损坏.xlsx": "unreadable",
        "附表3_清浦区_0_副本.xlsx": "duplicate",
        "附表3_楚州区_超大.xlsx": "refused",
        "附表9_淮阴区_不认识的表.xlsx": "unreadable",
        "附表3_涟水县_空.csv": "unreadable",
    }


def write_bad(inbox: Path, good: dict[str, bytes]) -> None:
    """`bad_files` into `inbox` (the oversized one is 300 KB: run with max_file_bytes below that)."""
    (inbox / "附表3_清河区_损坏.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 500)
    (inbox / "附表3_清浦区_0_副本.xlsx").write_bytes(good["附表3_清河区_0.xlsx"])  # the same bytes again
    (inbox / "附表3_楚州区_超大.xlsx").write_bytes(b"x" * 300_000)
    wb = Workbook()
    wb.active.append(["附表9：不存在的表"])
    wb.active.append(["甲", "乙", "丙", "丁"])
    wb.active.append(["1", "2", "3", "4"])
    buf = io.BytesIO()
    wb.save(buf)
    (inbox / "附表9_淮阴区_不认识的表.xlsx").write_bytes(buf.getvalue())
    (inbox / "附表3_涟水县_空.csv").write_bytes(b"")
