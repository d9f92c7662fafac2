"""The official layout (GB/T 9704-2012, ../shared/design/GONGWEN.md) as numbers and Word primitives:
page and margins, the fonts offices install, sizes by 号, red rules. One place for both files: the
.docx (python-docx) and the print CSS of the PDF take their measurements from here."""

from __future__ import annotations

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

PAGE_MM = (210, 297)  # A4
TOP_MM, LEFT_MM, RIGHT_MM, BOTTOM_MM = 37, 28, 26, 35  # text block 156 × 225 mm
BLOCK_MM = (PAGE_MM[0] - LEFT_MM - RIGHT_MM, PAGE_MM[1] - TOP_MM - BOTTOM_MM)
LINE_PT = 28.9  # 22 lines a page fill 225 mm

# sizes by 号
SIZE_1, SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4 = 26, 22, 16, 14, 12
MASTHEAD_PT = 36  # 小初: the bulletin's name in the masthead

# the names offices install (Word and WPS use them); the PDF falls back on Debian's CJK fonts
XIAOBIAOSONG, FANGSONG, HEITI, KAITI, SONGTI = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
DEBIAN_FALLBACK = ("Noto Serif CJK SC", "AR PL UMing CN", "WenQuanYi Micro Hei")
RED = RGBColor(0xE6, 0x00, 0x12)
RED_HEX = "E60012"


def css_fonts(name: str) -> str:
    """A CSS font-family: the office's font first, then those Debian has."""
    return ", ".join(f'"{f}"' for f in (name, *DEBIAN_FALLBACK))


def print_css() -> str:
    """The PDF's print CSS: the .docx's paper, margins, type sizes and fonts (Debian fallbacks after
    the office's names), page numbers as — 1 —, odd pages right and even pages left."""
    number = f'content: "— " counter(page) " —"; font-family: {css_fonts(SONGTI)}; font-size: {SIZE_4}pt;'
    return f"""
@page {{ size: {PAGE_MM[0]}mm {PAGE_MM[1]}mm; margin: {TOP_MM}mm {RIGHT_MM}mm {BOTTOM_MM}mm {LEFT_MM}mm;
  @bottom-center {{ content: none; }} }}
@page :right {{ @bottom-right {{ {number} }} }}
@page :left {{ @bottom-left {{ {number} }} }}
body {{ font-family: {css_fonts(FANGSONG)}; font-size: {SIZE_3}pt; color: #000; }}
.page {{ font-size: {SIZE_3}pt; line-height: {LINE_PT}pt; }}
.masthead {{ font-family: {css_fonts(XIAOBIAOSONG)}; font-size: {MASTHEAD_PT}pt; line-height: {MASTHEAD_PT}pt;
  color: #{RED_HEX}; font-weight: normal; letter-spacing: 0; padding: 0; }}
.issue, .rule {{ font-size: {SIZE_3}pt; padding: 0; }}
.rule {{ border-bottom: 1mm solid #{RED_HEX}; margin-bottom: {LINE_PT}pt; }}
.title {{ font-family: {css_fonts(XIAOBIAOSONG)}; font-size: {SIZE_2}pt; line-height: {LINE_PT + 4}pt;
  text-align: center; font-weight: normal; padding: 0 0 {LINE_PT}pt 0; }}
.h2 {{ font-family: {css_fonts(HEITI)}; font-size: {SIZE_3}pt; color: #000; font-weight: normal;
  padding: 0; text-indent: 2em; }}
.lead, .small, .note {{ font-size: {SIZE_3}pt; line-height: {LINE_PT}pt; text-indent: 2em; margin: 0; }}
.grid, .figs {{ font-size: {SIZE_SMALL_4}pt; line-height: 1.3; }}
.foot {{ font-size: {SIZE_4}pt; color: #000; border-top: 0.35mm solid #000; border-bottom: 0.35mm solid #000; }}
"""


def set_page(section) -> None:  # type: ignore[no-untyped-def]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)


def fonts(run, name: str) -> None:  # type: ignore[no-untyped-def]
    """A run's font for Latin and Chinese text alike (Word picks eastAsia for CJK characters)."""
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def run(paragraph, text: str, font: str = FANGSONG, size: float = SIZE_3, *, bold=False, color=None):  # type: ignore[no-untyped-def]
    r = paragraph.add_run(text)
    fonts(r, font)
    r.font.size = Pt(size)
    r.font.bold = bold
    if color is not None:
        r.font.color.rgb = color
    return r


def para(doc, text: str = "", font: str = FANGSONG, size: float = SIZE_3, *, align=None, indent=True, **kw):  # type: ignore[no-untyped-def]
    """A paragraph on the page's line grid: body text indented two characters."""
    p = doc.add_paragraph()
    f = p.paragraph_format
    f.line_spacing_rule, f.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(max(LINE_PT, size * 1.25))
    f.space_before = f.space_after = Pt(0)
    if indent and align is None:
        f.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    if text:
        run(p, text, font, size, **kw)
    return p


def border(paragraph, side: str, *, color: str = RED_HEX, eighths: int = 12, space: int = 1) -> None:
    """A rule along one side of a paragraph (the masthead's red rule, the foot's thin rules)."""
    ppr = paragraph._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    edge = OxmlElement(f"w:{side}")
    for k, v in (("val", "single"), ("sz", str(eighths)), ("space", str(space)), ("color", color)):
        edge.set(qn(f"w:{k}"), v)
    bdr.append(edge)


def page_number(footer, align) -> None:  # type: ignore[no-untyped-def]
    """— 1 — in 4号宋体 (odd pages right, even pages left)."""
    p = footer.paragraphs[0]
    p.alignment = align
    run(p, "— ", SONGTI, SIZE_4)
    r = run(p, "", SONGTI, SIZE_4)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        r._element.append(el)
    run(p, " —", SONGTI, SIZE_4)


def cell_text(cell, text: str, *, size: float = SIZE_SMALL_4, bold=False, center=True) -> None:  # type: ignore[no-untyped-def]
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    run(p, text, HEITI if bold else FANGSONG, size)


def table(doc, header: list[str], rows: list[list[str]], widths_mm: list[float]):  # type: ignore[no-untyped-def]
    """A table across the text block, 小四仿宋, its header in 黑体 repeated on every page."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.autofit = False
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, w in zip(t.columns, widths_mm, strict=True):  # the grid LibreOffice and WPS lay out by
        col.width = Mm(w)
    for cell, text, w in zip(t.rows[0].cells, header, widths_mm, strict=True):
        cell.width = Mm(w)
        cell_text(cell, text, bold=True)
    trpr = t.rows[0]._tr.get_or_add_trPr()
    head = OxmlElement("w:tblHeader")
    head.set(qn("w:val"), "true")
    trpr.append(head)
    for values in rows:
        cells = t.add_row().cells
        for i, (cell, text, w) in enumerate(zip(cells, values, widths_mm, strict=True)):
            cell.width = Mm(w)
            cell_text(cell, text, center=i > 0)
    return t
