"""Full replay speed: 122 days x 15 units, Prefect server start included (issue 6: under 120 s).

    .venv/bin/python bench/bench_replay.py

Runs exactly what `duban demo --exit` runs (a fresh home under a temporary directory) and
reports the server start, the replay, and the total.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DUBAN_HOME"] = tmp
        t0 = time.perf_counter()
        from config.settings import Settings
        from flows.demo import run_demo

        imported = time.perf_counter() - t0
        out = run_demo(Settings(), exit_after=True, echo=lambda *_: None)
        total = time.perf_counter() - t0
    inside = out["inside_flow"]
    tasks = inside["total"] - inside["work"] - inside.get("calendar", 0)
    print(f"imports                 {imported:6.1f} s")
    print(f"server start            {out['server_start_seconds']:6.1f} s")
    print(f"replay ({out['days']} days)       {out['seconds']:6.1f} s")
    print(f"  Duban's own work      {inside['work']:6.1f} s   (intake, sweeps, sending, briefings: inside the tasks)")
    print(f"  calendar (Prefect API){inside.get('calendar', 0):6.1f} s   (checkpoint runs created and completed)")
    print(f"  Prefect task runs     {tasks:6.1f} s   ({out['days']} day tasks + briefings: states, logs)")
    print(f"  flow start and exit   {out['seconds'] - inside['total']:6.1f} s")
    print(f"total                   {total:6.1f} s   (target 120 s)   mails {out['mail']}")
    return 0 if total < 120 else 1


if __name__ == "__main__":
    raise SystemExit(main())
