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
CELL_LINE_PT = 16  # a table's lines (小四)
CELL_PAD_MM = 1.9  # a cell's left and right margin (Word's "Table Grid": 108 twips)
RULE_EIGHTHS, RULE_SPACE_PT = 18, 4  # the masthead's red rule: 2.25 pt, 4 pt under the text

# sizes by 号
SIZE_1, SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4 = 26, 22, 16, 14, 12
MASTHEAD_PT = 36  # 小初: the bulletin's name in the masthead

# the names offices install (Word and WPS use them); the PDF falls back on Debian's CJK fonts
XIAOBIAOSONG, FANGSONG, HEITI, KAITI, SONGTI = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
DEBIAN_FALLBACK = ("Noto Serif CJK SC", "AR PL UMing CN", "WenQuanYi Micro Hei")
RED = RGBColor(0xE6, 0x00, 0x12)
RED_HEX = "E60012"


LATIN_FALLBACK = "DejaVu Sans"  # LibreOffice's face for Latin text in a font it lacks (fc-match's default)


def css_fonts(name: str, *, latin: bool = False) -> str:
    """A CSS font-family: the office's font first, then those Debian has (with `latin`, Latin letters
    and digits first in the face LibreOffice sets them in where the office's fonts are missing)."""
    return ", ".join(f'"{f}"' for f in (name, *((LATIN_FALLBACK,) if latin else ()), *DEBIAN_FALLBACK))


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


def line_pt(size: float) -> float:
    """A paragraph's exact line height: the page's grid, or more for type larger than the grid."""
    return max(LINE_PT, size * 1.25)


def page_css() -> str:
    """The print page of the document (notifications/templates/gongwen.html.j2): every size, line
    height, rule and cell margin briefing.docx has, so that the PDF breaks its pages where
    LibreOffice breaks the .docx's."""
    number = f'content: "— " counter(page) " —"; font-family: {css_fonts(SONGTI, latin=True)}; font-size: {SIZE_4}pt;'
    rule, pad = f"{RULE_EIGHTHS / 8}pt solid #{RED_HEX}", f"0 {CELL_PAD_MM}mm"
    big = css_fonts(XIAOBIAOSONG, latin=True)
    return f"""
@page {{ size: {PAGE_MM[0]}mm {PAGE_MM[1]}mm; margin: {TOP_MM}mm {RIGHT_MM}mm {BOTTOM_MM}mm {LEFT_MM}mm; }}
@page :right {{ @bottom-right {{ {number} }} }}
@page :left {{ @bottom-left {{ {number} }} }}
body {{ font-family: {css_fonts(FANGSONG, latin=True)}; font-size: {SIZE_3}pt; color: #000; margin: 0; }}
p {{ margin: 0; line-height: {LINE_PT}pt; min-height: {LINE_PT}pt; orphans: 2; widows: 2; }}
p.body, p.h {{ text-indent: 2em; }}
.kai {{ font-family: {css_fonts(KAITI, latin=True)}; }}
.h {{ font-family: {css_fonts(HEITI, latin=True)}; break-after: avoid; }}
.keep {{ break-after: avoid; }}
.masthead {{ font-family: {big}; font-size: {MASTHEAD_PT}pt; line-height: {line_pt(MASTHEAD_PT)}pt;
  color: #{RED_HEX}; text-align: center; }}
.center {{ text-align: center; }}
.rule {{ border-bottom: {rule}; padding-bottom: {RULE_SPACE_PT}pt; }}
.right {{ float: right; }}
.title {{ font-family: {big}; font-size: {SIZE_2}pt; line-height: {line_pt(SIZE_2)}pt; }}
table {{ border-collapse: collapse; table-layout: fixed; margin: 0 auto; font-size: {SIZE_SMALL_4}pt; }}
td, th {{ border: 0.5pt solid #000; padding: {pad}; line-height: {CELL_LINE_PT}pt; text-align: center;
  vertical-align: top; font-weight: normal; }}
th {{ font-family: {css_fonts(HEITI, latin=True)}; }}
td.first {{ text-align: left; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
.pics {{ text-align: center; line-height: 0; min-height: 0; }}
.pics img {{ vertical-align: top; }}
.annex {{ break-before: page; }}
.foot {{ break-inside: avoid; break-before: avoid; }}
.foot p {{ font-size: {SIZE_4}pt; }}
.foot .first {{ border-top: 1pt solid #000; padding-top: 1pt; }}
.foot .line {{ border-bottom: 0.5pt solid #000; padding-bottom: 1pt; }}
.foot .last {{ border-bottom: 1pt solid #000; padding-bottom: 1pt; }}
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


def no_autospace(element) -> None:  # type: ignore[no-untyped-def]
    """No extra space between Chinese and Latin letters or digits (LibreOffice adds it by default,
    the PDF does not; GB/T 9704 text has none): 2013年7月17日, not 2013 年 7 月 17 日."""
    ppr = element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        _insert(ppr, el, tag)


# the schema's order of a paragraph's properties (w:pPr) from the rules on: Word refuses them out of order
PPR_ORDER = (
    "w:pBdr w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap w:overflowPunct w:topLinePunct "
    "w:autoSpaceDE w:autoSpaceDN w:bidi w:adjustRightInd w:snapToGrid w:spacing w:ind w:contextualSpacing "
    "w:mirrorIndents w:suppressOverlap w:jc w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl "
    "w:divId w:cnfStyle w:rPr w:sectPr w:pPrChange"
).split()


def _insert(ppr, el, tag: str) -> None:  # type: ignore[no-untyped-def]
    """`el` (a `tag`) in its place among a paragraph's properties."""
    ppr.insert_element_before(el, *PPR_ORDER[PPR_ORDER.index(tag) + 1 :])


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
    no_autospace(p._p)
    f = p.paragraph_format
    f.line_spacing_rule, f.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(line_pt(size))
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
        _insert(ppr, bdr, "w:pBdr")
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
    f = p.paragraph_format
    f.space_before = f.space_after = Pt(0)
    f.line_spacing_rule, f.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(CELL_LINE_PT)
    run(p, text, HEITI if bold else FANGSONG, size)


def no_split(row) -> None:  # type: ignore[no-untyped-def]
    """A table row never split across pages (as the PDF's `tr { break-inside: avoid }`)."""
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    trpr.append(el)


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
        row = t.add_row()
        no_split(row)
        cells = row.cells
        for i, (cell, text, w) in enumerate(zip(cells, values, widths_mm, strict=True)):
            cell.width = Mm(w)
            cell_text(cell, text, center=i > 0)
    return t
