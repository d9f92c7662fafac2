"""briefing.docx: the 督查通报 as an office sends it, in the GB/T 9704 layout (tasks/briefing/gongwen.py),
for the office to edit in Word or WPS before sign-off, written block by block from the document
(tasks/briefing/document.py) the PDF is printed from: masthead, issue, office and date, red rule; the
title; the sections with their tables and charts; the annex on a new page; the 版记 (报送 / 抄送, 印发)
kept on the page of the last text, never alone on a page."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt

from tasks.briefing import gongwen as g
from tasks.briefing.document import Annex, Block, Foot, Heading, Masthead, Para, Pictures, Table, Title


def write_docx(blocks: list[Block], path: Path) -> Path:
    """The .docx of `blocks` at `path`."""
    doc = Document()
    section = doc.sections[0]
    g.set_page(section)
    doc.settings.odd_and_even_pages_header_footer = True
    g.page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    g.page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(g.SIZE_3)
    normal.paragraph_format.widow_control = True
    g.fonts(normal, g.FANGSONG)
    g.no_autospace(normal.element)
    last = None
    for b in blocks:
        if isinstance(b, Foot):
            _keep_with_next(last)
        last = _write(doc, b)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _write(doc, b: Block):  # type: ignore[no-untyped-def]
    """One block; returns what it wrote last (a paragraph or a table)."""
    if isinstance(b, Masthead):
        return _masthead(doc, b)
    if isinstance(b, Title):
        for line in b.lines:
            g.para(doc, line, g.XIAOBIAOSONG, g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
        if b.correction:
            g.para(doc, b.correction, g.KAITI)
        return g.para(doc, indent=False)
    if isinstance(b, Heading):
        p = g.para(doc, b.text, g.HEITI)
        p.paragraph_format.keep_with_next = True
        return p
    if isinstance(b, Para):
        p = g.para(doc)
        p.paragraph_format.keep_with_next = b.keep or None
        if b.lead:
            g.run(p, b.lead, g.KAITI)
        g.run(p, b.text)
        return p
    if isinstance(b, Table):
        return g.table(doc, list(b.header), [list(r) for r in b.rows], list(b.widths_mm))
    if isinstance(b, Pictures):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
        for _, png in b.images:
            p.add_run().add_picture(io.BytesIO(png), width=Mm(b.width_mm))
        return p
    if isinstance(b, Annex):
        doc.add_section(WD_SECTION.NEW_PAGE)
        g.para(doc, "附件", g.HEITI, indent=False)
        return g.para(doc, b.title, g.XIAOBIAOSONG, g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
    return _foot(doc, b)


def _masthead(doc, b: Masthead):  # type: ignore[no-untyped-def]
    g.para(doc, b.name, g.XIAOBIAOSONG, g.MASTHEAD_PT, align=WD_ALIGN_PARAGRAPH.CENTER, color=g.RED)
    g.para(doc, b.issue, align=WD_ALIGN_PARAGRAPH.CENTER)
    p = g.para(doc, align=WD_ALIGN_PARAGRAPH.LEFT)
    p.paragraph_format.tab_stops.add_tab_stop(Mm(g.BLOCK_MM[0]), WD_TAB_ALIGNMENT.RIGHT)
    g.run(p, f"{b.office}\t{b.day}")
    g.border(p, "bottom", eighths=g.RULE_EIGHTHS, space=g.RULE_SPACE_PT)
    return g.para(doc, indent=False)


def _keep_with_next(last) -> None:  # type: ignore[no-untyped-def]
    """The 版记 stays on the page of what precedes it: a paragraph keeps with the next, a table's
    last row too (its cells' paragraphs, the row never split)."""
    if last is None:
        return
    if hasattr(last, "paragraph_format"):
        last.paragraph_format.keep_with_next = True
        return
    for cell in last.rows[-1].cells:
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True


def _foot(doc, b: Foot):  # type: ignore[no-untyped-def]
    """版记: 报送 / 抄送, then 印发 (the office, the date), between thin rules, in 4号仿宋, kept together."""
    blank = g.para(doc, indent=False)
    paras = [g.para(doc, x, size=g.SIZE_4, indent=False) for x in b.lines]
    last = g.para(doc, align=WD_ALIGN_PARAGRAPH.LEFT)
    last.paragraph_format.tab_stops.add_tab_stop(Mm(g.BLOCK_MM[0]), WD_TAB_ALIGNMENT.RIGHT)
    g.run(last, f"{b.office}\t{b.day}印发", size=g.SIZE_4)
    for p in (blank, *paras):
        p.paragraph_format.keep_with_next = True
    g.border((paras or [last])[0], "top", color="000000", eighths=8)
    for p in paras:
        g.border(p, "bottom", color="000000", eighths=4)
    g.border(last, "bottom", color="000000", eighths=8)
    return last
