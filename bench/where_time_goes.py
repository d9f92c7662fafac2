"""Where an intake batch's time goes, per file (issue 18): N ten-row files through
`intake_inbox(batch=200)` in this process, with each step timed by wrapping it.

    .venv/bin/python bench/where_time_goes.py [N]      (default 1000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPENT: dict[str, float] = defaultdict(float)
NESTED = "  · "  # a part of the step above it, not counted again in "the rest"
ALONGSIDE = "(alongside) "  # in threads beside the judging: time spent, but not on the run's path


def timed(module, name: str, label: str) -> None:  # type: ignore[no-untyped-def]
    fn = getattr(module, name)

    def wrapper(*a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            SPENT[label] += time.perf_counter() - t

    setattr(module, name, wrapper)


def main() -> None:
    import tasks.reader.read as read_mod
    from bench.bench_batch import files
    from config.settings import Settings
    from notifications import receipts
    from tasks.app.open import open_app
    from tasks.intake import batch, judge, record, rules, run, validate

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    home = Path(tempfile.mkdtemp(prefix="bench-where-"))
    app = open_app("huaian-2010", settings=Settings(home=home, portal_secret="b" * 40, _env_file=None))  # type: ignore[call-arg]
    (home / "inbox").mkdir(parents=True, exist_ok=True)
    fs = files(n + 20)
    for name, data in fs[:20]:
        (home / "inbox" / name).write_bytes(data)
    run.intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=200)  # warm: GX, the reader child
    for name, data in fs[20:]:
        (home / "inbox" / name).write_bytes(data)
    timed(batch, "keep_bytes", "keep the bytes")
    timed(validate, "read_sheets", ALONGSIDE + "read: 2 reader children, ahead")
    timed(judge, "find_table", "locate the table")
    timed(judge, "normalise", "normalise cells")
    timed(validate, "run_suites", "Great Expectations (batched)")
    timed(rules, "check", "form rules")
    timed(batch, "prepare", "summary, annotated workbook (1 in 10)")
    timed(record, "_file_verdict", "record and answer (one savepoint)")
    timed(run, "_settle", "settle (move the file)")
    # inside "record and answer":
    timed(record, "record", NESTED + "record submission, issues, rows")
    timed(receipts, "compose", NESTED + "receipt: render templates")
    timed(receipts, "enqueue", NESTED + "receipt: build and queue")
    timed(record, "page_link", NESTED + "receipt: unit's link")
    _ = read_mod
    t = time.perf_counter()
    out = run.intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=200)
    total = time.perf_counter() - t
    assert len(out) == n
    print(f"{n} files in {total:.1f} s = {total / n * 1000:.1f} ms a file; per file:")
    top = [(label, s) for label, s in SPENT.items() if not label.startswith((NESTED, ALONGSIDE))]
    for label, s in sorted(top, key=lambda kv: -kv[1]):
        print(f"  {label:<38} {s / n * 1000:6.2f} ms")
        if label.startswith("record and answer"):
            for part, p in sorted(SPENT.items(), key=lambda kv: -kv[1]):
                if part.startswith(NESTED):
                    print(f"  {part:<38} {p / n * 1000:6.2f} ms")
    rest = total - sum(s for _, s in top)
    print(f"  {'(the rest: claim, open, commit, wait for reads)':<38} {rest / n * 1000:6.2f} ms")
    for label, s in SPENT.items():
        if label.startswith(ALONGSIDE):
            print(f"  {label:<38} {s / n * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
