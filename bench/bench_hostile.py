"""Intake of 20 good files with and without the hostile set (issue 11), in this process.

    .venv/bin/python bench/bench_hostile.py

Prints both times side by side (target: good + hostile < 30 s), and the peak memory of this
process (the intake worker) and of its reader children next to the children's memory limit.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(home: Path, hostile: bool) -> tuple[float, int]:
    from config.settings import Settings
    from notifications.capture import free_port, start_capture
    from tasks.app.open import open_app
    from tasks.intake.run import intake_inbox
    from tasks.outbox.send import send_queued
    from tests.tasks.intake.hostile import good_files, hostile_inbox

    port = free_port()
    capture = start_capture(home / "mail", port=port)
    settings = Settings(home=home, smtp_port=port, _env_file=None)  # type: ignore[call-arg]
    app = open_app("huaian-2010", settings=settings)
    (home / "inbox").mkdir(parents=True, exist_ok=True)
    for name, data in good_files().items():
        (home / "inbox" / name).write_bytes(data)
    if hostile:
        hostile_inbox(home / "inbox", home / "side")
    t = time.perf_counter()
    results = intake_inbox(app, received_at=datetime(2010, 7, 1, 10))
    send_queued(app, now=datetime(2010, 7, 1, 10, 5))
    took = time.perf_counter() - t
    capture.stop()
    app.store.dispose()
    return took, len(results)


def _hwm(pid: int) -> float:
    """Peak resident memory of a live process, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    from tasks.intake.service import limits_of
    from tasks.reader.read import _POOL

    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp) / "warm", hostile=False)  # imports, GX context, the first reader child
        good, n_good = run(Path(tmp) / "good", hostile=False)
        both, n_both = run(Path(tmp) / "both", hostile=True)
    kids = max(_hwm(child.proc.pid) for _, child in _POOL._idle)  # VmHWM is per address space: exec resets it
    _POOL.close()
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from config.settings import Settings

    limit = limits_of(Settings(_env_file=None)).memory_bytes / 2**20  # type: ignore[call-arg]
    print(f"intake of {n_good} good files:                     {good:.2f} s")
    print(f"intake of the same plus the hostile set ({n_both} files): {both:.2f} s (target < 30 s)")
    print(
        f"peak RSS: intake worker {me:.0f} MB; reader child {kids:.0f} MB (the one that read the last file) "
        f"(its limit {limit:.0f} MB)"
    )


if __name__ == "__main__":
    main()
