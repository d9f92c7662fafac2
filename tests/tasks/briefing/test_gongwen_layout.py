"""One layout, two files (issue 28): the PDF and briefing.docx follow GB/T 9704 — A4, top margin 37 mm,
left 28 mm, text block 156 × 225 mm, title 22 pt, body 16 pt, within 1 mm and 0.5 pt — and the .docx
read back says what the HTML says: the title, the issue number, every figure of the units' table."""

import dataclasses
import re
import shutil
import subprocess
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from docx import Document
from pypdf import PdfReader

from schemas.matters import MatterAction
from tasks.briefing import document, gongwen
from tasks.briefing.job import compile_briefing
from tasks.briefing.matters import MatterCounts
from tasks.matters import Assignment, Notice, act, assign

MM = 72 / 25.4  # points in a millimetre


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One briefing of the 2010 campaign with every unit overdue (an empty store): long tables, an
    annex; and two matters assigned, one closed (the 督办事项 section)."""
    from config.settings import Settings
    from tasks.app.open import open_app

    home = tmp_path_factory.mktemp("gongwen")
    app = open_app("huaian-2010", settings=Settings(home=home, database_url=f"sqlite:///{home}/d.db", _env_file=None))
    try:
        with app.store.session(write=True) as s:
            a = Assignment(["清河区", "淮阴区"], "落实签约项目协议文本", date(2010, 7, 20), "王主任", source="领导批示")
            m = assign(s, app.campaign, a, now=datetime(2010, 7, 1, 10))[0]
            act(s, m, MatterAction.REQUEST_CLOSE, actor="张三", at=datetime(2010, 7, 15, 9), done_on=date(2010, 7, 15))
            act(s, m, MatterAction.APPROVE, actor="王主任", at=datetime(2010, 7, 16, 9))
        yield compile_briefing(app, date(2010, 8, 25), out=home / "out")
    finally:
        app.store.dispose()


@pytest.fixture(scope="module")
def yudu(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The fourth campaign's second briefing, with the March and June files in (six trend charts)."""
    from config.settings import Settings
    from tasks.app.open import open_app
    from tasks.intake.service import submit_bytes
    from tests.campaigns import test_fourth_campaign as fourth

    home = tmp_path_factory.mktemp("yudu")
    settings = Settings(home=home, database_url=f"sqlite:///{home}/d.db", _env_file=None)  # type: ignore[call-arg]
    app = open_app(campaign=fourth.YUDU, settings=settings)
    try:
        for form, rows, unit in (
            ("monthly-kpi", fourth.PARK_MARCH, "工业园区管委会"),
            ("monthly-kpi", fourth.CENTRE_MARCH, "县生产力促进中心"),
            ("monthly-kpi", fourth.IP_MARCH, "局知识产权股"),
            ("project-ledger", fourth.PARK_LEDGER_MARCH, "工业园区管委会"),
            ("project-ledger", fourth.FARM_LEDGER_MARCH, "县农业局"),
        ):
            submit_bytes(app, fourth.filled(form, rows, unit), f"{unit}.xlsx", received_at=datetime(2013, 4, 8, 10))
        yield compile_briefing(app, date(2013, 7, 17), out=home / "out")
    finally:
        app.store.dispose()


def _texts(page) -> list[tuple[str, float, float, float]]:  # type: ignore[no-untyped-def]
    """(text, x, y from the top, size in pt) of every piece of text on a PDF page."""
    out: list[tuple[str, float, float, float]] = []
    height = float(page.mediabox.height)

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            out.append((text.strip(), x, height - y, size * scale))

    page.extract_text(visitor_text=visit)
    return out


def test_the_pdf_has_the_official_page_margins_and_type(briefing):
    pdf = PdfReader(briefing.pdf)
    first = pdf.pages[0]
    assert float(first.mediabox.width) == pytest.approx(210 * MM, abs=MM)
    assert float(first.mediabox.height) == pytest.approx(297 * MM, abs=MM)
    texts = _texts(first)
    left = min(x for _, x, _, _ in texts)
    assert left == pytest.approx(gongwen.LEFT_MM * MM, abs=MM)  # the office's name starts the text block
    masthead = next(t for t in texts if briefing.data.masthead in t[0])
    top_of_masthead = masthead[2] - masthead[3] * 0.88  # a CJK face's ascent
    assert top_of_masthead == pytest.approx(gongwen.TOP_MM * MM, abs=MM * 1.5)
    for _, x, y, _ in (t for p in pdf.pages for t in _texts(p) if "—" not in t[0]):
        assert x <= (210 - gongwen.RIGHT_MM) * MM + 1 and y <= (297 - gongwen.BOTTOM_MM) * MM + 1
    title = next(t for t in texts if t[0].startswith(briefing.data.title[:6]))
    assert title[3] == pytest.approx(gongwen.SIZE_2, abs=0.5)
    body = next(t for t in texts if t[0].startswith("截至"))
    assert body[3] == pytest.approx(gongwen.SIZE_3, abs=0.5)


def test_the_docx_has_the_official_section_and_type(briefing):
    doc = Document(str(briefing.docx))
    s = doc.sections[0]
    assert (s.page_width.mm, s.page_height.mm) == (pytest.approx(210, abs=1), pytest.approx(297, abs=1))
    assert s.top_margin.mm == pytest.approx(37, abs=1) and s.left_margin.mm == pytest.approx(28, abs=1)
    assert s.page_width.mm - s.left_margin.mm - s.right_margin.mm == pytest.approx(156, abs=1)
    assert s.page_height.mm - s.top_margin.mm - s.bottom_margin.mm == pytest.approx(225, abs=1)
    by_text = {p.text: p for p in doc.paragraphs if p.text}
    title = by_text[briefing.data.title].runs[0]
    assert title.font.size.pt == pytest.approx(22, abs=0.5) and title.font.name == gongwen.XIAOBIAOSONG
    body = next(p for t, p in by_text.items() if t.startswith("截至")).runs[0]
    assert body.font.size.pt == pytest.approx(16, abs=0.5) and body.font.name == gongwen.FANGSONG
    heading = by_text["一、总体情况"].runs[0]
    assert heading.font.name == gongwen.HEITI and heading.font.size.pt == pytest.approx(16, abs=0.5)
    masthead = by_text[briefing.data.masthead].runs[0]
    assert str(masthead.font.color.rgb) == gongwen.RED_HEX
    assert any(t.startswith("报送：") for t in by_text) and any(t.endswith("印发") for t in by_text)
    assert f"第{briefing.data.number}期" in by_text


class _Tables(HTMLParser):
    """The cells of every table of the HTML, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.cell is not None:
            self.cell.append(data)


def test_the_docx_reads_back_as_the_html(briefing):
    html = briefing.html.read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(html)
    units_html = next(t for t in parser.tables if t[0][:2] == ["单位", "应报"])
    doc = Document(str(briefing.docx))
    units_docx = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert units_docx == units_html and len(units_docx) == len(briefing.data.units) + 1
    texts = [p.text for p in doc.paragraphs]
    assert briefing.data.title in texts and briefing.data.title in html
    assert f"第{briefing.data.number}期" in texts and f"第{briefing.data.number}期" in html


HEADING = re.compile(r"^(?:[一二三四五六七八九十]、\S+|附件)$")


def _headings(lines) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in lines if HEADING.match(t.strip())]


@pytest.mark.slow
@pytest.mark.parametrize("which", ["briefing", "yudu"])
def test_the_docx_in_libreoffice_is_the_pdf_page_for_page(which, request, tmp_path):
    """One layout, two files: LibreOffice lays the .docx out on as many pages as briefing.pdf has,
    with the same section headings in the same order, and the 版记 ends the last page of both, after
    the last text (never alone on a page)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice (soffice) 不可用，跳过 .docx 与 PDF 的逐页对照（apt-get install libreoffice-writer-nogui）"
        )
    c = request.getfixturevalue(which)
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"  # its own profile: other soffice runs may be going
    cmd = [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(c.docx)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
    said = [x for x in (out.stdout + out.stderr).splitlines() if x.strip() and not x.startswith("convert ")]
    assert [x for x in said if "javaldx" not in x] == []  # no conversion warning (Java is not needed)
    office, printed = PdfReader(tmp_path / "briefing.pdf"), PdfReader(c.pdf)
    assert len(office.pages) == len(printed.pages) == c.pages
    docx_headings = _headings(p.text for p in Document(str(c.docx)).paragraphs)
    pdf_text = [line for page in printed.pages for line in page.extract_text().splitlines()]
    assert _headings(pdf_text) == docx_headings
    assert _headings(line for page in office.pages for line in page.extract_text().splitlines()) == docx_headings
    assert docx_headings[:2] == ["一、总体情况", "二、各单位报送情况"] and "附件" in docx_headings
    foot = next(b for b in document.build(c.data, {}) if isinstance(b, document.Foot))
    for pdf in (office, printed):
        last = re.sub(r"\s", "", "".join(t for t in pdf.pages[-1].extract_text().splitlines() if "—" not in t))
        assert f"{foot.day}印发" in last
        body = last.replace(f"{foot.day}印发", "")
        assert body[: body.find((foot.lines or (foot.office,))[0])].strip(), last  # the 版记 after body text


def test_the_document_says_how_matters_stand_and_who_signed_for_notices(briefing):
    """督办事项办理情况 (counts, by unit, the longest overdue) and 督办通知签收情况 (who signed, when)."""
    d = briefing.data
    assert d.matters is not None and d.matters.any
    headings = [b.text for b in document.build(d, {}) if isinstance(b, document.Heading)]
    assert "五、督办事项办理情况" in headings
    sent, what = datetime(2010, 7, 1, 9), "附表2 组织机构人员名单及联系方式"
    notices = [
        Notice(1, "清河区", what, 2, date(2010, 7, 1), sent, 2, None, None),
        Notice(2, "淮阴区", what, 2, date(2010, 7, 1), sent, 2, datetime(2010, 7, 2, 9, 30), "李四"),
    ]
    counts = MatterCounts(d.as_of, notices=notices)
    blocks = document.build(dataclasses.replace(d, matters=counts), {})
    texts = [(getattr(b, "lead", ""), getattr(b, "text", "")) for b in blocks]
    assert ("", "六、督办通知签收情况") not in texts and ("", "五、督办通知签收情况") in texts
    assert ("", "已发出督办通知2份，已签收1份，未签收1份。") in texts
    assert ("淮阴区：", "附表2 组织机构人员名单及联系方式（督办2），7月2日 09:30由李四签收。") in texts
    matters = next(b for b in document.build(d, {}) if isinstance(b, document.Table) and b.header[1] == "事项")
    assert [r[:4] for r in matters.rows] == [("清河区", "1", "1", "1"), ("淮阴区", "1", "1", "0")]
