"""Edited, then approved; a correction says so (issue 28, points 3 and 4): the office's edited .docx
is what leaders receive, kept with its SHA-256 and audited with who approved it; a file that is not a
.docx, or unreadable, is refused in Chinese and nothing is sent; a sent issue regenerated with changed
figures is a 更正 naming the change, sent as a new version, the first kept as it was. An edited file is
read once, within limits (its size, what it unpacks to), and the form's path only names a regular file
in the briefings folder; the versions kept cannot be rewritten."""

import hashlib
import os
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from schemas.briefings import Briefing, BriefingStatus, BriefingVersion
from schemas.outbox import Notification
from schemas.tables import AuditLog
from tasks.briefing import BriefingRefused, compile_briefing, deliver_briefing, edited_in
from tasks.briefing.versions import check_docx
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
    with pytest.raises(BriefingRefused, match="解压后超过 50 MB"):
        deliver_briefing(mail_app, c, by="王主任", comment="", now=NOW, edited=_bomb(tmp_path / "bomb.docx"))
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


def _bomb(path: Path, size: int = 60 * 2**20) -> Path:
    """A .docx whose document.xml is `size` bytes of one character, deflated: some 60 KB on disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as f:
            chunk = b"a" * 2**20
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return path


def test_an_edited_file_too_big_or_unpacking_to_too_much_is_refused_before_it_is_opened(tmp_path):
    bomb = _bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 2**20
    started = time.perf_counter()
    with pytest.raises(BriefingRefused, match="“bomb.docx”解压后超过 50 MB 或含有超过 1000 个部件"):
        check_docx(bomb, 20 * 2**20)
    assert time.perf_counter() - started < 1  # refused on the zip's listing: nothing unpacked
    parts = tmp_path / "parts.docx"
    with zipfile.ZipFile(parts, "w") as z:
        for i in range(1001):
            z.writestr(f"word/media/p{i}.xml", "")
    with pytest.raises(BriefingRefused, match="含有超过 1000 个部件"):
        check_docx(parts, 20 * 2**20)
    big = tmp_path / "big.docx"
    with big.open("wb") as f:
        f.truncate(20 * 2**20 + 1)  # sparse: nothing written, nothing to read
    with pytest.raises(BriefingRefused, match="“big.docx”超过 20 MB，未发送"):
        check_docx(big, 20 * 2**20)
    os.mkfifo(fifo := tmp_path / "fifo.docx")  # a reader would wait forever for a writer
    with pytest.raises(BriefingRefused, match="不是普通文件"):
        check_docx(fifo, 20 * 2**20)


def test_the_form_names_only_a_regular_file_in_the_briefings_folder(tmp_path):
    folder = tmp_path / "briefings"
    (folder / "monthly-01").mkdir(parents=True)
    (inside := folder / "monthly-01" / "修改稿.docx").write_bytes(b"x")
    (outside := tmp_path / "secret.docx").write_bytes(b"x")
    assert edited_in(folder, str(inside)) == inside.resolve()
    assert edited_in(folder, "monthly-01/修改稿.docx") == inside.resolve()  # relative: from the folder
    (folder / "link.docx").symlink_to(outside)
    os.mkfifo(folder / "fifo.docx")
    for given in (str(outside), "../secret.docx", "link.docx", str(tmp_path / "gone.docx")):
        with pytest.raises(BriefingRefused, match="不在简报文件夹"):
            edited_in(folder, given)
    with pytest.raises(BriefingRefused, match="“fifo.docx”不是普通文件"):
        edited_in(folder, "fifo.docx")
    with pytest.raises(BriefingRefused, match="无法读取文件“gone.docx”"):
        edited_in(folder, "gone.docx")
    with pytest.raises(BriefingRefused, match="不是普通文件"):
        edited_in(folder, "monthly-01")


_OPENED: list[str] = []  # the paths opened while a test watches (an audit hook stays for the whole process)
_WATCHED: list[str] = []


def _watch(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event == "open" and _WATCHED and isinstance(args[0], str | bytes | os.PathLike):
        if os.fsdecode(args[0]) in _WATCHED:
            _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_watch)


def test_the_edited_file_is_read_once_what_was_checked_is_what_is_kept_and_sent(mail_app, smtp, tmp_path):
    c = compile_briefing(mail_app, DAY, out=tmp_path / "b")
    edited = _edited(c, tmp_path)
    _OPENED.clear()
    _WATCHED.append(str(edited))
    try:
        deliver_briefing(mail_app, c, by="王主任", comment="", now=NOW, edited=edited)
    finally:
        _WATCHED.clear()
    assert _OPENED == [str(edited)]  # checked, then kept, hashed and attached from those bytes
    [v] = _versions(mail_app)
    assert Path(v.path).read_bytes() == edited.read_bytes()


def test_a_version_sent_cannot_be_rewritten(app):
    with app.store.session(write=True) as s:
        b = Briefing(campaign="c", kind="monthly", number=1, as_of=DAY, status=BriefingStatus.SENT, created_at=NOW)
        s.add(b)
        s.flush()
        s.add(
            BriefingVersion(briefing_id=b.id, version=1, path="p", sha256="0" * 64, approved_by="王主任", sent_at=NOW)
        )
    for sql in ("UPDATE briefing_version SET sha256 = 'x'", "DELETE FROM briefing_version"):
        with pytest.raises(DBAPIError), app.store.session(write=True) as s:
            s.execute(text(sql))
    assert len(_versions(app)) == 1
