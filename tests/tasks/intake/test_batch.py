"""Batched validation (issue 18): many files judged together give exactly the verdicts each file
gets alone, and a file that breaks its batch costs only itself."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.tasks.intake import format_files as ff
from tests.tasks.intake.files import (
    CAMPAIGN,
    bad_files,
    county_files,
    csv_bytes,
    messy_workbook,
    need_row,
    write_bad,
    xls_bytes,
)
from tests.tasks.intake.hostile import good_files, merge_bomb, sparse_xlsx

pytestmark = pytest.mark.integration


def corpus() -> dict[str, bytes]:
    """Every kind of fixture file: good, with cell errors, rule errors, other formats, hostile."""
    files = dict(good_files())
    bad_rows = [
        need_row(70),
        need_row(71, sales_wan="很多"),
        need_row(72, sales_wan="-5"),
        need_row(73, enterprise="", need_type="随便"),
    ]
    files["附表3_清河区_错误.xlsx"] = messy_workbook("tech-needs", bad_rows, unit="清河区")
    files["附表3_清浦区_错误.csv"] = csv_bytes("tech-needs", bad_rows, unit="清浦区")
    files["附表3_涟水县.xls"] = xls_bytes("tech-needs", [need_row(80), need_row(81, sales_wan="0.3亿")], unit="涟水县")
    files["附表3_清河区.html.xls"] = ff.html_xls("tech-needs", bad_rows, unit="清河区")
    files["附表3_洪泽县.xml.xls"] = ff.spreadsheet_ml("tech-needs", bad_rows)
    files["附表3_金湖县.ods"] = ff.ods_bytes("tech-needs", bad_rows)
    files["附表3_盱眙县.txt"] = ff.unicode_text("tech-needs", bad_rows)
    files["附表3_楚州区_无数据.xlsx"] = messy_workbook("tech-needs", [], unit="楚州区")
    files["附表3_淮阴区_稀疏.xlsx"] = sparse_xlsx()
    files["附表3_盱眙县_合并.xlsx"] = merge_bomb()
    files["随便.xlsx"] = b"not a workbook"
    files["空.csv"] = b""
    neg_bad = ["校企合作项目", "淮安华达", "淮阴工学院", "2010-13-05", "谈着呢", "", "", "合作开发", "否", ""]
    files["附表5_淮阴区_2010年7月.xlsx"] = messy_workbook(
        "negotiations", [neg_bad], unit="淮阴区", title="附表5：对接洽谈及签约项目动态表（2010年7月）"
    )
    return files


def _key(v):  # type: ignore[no-untyped-def]
    return (v.unit, v.form, v.period, v.unreadable, [i.as_json() for i in v.issues], len(v.records))


def inbox_app(settings, files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    """The 2010 campaign's store under `settings`, with `files` waiting in its inbox."""
    from tasks.app.open import open_app

    app = open_app("huaian-2010", settings=settings)
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    for n, d in files.items():
        (settings.inbox_dir / n).write_bytes(d)
    return app


def age_claims(inbox, hours: int = 7) -> int:  # type: ignore[no-untyped-def]
    """The claims a dead run left in `inbox`, made `hours` old (time as data, never a sleep); how many."""
    import json
    from datetime import timedelta

    sides = list((inbox / ".claimed").glob("*.json"))
    for side in sides:
        meta = json.loads(side.read_text("utf-8"))
        meta["claimed_at"] = (datetime.fromisoformat(meta["claimed_at"]) - timedelta(hours=hours)).isoformat()
        side.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    return len(sides)


def fail_rows_of(monkeypatch, filename: str, fail) -> None:  # type: ignore[no-untyped-def]
    """Recording `filename`'s rows calls `fail(session)` (which raises) instead."""
    from tasks.intake import keep

    real = keep._store_rows

    def store_rows(session, campaign, sub, v, unit_id):  # type: ignore[no-untyped-def]
        if v.filename == filename:
            fail(session)
        return real(session, campaign, sub, v, unit_id)

    monkeypatch.setattr(keep, "_store_rows", store_rows)


def test_batched_verdicts_are_identical_to_one_at_a_time():
    from tasks.intake.validate import Received, inspect_file, inspect_files

    files = corpus()
    received = date(2010, 7, 6)
    alone = {n: inspect_file(d, n, CAMPAIGN, received=received) for n, d in files.items()}
    together = inspect_files([Received(d, n, received) for n, d in files.items()], CAMPAIGN)
    assert len(together) == len(files)
    for (name, a), b in zip(alone.items(), together, strict=True):
        assert _key(b) == _key(a), name
    assert sum(len(v.issues) for v in alone.values()) > 20  # the corpus does find problems


def test_a_file_that_breaks_its_group_is_judged_alone(monkeypatch):
    from tasks.intake import suites
    from tasks.intake.validate import Received, inspect_file, inspect_files

    files = {
        f"附表3_{u}.xlsx": messy_workbook("tech-needs", [need_row(i, sales_wan="很多" if i == 2 else "2,500")], unit=u)
        for i, u in enumerate(["清河区", "清浦区", "楚州区"], 1)
    }
    monkeypatch.setattr(suites, "run_suites", lambda items, campaign: (_ for _ in ()).throw(RuntimeError("boom")))
    got = inspect_files([Received(d, n, date(2010, 7, 6)) for n, d in files.items()], CAMPAIGN)
    want = [inspect_file(d, n, CAMPAIGN, received=date(2010, 7, 6)) for n, d in files.items()]
    assert [_key(v) for v in got] == [_key(v) for v in want]


def test_duban_intake_in_batches_answers_every_file_as_one_at_a_time(sqlite_settings, tmp_path):
    from tasks.app.open import open_app
    from tasks.intake.run import intake_inbox

    files = corpus()
    outs = []
    for batch in (1, 7):
        settings = sqlite_settings.model_copy(update={"home": tmp_path / f"home{batch}"})
        app = open_app("huaian-2010", settings=settings)
        settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        for n, d in files.items():
            (settings.inbox_dir / n).write_bytes(d)
        res = intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=batch)
        outs.append(sorted((r.file, r.status, r.unit, r.form, r.period, r.rows, r.errors, r.warnings) for r in res))
        app.store.dispose()
    assert outs[0] == outs[1] and len(outs[0]) == len(files)


def test_nothing_is_locked_unless_the_campaign_closes_obligations(sqlite_settings):
    """By default a late file is accepted (and counted late); a campaign with
    `intake.closes_after_days` refuses files for an obligation closed that long after its due date."""
    from tasks.app.open import App, open_app
    from tasks.intake.service import submit_bytes

    app = open_app("huaian-2010", settings=sqlite_settings)
    late = messy_workbook("tech-needs", [need_row(1)], unit="清河区", title="附表3：第1批技术需求")  # due 2010-07-05
    r = submit_bytes(app, late, "附表3.xlsx", received_at=datetime(2010, 7, 20, 9))
    assert r.status == "accepted"
    closing = App(
        app.settings,
        app.campaign.model_copy(update={"intake": app.campaign.intake.model_copy(update={"closes_after_days": 5})}),
        app.store,
    )
    again = messy_workbook("tech-needs", [need_row(2)], unit="清河区", title="附表3：第1批技术需求")
    r = submit_bytes(closing, again, "附表3.xlsx", received_at=datetime(2010, 7, 20, 9))
    assert r.status == "unreadable" and "2010年07月10日关闭" in r.verdict.issues[0].message
    ok = messy_workbook("tech-needs", [need_row(3)], unit="清河区", title="附表3：第1批技术需求")
    assert submit_bytes(closing, ok, "附表3b.xlsx", received_at=datetime(2010, 7, 9, 9)).status == "accepted"
    app.store.dispose()


def test_bad_input_in_a_batch_changes_no_verdict_of_the_others_and_every_file_is_answered(sqlite_settings, tmp_path):
    """Issue 18: unreadable, duplicate, oversized, unknown-form and empty files among 60 county
    files, judged in batches of 16: the others' verdicts are those of a run without them, and
    every file gets its result and its receipt to its unit."""
    from sqlalchemy import func, select

    from schemas.outbox import Notification
    from schemas.tables import Submission
    from tasks.app.open import open_app
    from tasks.intake.run import intake_inbox

    good = county_files(60)
    runs = {}
    for mixed in (False, True):
        settings = sqlite_settings.model_copy(update={"home": tmp_path / f"home{mixed}", "max_file_bytes": 200_000})
        app = open_app("huaian-2010", settings=settings)
        settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        for n, d in good.items():
            (settings.inbox_dir / n).write_bytes(d)
        if mixed:
            write_bad(settings.inbox_dir, good)
        res = intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=16)
        with app.store.session() as s:
            subs = s.scalar(select(func.count()).select_from(Submission))
            names = dict(s.execute(select(Submission.id, Submission.filename)).tuples().all())
            answered = {
                names[int(k.split(":")[1])]
                for k in s.scalars(select(Notification.key).where(Notification.kind == "receipt"))
            }
        runs[mixed] = ({r.file: r for r in res}, subs, answered)
        app.store.dispose()
    clean, clean_subs, clean_answered = runs[False]
    mix, mix_subs, mix_answered = runs[True]
    key = lambda r: (r.status, r.unit, r.form, r.period, r.rows, r.errors, r.warnings, r.reason)  # noqa: E731
    assert {n: key(clean[n]) for n in good} == {n: key(mix[n]) for n in good}
    assert sum(r.status == "rejected" for r in clean.values()) == 6 and clean_answered == set(good)
    bad = bad_files()
    assert {n: mix[n].status for n in bad} == bad, {n: (mix[n].status, mix[n].reason) for n in bad}
    assert len(mix) == len(good) + len(bad) and mix_subs == clean_subs + len(bad)
    assert mix_answered == set(good) | set(bad)  # each has a unit in its name or its bytes: each is answered
    assert not any(r.crashed for r in mix.values())


def test_a_file_whose_recording_fails_is_rolled_back_alone(sqlite_settings, monkeypatch):
    """A batch is recorded in one transaction, each file in its own savepoint: a file whose
    recording raises half-way (its submission inserted, its rows not) leaves nothing behind, goes
    to failed/ as crashed, and the files before and after it in the batch are recorded."""
    from sqlalchemy import func, select

    from schemas.outbox import Notification
    from schemas.rows import FormRow
    from schemas.tables import Submission
    from tasks.intake.run import intake_inbox

    good = county_files(9)
    app = inbox_app(sqlite_settings, good)

    def fail(session):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    fail_rows_of(monkeypatch, "附表3_淮阴区_3.xlsx", fail)
    res = {r.file: r for r in intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=9)}
    assert res["附表3_淮阴区_3.xlsx"].status == "crashed" and "disk on fire" in res["附表3_淮阴区_3.xlsx"].reason
    assert {r.status for n, r in res.items() if n != "附表3_淮阴区_3.xlsx"} == {"accepted", "rejected"}
    with app.store.session() as s:
        assert set(s.scalars(select(Submission.filename))) == set(good) - {"附表3_淮阴区_3.xlsx"}
        assert (
            s.scalar(select(func.count()).select_from(FormRow)) == 7 * 10
        )  # 7 accepted files, none of the crashed one
        assert s.scalar(select(func.count()).select_from(Notification)) == 8
    assert (sqlite_settings.home / "failed").is_dir() and any(
        p.name.endswith("附表3_淮阴区_3.xlsx") for p in (sqlite_settings.home / "failed").iterdir()
    )
    app.store.dispose()


def test_concurrent_batches_of_the_same_units_record_each_file_once(app):
    """Two intake runs recording batches of the same units at once (on PostgreSQL each unit has
    its own lock, taken in one global order): no deadlock, no lost file, and a file sent twice
    at the same moment is counted once."""
    import threading

    from sqlalchemy import func, select

    from schemas.tables import Submission
    from tasks.intake.batch import submit_batch

    files = list(county_files(24).items())
    at = datetime(2010, 7, 6, 9)
    halves = [[(d, n, at) for n, d in files[:16]], [(d, n, at) for n, d in reversed(files[8:])]]  # 8 in both
    start, results = threading.Barrier(2), []

    def run(items) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        results.append(submit_batch(app, items))

    threads = [threading.Thread(target=run, args=(h,)) for h in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 2 and not any(isinstance(r, Exception) for rs in results for r in rs), results
    statuses = [r.status for rs in results for r in rs]  # type: ignore[union-attr]
    assert statuses.count("duplicate") == 8 and len(statuses) == 32
    with app.store.session() as s:
        assert s.scalar(select(func.count(func.distinct(Submission.filename)))) == 24


def test_killed_mid_batch_then_run_again_nothing_lost_nothing_sent_twice(sqlite_settings, tmp_path):
    """`duban intake --batch 20` killed (SIGKILL) at random moments, three times, then left for
    dead: its claims, 7 hours old, are taken again by the next run. A batch not committed left
    no trace, a file recorded but not yet moved is moved as it was recorded: every file ends
    with exactly one verdict and one receipt."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    from collections import Counter
    from pathlib import Path

    from sqlalchemy import select

    from schemas.outbox import Notification
    from schemas.tables import Submission
    from tasks.intake.run import intake_inbox

    home = sqlite_settings.home
    good = county_files(240)
    app = inbox_app(sqlite_settings, good)  # the store made once, before the runs
    env = {**os.environ, "DUBAN_HOME": str(home), "DUBAN_SMTP_PORT": "1", "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2"}
    env.pop("DUBAN_DATABASE_URL", None)
    rnd = random.Random(18)
    processed = home / "processed"
    held = 0
    for _ in range(3):
        before = len(list(processed.glob("*"))) if processed.exists() else 0
        p = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "duban"),
                "intake",
                "--json",
                "--batch",
                "20",
                "--received-at",
                "2010-07-06 09:00",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while p.poll() is None and len(list(processed.glob("*"))) <= before and time.monotonic() < deadline:
            time.sleep(0.02)  # until its first batch is committed and moved
        time.sleep(rnd.uniform(0, 0.4))  # then somewhere in the next batches
        p.send_signal(signal.SIGKILL)
        p.wait()
        held += bool(age_claims(sqlite_settings.inbox_dir))  # killed mid-batch (not between two); 7 hours later
    assert held >= 2, "the runs were killed while holding claims"
    intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=20)
    with app.store.session() as s:
        subs = s.execute(select(Submission.filename, Submission.status)).tuples().all()
        keys = s.scalars(select(Notification.key)).all()
    app.store.dispose()
    assert Counter(name for name, _ in subs) == Counter(set(good)), "every file: exactly one verdict"
    assert {status for _, status in subs} == {"accepted", "rejected"}
    assert len(keys) == len(set(keys)) == len(good), "one receipt per file, none twice"
    assert not list((home / "inbox").glob("*.xlsx")) and not list((home / "inbox" / ".claimed").iterdir())


def test_a_batch_whose_transaction_the_database_ended_is_recorded_file_by_file(sqlite_settings, monkeypatch):
    """SQLite ends the whole transaction on some errors (a full disk, an I/O error), not just the
    file's savepoint: later savepoints would then commit on their own, and the files before would
    be gone though reported recorded. The batch notices, and records its files one by one."""
    from sqlalchemy import func, select

    from schemas.outbox import Notification
    from schemas.tables import Submission
    from tasks.intake.run import intake_inbox

    good = county_files(12)
    app = inbox_app(sqlite_settings, good)

    def fail(session):  # type: ignore[no-untyped-def]  # what SQLite does on SQLITE_FULL: the transaction is gone
        session.connection().connection.driver_connection.execute("ROLLBACK")
        raise RuntimeError("database or disk is full")

    fail_rows_of(monkeypatch, "附表3_淮阴区_3.xlsx", fail)
    res = {r.file: r for r in intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=12)}
    assert res["附表3_淮阴区_3.xlsx"].status == "crashed"
    assert {r.status for n, r in res.items() if n != "附表3_淮阴区_3.xlsx"} == {"accepted", "rejected"}
    with app.store.session() as s:
        subs = s.execute(select(Submission.id, Submission.filename)).tuples().all()
        receipts = s.scalar(select(func.count()).select_from(Notification))
    assert sorted(n for _, n in subs) == sorted(set(good) - {"附表3_淮阴区_3.xlsx"})  # each once, none lost
    assert {res[n].submission_id for _, n in subs} == {i for i, _ in subs} and receipts == 11
    app.store.dispose()


@pytest.mark.parametrize("batch", [1, 3])
def test_a_file_recorded_by_a_run_that_died_before_moving_it_is_moved_not_answered_again(sqlite_settings, batch):
    """The instant between a batch's commit and moving its files: the claim, taken again later
    (one at a time or batched), is settled as recorded; no second submission, no second receipt."""
    from sqlalchemy import func, select

    from schemas.outbox import Notification
    from schemas.tables import Submission
    from tasks.intake.batch import submit_batch
    from tasks.intake.inbox import claim_all
    from tasks.intake.receive import open_received
    from tasks.intake.run import intake_inbox

    app = inbox_app(sqlite_settings, county_files(3))
    at = datetime(2010, 7, 6, 9)
    claims = claim_all(sqlite_settings.inbox_dir)
    first = submit_batch(app, [(open_received(c.path, 10**7), c.name, at) for c in claims])  # ...and it dies here
    assert age_claims(sqlite_settings.inbox_dir) == 3  # 7 hours later
    res = intake_inbox(app, received_at=at, batch=batch)
    assert sorted((r.file, r.status, r.submission_id) for r in res) == sorted(
        (c.name, f.status, f.submission_id) for c, f in zip(claims, first, strict=True)
    )  # type: ignore[union-attr]
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 3
        assert s.scalar(select(func.count()).select_from(Notification)) == 3
    assert not list((sqlite_settings.inbox_dir / ".claimed").iterdir())
    assert len(list((sqlite_settings.home / "processed").iterdir())) == 3
    app.store.dispose()
