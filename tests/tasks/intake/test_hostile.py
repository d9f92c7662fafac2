"""Hostile and careless files never stall intake or hijack a unit's mail (issue 11).

Each case is built as real bytes (tests/tasks/intake/hostile.py) and goes through the real `intake`
flow and through `duban intake --json`, mixed with 20 good files: the good ones are accepted
and answered, every hostile one is answered or recorded, and nothing is left claimed."""

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from schemas.outbox import Notification
from schemas.tables import ContactChange, ContactList, Submission, Unit
from tasks.intake.validate import inspect_file
from tasks.reader.read import read_sheets
from tasks.reader.sheet import Limits
from tests.tasks.intake.hostile import LONG_NAME, good_files, hostile_inbox, merge_bomb, sparse_xlsx
from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.integration]
EXPECTED = {  # what each hostile file comes to: (status, issue code)
    "sparse-declared": ("unreadable", "too-complex"),
    "sparse-undeclared": ("unreadable", "too-complex"),
    "merge-bomb": ("unreadable", "too-complex"),
    "long-name": ("accepted", None),
    "symlink-environ": ("refused", "not-a-file"),
    "symlink-fifo": ("refused", "not-a-file"),
    "sparse-1tb": ("refused", "too-large"),
    "bracket-sheet": ("rejected", "bad-money"),
    "backdated": ("accepted", None),
    "takeover": ("accepted", None),
}


def _fill(home: Path) -> dict[str, str]:
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name, data in good_files().items():
        (inbox / name).write_bytes(data)
    return hostile_inbox(inbox, home / "side")


def _check_store(app, cases: dict[str, str], rec: Recorder) -> dict[str, Submission]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        subs = {x.filename: x for x in s.scalars(select(Submission))}
        issues = {x.filename: [i.code for i in x.issues] for x in subs.values()}
        good = [subs[n] for n in good_files()]
        assert [x.status for x in good] == ["accepted"] * 20
        for name, case in cases.items():
            status, code = EXPECTED[case]
            assert subs[name].status == status, (case, subs[name].status, issues[name])
            assert code is None or code in issues[name], (case, issues[name])
        # the takeover is held: 金湖县's mail still goes to the seed contacts
        held = s.scalars(select(ContactChange)).one()
        assert held.status == "pending" and held.unit.name == "金湖县"
        unit = s.scalar(select(Unit).where(Unit.name == "金湖县"))
        current = s.scalars(
            select(ContactList).where(ContactList.unit_id == unit.id, ContactList.current.is_(True))
        ).one()
        assert {c.email for c in current.contacts} == {"jinhu.liaison@example.cn", "jinhu.head@example.cn"}
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.status != "sent")) == 0
    answered = {m["X-Envelope-To"] for m in rec.received}
    # the liaison and head in force hear of the held change; the addresses it would add hear nothing
    # (they would learn the unit's contacts); receipts go to the liaison in force
    assert {"jinhu.liaison@example.cn", "jinhu.head@example.cn"} <= answered
    assert not {"boss@evil.example.com", "inbox@evil.example.com"} & answered
    receipts = [m for m in rec.received if m["Subject"].startswith("【回执】")]
    assert len(receipts) == 30  # 20 good + 10 hostile, every one names its unit in the file name
    assert not [m for m in receipts if "evil" in m["X-Envelope-To"]]
    environ = os.environ.get("PATH", "")
    kept = [p.read_bytes() for p in app.settings.files_dir.iterdir()]
    assert not any(environ.encode() in b for b in kept)  # the worker's environment was never taken in
    return subs


def test_the_intake_flow_over_hostile_and_good_files(prefect_harness, sqlite_settings, monkeypatch):
    from flows.intake import intake
    from tasks.app.open import open_app

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    app = open_app("huaian-2010", settings=sqlite_settings)
    cases = _fill(sqlite_settings.home)
    before = datetime.now()
    t0 = time.perf_counter()
    try:
        out = intake()  # no clock given: each file is received when claimed
    finally:
        ctl.stop()
    took = time.perf_counter() - t0
    print(f"intake of 20 good and {len(cases)} hostile files: {took:.1f} s")
    assert len(out) == 30
    subs = _check_store(app, cases, rec)
    backdated = subs["附表3_金湖县_第1批_倒签.xlsx"].received_at
    assert backdated >= before.replace(microsecond=0) - __import__("datetime").timedelta(
        hours=9
    )  # claim time, not 2010-03-31
    assert backdated.year >= 2026
    assert list((sqlite_settings.inbox_dir / ".claimed").iterdir()) == []
    assert sorted(p.name for p in sqlite_settings.inbox_dir.iterdir()) == [".claimed"]
    failed = {p.name.split("-", 1)[1] for p in (sqlite_settings.home / "failed").iterdir()}
    assert "附表3_洪泽县_1TB.xlsx" in failed and "附表3_淮阴区_环境变量.xlsx" in failed
    assert any(p.name.endswith(LONG_NAME[-20:]) for p in (sqlite_settings.home / "processed").iterdir())
    from openpyxl import load_workbook

    from tasks.intake import annotated_path

    annotated = annotated_path(app.settings, subs["清河区[附表3].csv"].id, subs["清河区[附表3].csv"].sha256)
    assert load_workbook(annotated).sheetnames == ["校验结果", "清河区_附表3_"]


def test_duban_intake_json_over_hostile_and_good_files(sqlite_settings):
    from tasks.app.open import open_app

    rec = Recorder()
    ctl, port = start(rec)
    home = sqlite_settings.home
    cases = _fill(home)
    env = {**os.environ, "DUBAN_HOME": str(home), "DUBAN_SMTP_PORT": str(port)}
    try:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "duban"), "intake", "--json", "--received-at", "2010-07-01T10:00"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        ctl.stop()
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert len(out) == 30 and set(out[0]) == {"file", "unit", "form", "period", "status", "rows", "errors", "warnings"}
    by_file = {o["file"]: o for o in out}
    assert by_file["附表3_洪泽县_1TB.xlsx"]["status"] == "refused"
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    app = open_app("huaian-2010", settings=sqlite_settings)
    subs = _check_store(app, cases, rec)
    assert subs["附表3_金湖县_第1批_倒签.xlsx"].received_at == datetime(
        2010, 7, 1, 10
    )  # the run's clock, not the mtime
    assert list((home / "inbox" / ".claimed").iterdir()) == []


CAMPAIGN = None


def _campaign():  # type: ignore[no-untyped-def]
    from config.settings import CAMPAIGNS_DIR
    from schemas.loading import load_campaign

    return load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")


def test_a_reader_that_runs_out_of_time_or_memory_costs_one_file_not_the_worker():
    big = sparse_xlsx(declared=False, corner="AD1000000")  # 30 million cells once expanded
    v = inspect_file(
        big, "附表3_清河区.xlsx", _campaign(), received=date(2010, 7, 1), limits=Limits(memory_bytes=1 << 30)
    )
    assert v.unreadable and v.issues[0].code == "too-complex" and v.unit == "清河区"
    from tests.tasks.intake.files import messy_workbook, need_row

    good = messy_workbook("tech-needs", [need_row(0)])
    with pytest.raises(Exception) as e:
        read_sheets(good, "x.xlsx", Limits(timeout_seconds=0.0001))
    assert "结构异常" in str(e.value)
    assert inspect_file(good, "x.xlsx", _campaign(), received=date(2010, 7, 1)).status == "accepted"  # a fresh reader


def test_the_merge_bomb_is_refused_in_milliseconds():
    t0 = time.perf_counter()
    v = inspect_file(merge_bomb(), "附表3_清河区.xlsx", _campaign(), received=date(2010, 7, 1))
    assert v.issues[0].code == "too-complex" and time.perf_counter() - t0 < 5


def test_briefings_load_only_their_own_files(tmp_path):
    from weasyprint.urls import URLFetchingError

    from tasks.briefing.render import _folder_fetcher

    (tmp_path / "completeness.png").write_bytes(b"\x89PNG")
    fetch = _folder_fetcher(tmp_path)
    assert fetch.fetch((tmp_path / "completeness.png").as_uri()) is not None
    for url in ("file:///etc/passwd", (tmp_path / ".." / "x.png").as_uri(), "http://127.0.0.1:9/x.png"):
        with pytest.raises((URLFetchingError, ValueError)):
            fetch.fetch(url)
