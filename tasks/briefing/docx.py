"""briefing.docx: the 督查通报 as an office sends it, in the GB/T 9704 layout (tasks/briefing/gongwen.py),
for the office to edit in Word or WPS before sign-off. Masthead, issue, office and date, red rule;
the title; 总体情况 / 各单位报送情况 / 目标完成情况 / 逾期未报单位 / 下步工作 in sentences made from the
figures, with the tables and charts; the full overdue list as an annex; 报送 / 抄送 and 印发 at the foot."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt

from schemas.campaign import periods
from schemas.period import period_label
from tasks.briefing import gongwen as g
from tasks.briefing import metrics, wording
from tasks.briefing.figures import BriefingData

NUMERALS = "一二三四五六七八九十"
UNIT_COLUMNS = ["单位", "应报", "已报", "按时", "逾期报", "未报", "完整率", "及时率"]
UNIT_WIDTHS = [44, 14, 14, 14, 16, 14, 20, 20]  # 156 mm


def unit_rows(d: BriefingData) -> list[list[str]]:
    """The 各单位报送情况 table, as the HTML prints it (tests compare them cell by cell)."""
    return [
        [
            u.unit,
            str(u.expected),
            str(u.received),
            str(u.on_time),
            str(u.late),
            str(u.missing),
            f"{u.completeness * 100:.1f}%",
            f"{u.timeliness * 100:.1f}%",
        ]
        for u in d.units
    ]


def issue_text(d: BriefingData) -> str:
    return "" if d.kind == "final" else f"第{d.number}期"


def write_docx(d: BriefingData, images: dict[str, list[bytes]], path: Path) -> Path:
    """The .docx at `path`. `images`: {"completeness": [png…], "trends": [png…]}; a corrected issue
    (更正) says what changed under its title."""
    doc = Document()
    section = doc.sections[0]
    g.set_page(section)
    doc.settings.odd_and_even_pages_header_footer = True
    g.page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    g.page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(g.SIZE_3)
    g.fonts(normal, g.FANGSONG)
    _masthead(doc, d, d.correction)
    n = iter(NUMERALS)
    _heading(doc, f"{next(n)}、总体情况")
    g.para(doc, wording.overall(d))
    g.para(doc, wording.on_time_units(d))
    _heading(doc, f"{next(n)}、各单位报送情况")
    g.table(doc, UNIT_COLUMNS, unit_rows(d), UNIT_WIDTHS)
    for png in images.get("completeness", []):
        _picture(doc, png, g.BLOCK_MM[0])
    if d.figures:
        _heading(doc, f"{next(n)}、目标完成情况")
        for line in wording.figures_text(d):
            g.para(doc, line)
        for png in images.get("trends", []):
            _picture(doc, png, 120)
    _heading(doc, f"{next(n)}、逾期未报单位")
    summary = wording.overdue_summary(d.campaign, d.overdue, d.as_of.year)
    if not summary:
        g.para(doc, "所有到期事项均已按要求报送。")
    for u in summary:
        p = g.para(doc)
        g.run(p, f"{u.unit}：", g.KAITI)
        g.run(p, f"{u.owes}，最长逾期{u.days}天" + ("，已提级督办。" if u.escalated else "。"))
    if summary:
        g.para(doc, "逾期事项明细见附件。")
    _heading(doc, f"{next(n)}、下步工作")
    for text in [t for t in d.campaign.briefings.wording.next_steps.split("\n") if t.strip()]:
        g.para(doc, text.strip())
    g.para(doc, wording.due_next(d))
    if d.overdue:
        _annex(doc, d)
    _foot(doc, d)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _masthead(doc, d: BriefingData, correction: str) -> None:  # type: ignore[no-untyped-def]
    g.para(doc, d.masthead, g.XIAOBIAOSONG, g.MASTHEAD_PT, align=WD_ALIGN_PARAGRAPH.CENTER, color=g.RED)
    issue = issue_text(d) + ("（更正）" if correction else "")
    g.para(doc, issue, align=WD_ALIGN_PARAGRAPH.CENTER)
    p = g.para(doc, align=WD_ALIGN_PARAGRAPH.LEFT)
    p.paragraph_format.tab_stops.add_tab_stop(Mm(g.BLOCK_MM[0]), WD_TAB_ALIGNMENT.RIGHT)
    g.run(p, f"{d.campaign.organiser}\t{wording.day_text(d.as_of)}")
    g.border(p, "bottom", eighths=18, space=4)
    g.para(doc, indent=False)
    for line in d.title.split("\n"):
        g.para(doc, line, g.XIAOBIAOSONG, g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
    if correction:
        g.para(doc, f"更正说明：本期为第{d.number}期的更正版，{correction}", g.KAITI)
    g.para(doc, indent=False)


def _heading(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    p = g.para(doc, text, g.HEITI)
    p.paragraph_format.keep_with_next = True


def _picture(doc, png: bytes, width_mm: float) -> None:  # type: ignore[no-untyped-def]
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def _annex(doc, d: BriefingData) -> None:  # type: ignore[no-untyped-def]
    """附件: every overdue item, per unit in the campaign's order."""
    doc.add_section(WD_SECTION.NEW_PAGE)
    g.para(doc, "附件", g.HEITI, indent=False)
    g.para(doc, "逾期未报事项明细", g.XIAOBIAOSONG, g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
    c = d.campaign
    multi = {o.id: len(periods(o)) > 1 for o in c.obligations}
    rows = [
        [
            unit,
            c.obligation_name(o.obligation) + (f" {period_label(o.period)}" if multi.get(o.obligation) else ""),
            f"{o.due.month}月{o.due.day}日",
            f"{o.days_late}天",
            f"第{o.level}级" if o.level else "—",
        ]
        for unit, items in metrics.overdue_by_unit(d.overdue, [u.name for u in c.units])
        for o in items
    ]
    g.table(doc, ["单位", "逾期事项", "截止日", "逾期", "督办"], rows, [30, 68, 26, 16, 16])


def _foot(doc, d: BriefingData) -> None:  # type: ignore[no-untyped-def]
    """版记: 报送 / 抄送, then 印发 (the office, the date), between thin rules, in 4号仿宋."""
    w = d.campaign.briefings.wording
    g.para(doc, indent=False)
    lines = [x if x.startswith(p) else f"{p}{x}" for x, p in ((w.addressees, "报送："), (w.copies, "抄送：")) if x]
    office = d.campaign.office.name or d.campaign.organiser
    paras = [g.para(doc, x, size=g.SIZE_4, indent=False) for x in lines]
    last = g.para(doc, align=WD_ALIGN_PARAGRAPH.LEFT)
    last.paragraph_format.tab_stops.add_tab_stop(Mm(g.BLOCK_MM[0]), WD_TAB_ALIGNMENT.RIGHT)
    g.run(last, f"{office}\t{wording.day_text(d.as_of)}印发", size=g.SIZE_4)
    g.border((paras or [last])[0], "top", color="000000", eighths=8)
    for p in paras:
        g.border(p, "bottom", color="000000", eighths=4)
    g.border(last, "bottom", color="000000", eighths=8)
