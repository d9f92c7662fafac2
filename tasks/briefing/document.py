"""The 督查通报 built once, as a short list of blocks (masthead, title, headings, paragraphs, tables,
pictures, the annex, the 版记), from a briefing's figures: briefing.docx (docx.py) and the PDF's
print page (notifications/templates/gongwen.html.j2) are both written from this list, so the two
files have the same sections in the same order, the same sentences, tables and charts. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.campaign import periods
from schemas.period import period_label
from tasks.briefing import metrics, wording
from tasks.briefing.figures import BriefingData
from tasks.briefing.gongwen import BLOCK_MM

NUMERALS = "一二三四五六七八九十"
UNIT_COLUMNS = ["单位", "应报", "已报", "按时", "逾期报", "未报", "完整率", "及时率"]
UNIT_WIDTHS = [42, 13, 13, 13, 18, 13, 22, 22]  # 156 mm: every header on one line
ANNEX_COLUMNS, ANNEX_WIDTHS = ["单位", "逾期事项", "截止日", "逾期", "督办"], [28, 66, 26, 18, 18]
MATTER_COLUMNS = ["单位", "事项", "已到期", "已办结", "按期办结", "逾期", "办结率"]
MATTER_WIDTHS = [42, 15, 19, 19, 24, 15, 22]
LONGEST_COLUMNS, LONGEST_WIDTHS = ["单位", "事项", "截止", "逾期"], [32, 66, 38, 20]
LABELS = {"timeliness": "及时率", "completeness": "完整率", "quality": "报送质量", "outcomes": "工作成效"}
LABELS["matters"] = "督办事项按期办结"  # the final evaluation's part for matters (issue 27)
SHORT = {"quality": "质量", "outcomes": "成效", "matters": "督办"}  # a ranking's narrow columns
TREND_MM = 70  # two trend charts side by side across the 156 mm block


@dataclass(frozen=True)
class Masthead:
    name: str  # the bulletin's name, in red
    issue: str  # 第2期, 第2期（更正）, or nothing for the final one
    office: str
    day: str


@dataclass(frozen=True)
class Title:
    lines: tuple[str, ...]
    correction: str = ""  # a corrected issue says what changed, under the title


@dataclass(frozen=True)
class Heading:
    text: str  # 一、总体情况


@dataclass(frozen=True)
class Para:
    text: str
    lead: str = ""  # said first, in 楷体 (a unit's name in the overdue summary)
    keep: bool = False  # on the page of what follows (a table's caption)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths_mm: tuple[float, ...]


@dataclass(frozen=True)
class Pictures:
    """Charts on one line: (file stem, PNG) each `width_mm` wide."""

    images: tuple[tuple[str, bytes], ...]
    width_mm: float


@dataclass(frozen=True)
class Annex:
    """A new page: 附件, and the annex's title."""

    title: str


@dataclass(frozen=True)
class Foot:
    """版记: 报送 / 抄送 lines, then the office and the day it is issued (印发)."""

    lines: tuple[str, ...]
    office: str
    day: str


Block = Masthead | Title | Heading | Para | Table | Pictures | Annex | Foot


def unit_rows(d: BriefingData) -> list[list[str]]:
    """The 各单位报送情况 table, as the HTML prints it (tests compare them cell by cell)."""
    return [
        [u.unit, *(str(x) for x in (u.expected, u.received, u.on_time, u.late, u.missing))]
        + [f"{u.completeness * 100:.1f}%", f"{u.timeliness * 100:.1f}%"]
        for u in d.units
    ]


def issue_text(d: BriefingData) -> str:
    return "" if d.kind == "final" else f"第{d.number}期"


def table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    return Table(tuple(header), tuple(tuple(r) for r in rows), tuple(widths))


def build(d: BriefingData, charts: dict[str, list[tuple[str, bytes]]]) -> list[Block]:
    """The document. `charts`: {"completeness": [(stem, png)…], "trends": [(stem, png)…]}."""
    c, w = d.campaign, d.campaign.briefings.wording
    out: list[Block] = [
        Masthead(
            d.masthead, issue_text(d) + ("（更正）" if d.correction else ""), c.organiser, wording.day_text(d.as_of)
        ),
        Title(
            tuple(d.title.split("\n")),
            f"更正说明：本期为第{d.number}期的更正版，{d.correction}" if d.correction else "",
        ),
    ]
    sections = [
        ("总体情况", [Para(wording.overall(d)), Para(wording.on_time_units(d))]),
        ("各单位报送情况", [table(UNIT_COLUMNS, unit_rows(d), UNIT_WIDTHS)] + _pictures(charts, "completeness")),
    ]
    if d.figures:
        heading = "目标完成情况" if c.targets else w.figures_heading  # a campaign with no targets: its figures
        sections.append((heading, [Para(x) for x in wording.figures_text(d)] + _pictures(charts, "trends")))
    sections += [("逾期未报单位", _overdue(d)), *_matters(d), *_events_and_ranking(d)]
    steps = [Para(t.strip()) for t in w.next_steps.split("\n") if t.strip()]
    sections.append(("下步工作", [*steps, Para(wording.due_next(d))]))
    for numeral, (heading, blocks) in zip(NUMERALS, sections, strict=False):
        out += [Heading(f"{numeral}、{heading}"), *blocks]
    if d.overdue:
        out += [Annex("逾期未报事项明细"), _annex(d)]
    lines = [x if x.startswith(p) else f"{p}{x}" for x, p in ((w.addressees, "报送："), (w.copies, "抄送：")) if x]
    out.append(Foot(tuple(lines), c.office.name or c.organiser, wording.day_text(d.as_of)))
    return out


def _pictures(charts: dict[str, list[tuple[str, bytes]]], key: str) -> list[Block]:
    images = charts.get(key, [])
    if key == "completeness":
        return [Pictures((x,), BLOCK_MM[0]) for x in images]
    return [Pictures(tuple(images[i : i + 2]), TREND_MM) for i in range(0, len(images), 2)]


def _overdue(d: BriefingData) -> list[Block]:
    summary = wording.overdue_summary(d.campaign, d.overdue, d.as_of.year)
    if not summary:
        return [Para("所有到期事项均已按要求报送。")]
    lines: list[Block] = [
        Para(f"{u.owes}，最长逾期{u.days}天" + ("，已提级督办。" if u.escalated else "。"), lead=f"{u.unit}：")
        for u in summary
    ]
    return [*lines, Para("逾期事项明细见附件。")]


def _rate(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _matters(d: BriefingData) -> list[tuple[str, list[Block]]]:
    """督办事项办理情况 (when the campaign has matters) and 督办通知签收情况 (when notices were sent)."""
    m, out = d.matters, []
    if m is not None and m.any:
        a = m.all
        blocks: list[Block] = [
            Para(
                f"督办事项{a.total}项，已到期{a.due}项；已办结{a.closed}项，其中按期办结{a.closed_on_time}项；"
                f"逾期未办结{a.overdue}项；办结率{_rate(a.closure_rate)}。"
            ),
            table(
                MATTER_COLUMNS,
                [
                    [t.unit, *(str(x) for x in (t.total, t.due, t.closed, t.closed_on_time, t.overdue))]
                    + [_rate(t.closure_rate)]
                    for t in m.units
                ],
                MATTER_WIDTHS,
            ),
        ]
        if m.longest_overdue:
            rows = [
                [r.unit, r.title, wording.day_text(r.effective_due), f"{r.standing.days_late if r.standing else 0}天"]
                for r in m.longest_overdue
            ]
            blocks += [Para("逾期最久的事项：", keep=True), table(LONGEST_COLUMNS, rows, LONGEST_WIDTHS)]
        out.append(("督办事项办理情况", blocks))
    if m is not None and m.notices:
        signed, sent = m.signed, len(m.notices)
        text = f"已发出督办通知{sent}份，已签收{len(signed)}份" + (
            f"，未签收{sent - len(signed)}份。" if sent > len(signed) else "。"
        )
        lines: list[Block] = [Para(text)]
        for n in signed:
            when = f"{n.signed_at.month}月{n.signed_at.day}日 {n.signed_at:%H:%M}" if n.signed_at else ""
            lines.append(
                Para(f"{n.what}（督办{n.level}），{when}由{n.signed_by or '本单位'}签收。", lead=f"{n.unit}：")
            )
        out.append(("督办通知签收情况", lines))
    return out


def _events_and_ranking(d: BriefingData) -> list[tuple[str, list[Block]]]:
    out: list[tuple[str, list[Block]]] = []
    if d.events:
        out.append(
            ("督查安排", [Para(f"{x.month}月{x.day}日　{t}" + (f"（{by}）" if by else "")) for x, t, by in d.events])
        )
    if d.ranking:
        weights = list(d.campaign.evaluation.weights.items())
        parts = "＋".join(f"{LABELS[k]}×{v}" for k, v in weights)
        blocks: list[Block] = [Para(f"综合得分＝{parts}（各项按0–1计，满分100），各类单位分别排名。")]
        rest = (BLOCK_MM[0] - 14 - 42 - 16) / max(len(weights), 1)
        for label, scores in d.ranking:
            rows = [
                [str(s.rank), s.unit, str(s.total), *(_rate(s.parts[k]) if k in s.parts else "—" for k, _ in weights)]
                for s in scores
            ]
            header = ["名次", "单位", "得分", *(SHORT.get(k, LABELS[k]) for k, _ in weights)]
            blocks += [Para(label, keep=True), table(header, rows, [14, 42, 16, *[rest] * len(weights)])]
        out.append(("总结评比排名", blocks))
    return out


def _annex(d: BriefingData) -> Table:
    """Every overdue item, per unit in the campaign's order."""
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
    return table(ANNEX_COLUMNS, rows, ANNEX_WIDTHS)
