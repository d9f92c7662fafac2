"""Two writers at once on SQLite never fail with "database is locked" (BEGIN IMMEDIATE + WAL)."""

import multiprocessing as mp
from datetime import datetime

import pytest
from sqlalchemy import func, select

from schemas.store import open_store
from schemas.tables import AuditLog

pytestmark = [pytest.mark.integration]


def _writer(url: str, n: int, barrier) -> None:  # type: ignore[no-untyped-def]
    store = open_store(url)
    barrier.wait(60)
    for _ in range(n):
        with store.session(write=True) as s:  # read, then write on what was read
            seen = s.scalar(select(func.count()).select_from(AuditLog))
            s.add(AuditLog(at=datetime(2010, 6, 1), actor="t", action="count", detail={"seen": seen}))
    store.dispose()


def _both(target, args: list[tuple]) -> list[int | None]:  # type: ignore[no-untyped-def]
    """`target(*a, barrier)` in two fresh processes released at the same instant; their exit codes."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=target, args=(*a, barrier)) for a in args]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        if p.is_alive():
            p.kill()
    return [p.exitcode for p in procs]


def test_two_read_then_write_processes_never_lock(tmp_path):
    url = f"sqlite:///{tmp_path / 'duban.db'}"
    open_store(url).dispose()
    assert _both(_writer, [(url, 60), (url, 60)]) == [0, 0]
    store = open_store(url)
    with store.session() as s:
        seen = sorted(s.scalars(select(AuditLog.detail)).all(), key=lambda d: d["seen"])
    # serialised: every transaction saw all the rows committed before it, exactly once each
    assert [d["seen"] for d in seen] == list(range(120))


def _open(url: str, home: str, barrier) -> None:  # type: ignore[no-untyped-def]
    from config.settings import Settings
    from tasks.app.open import open_app

    barrier.wait(60)
    open_app("huaian-2010", settings=Settings(home=home, database_url=url, _env_file=None)).store.dispose()


def test_two_processes_opening_a_new_store_at_once_both_start(db_url, tmp_path):
    """Two workers or commands starting together on a new store: one migrates and loads the
    campaign, the other waits for it (no duplicate-unit error on PostgreSQL)."""
    from schemas.tables import Unit
    from tests.tasks.intake.files import CAMPAIGN

    assert _both(_open, [(db_url, str(tmp_path / f"home{i}")) for i in range(2)]) == [0, 0]
    store = open_store(db_url)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == len(CAMPAIGN.units)
    store.dispose()
