"""Matters' sweep speed: 30,000 open matters (督办事项) across 3,000 units, each on its own ladder.

    .venv/bin/python bench/bench_matters.py [--pg URL] [--units N] [--per-unit N] [--rounds N]

Target (issue 27.10): the matters' sweep decisions under 1 s on SQLite and on PostgreSQL. Beside
them, in the same process and store: a bare read of the same matter rows (the floor: what the
database and the driver cost), and the whole `decide` with the obligations of bench_sweep's
3,000-unit campaign (36,000) and the matters together. Nothing is queued yet, so every matter
with a step on or before the day gets one (the heaviest day).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

AS_OF = date(2010, 9, 8)
STATES = ("assigned", "signed", "in_progress", "returned")


def seed(store, campaign, per_unit: int, label: str, rounds: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """The campaign's units, contacts and obligations (and the obligations' decisions timed, as a
    reference), then `per_unit` open matters a unit, with deadlines spread over June to October
    (one in ten extended by two weeks)."""
    from sqlalchemy import insert, select

    from schemas.matters import Matter
    from schemas.tables import Unit
    from tasks.calendar.sync import sync_campaign
    from tasks.matters import matter_ladder
    from tasks.reminders.sweep import decide

    with store.session(write=True) as s:
        sync_campaign(s, campaign, now=datetime(2010, 6, 1))
    with store.session() as s:
        b, m, out = best(lambda: decide(s, campaign, AS_OF), rounds)
        print(f"[{label}] {'decide, obligations only':26s} best {b:5.2f} s, median {m:5.2f} s -> {len(out)}")
    t = time.perf_counter()
    with store.session(write=True) as s:
        units = s.execute(select(Unit.id).where(Unit.campaign == campaign.id).order_by(Unit.id)).scalars().all()
        ladder = matter_ladder(campaign)
        rows = []
        for n, uid in enumerate(units):
            for k in range(per_unit):
                i = n * per_unit + k
                due = date(2010, 6, 15) + timedelta(days=i % 120)
                rows.append(
                    dict(
                        campaign=campaign.id,
                        unit_id=uid,
                        key=f"assign:{i}",
                        title=f"督办事项{i}",
                        responsible="",
                        due=due,
                        extended_due=due + timedelta(days=14) if i % 10 == 0 else None,
                        state=STATES[i % len(STATES)],
                        source="ops",
                        source_label="组委会交办",
                        instruction="",
                        assigned_by="组委会办公室",
                        ladder=ladder,
                        created_at=datetime(2010, 6, 1, 9),
                    )
                )
        for start in range(0, len(rows), 5000):
            s.execute(insert(Matter), rows[start : start + 5000])
    return len(rows), time.perf_counter() - t


def best(fn: Callable[[], object], rounds: int) -> tuple[float, float, object]:
    """(best, median, last result) of `rounds` timed calls."""
    times, out = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def bench(url: str, label: str, units: int, per_unit: int, rounds: int) -> None:
    from bench_sweep import national_campaign
    from sqlalchemy import Text, cast, select

    from schemas.matters import Matter
    from schemas.store import open_store
    from schemas.tables import Unit
    from tasks.matters.standing import COLUMNS
    from tasks.reminders.matters import matter_decisions, matter_steps
    from tasks.reminders.sweep import _contacts, decide

    campaign = national_campaign(units)
    store = open_store(url)
    n, load = seed(store, campaign, per_unit, label, rounds)
    with store.session() as s:

        def bare() -> int:  # the floor: the columns matter_rows reads, read and nothing decided
            q = select(*COLUMNS, cast(Matter.ladder, Text)).join(Unit, Unit.id == Matter.unit_id)
            return len(s.execute(q.where(Matter.campaign == campaign.id)).all())

        def matters_only() -> list:
            return matter_decisions(s, campaign, matter_steps(s, campaign, AS_OF), _contacts(s, campaign))

        for name, fn in (("bare read of the matters", bare), ("matters' decisions", matters_only), ("decide", decide)):
            b, m, out = best(fn if name != "decide" else lambda: decide(s, campaign, AS_OF), rounds)
            what = out if isinstance(out, int) else len(out)  # type: ignore[arg-type]
            print(f"[{label}] {name:26s} best {b:5.2f} s, median {m:5.2f} s -> {what}")
    print(
        f"[{label}] {n} open matters ({units} x {per_unit}), stored in {load:.1f} s (target: matters' decisions < 1 s)"
    )
    store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--per-unit", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    import sqlalchemy

    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench.db", "SQLite", args.units, args.per_unit, args.rounds)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = sqlalchemy.create_engine(args.pg)
        with admin.begin() as c:
            c.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except sqlalchemy.exc.OperationalError as e:
        print(f"[PostgreSQL] skipped: {e.__class__.__name__}")
        return
    try:
        bench(f"{args.pg}?options=-csearch_path%3D{schema}", "PostgreSQL", args.units, args.per_unit, args.rounds)
    finally:
        with admin.begin() as c:
            c.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
