"""`duban brief` writes briefing.docx too; `duban brief --approve --file edited.docx --by NAME` sends the
office's edited version, and refuses in Chinese a file that is not a .docx (nothing sent)."""

from __future__ import annotations

import json

import pytest
from docx import Document

from tests.flows.cli.test_ops import duban  # noqa: F401  (the same runner on a real store and SMTP server)

pytestmark = [pytest.mark.integration]


def test_brief_writes_the_docx_and_approves_the_edited_one(duban, smtp, tmp_path):  # noqa: F811
    r = duban("brief", "--as-of", "2010-07-23", "--out", str(tmp_path / "b"), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["docx"].endswith("briefing.docx") and Document(out["docx"]).paragraphs
    bad = tmp_path / "简报.pdf"
    bad.write_bytes(b"%PDF-1.7")
    r = duban(
        "brief",
        "--as-of",
        "2010-07-23",
        "--out",
        str(tmp_path / "b"),
        "--approve",
        "--file",
        str(bad),
        "--by",
        "王主任",
    )
    assert r.exit_code == 1 and "不是 Word 文档" in r.stderr and "Traceback" not in r.output
    assert not smtp.received
    r = duban("brief", "--approve", "--as-of", "2010-07-23")
    assert r.exit_code == 1 and "--by" in r.stderr
    edited = tmp_path / "修改稿.docx"
    doc = Document(out["docx"])
    doc.add_paragraph("领导批示：请抓紧。")
    doc.save(str(edited))
    r = duban(
        "brief",
        "--as-of",
        "2010-07-23",
        "--out",
        str(tmp_path / "b"),
        "--approve",
        "--file",
        str(edited),
        "--by",
        "王主任",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["queued"] > 0 and smtp.received
