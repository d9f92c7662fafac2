"""Edited, then approved; a correction says so (issue 28, points 3 and 4): the office's edited .docx
is what leaders receive, kept with its SHA-256 and audited with who approved it; a file that is not a
.docx, or unreadable, is refused in Chinese and nothing is sent; a sent issue regenerated with changed
figures is a 更正 naming the change, sent as a new version, the first kept as it was."""

import hashlib
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from schemas.briefings import BriefingVersion
from schemas.outbox import Notification
from schemas.tables import AuditLog
from tasks.briefing import BriefingRefused, compile_briefing, deliver_briefing
from tasks.intake.service import submit_file
from tests.tasks.intake.files import messy_workbook, write

DAY = date(2010, 7, 23)
NOW = datetime(2010, 7, 23, 10)


def _edited(c, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    doc = Document(str(c.docx))
    doc.add_paragraph("领导批示：请各县区抓紧报送。")
    path = tmp_path / "edited.docx"
    doc.save(str(path))
    return path


def _versions(app) -> list[BriefingVersion]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return list(s.scalars(select(BriefingVersion).order_by(BriefingVersion.version)))


def test_the_edited_docx_is_what_is_sent_kept_with_its_hash(mail_app, smtp, tmp_path):
    c = compile_briefing(mail_app, DAY, out=tmp_path / "b")
    edited = _edited(c, tmp_path)
    queued, _ = deliver_briefing(mail_app, c, by="王主任", comment="", now=NOW, edited=edited)
    assert queued == 13  # four leaders' offices and nine county heads
    [v] = _versions(mail_app)
    digest = hashlib.sha256(edited.read_bytes()).hexdigest()
    assert (v.version, v.sha256, v.edited, v.approved_by) == (1, digest, True, "王主任")
    assert hashlib.sha256(Path(v.path).read_bytes()).hexdigest() == digest  # kept in the briefing's folder
    docs = [p for m in smtp.received for p in m.walk() if (p.get_filename() or "").endswith(".docx")]
    assert len(docs) == 13 and {hashlib.sha256(p.get_payload(decode=True)).hexdigest() for p in docs} == {digest}
    first = smtp.received[0]  # the approved text alone: no generated PDF, no generated body beside it
    assert not [p for p in first.walk() if (p.get_filename() or "").endswith(".pdf")]
    assert "已经审定，正文见附件" in first.get_body(("plain",)).get_content()
    with mail_app.store.session() as s:
        [a] = s.scalars(select(AuditLog).where(AuditLog.action == "briefing.approve")).all()
    assert a.actor == "王主任" and a.detail["sha256"] == digest and a.detail["version"] == 1
    # approving the same file again sends nothing more
    assert deliver_briefing(mail_app, c, by="王主任", comment="", now=NOW, edited=edited)[0] == 0


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [("简报.txt", b"not a document", "不是 Word 文档"), ("简报.docx", b"PK\x03\x04 broken", "已损坏")],
)
def test_a_file_that_is_not_a_docx_is_refused_and_nothing_is_sent(mail_app, tmp_path, name, data, says):
    c = compile_briefing(mail_app, DAY, out=tmp_path / "b")
    bad = tmp_path / name
    bad.write_bytes(data)
    with pytest.raises(BriefingRefused, match=says):
        deliver_briefing(mail_app, c, by="王主任", comment="", now=NOW, edited=bad)
    with pytest.raises(BriefingRefused, match="无法读取"):
        deliver_briefing(mail_app, c, by="王主任", comment="", now=NOW, edited=tmp_path / "gone.docx")
    with mail_app.store.session() as s:
        assert s.scalar(select(Notification.id)) is None
    assert _versions(mail_app) == []


def test_a_sent_issue_regenerated_with_changed_figures_is_a_correction(mail_app, smtp, tmp_path):
    first = compile_briefing(mail_app, DAY, out=tmp_path / "b1")
    assert not first.data.correction
    deliver_briefing(mail_app, first, by="王主任", comment="", now=NOW)
    # a file received on 07-20, recorded only now (backfill): the issue of 07-23 said 清河区 had sent nothing
    contacts = [
        ["赵局长", "科技局局长", "组长", "", "13805170201", "zhao@example.cn", ""],
        ["钱科长", "科技局科长", "联络员", "", "13805170202", "qian@example.cn", ""],
    ]
    workbook = messy_workbook("contacts", contacts, unit="清河区")
    r = submit_file(mail_app, write(tmp_path, "附表2_清河区.xlsx", workbook), received_at=datetime(2010, 7, 20))
    assert r.status == "accepted"
    again = compile_briefing(mail_app, DAY, out=tmp_path / "b2")
    assert again.data.number == first.data.number
    assert "清河区已报由0更正为1" in again.data.correction
    texts = [p.text for p in Document(str(again.docx)).paragraphs]
    assert f"第{again.data.number}期（更正）" in texts and any("更正说明" in t and "清河区" in t for t in texts)
    assert "（更正）" in again.html.read_text(encoding="utf-8")
    smtp.received.clear()
    queued, _ = deliver_briefing(mail_app, again, by="王主任", comment="", now=datetime(2010, 7, 24, 10))
    assert queued >= 4 and smtp.received  # the correction goes out as well
    v1, v2 = _versions(mail_app)
    assert (v1.version, v1.changes, v2.version) == (1, "", 2) and "清河区" in v2.changes
    assert Path(v1.path).exists() and v1.sha256 == hashlib.sha256(Path(v1.path).read_bytes()).hexdigest()
