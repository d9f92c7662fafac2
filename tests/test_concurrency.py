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
    barrier.wait()
    for _ in range(n):
        with store.session(write=True) as s:  # read, then write on what was read
            seen = s.scalar(select(func.count()).select_from(AuditLog))
            s.add(AuditLog(at=datetime(2010, 6, 1), actor="t", action="count", detail={"seen": seen}))
    store.dispose()


def test_two_read_then_write_processes_never_lock(tmp_path):
    url = f"sqlite:///{tmp_path / 'duban.db'}"
    open_store(url).dispose()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(url, 60, barrier)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    store = open_store(url)
    with store.session() as s:
        seen = sorted(s.scalars(select(AuditLog.detail)).all(), key=lambda d: d["seen"])
    # serialised: every transaction saw all the rows committed before it, exactly once each
    assert [d["seen"] for d in seen] == list(range(120))
