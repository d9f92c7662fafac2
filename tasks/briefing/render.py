"""A briefing for people: HTML email (inline CSS, cid images), the same HTML as files, and a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

from markupsafe import Markup

from notifications.message import Rendered
from notifications.render import office_contact, render
from schemas.campaign import periods
from schemas.indicators import Target
from schemas.period import period_label
from tasks.briefing import gongwen, metrics, wording
from tasks.briefing.charts import completeness_chart, font_family, trend_chart
from tasks.briefing.document import LABELS, Block, build
from tasks.briefing.figures import BriefingData
from tasks.briefing.numbers import grouped

PDF = "application/pdf"


UNITS_PER_CHART = 35  # a chart of 35 units fills an A4 page at a readable size; more units, more charts


@dataclass(frozen=True)
class Charts:
    completeness: tuple[bytes, ...]  # one image per UNITS_PER_CHART units
    trends: tuple[tuple[str, bytes], ...] = ()  # (indicator key, image), one per target

    def names(self) -> dict[str, list[str]]:
        """File names (and cid stems) of the images: completeness.png, completeness-2.png, …, trend-<key>.png."""
        return {
            "completeness": [f"completeness{f'-{i}' if i > 1 else ''}" for i in range(1, len(self.completeness) + 1)],
            "trends": [f"trend-{key}" for key, _ in self.trends],
        }

    def images(self) -> list[bytes]:
        return [*self.completeness, *(png for _, png in self.trends)]


def charts(d: BriefingData) -> Charts:
    chunks = [d.units[i : i + UNITS_PER_CHART] for i in range(0, len(d.units), UNITS_PER_CHART)] or [[]]
    title = "各单位报送完整率与及时率"
    return Charts(
        tuple(
            completeness_chart(
                [u.unit for u in us],
                [u.completeness for u in us],
                [u.timeliness for u in us],
                title=f"{title}（{i}/{len(chunks)}）" if len(chunks) > 1 else title,
            )
            for i, us in enumerate(chunks, 1)
        ),
        tuple(
            (
                t.key,
                trend_chart(
                    t.label,
                    t.unit,
                    t.points,
                    target=t.target,
                    milestones=[(f"阶段目标（{by_text(by)}）", v) for by, v in t.milestones],
                ),
            )
            for t in d.trends
        ),
    )


def by_text(by: date) -> str:
    """When a milestone is due, briefly: the end of a year (2011年底), or the day itself."""
    return f"{by.year}年底" if (by.month, by.day) == (12, 31) else f"{by.year}年{by.month}月{by.day}日前"


def progress(value: float, target: Target) -> float:
    """How far from the baseline to the target a value has come (0..1 and beyond)."""
    span = target.value - target.baseline
    return (value - target.baseline) / span if span else 0.0


def html(d: BriefingData, img: dict[str, list[str]], *, print: bool = False) -> str:
    """The briefing page: inline styles for mail clients, or classes for print (the PDF lays out faster)."""
    c = d.campaign
    return render(
        "briefing.html.j2",
        d=d,
        img=img,
        font=font_family(),
        print=print,
        gongwen_css=Markup(gongwen.print_css()) if print else "",
        escalated=[o for o in d.overdue if o.level >= 2],
        overdue_by_unit=metrics.overdue_by_unit(d.overdue, [u.name for u in c.units]),
        overdue_summary=wording.overdue_summary(c, d.overdue, d.as_of.year),
        as_of_text=f"{d.as_of.year}年{d.as_of.month}月{d.as_of.day}日",
        names={o.id: c.obligation_name(o.id) for o in c.obligations},
        show_period={o.id: len(periods(o)) > 1 for o in c.obligations},
        weights=list(c.evaluation.weights.items()),
        labels=LABELS,
        period_label=period_label,
        progress=progress,
        by_text=by_text,
        pct=lambda x: f"{x * 100:.1f}%",
        num=lambda x: grouped(x, 4) if isinstance(x, float) else str(x),
    )


def text(d: BriefingData) -> str:
    c = d.campaign
    lines = [
        d.title,
        f"截至{d.as_of}：完整率 {d.totals['completeness'] * 100:.1f}%，及时率 {d.totals['timeliness'] * 100:.1f}%，"
        f"逾期未报 {len(d.overdue)} 项。",
        "",
        f"{c.briefings.wording.figures_heading}：",
    ]
    lines += [
        f"- {f.value.label}：{f.value.text()}" + (f"（目标 {f.target_text}）" if f.target else "") for f in d.figures
    ]
    if d.overdue:
        lines += ["", "逾期未报："] + [f"- {u.text}" for u in wording.overdue_summary(c, d.overdue, d.as_of.year)]
    lines += ["", "完整简报见 HTML 正文或附件 PDF。", "", f"—— {c.organiser}", f"联系我们：{office_contact(c)}"]
    return "\n".join(lines)


def document(d: BriefingData, c: Charts) -> list[Block]:
    """The 督查通报 both briefing.pdf and briefing.docx are written from (tasks/briefing/document.py)."""
    names = c.names()
    return build(
        d,
        {
            "completeness": list(zip(names["completeness"], c.completeness, strict=True)),
            "trends": list(zip(names["trends"], (png for _, png in c.trends), strict=True)),
        },
    )


def write_files(d: BriefingData, out: Path) -> tuple[Path, Path, Charts, int]:
    """briefing.html (the mail's page) + chart PNGs + briefing.pdf (the document, as briefing.docx) in
    `out`; returns the paths, charts and PDF page count."""
    out.mkdir(parents=True, exist_ok=True)
    c = charts(d)
    names = c.names()
    for name, png in zip([*names["completeness"], *names["trends"]], c.images(), strict=True):
        (out / f"{name}.png").write_bytes(png)
    page = html(d, {k: [f"{n}.png" for n in v] for k, v in names.items()}, print=True)
    html_path = out / "briefing.html"
    html_path.write_text(page, encoding="utf-8")
    pdf_path = out / "briefing.pdf"
    printed = render("gongwen.html.j2", title=d.title, blocks=document(d, c), css=Markup(gongwen.page_css()))
    from weasyprint import HTML  # imported here: only briefings need it

    # Most of a briefing's time is here (~2 s for 100 units): WeasyPrint laying out and subsetting
    # the CJK font. Embedding the font whole (full_fonts=True) measured no faster and 40x larger.
    doc = HTML(string=printed, base_url=str(out), url_fetcher=_folder_fetcher(out)).render()
    doc.write_pdf(pdf_path)
    return html_path, pdf_path, c, len(doc.pages)


def _folder_fetcher(folder: Path):  # type: ignore[no-untyped-def]
    """WeasyPrint may load only the briefing's own files (its charts): no network, no other path,
    whatever a unit's name or a figure's label puts into the page."""
    from weasyprint.urls import URLFetcher, URLFetchingError  # deferred: WeasyPrint is imported only to print

    root = folder.resolve()

    class FolderFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]

            u = urlparse(url)
            path = Path(unquote(u.path)).resolve() if u.scheme == "file" and u.netloc in ("", "localhost") else None
            if path is None or not path.is_relative_to(root):
                raise URLFetchingError(f"简报只能引用其所在目录中的文件：{url[:80]}")
            return super().fetch(url, headers)

    return FolderFetcher(allowed_protocols=("file",))


def email(d: BriefingData, c: Charts, pdf: bytes, document: tuple[str, str, bytes] | None = None) -> Rendered:
    """The briefing's mail: the HTML with its charts inline and the PDF attached; or, when the
    office edited it (`document`: name, type, bytes), a cover note and that .docx alone, so a leader
    never reads a generated text beside the approved one."""
    if document is not None:
        return _cover(d, document)
    cid = {k: [f"{n}-{d.kind}-{d.number}@duban" for n in v] for k, v in c.names().items()}
    page = html(d, {k: [f"cid:{x}" for x in v] for k, v in cid.items()})
    return Rendered(
        subject=d.title,
        text=text(d),
        html=page,
        attachments=[(f"{d.title}.pdf", PDF, pdf)],
        inline=[
            (x, "image/png", png) for x, png in zip([*cid["completeness"], *cid["trends"]], c.images(), strict=True)
        ],
    )


def _cover(d: BriefingData, document: tuple[str, str, bytes]) -> Rendered:
    """The mail that carries the office's edited document: what it is, and that it is attached."""
    c = d.campaign
    lines = [
        f"{d.title}已经审定，正文见附件“{document[0]}”（Word 文件）。",
        f"本期截至{d.as_of.year}年{d.as_of.month}月{d.as_of.day}日。",
        c.briefings.wording.addressees,
        f"—— {c.office.name or c.organiser}",
    ]
    lines = [line for line in lines if line]
    body = Markup("").join(Markup("<p>{}</p>\n").format(line) for line in lines)
    return Rendered(subject=d.title, text="\n\n".join(lines) + "\n", html=str(body), attachments=[document])
