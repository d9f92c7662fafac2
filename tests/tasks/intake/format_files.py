"""The other formats clerks send (design/INTAKE-CHANNELS.md, "Files as clerks send them"),
written byte for byte as the programs that make them do: a web system's "导出Excel" (an HTML
table named .xls), Excel 2003 XML, LibreOffice/WPS .ods, Excel's "Unicode text" (.txt)."""

from __future__ import annotations

import io
import zipfile
from html import escape as html_escape
from xml.sax.saxutils import escape, quoteattr

from tests.tasks.intake.files import CAMPAIGN

NOTE = "填表说明：1.销售收入以万元为单位；2.联系电话请写区号。"


def grid(form: str, rows: list[list[str]], unit: str) -> list[list[str]]:
    """The sheet every format here holds: a title (merged over the header's width), the
    填报单位 line, a blank row, the header, the data rows numbered, a blank row, a note."""
    spec = CAMPAIGN.form(form)
    return [
        [f"{spec.label}：2010淮安科技洽谈会{spec.title}"],
        [f"填报单位（盖章）：{unit}科技局      填报日期：2010年7月15日"],
        [],
        ["序号", *[c.template_header for c in spec.columns]],
        *[[str(i), *r] for i, r in enumerate(rows, 1)],
        [],
        [NOTE],
    ]


def xlsx_of(cells: list[list[str]]) -> bytes:
    """The same grid as an .xlsx (the reference: another format must get the same verdict)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in cells:
        ws.append(row)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cells[3]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def html_xls(form: str, rows: list[list[str]], *, unit: str = "清河区", charset: str = "gbk") -> bytes:
    """What a web system's "导出Excel" button sends: an HTML page with the Office namespaces,
    a charset in a <meta>, a script, a merged title row, <br> in header cells, &nbsp; in
    empty cells, no closing </td> in the data rows."""
    cells = grid(form, rows, unit)
    n = len(cells[3])
    trs = [
        f'<tr><td class="title" colspan="{n}" align="center"><b>{html_escape(cells[0][0])}</b></td></tr>',
        f'<tr><td colspan="{n}">{html_escape(cells[1][0])}</td></tr>',
        f'<tr><td colspan="{n}">&nbsp;</td></tr>',
        "<tr>" + "".join(f"<th>{html_escape(h).replace('（', '<br/>（')}</th>" for h in cells[3]) + "</tr>",
    ]
    trs += [
        "<tr>" + "".join(f"<td style=\"mso-number-format:'\\@'\">{html_escape(c) if c else '&nbsp;'}" for c in r)
        if r
        else "<tr>"
        for r in cells[4:-1]
    ]
    trs.append(f'<tr><td colspan="{n}">{html_escape(cells[-1][0])}</td></tr>')
    page = f"""<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet><x:Name>Sheet1</x:Name></x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]-->
<style type="text/css">td {{ border: 0.5pt solid #000; }} .title {{ font-size: 16pt; }}</style>
<script>var exportedBy = "<td>not a cell</td>";</script>
</head>
<body>
<table border="1" cellspacing="0">
{chr(10).join(trs)}
</table>
</body>
</html>
"""
    return page.encode("gb18030" if charset.lower() in ("gbk", "gb2312", "gb18030") else charset)


def spreadsheet_ml(
    form: str, rows: list[list[str]], *, unit: str = "洪泽县", formulas: dict[tuple[int, int], str] | None = None
) -> bytes:
    """Excel 2003 XML ("XML 电子表格 2003"), as Excel and many report systems write it: numbers
    typed Number, a merged title, an instructions sheet first. A cell in `formulas` ((data row
    index, column index counting 序号) -> formula) has the formula and no computed value."""
    cells = grid(form, rows, unit)
    formulas = formulas or {}

    def cell(v: str, attrs: str = "") -> str:
        kind = "Number" if v.replace(".", "", 1).isdigit() and not v.startswith("0") else "String"
        return f'<Cell{attrs}><Data ss:Type="{kind}">{escape(v)}</Data></Cell>' if v else f"<Cell{attrs}/>"

    merged = f' ss:MergeAcross="{len(cells[3]) - 1}" ss:StyleID="title"'
    out = [f"<Row>{cell(cells[0][0], merged)}</Row>"]
    for i, r in enumerate(cells[1:], 1):
        data = i - 4
        out.append(
            "<Row>"
            + "".join(
                f"<Cell ss:Formula={quoteattr(formulas[data, j])}/>" if (data, j) in formulas else cell(v)
                for j, v in enumerate(r)
            )
            + "</Row>"
            if r
            else "<Row/>"
        )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">
 <DocumentProperties xmlns="urn:schemas-microsoft-com:office:office"><Author>admin</Author></DocumentProperties>
 <Styles><Style ss:ID="Default" ss:Name="Normal"><Font ss:FontName="宋体" x:CharSet="134" ss:Size="12"/></Style><Style ss:ID="title"><Font ss:Bold="1"/></Style></Styles>
 <Worksheet ss:Name="填表说明"><Table><Row><Cell><Data ss:Type="String">请按模板填写，不要修改表头。</Data></Cell></Row></Table></Worksheet>
 <Worksheet ss:Name="{escape(CAMPAIGN.form(form).label)}">
  <Table ss:ExpandedColumnCount="{len(cells[3])}" ss:ExpandedRowCount="{len(out)}" x:FullColumns="1" x:FullRows="1">
   {chr(10).join(out)}
  </Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Selected/></WorksheetOptions>
 </Worksheet>
</Workbook>
"""
    return xml.encode()


def ods_bytes(form: str, rows: list[list[str]], *, unit: str = "金湖县") -> bytes:
    """An OpenDocument spreadsheet as LibreOffice writes it: the `mimetype` member first and
    stored, a manifest, content.xml with a spanned title row and covered cells."""
    cells = grid(form, rows, unit)
    n = len(cells[3])

    def cell(v: str) -> str:
        return (
            f'<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>{escape(v)}</'
            f"text:p></table:table-cell>"
            if v
            else "<table:table-cell/>"
        )

    body = [
        f'<table:table-row><table:table-cell table:number-columns-spanned="{n}" table:number-rows-spanned="1" '
        f'office:value-type="string"><text:p>{escape(cells[0][0])}</text:p></table:table-cell>'
        f'<table:covered-table-cell table:number-columns-repeated="{n - 1}"/></table:table-row>'
    ]
    body += [
        "<table:table-row>" + ("".join(cell(v) for v in r) or "<table:table-cell/>") + "</table:table-row>"
        for r in cells[1:]
    ]
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3">
<office:body><office:spreadsheet>
<table:table table:name="{escape(CAMPAIGN.form(form).label)}"><table:table-column table:number-columns-repeated="{n}"/>
{"".join(body)}
</table:table>
</office:spreadsheet></office:body></office:document-content>"""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return buf.getvalue()


def unicode_text(form: str, rows: list[list[str]], *, unit: str = "盱眙县") -> bytes:
    """Excel's "Unicode 文本 (*.txt)": UTF-16 LE with a BOM, tabs between cells (a row as wide
    as the sheet, the merged title followed by empty cells), CRLF, quotes around a cell only
    when it holds a tab or a quote."""
    cells = grid(form, rows, unit)
    n = len(cells[3])
    lines = ["\t".join([*(f'"{c}"' if "\t" in c or '"' in c else c for c in r), *[""] * (n - len(r))]) for r in cells]
    return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
