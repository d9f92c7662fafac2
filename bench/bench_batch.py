"""Intake at the limit (issue 18): N ten-row county files, one in ten with an error, through
`duban intake --json` as a whole process, batched (the default, 200 a batch) and one at a time,
against a bare `pandas.read_excel(engine="calamine")` of the same files in this process.

    .venv/bin/python bench/bench_batch.py [N ...]      (default: 1 100 1000 3000)

Prints ms per file for each N, so the fixed cost (imports, the store) and the marginal cost per
file are both visible, and the ratio to the bare read (target at 3,000: <= 10x). Then the
largest run again with bad input mixed in (unreadable, duplicate, oversized, unknown form,
empty): every other verdict must be identical and every file answered (its receipt queued).

    .venv/bin/python bench/bench_batch.py --processes [N]   (default 1000)

`duban intake` in 1 and in 2 processes sharing one inbox and store.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def files(n: int) -> list[tuple[str, bytes]]:
    from tests.tasks.intake.files import county_files

    return list(county_files(n).items())


def intake(
    fs: list[tuple[str, bytes]], batch: int, processes: int = 1, *, bad: bool = False, pg: str | None = None
) -> tuple[float, dict]:
    """`duban intake` over the files, in `processes` processes sharing one inbox and store; with
    `bad`, the bad input of tests/tasks/intake/files.py mixed in. (seconds, file -> its JSON result)"""
    from tests.tasks.intake.files import bad_files, write_bad

    home = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    (home / "inbox").mkdir(parents=True)
    for name, data in fs:
        (home / "inbox" / name).write_bytes(data)
    if bad:
        write_bad(home / "inbox", dict(fs))
    env = {
        **os.environ,
        "DUBAN_HOME": str(home),
        "DUBAN_SMTP_PORT": "1",
        "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2",
        "DUBAN_PORTAL_SECRET": "b" * 40,
        "DUBAN_MAX_FILE_BYTES": "200000",
    }
    env.pop("DUBAN_DATABASE_URL", None)
    if pg:
        env["DUBAN_DATABASE_URL"] = pg
    subprocess.run([str(ROOT / ".venv/bin/duban"), "calendar", "--json"], env=env, capture_output=True)  # store made
    cmd = [
        str(ROOT / ".venv/bin/duban"),
        "intake",
        "--json",
        "--batch",
        str(batch),
        "--received-at",
        "2010-07-06 09:00",
    ]
    t = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    outs = [p.communicate() for p in procs]
    took = time.perf_counter() - t
    for proc, (stdout, stderr) in zip(procs, outs, strict=True):
        assert proc.returncode == 0 and stdout, f"duban intake exited {proc.returncode}: {stderr[-2000:]}"
    out = {r["file"]: r for stdout, _ in outs for r in json.loads(stdout)}
    expected = len(fs) + (len(bad_files()) if bad else 0)
    assert len(out) == expected, outs[0][1][-500:]
    assert sum(1 for r in out.values() if r["status"] == "rejected") == (len(fs) + 9) // 10
    if bad:
        assert {n: out[n]["status"] for n in bad_files()} == bad_files(), {n: out[n] for n in bad_files()}
    answered = (
        len({r["file"] for r in out.values()})
        if pg
        else sqlite3.connect(home / "duban.db")
        .execute(
            "SELECT count(DISTINCT substr(key, 1, instr(substr(key, 9), ':') + 8))"
            " FROM notification WHERE kind = 'receipt'"
        )
        .fetchone()[0]
    )
    assert answered == expected, (answered, expected)  # every file's receipt is queued
    return took, out


@contextmanager
def pg_schema() -> Iterator[str | None]:
    """A fresh schema on the test PostgreSQL (as tests/conftest.py), dropped afterwards; None without one."""
    import sqlalchemy

    url = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(url)
    try:
        with admin.begin() as c:
            c.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except sqlalchemy.exc.OperationalError:
        yield None
        return
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bare(fs: list[tuple[str, bytes]]) -> float:
    import io

    import pandas as pd

    t = time.perf_counter()
    for _, data in fs:
        pd.read_excel(io.BytesIO(data), engine="calamine", sheet_name=None, header=None)
    return time.perf_counter() - t


def main() -> None:
    if sys.argv[1:2] == ["--processes"]:  # 1 and 2 processes on one inbox, on SQLite and on PostgreSQL
        fs = files(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
        for label, make in (("SQLite", nullcontext), ("PostgreSQL", pg_schema)):
            with make() as pg:
                if label == "PostgreSQL" and pg is None:
                    print("PostgreSQL: skipped (no server at DUBAN_TEST_PG_URL)")
                    continue
                (one, _) = intake(fs, 100, 1, pg=pg)
            with make() as pg:
                (two, _) = intake(fs, 100, 2, pg=pg)
            print(
                f"{label}: {len(fs)} files, batches of 100: 1 process {one:.1f} s ({one / len(fs) * 1000:.1f} ms/file),"
                f" 2 processes {two:.1f} s ({two / len(fs) * 1000:.1f} ms/file): {one / two:.2f}x",
                flush=True,
            )
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1, 100, 1000, 3000]
    bare(files(5))  # warm the reader
    for n in sizes:
        fs = files(n)
        b = bare(fs)
        batched, clean = intake(fs, 200)
        single = intake(fs, 1)[0] if n <= 1000 else None
        line = (
            f"{n:>5} files: duban intake batched {batched:.1f} s = {batched / n * 1000:.1f} ms/file"
            + (f" | one at a time {single:.1f} s = {single / n * 1000:.1f} ms/file" if single else "")
            + f" | bare read_excel {b:.2f} s = {b / n * 1000:.2f} ms/file | batched / bare {batched / b:.1f}x"
        )
        print(line, flush=True)
    # bad input mixed into the largest run: the others' verdicts unchanged, every file answered
    took, mixed = intake(fs, 200, bad=True)
    same = sum(mixed[f] == clean[f] for f in clean)
    print(
        f"{n:>5} files + {len(mixed) - n} bad (unreadable, duplicate, oversized, unknown form, empty): "
        f"{took:.1f} s; {same} of {n} verdicts identical to the clean run; all {len(mixed)} files answered"
    )
    assert same == n


if __name__ == "__main__":
    main()
