"""Why the replay is one parent run with a task per day: 122 empty tasks vs 122 empty subflows
in one parent run, on a local Prefect server (SQLite), as the demo runs it.

    .venv/bin/python bench/bench_replay_structure.py [--days 122]

Measured here (2 cores): tasks 1.1-1.9 s in all, subflows ~145 s (~1.2 s each: a flow run's
exit costs about a second, for a subflow as for a top-level run).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=122)
    days = ap.parse_args().days
    from flows.demo import start_prefect_server, wait_healthy
    from notifications.capture import free_port

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        (Path(tmp) / "prefect").mkdir()
        proc = start_prefect_server(Path(tmp) / "prefect", port, Path(tmp) / "server.log")
        try:
            api = f"http://127.0.0.1:{port}/api"
            wait_healthy(api, proc)
            os.environ["PREFECT_API_URL"] = api
            from prefect import flow, task
            from prefect.cache_policies import NO_CACHE

            @task(cache_policy=NO_CACHE)
            def day_task(i: int) -> int:
                return i

            @flow
            def day_flow(i: int) -> int:
                return i

            @flow
            def parent_with_tasks(n: int) -> int:
                return sum(day_task(i) for i in range(n))

            @flow
            def parent_with_subflows(n: int) -> int:
                return sum(day_flow(i) for i in range(n))

            for parent in (parent_with_tasks, parent_with_subflows):
                t = time.perf_counter()
                parent(days)
                took = time.perf_counter() - t
                print(f"{parent.name:22s} {days} days  {took:6.1f} s  ({took / days * 1000:.0f} ms per day)")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
