"""Every process of one `duban intake` over a mix of real-world workbooks (issue 23, point 3).

    .venv/bin/python bench/bench_wild.py --corpus DIR [--corpus DIR ...] [--limit N] [--batch 200]
    .venv/bin/python bench/bench_wild.py                      (a built mix: NOT real-world files)

The corpus is read from the folders given (files from the wild are never kept in the project:
gather them from spreadsheet readers' test data into a folder of your own). Files over 3 MB and
sub-folders are skipped. The files are copied into the inbox of a fresh DUBAN_HOME (a temp dir,
SQLite, receipts queued to a closed port) and `duban intake --json --batch N` runs as a process
of its own. Every 50 ms, the RSS of that process and of all its descendants (the reader
children) is read from /proc (VmRSS, and VmHWM while the process lives); each pid keeps its peak.

Printed: files, verdicts by status, wall time and time per file, the run's peak RSS, the
reader children's largest peak and their number; then each file alone through one reader child
(its peak reset before each file with /proc/PID/clear_refs), for the slowest and the largest
files; beside a bare baseline: the same files read with python-calamine (CSV with pandas) in one
process of its own. PASS when every process of the intake stays under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LIMIT_MB = 500
MAX_FILE = 3 * 1024 * 1024


def corpus(dirs: list[str], limit: int | None) -> list[Path]:
    files = sorted(
        p
        for d in dirs
        for p in Path(d).iterdir()
        if p.is_file() and not p.name.startswith(".") and 0 < p.stat().st_size <= MAX_FILE
    )
    return files[:limit] if limit else files


def built_mix(out: Path, n: int = 300) -> list[Path]:
    """A few hundred generated workbooks of every format the intake reads, some large."""
    from tests.tasks.intake.files import csv_bytes, messy_workbook, need_row, xls_bytes
    from tests.tasks.intake.format_files import (
        grid,
        html_xls,
        ods_bytes,
        spreadsheet_ml,
        unicode_text,
        xlsx_of,
    )

    out.mkdir(parents=True, exist_ok=True)
    makers = [
        ("xlsx", lambda rows, u: messy_workbook("tech-needs", rows, unit=u)),
        ("xls", lambda rows, u: xls_bytes("tech-needs", rows, unit=u)),
        ("csv", lambda rows, u: csv_bytes("tech-needs", rows, unit=u)),
        ("html.xls", lambda rows, u: html_xls("tech-needs", rows, unit=u)),
        ("xml.xls", lambda rows, u: spreadsheet_ml("tech-needs", rows, unit=u)),
        ("ods", lambda rows, u: ods_bytes("tech-needs", rows, unit=u)),
        ("txt", lambda rows, u: unicode_text("tech-needs", rows, unit=u)),
        ("plain.xlsx", lambda rows, u: xlsx_of(grid("tech-needs", rows, u))),
    ]
    files = []
    for i in range(n):
        kind, make = makers[i % len(makers)]
        size = 5000 if i % 50 == 7 else 1000 if i % 10 == 3 else 10  # some large: 1,000 and 5,000 rows
        data = make([need_row(i * 10 + k) for k in range(size)], ["清河区", "清浦区", "淮阴区", "金湖县"][i % 4])
        if len(data) > MAX_FILE:
            continue
        p = out / f"附表3_{i:04d}_{size}行.{kind}"
        p.write_bytes(data)
        files.append(p)
    return files


class Sampler(threading.Thread):
    """Every 50 ms, VmRSS/VmHWM of `root` and its descendants, from /proc; each pid's peak in kB."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.peaks, self.stop = root, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in self._tree():
                kb = _rss_kb(pid)
                if kb:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kb)
            time.sleep(0.05)

    def _tree(self) -> list[int]:
        parent = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat") as f:
                        parent[int(entry.name)] = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += [c for c, p in parent.items() if p == pid]
        return tree


def _rss_kb(pid: int) -> int:
    """max(VmRSS, VmHWM) of a live process in kB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            vals = [int(line.split()[1]) for line in f if line.startswith(("VmRSS:", "VmHWM:"))]
        return max(vals, default=0)
    except (OSError, ValueError):
        return 0


def run_intake(files: list[Path], batch: int) -> dict:
    home = Path(tempfile.mkdtemp(prefix="bench-wild-"))
    inbox = home / "inbox"
    inbox.mkdir(parents=True)
    for p in files:
        shutil.copyfile(p, inbox / p.name)
    env = {
        **os.environ,
        "DUBAN_HOME": str(home),
        "DUBAN_SMTP_PORT": "1",
        "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2",
        "DUBAN_PORTAL_SECRET": "b" * 40,
    }
    env.pop("DUBAN_DATABASE_URL", None)
    cmd = [
        str(ROOT / ".venv/bin/duban"),
        "intake",
        "--json",
        "--batch",
        str(batch),
        "--received-at",
        "2010-07-06 09:00",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = Sampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    took = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    peaks = dict(sampler.peaks)
    try:
        results = json.loads(stdout)
    except ValueError:
        results = []
    shutil.rmtree(home, ignore_errors=True)
    return {
        "took": took,
        "exit": proc.returncode,
        "results": results,
        "stderr": stderr.decode("utf-8", "replace"),
        "run_kb": peaks.pop(proc.pid, 0),
        "children_kb": peaks,
    }


def per_file(files: list[Path]) -> list[tuple[str, float, float, str]]:
    """Each file alone through one reader child, its peak reset before: (name, s, child MB, outcome)."""
    from config.settings import Settings
    from tasks.intake.service import limits_of
    from tasks.reader.read import ReaderPool, Unreadable

    return _per_file(files, ReaderPool(), limits_of(Settings(_env_file=None)), Unreadable)  # type: ignore[call-arg]


def _per_file(files, pool, limits, unreadable) -> list[tuple[str, float, float, str]]:  # type: ignore[no-untyped-def]
    out = []
    for p in files:
        data = p.read_bytes()
        for _, child in pool._idle:
            _clear_peak(child.proc.pid)
        t = time.perf_counter()
        try:
            outcome = f"{len(pool.read(data, p.name, limits))} sheets"
        except unreadable as e:
            outcome = e.code
        took = time.perf_counter() - t
        peak = max((_hwm_kb(c.proc.pid) for _, c in pool._idle), default=0) / 1024
        if not pool._idle:  # the child died on this file (a limit), its peak lost with it
            outcome += " (child killed)"
        out.append((p.name, took, peak, outcome))
    pool.close()
    return out


def _clear_peak(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def bare_worker(list_file: str) -> None:
    """Baseline, in a process of its own: python-calamine (pandas for text) reads every file,
    under the reader child's default address-space cap (without it, one looping .xls took 23 GB);
    one line per file, so a file that aborts this process is known and the rest go on."""
    import io
    import resource

    import pandas as pd
    from python_calamine import CalamineWorkbook

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    for name in Path(list_file).read_text().splitlines():
        data = Path(name).read_bytes()
        t = time.perf_counter()
        try:
            if data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
                wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
                for sheet in wb.sheet_names:
                    wb.get_sheet_by_name(sheet).to_python()
            else:
                pd.read_csv(io.BytesIO(data), header=None, sep=None, engine="python", encoding_errors="replace")
            ok = True
        except BaseException:  # noqa: BLE001  (a panic in calamine's Rust is a BaseException)
            ok = False
        print(json.dumps([name, ok, time.perf_counter() - t]), flush=True)


def bare(files: list[Path]) -> tuple[float, float, dict]:
    """(seconds, the largest peak RSS of the baseline's processes in MB, counts and slowest files)."""
    todo, done, peak, took = [str(p) for p in files], [], 0, 0.0
    while todo:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(todo))
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--bare-worker", f.name],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        sampler = Sampler(proc.pid)
        sampler.start()
        stdout, _ = proc.communicate()
        took += time.perf_counter() - t
        sampler.stop.set()
        sampler.join()
        os.unlink(f.name)
        peak = max(peak, sampler.peaks.get(proc.pid, 0))
        lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
        done += lines
        todo = todo[len(lines) :]
        if todo:  # the process died on this file
            done.append([todo.pop(0), "killed", 0.0])
    counts = Counter("read" if ok is True else "failed" if ok is False else ok for _, ok, _ in done)
    slowest = sorted(((s, Path(n).name) for n, _, s in done), reverse=True)[:5]
    killed = [Path(n).name for n, ok, _ in done if ok == "killed"]
    return took, peak / 1024, {**counts, "killed_files": killed, "slowest": slowest}


def report(files: list[Path], run: dict, base: tuple[float, float, dict], single: list, real: bool) -> bool:
    n = len(files)
    statuses = Counter(r.get("status") for r in run["results"])
    kids = run["children_kb"]
    worst_child = max(kids.values(), default=0) / 1024
    suffixes = Counter(p.suffix.lower() or "(none)" for p in files)
    print(
        ""
        if real
        else "\n*** NOT A REAL-WORLD MIX: generated files (tests/tasks/intake builders). "
        "Pass --corpus DIR for files from the wild. ***\n"
    )
    print(f"files: {n} ({sum(p.stat().st_size for p in files) / 1e6:.1f} MB) by suffix: {dict(suffixes.most_common())}")
    print(f"duban intake exit {run['exit']}; answered {len(run['results'])}; by status: {dict(statuses.most_common())}")
    if len(run["results"]) != n:
        print(f"  !! {n - len(run['results'])} files not answered; stderr tail: {run['stderr'][-1500:]}")
    print(f"wall {run['took']:.1f} s = {run['took'] / max(n, 1) * 1000:.1f} ms/file")
    print(
        f"peak RSS: the run {run['run_kb'] / 1024:.0f} MB; reader children: {len(kids)}, "
        f"the largest {worst_child:.0f} MB (each: {sorted(round(k / 1024) for k in kids.values())})"
    )
    took, mb, info = base
    print(
        f"baseline (python-calamine / pandas in one process): {took:.1f} s = {took / max(n, 1) * 1000:.1f} ms/file, "
        f"peak RSS {mb:.0f} MB; read {info.get('read', 0)}, failed {info.get('failed', 0)}, "
        f"process killed by {info.get('killed_files')}"
    )
    print("  its slowest: " + ", ".join(f"{name} {s:.2f} s" for s, name in info.get("slowest", [])))
    if single:
        outcomes = Counter("read" if r[3].endswith("sheets") else r[3] for r in single)
        print(
            f"each file alone through one reader child: {dict(outcomes.most_common())}; slowest 8, then largest peak 8:"
        )
        for row in sorted(single, key=lambda r: -r[1])[:8] + sorted(single, key=lambda r: -r[2])[:8]:
            print(f"  {row[1]:6.2f} s {row[2]:6.0f} MB  {row[3]:<16} {row[0]}")
        over = [r for r in single if r[2] >= LIMIT_MB]
        print(f"  files whose child passed {LIMIT_MB} MB alone: {[r[0] for r in over] or 'none'}")
    ok = run["run_kb"] / 1024 < LIMIT_MB and worst_child < LIMIT_MB and run["exit"] == 0 and len(run["results"]) == n
    print(
        f"{'PASS' if ok else 'FAIL'}: every process of the intake under {LIMIT_MB} MB peak RSS"
        f" (run {run['run_kb'] / 1024:.0f} MB, largest child {worst_child:.0f} MB, exit {run['exit']})"
    )
    return ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--no-per-file", action="store_true", help="skip reading each file alone")
    ap.add_argument("--bare-worker")
    args = ap.parse_args()
    if args.bare_worker:
        return bare_worker(args.bare_worker)
    tmp = Path(tempfile.mkdtemp(prefix="bench-wild-mix-"))
    files = corpus(args.corpus, args.limit) if args.corpus else built_mix(tmp, args.limit or 300)
    if not args.corpus:
        print("*** no --corpus: building a mix of generated workbooks. NOT a real-world mix. ***", flush=True)
    base = bare(files)
    run = run_intake(files, args.batch)
    single = [] if args.no_per_file else per_file(files)
    ok = report(files, run, base, single, bool(args.corpus))
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
