"""A briefing for people: HTML email (inline CSS, cid images), the same HTML as files, and a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from notifications.message import Rendered
from notifications.render import render
from tasks.briefing.charts import completeness_chart, font_family, signings_chart
from tasks.briefing.figures import BriefingData

LABELS = {"timeliness": "及时率", "completeness": "完整率", "quality": "报送质量", "outcomes": "工作成效"}
PDF = "application/pdf"


@dataclass(frozen=True)
class Charts:
    completeness: bytes
    signings: bytes


def charts(d: BriefingData) -> Charts:
    return Charts(
        completeness_chart([u.unit for u in d.units], [u.completeness for u in d.units], [u.timeliness for u in d.units]),
        signings_chart(d.signings_by_month),
    )


def html(d: BriefingData, img: dict[str, str]) -> str:
    escalated = [o for o in d.overdue if o.level >= 2]
    return render(
        "briefing.html.j2", d=d, img=img, font=font_family(), escalated=escalated,
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


def write_files(d: BriefingData, out: Path) -> tuple[Path, Path, Charts]:
    """briefing.html + chart PNGs + briefing.pdf in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    c = charts(d)
    (out / "completeness.png").write_bytes(c.completeness)
    (out / "signings.png").write_bytes(c.signings)
    page = html(d, {"completeness": "completeness.png", "signings": "signings.png"})
    html_path = out / "briefing.html"
    html_path.write_text(page, encoding="utf-8")
    pdf_path = out / "briefing.pdf"
    from weasyprint import HTML  # imported here: only briefings need it

    # Most of a briefing's time is here (~2.5 s): WeasyPrint laying out and subsetting the CJK
    # font. Embedding the font whole (full_fonts=True) measured no faster and 40x larger.
    HTML(string=page, base_url=str(out)).write_pdf(pdf_path)
    return html_path, pdf_path, c


def email(d: BriefingData, c: Charts, pdf: bytes) -> Rendered:
    cid = {"completeness": f"completeness-{d.kind}-{d.number}@duban", "signings": f"signings-{d.kind}-{d.number}@duban"}
    page = html(d, {k: f"cid:{v}" for k, v in cid.items()})
    return Rendered(
        subject=d.title, text=text(d), html=page,
        attachments=[(f"{d.title}.pdf", PDF, pdf)],
        inline=[(cid["completeness"], "image/png", c.completeness), (cid["signings"], "image/png", c.signings)],
    )
