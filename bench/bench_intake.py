"""Intake speed: a 20,000-row 附表3 workbook end to end vs a bare pandas.read_excel of it.

    .venv/bin/python bench/bench_intake.py [ROWS] [--openpyxl]

Prints both times, the ratio (target <= 2x, the reader child's round trip included), peak memory,
and `duban validate` of a small file as a whole process (target < 2 s, issue 18), with what its
imports cost, package by package.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    from tests.tasks.intake.files import CAMPAIGN, need_row

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("附表3")
    ws.append(["附表3：2010淮安科技洽谈会技术难题和需求征集表"])
    ws.append(["填报单位（盖章）：淮阴区科技局    填报日期：2010年7月15日"])
    ws.append(["序号", *(c.template_header for c in CAMPAIGN.form("tech-needs").columns)])
    for i in range(rows):
        r = need_row(i)
        r[0] = f"淮安企业{i}"
        r[4] = f"需求{i}"
        ws.append([i + 1, *r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def best_of(n: int, fn):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(args[0]) if args else 20_000
    import pandas as pd

    from config.settings import CAMPAIGNS_DIR
    from schemas.loading import load_campaign
    from tasks.intake.validate import inspect_file

    campaign = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")
    data = workbook(rows)
    print(f"workbook: {rows} rows, {len(data) / 1e6:.1f} MB")
    t = time.perf_counter()
    inspect_file(workbook(5), "warm.xlsx", campaign, received=date(2010, 7, 1))  # GX import + context, once
    print(f"first call (Great Expectations import + context): {time.perf_counter() - t:.2f} s")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bares, ours_, ratios = [], [], []
    for _ in range(5):  # interleaved rounds: the machine's noise hits both sides alike
        bare, df = best_of(1, lambda: pd.read_excel(io.BytesIO(data), engine="calamine", header=None, dtype=str))
        ours, v = best_of(1, lambda: inspect_file(data, "附表3_淮阴区.xlsx", campaign, received=date(2010, 7, 1)))
        bares.append(bare), ours_.append(ours), ratios.append(ours / bare)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert v.status == "accepted" and len(v.records) == rows, v.issues[:3]
    bare, ours = min(bares), min(ours_)
    print(f"bare pandas.read_excel(engine='calamine'): best {bare:.2f} s ({len(df)} rows)")
    print(
        f"duban read (reader child) + identify + validate + verdict: best {ours:.2f} s; "
        f"ratio best-to-best {ours / bare:.2f}x, median of rounds {sorted(ratios)[2]:.2f}x (target <= 2x)"
    )
    print(f"peak RSS: {rss1 / 1024:.0f} MB (grew {(rss1 - rss0) / 1024:.0f} MB during the timed runs)")
    if "--openpyxl" in sys.argv:  # why calamine: the reader we did not choose, same file
        from openpyxl import load_workbook

        slow, _ = best_of(1, lambda: list(load_workbook(io.BytesIO(data), read_only=True).active.values))
        print(f"openpyxl (read_only) of the same file:     {slow:.2f} s = {slow / bare:.1f}x calamine")

    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "附表3_淮阴区_第1批.xlsx"
        small.write_bytes(workbook(10))
        env = {**os.environ, "DUBAN_HOME": str(Path(tmp) / "var")}
        cli = [str(Path(sys.executable).parent / "duban"), "validate", str(small), "--json"]
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(cli, env=env, capture_output=True, check=True)
            runs.append(time.perf_counter() - t)
        print(
            f"`duban validate` small file, whole process: best {min(runs):.2f} s, worst {max(runs):.2f} s "
            f"(target < 2 s)"
        )
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "flows.cli", *cli[1:]],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stderr
        print("  of which imports, by package (python -X importtime, own time of every module):")
        for pkg, us in import_costs(imports)[:10]:
            print(f"    {pkg:<22} {us / 1e3:7.0f} ms")


def import_costs(report: str) -> list[tuple[str, int]]:
    """`-X importtime` lines summed by top-level package (each module's own time, so nothing twice)."""
    costs: dict[str, int] = {}
    for line in report.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        pkg = name.strip().split(".")[0]
        costs[pkg] = costs.get(pkg, 0) + int(own)
    return sorted(costs.items(), key=lambda kv: -kv[1])


if __name__ == "__main__":
    main()
