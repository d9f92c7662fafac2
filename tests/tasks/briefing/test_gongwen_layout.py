"""One layout, two files (issue 28): the PDF and briefing.docx follow GB/T 9704 — A4, top margin 37 mm,
left 28 mm, text block 156 × 225 mm, title 22 pt, body 16 pt, within 1 mm and 0.5 pt — and the .docx
read back says what the HTML says: the title, the issue number, every figure of the units' table."""

from datetime import date
from html.parser import HTMLParser

import pytest
from docx import Document
from pypdf import PdfReader

from tasks.briefing import gongwen
from tasks.briefing.job import compile_briefing

MM = 72 / 25.4  # points in a millimetre


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One briefing of the 2010 campaign with every unit overdue (an empty store): long tables, an annex."""
    from config.settings import Settings
    from tasks.app.open import open_app

    home = tmp_path_factory.mktemp("gongwen")
    app = open_app("huaian-2010", settings=Settings(home=home, database_url=f"sqlite:///{home}/d.db", _env_file=None))
    try:
        yield compile_briefing(app, date(2010, 8, 25), out=home / "out")
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
