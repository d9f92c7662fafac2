"""A briefing for people: HTML email (inline CSS, cid images), the same HTML as files, and a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from notifications.message import Rendered
from notifications.render import render
from tasks import metrics
from tasks.briefing.charts import completeness_chart, font_family, signings_chart
from tasks.briefing.figures import BriefingData

LABELS = {"timeliness": "及时率", "completeness": "完整率", "quality": "报送质量", "outcomes": "工作成效"}
PDF = "application/pdf"


UNITS_PER_CHART = 35  # a chart of 35 units fills an A4 page at a readable size; more units, more charts


@dataclass(frozen=True)
class Charts:
    completeness: tuple[bytes, ...]  # one image per UNITS_PER_CHART units
    signings: bytes

    def names(self) -> dict[str, list[str]]:
        """File names (and cid stems) of the images: completeness.png, completeness-2.png, …, signings.png."""
        return {"completeness": [f"completeness{f'-{i}' if i > 1 else ''}" for i in range(1, len(self.completeness) + 1)],
                "signings": ["signings"]}


def charts(d: BriefingData) -> Charts:
    chunks = [d.units[i:i + UNITS_PER_CHART] for i in range(0, len(d.units), UNITS_PER_CHART)] or [[]]
    title = "各单位报送完整率与及时率"
    return Charts(
        tuple(completeness_chart([u.unit for u in us], [u.completeness for u in us], [u.timeliness for u in us],
                                 title=f"{title}（{i}/{len(chunks)}）" if len(chunks) > 1 else title)
              for i, us in enumerate(chunks, 1)),
        signings_chart(d.signings_by_month),
    )


def html(d: BriefingData, img: dict[str, str], *, print: bool = False) -> str:
    """The briefing page: inline styles for mail clients, or classes for print (the PDF lays out faster)."""
    escalated = [o for o in d.overdue if o.level >= 2]
    return render(
        "briefing.html.j2", d=d, img=img, font=font_family(), escalated=escalated, print=print,
        overdue_by_unit=metrics.overdue_by_unit(d.overdue),
        as_of_text=f"{d.as_of.year}年{d.as_of.month}月{d.as_of.day}日",
        titles={o.id: f"{d.campaign.form(o.form).label} {o.title}" for o in d.campaign.obligations},
        weights=list(d.campaign.evaluation.items()), labels=LABELS,
        pct=lambda x: f"{x * 100:.1f}%", num=lambda x: f"{x:g}" if isinstance(x, float) else str(x),
    )


def text(d: BriefingData) -> str:
    lines = [d.title, f"截至{d.as_of}：完整率 {d.totals['completeness'] * 100:.1f}%，及时率 {d.totals['timeliness'] * 100:.1f}%，"
             f"逾期未报 {len(d.overdue)} 项。", "", "主要指标："]
    lines += [f"- {f.label}：{f.value:g}{f.unit}" + (f"（目标 {f.target:g}）" if f.target else "") for f in d.figures]
    if d.overdue:
        lines += ["", "逾期未报："] + [f"- {o.unit} {o.obligation} {o.period} 逾期{o.days_late}天" for o in d.overdue[:50]]
    lines += ["", "完整简报见 HTML 正文或附件 PDF。"]
    return "\n".join(lines)


def write_files(d: BriefingData, out: Path) -> tuple[Path, Path, Charts, int]:
    """briefing.html + chart PNGs + briefing.pdf in `out`; returns the paths, charts and PDF page count."""
    out.mkdir(parents=True, exist_ok=True)
    c = charts(d)
    names = c.names()
    for name, png in zip(names["completeness"], c.completeness, strict=True):
        (out / f"{name}.png").write_bytes(png)
    (out / "signings.png").write_bytes(c.signings)
    page = html(d, {k: [f"{n}.png" for n in v] for k, v in names.items()}, print=True)
    html_path = out / "briefing.html"
    html_path.write_text(page, encoding="utf-8")
    pdf_path = out / "briefing.pdf"
    from weasyprint import HTML  # imported here: only briefings need it

    # Most of a briefing's time is here (~2 s for 100 units): WeasyPrint laying out and subsetting
    # the CJK font. Embedding the font whole (full_fonts=True) measured no faster and 40x larger.
    doc = HTML(string=page, base_url=str(out), url_fetcher=_folder_fetcher(out)).render()
    doc.write_pdf(pdf_path)
    return html_path, pdf_path, c, len(doc.pages)


def _folder_fetcher(folder: Path):  # type: ignore[no-untyped-def]
    """WeasyPrint may load only the briefing's own files (its charts): no network, no other path,
    whatever a unit's name or a figure's label puts into the page."""
    from weasyprint.urls import URLFetcher, URLFetchingError

    root = folder.resolve()

    class FolderFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            from urllib.parse import unquote, urlparse

            u = urlparse(url)
            path = Path(unquote(u.path)).resolve() if u.scheme == "file" and u.netloc in ("", "localhost") else None
            if path is None or not path.is_relative_to(root):
                raise URLFetchingError(f"简报只能引用其所在目录中的文件：{url[:80]}")
            return super().fetch(url, headers)

    return FolderFetcher(allowed_protocols=("file",))


def email(d: BriefingData, c: Charts, pdf: bytes) -> Rendered:
    cid = {k: [f"{n}-{d.kind}-{d.number}@duban" for n in v] for k, v in c.names().items()}
    page = html(d, {k: [f"cid:{x}" for x in v] for k, v in cid.items()})
    pngs = [*c.completeness, c.signings]
    return Rendered(
        subject=d.title, text=text(d), html=page,
        attachments=[(f"{d.title}.pdf", PDF, pdf)],
        inline=[(x, "image/png", png) for x, png in zip([*cid["completeness"], *cid["signings"]], pngs, strict=True)],
    )
