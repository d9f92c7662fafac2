"""One file costs bounded memory and time in the intake process too (issue 23, points 3, 5 and 9):
the reader child refuses a file whose cells, once merged cells are filled, are too many or too
long; the parent takes at most so many bytes from the child; a file's listed issues and comments
are capped; a file past its time budget is answered as too complex and the next one as usual;
the child carries no secret; a control character in a wrong cell is no crash."""

from __future__ import annotations

import io
import json
import time
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from config.settings import Settings
from schemas.tables import Submission, ValidationIssue
from tasks.intake.budget import TOO_SLOW
from tasks.intake.judge import UNSHOWN
from tasks.reader.read import ReaderPool, read_sheets
from tasks.reader.sheet import TOO_MUCH_TEXT, Limits, Unreadable
from tests.tasks.intake.amplified import many_errors_xlsx, merged_text_xlsx, rowspan_html
from tests.tasks.intake.files import messy_workbook, need_row, write
from tests.tasks.intake.test_cli import duban

pytestmark = [pytest.mark.integration]  # reader children, SQLite/PostgreSQL, the CLI in its own process
WHEN = datetime(2010, 7, 1, 10)


def test_the_reader_refuses_text_repeated_over_millions_of_cells():
    for name, data in (("附表3_清河区.xlsx", merged_text_xlsx()), ("附表3_清河区.xls", rowspan_html())):
        started = time.monotonic()
        with pytest.raises(Unreadable) as e:
            read_sheets(data, name, Limits())
        assert e.value.code == "too-complex" and str(e.value) == TOO_MUCH_TEXT
        assert time.monotonic() - started < 10
    good = messy_workbook("tech-needs", [need_row(i) for i in range(20)])
    assert read_sheets(good, "x.xlsx", Limits())  # the caps are on the file's filled cells and text:
    with pytest.raises(Unreadable, match="文件内容过多"):
        read_sheets(good, "x.xlsx", Limits(max_filled=100))
    with pytest.raises(Unreadable, match="文件内容过多"):
        read_sheets(good, "x.xlsx", Limits(max_text=1000))


def test_rows_end_at_their_last_filled_cell():
    """A far corner cell makes a sheet of 4 million cells; the parent is sent 1,001 of them."""
    from tests.tasks.intake.hostile import sparse_xlsx

    rows = read_sheets(sparse_xlsx(corner="ALL3999"), "x.xlsx", Limits())[0].rows
    assert len(rows) == 3999 and rows[0] == ["x"] and rows[-1][-1] == "y" and sum(map(len, rows)) == 1001


@pytest.mark.slow
def test_validate_and_intake_answer_a_merged_text_file_quickly(tmp_path):
    home = tmp_path / "var"
    f = write(tmp_path, "附表3_清河区_第1批.xlsx", merged_text_xlsx())
    started = time.monotonic()
    r = duban("validate", str(f), "--json", home=home)
    assert time.monotonic() - started < 10 and r.returncode == 2, r.stderr
    assert json.loads(r.stdout)["issues"][0]["message"] == TOO_MUCH_TEXT and "Traceback" not in r.stderr
    inbox = home / "inbox"
    inbox.mkdir(parents=True)
    for unit in ("清河区", "清浦区", "淮阴区"):
        (inbox / f"附表3_{unit}_第1批.xlsx").write_bytes(merged_text_xlsx(unit=unit))
    (inbox / "附表3_涟水县_第1批.xlsx").write_bytes(messy_workbook("tech-needs", [need_row(0)], unit="涟水县"))
    started = time.monotonic()
    r = duban("intake", "--json", home=home)
    assert time.monotonic() - started < 30 and r.returncode == 0, r.stderr
    got = {x["unit"]: x["status"] for x in json.loads(r.stdout)}
    assert got == {"清河区": "unreadable", "清浦区": "unreadable", "淮阴区": "unreadable", "涟水县": "accepted"}


def test_the_parent_takes_at_most_max_reply_bytes_from_the_child():
    pool = ReaderPool()
    data = messy_workbook("tech-needs", [need_row(i) for i in range(50)])
    try:
        assert pool.read(data, "x.xlsx", Limits())
        child = pool._idle[0][1]
        with pytest.raises(Unreadable) as e:
            pool.read(data, "x.xlsx", Limits(max_reply_bytes=1000))
        assert e.value.code == "too-complex"
        assert child.proc.poll() is not None and not pool._idle  # the child that sent too much is gone
        assert pool.read(data, "x.xlsx", Limits())  # and the next file gets a fresh one
    finally:
        pool.close()


def test_a_files_issues_are_capped_with_a_line_counting_the_rest(app):
    from tasks.intake.service import submit_bytes

    r = submit_bytes(app, many_errors_xlsx(1200), "附表3_清河区_第1批.xlsx", received_at=WHEN)
    v = r.verdict
    assert r.status == "rejected" and v.error_count == 1200 and len(v.errors) == 1000
    assert len(v.issues) == 1001 and v.issues[-1].message == "另有 200 处错误未逐条列出"
    with app.store.session() as s:
        recorded = s.scalar(
            select(func.count()).select_from(ValidationIssue).where(ValidationIssue.submission_id == r.submission_id)
        )
        summary = s.get(Submission, r.submission_id).summary
    assert recorded == 1001 and "未通过校验：1200 处错误" in summary and "另有 200 处错误未逐条列出" in summary
    wb = load_workbook(r.annotated)
    comments = [c for row in wb["Sheet1"].iter_rows() for c in row if c.comment]
    assert len(comments) == 1000
    assert wb["校验结果"].max_row < 1100  # the summary sheet lists the capped issues, not 1,200


def _budget_app(tmp_path, seconds: float):  # type: ignore[no-untyped-def]
    from tasks.app.open import open_app

    settings = Settings(home=tmp_path / "var", read_budget_seconds=seconds, _env_file=None)  # type: ignore[call-arg]
    return open_app("huaian-2010", settings=settings)


@pytest.mark.slow
def test_a_file_past_its_time_budget_is_too_complex_and_the_next_is_judged(tmp_path):
    from tasks.intake.batch import submit_batch

    app = _budget_app(tmp_path, 1.0)  # a 20,000-row file with an error a row takes several seconds
    try:
        heavy = many_errors_xlsx(20_000)
        light = messy_workbook("tech-needs", [need_row(1)], unit="淮阴区")
        got = submit_batch(app, [(heavy, "附表3_清河区_第1批.xlsx", WHEN), (light, "附表3_淮阴区_第1批.xlsx", WHEN)])
        slow, fine = got
        assert not isinstance(slow, Exception) and not isinstance(fine, Exception), got
        assert slow.status == "unreadable" and [i.message for i in slow.verdict.issues] == [TOO_SLOW]
        assert slow.verdict.unit == "清河区" and slow.annotated is None
        assert fine.status == "accepted" and fine.verdict.issues == [] and len(fine.verdict.records) == 1
        with app.store.session() as s:
            sub = s.get(Submission, slow.submission_id)
            assert sub.status == "unreadable" and TOO_SLOW in sub.summary and sub.row_count == 0
    finally:
        app.store.dispose()


def test_recording_past_the_budget_is_rolled_back_and_recorded_as_too_complex(tmp_path):
    from tasks.intake.keep import keep_bytes
    from tasks.intake.record import Kept
    from tasks.intake.service import file_verdict, limits_of
    from tasks.intake.validate import inspect_file

    app = _budget_app(tmp_path, 5.0)
    try:
        data = messy_workbook("tech-needs", [need_row(0, sales_wan="很多")], unit="清河区")
        v = inspect_file(
            data, "附表3_清河区_第1批.xlsx", app.campaign, received=WHEN.date(), limits=limits_of(app.settings)
        )
        assert v.status == "rejected"
        v.spent = 6.0  # judged, but the file's budget is spent: recording it may not take more
        r = file_verdict(app, v, Kept(keep_bytes(app.settings.files_dir, data), len(data), "x.xlsx", WHEN))
        assert r.status == "unreadable" and r.verdict.issues[0].message == TOO_SLOW and r.annotated is None
        with app.store.session() as s:
            assert s.scalar(select(func.count()).select_from(Submission)) == 1
    finally:
        app.store.dispose()


def test_the_reader_child_carries_no_secret(monkeypatch):
    secrets = {
        "DUBAN_SMTP_PASSWORD": "smtp-pw",
        "DUBAN_IMAP_PASSWORD": "imap-pw",
        "DUBAN_PORTAL_SECRET": "s" * 40,
        "DUBAN_DATABASE_URL": "postgresql://u:dbpw@h/db",
        "PREFECT_API_KEY": "pnu_key",
        "GITHUB_TOKEN": "ghp_x",
        "AWS_SECRET_ACCESS_KEY": "aws",
        "MY_PASSWORD": "pw",
    }
    for k, v in secrets.items():
        monkeypatch.setenv(k, v)
    pool = ReaderPool()
    try:
        assert pool.read(messy_workbook("tech-needs", [need_row(0)]), "x.xlsx", Limits())  # it imports the project
        pid = pool._idle[0][1].proc.pid
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(x.split(b"=", 1) for x in f.read().split(b"\0") if x)
    finally:
        pool.close()
    names = {k.decode() for k in env}
    assert not {n for n in names if n.startswith(("DUBAN_", "PREFECT_"))}
    assert not {n for n in names if any(w in n.upper() for w in ("PASSWORD", "SECRET", "TOKEN", "KEY"))}
    assert not any(v.encode() in b"".join(env.values()) for v in secrets.values())
    assert names <= {
        "PATH",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "TZ",
        "PYTHONHASHSEED",
        "PYTHONUTF8",
        "PYTHONIOENCODING",
        "PYTHONPATH",
        "RUST_BACKTRACE",
    }
    import ctypes  # nor can it read them from its parent: the worker made itself not dumpable first

    assert ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE


def _control_char_file(unit: str = "淮阴区") -> bytes:
    """openpyxl writes text as written: `_x000B_` lands raw in the sheet XML, as Excel stores a
    vertical tab pasted from Word, and the reader gives the character itself back."""
    data = messy_workbook(
        "tech-needs", [need_row(0, sales_wan="很_x000B_多"), need_row(1, contact="王_x0000_晓明")], unit=unit
    )
    import zipfile

    assert b"_x000B_" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml")
    return data


@pytest.mark.slow
def test_a_control_character_in_a_wrong_cell_is_said_and_crashes_nothing(tmp_path):
    home = tmp_path / "var"
    f = write(tmp_path, "附表3_淮阴区_第1批.xlsx", _control_char_file())
    r = duban("submit", str(f), "--received-at", "2010-07-01T09:30:00", "--json", home=home)
    assert r.returncode == 1, r.stderr  # rejected, not 3 (内部错误)
    out = json.loads(r.stdout)
    assert out["stored_as"] == "rejected"
    bad = [i for i in out["issues"] if i["code"] == "bad-money"]
    assert len(bad) == 1 and bad[0]["message"].endswith(UNSHOWN) and "\x0b" not in bad[0]["message"]
    annotated = next((home / "annotated").iterdir())
    ws = load_workbook(annotated)["Sheet1"]
    cell = next(c for row in ws.iter_rows() for c in row if c.comment)
    assert cell.value == "很多" and UNSHOWN in cell.comment.text
    assert "王晓明" in [c.value for row in ws.iter_rows() for c in row]  # the NUL is dropped, the name kept
    (home / "inbox").mkdir(parents=True, exist_ok=True)
    (home / "inbox" / "附表3_清河区_第1批.xlsx").write_bytes(_control_char_file("清河区"))
    r = duban("intake", "--json", "--received-at", "2010-07-02T09:30:00", home=home)
    assert r.returncode == 0, r.stderr  # 1 if a file crashed
    assert [(x["unit"], x["status"], x["errors"]) for x in json.loads(r.stdout)] == [("清河区", "rejected", 1)]


def test_an_accepted_cell_with_a_nul_is_stored_on_every_database(app, tmp_path):
    """A NUL (`_x0000_`) in an accepted text cell: the file is kept as received, its row is stored
    without the character (PostgreSQL's JSONB refuses it), nothing crashes (issue 23.9)."""
    from sqlalchemy import select

    from schemas.rows import FormRow
    from tasks.intake.service import submit_file

    data = messy_workbook("tech-needs", [need_row(0, contact="王_x0000_晓明"), need_row(1)], unit="淮阴区")
    r = submit_file(app, write(tmp_path, "附表3_淮阴区_第1批.xlsx", data), received_at=datetime(2010, 7, 1, 9))
    assert r.status == "accepted", r.verdict.issues
    with app.store.session() as s:
        contacts = [
            d["contact"] for d in s.scalars(select(FormRow.data).where(FormRow.submission_id == r.submission_id))
        ]
    assert "王晓明" in contacts and not any("\x00" in c for c in contacts)


def test_a_sheet_of_bare_formulas_costs_the_worker_nothing():
    """Security review: cells holding only a formula pass every fill cap (the reader sees no rows);
    the cells the worker receives are those in the rows read, at most MAX_FORMULA_CELLS."""
    import zipfile

    from openpyxl import Workbook

    from tasks.reader.parse import MAX_FORMULA_CELLS

    wb = Workbook()
    wb.active["A1"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    src, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    bare = "".join(f'<row r="{i}"><c r="A{i}"><f>1</f></c><c r="B{i}"><f>1</f></c></row>' for i in range(2, 30_002))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in src.namelist():
            d = src.read(n)
            if n == "xl/worksheets/sheet1.xml":
                d = d.replace(b'<dimension ref="A1"/>', b"").replace(b"</sheetData>", bare.encode() + b"</sheetData>")
            z.writestr(n, d)
    [sheet] = read_sheets(out.getvalue(), "公式.xlsx", Limits())
    assert len(sheet.formulas) <= MAX_FORMULA_CELLS and all(r < len(sheet.rows) for r, _ in sheet.formulas)
