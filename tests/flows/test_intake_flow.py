"""The intake flow under the Prefect harness: two runs at once process every file exactly once."""

import os
import threading
from datetime import datetime

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import func, select

from schemas.tables import Submission
from tests.tasks.intake.files import messy_workbook, need_row
from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


def test_two_intake_runs_at_once_process_each_file_once(prefect_harness, sqlite_settings, monkeypatch):
    from flows.intake import intake
    from tasks.app.open import open_app

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    app = open_app("huaian-2010", settings=sqlite_settings)
    inbox = sqlite_settings.inbox_dir
    units = ["清河区", "清浦区", "楚州区", "淮阴区", "涟水县", "洪泽县"]
    for i, unit in enumerate(units):
        p = inbox / f"附表3_{unit}_第1批.xlsx"
        p.write_bytes(messy_workbook("tech-needs", [need_row(i)], unit=unit))
        os.utime(p, (0, 0))  # a file's own time is never the received time
    (inbox / "坏文件.xlsx").write_bytes(b"junk")
    results: list = []
    when = datetime(2010, 7, 1, 10)
    threads = [threading.Thread(target=lambda: results.append(intake(received_at=when))) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
    finally:
        ctl.stop()
    assert len(rec.received) == 6  # each accepted file answered in the same run (the junk names no unit)
    assert sorted(len(r) for r in results) in ([0, 7], [1, 6], [2, 5], [3, 4])
    assert sum(len(r) for r in results) == 7
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 7
        assert s.scalar(select(func.min(Submission.received_at))) == datetime(2010, 7, 1, 10)
    assert sorted(p.name.split("-", 1)[1] for p in (sqlite_settings.home / "processed").iterdir()) == sorted(
        f"附表3_{u}_第1批.xlsx" for u in units
    )
    assert [p.name.split("-", 1)[1] for p in (sqlite_settings.home / "failed").iterdir()] == ["坏文件.xlsx"]
    assert not [p for p in inbox.iterdir() if p.is_file()]
    assert Artifact.get("intake-verdicts") is not None
