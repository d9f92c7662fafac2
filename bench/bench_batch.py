"""Intake at the limit (issue 18): N ten-row county files, one in ten with an error, through
`duban intake --json` as a whole process, batched (the default, 200 a batch) and one at a time,
against a bare `pandas.read_excel(engine="calamine")` of the same files in this process.

    .venv/bin/python bench/bench_batch.py [N ...]      (default: 1 100 1000 3000)

Prints ms per file for each N, so the fixed cost (imports, the store) and the marginal cost per
file are both visible, and the ratio to the bare read (target at 3,000: <= 10x).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COUNTIES = ["清河区", "清浦区", "楚州区", "淮阴区", "涟水县", "洪泽县", "盱眙县", "金湖县"]


def files(n: int) -> list[tuple[str, bytes]]:
    from tests.intake.files import messy_workbook, need_row

    out = []
    for i in range(n):
        u = COUNTIES[i % len(COUNTIES)]
        rows = [need_row(i * 10 + k) for k in range(10)]
        if i % 10 == 0:
            rows[4] = need_row(i * 10 + 4, sales_wan="很多")
        out.append((f"附表3_{u}_{i}.xlsx", messy_workbook("tech-needs", rows, unit=u, title="附表3：第1批技术需求")))
    return out


def intake(fs: list[tuple[str, bytes]], batch: int, processes: int = 1) -> float:
    """`duban intake` over the files, in `processes` processes sharing one inbox and store."""
    home = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    (home / "inbox").mkdir(parents=True)
    for name, data in fs:
        (home / "inbox" / name).write_bytes(data)
    env = {**os.environ, "DUBAN_HOME": str(home), "DUBAN_SMTP_PORT": "1", "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2",
           "DUBAN_PORTAL_SECRET": "b" * 40}
    env.pop("DUBAN_DATABASE_URL", None)
    subprocess.run([str(ROOT / ".venv/bin/duban"), "calendar", "--json"], env=env, capture_output=True)  # store made
    cmd = [str(ROOT / ".venv/bin/duban"), "intake", "--json", "--batch", str(batch), "--received-at", "2010-07-06 09:00"]
    t = time.perf_counter()
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(processes)]
    outs = [p.communicate() for p in procs]
    took = time.perf_counter() - t
    out = [r for stdout, _ in outs for r in json.loads(stdout)]
    p = procs[0]
    p.stderr = outs[0][1]  # type: ignore[assignment]
    assert len(out) == len(fs) and len({r["file"] for r in out}) == len(fs), str(p.stderr)[-500:]
    assert sum(1 for r in out if r["status"] == "rejected") == (len(fs) + 9) // 10, [r["status"] for r in out][:20]
    return took


def bare(fs: list[tuple[str, bytes]]) -> float:
    import io

    import pandas as pd

    t = time.perf_counter()
    for _, data in fs:
        pd.read_excel(io.BytesIO(data), engine="calamine", sheet_name=None, header=None)
    return time.perf_counter() - t


def main() -> None:
    if sys.argv[1:2] == ["--processes"]:  # 1 and 2 processes on one inbox
        fs = files(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
        one, two = intake(fs, 100, 1), intake(fs, 100, 2)
        print(f"{len(fs)} files, batches of 100: 1 process {one:.1f} s ({one / len(fs) * 1000:.1f} ms/file), "
              f"2 processes {two:.1f} s ({two / len(fs) * 1000:.1f} ms/file): {one / two:.2f}x")
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1, 100, 1000, 3000]
    bare(files(5))  # warm the reader
    for n in sizes:
        fs = files(n)
        b = bare(fs)
        batched = intake(fs, 200)
        single = intake(fs, 1) if n <= 1000 else None
        line = (f"{n:>5} files: duban intake batched {batched:.1f} s = {batched / n * 1000:.1f} ms/file"
                + (f" | one at a time {single:.1f} s = {single / n * 1000:.1f} ms/file" if single else "")
                + f" | bare read_excel {b:.2f} s = {b / n * 1000:.2f} ms/file | batched / bare {batched / b:.1f}x")
        print(line, flush=True)


if __name__ == "__main__":
    main()
