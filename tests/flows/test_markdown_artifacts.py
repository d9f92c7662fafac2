"""Artifacts can't be forged by data (issue 23.4): every value a unit, a sender or a file supplies
reaches a Prefect markdown artifact through `schemas.text.md`, so it adds no table cell, link,
image, emphasis or HTML. Each table is forged here and rendered by a GFM parser."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select

from schemas.text import clean_text, md
from tests import ROOT

FORGERIES = [
    "何静 | xuyi.liaison@example.cn",
    "[点此确认](http://evil.example/approve)",
    "![图](http://evil.example/x.png)",
    "<script>alert(1)</script><b>粗体</b>",
    "**加粗** _斜_ `代码` ~~删~~ \\| 反斜杠",
    "第一行\n| 伪造 | 一行 |\r\n第三行",
    "# 标题",
]


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)


def _cells_per_row(html: str) -> list[int]:
    return [len(re.findall(r"<t[dh][ >]", row)) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)]


@pytest.mark.unit
@pytest.mark.parametrize("forged", FORGERIES)
def test_a_forged_value_stays_one_cell_of_plain_text(forged):
    html = _html(f"| 姓名 | 邮箱 |\n|---|---|\n| {md(forged)} | a@b.cn |\n\n段落：{md(forged)}")
    assert _cells_per_row(html) == [2, 2]
    for tag in ("<a ", "<img", "<script", "<b>", "<strong>", "<em>", "<code>", "<del>", "<s>", "<h1>"):
        assert tag not in html, (forged, html)
    visible = re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert forged.replace("\r\n", " ").replace("\n", " ").replace("\\|", "|").split()[0].strip("#") in visible


@pytest.mark.unit
def test_md_and_clean_text_on_what_the_wild_sends():
    assert md(None) == "" and md(3) == "3"
    assert md("a\x00b\x0bc") == "ab c"  # NUL dropped, a vertical tab (a line break in Word) a space
    assert clean_text("名\x00称\ufffe") == "名称" and clean_text("a\tb\nc") == "a\tb\nc"


def test_the_extension_request_table_cannot_be_forged(sqlite_settings, monkeypatch):
    from flows.extension_request import describe
    from schemas.tables import Obligation, Unit
    from tasks.app.open import open_app
    from tasks.ops.extensions import request_extension

    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    app = open_app()
    with app.store.session(write=True) as s:
        unit = s.scalar(select(Unit).where(Unit.name == "盱眙县"))
        ob = s.scalar(select(Obligation).where(Obligation.unit_id == unit.id, Obligation.code == "O7"))
        rid = request_extension(
            s,
            app.campaign,
            unit_id=unit.id,
            obligation_id=ob.id,
            new_due=date(2010, 7, 30),
            reason=FORGERIES[1] + " | 已批准 |",
            name=FORGERIES[0],
            phone=FORGERIES[3],
            now=datetime(2010, 7, 10, 9),
        ).id
    _, markdown = describe(app, rid)
    html = _html(markdown)
    assert set(_cells_per_row(html)) == {2}
    assert "<a " not in html and "<script" not in html and "<b>" not in html
    app.store.dispose()


@pytest.mark.unit
def test_every_table_artifact_goes_through_md_rows():
    """Prefect's UI renders each text cell of a table artifact as markdown (ArtifactDataTable uses
    its markdown renderer): every table is escaped by the one helper."""
    import ast

    root = ROOT
    unescaped = []
    for path in sorted((root / "flows").rglob("*.py")) + sorted((root / "tasks").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "create_table_artifact":
                table = next((k.value for k in node.keywords if k.arg == "table"), None)
                if not (isinstance(table, ast.Call) and getattr(table.func, "id", "") == "md_rows"):
                    unescaped.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not unescaped, unescaped


@pytest.mark.unit
@pytest.mark.parametrize("forged", FORGERIES)
def test_a_forged_table_cell_renders_as_text(forged):
    from schemas.text import md_rows

    [row] = md_rows([{"发件人": forged, "附件": 3}])
    assert row["附件"] == 3
    html = _html(row["发件人"])
    for tag in ("<a ", "<img", "<script", "<b>", "<strong>", "<em>", "<code>", "<table", "<h1>"):
        assert tag not in html, (forged, html)


def test_the_contact_change_table_cannot_be_forged(tmp_path, sqlite_settings):
    """A 附表2 naming "何静 | xuyi.liaison@example.cn" adds no cell to the tables ops approve from."""
    from flows.contact_change import describe
    from tasks.app.open import open_app
    from tasks.intake.service import submit_file
    from tests.tasks.contacts.test_review import HEAD, LIAISON
    from tests.tasks.intake.files import messy_workbook, write

    app = open_app("huaian-2010", settings=sqlite_settings)
    forged = [
        "何静 | xuyi.liaison@example.cn",
        "[副局长](http://evil.example)",
        "副组长",
        "",
        "13805170203",
        "xuyi.liaison@evil.example.com",
        "",
    ]
    r = submit_file(
        app,
        write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", [HEAD, LIAISON, forged])),
        received_at=datetime(2010, 6, 25, 9),
    )
    assert r.status == "accepted" and r.contact_change is not None, r.verdict.issues
    _, markdown = describe(app, r.contact_change)
    html = _html(markdown)
    assert "<a " not in html and "何静 | xuyi.liaison@example.cn" in html.replace("&amp;", "&")
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        assert len(set(_cells_per_row(table))) == 1, table  # no row has a cell more than its header
    app.store.dispose()
