"""The deadline rush (issue 23, point 11): 200 clients, each a unit's clerk who opens the page and
uploads a valid 100-row 附表3, all within one minute, as in the last hour before a due date.

    .venv/bin/python bench/bench_rush.py                                  # SQLite, one worker
    .venv/bin/python bench/bench_rush.py --db postgresql --workers 2      # PostgreSQL (127.0.0.1:5432/test)
    .venv/bin/python bench/bench_rush.py --clients 40 --seconds 12        # a quick run while developing

`duban portal` runs in its own process(es); the clients are threads here, each with its own
connection, started at random moments spread over `--seconds`. Receipts go to a real SMTP server
(aiosmtpd) in this process. Prints, side by side in the same run:
- upload to verdict (POST /me/upload until the page with the verdict is back): p50 / p95 / max;
  target p95 < 3 s;
- a bare round trip to the same server (GET /healthz): idle before the rush, and during it;
- every answer's status (no 5xx, no "database is locked"), and afterwards the store: each file
  recorded once, one receipt each (outbox rows), and the receipts the SMTP server took.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000 if xs else float("nan")


@dataclass
class Outcome:
    unit: str
    name: str
    status: int = 0
    seconds: float = 0.0
    at: float = 0.0  # when it started uploading, from the start of the rush
    accepted: bool = False
    rejected: bool = False
    locked: bool = False
    error: str = ""


@dataclass
class Bare:
    idle: list[float] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)


def workbooks(clients: int, rows: int, bad_every: int = 0) -> list[tuple[str, str, bytes]]:
    """(unit, file name, bytes): one distinct valid file per client, the counties in turn; with
    `bad_every` N, every Nth file has one wrong cell (answered with an annotated workbook)."""
    from tests.tasks.intake.files import COUNTIES, messy_workbook, need_row

    out = []
    for k in range(clients):
        unit = COUNTIES[k % len(COUNTIES)]
        table = [need_row(k * 1000 + i) for i in range(1, rows + 1)]
        if bad_every and k % bad_every == 0:
            table[rows // 2] = need_row(k * 1000 + rows // 2 + 1, sales_wan="很多")
        data = messy_workbook("tech-needs", table, unit=unit, title="附表3：第1批技术需求")
        out.append((unit, f"附表3_{unit}_第1批_{k}.xlsx", data))
    return out


def client(base: str, link: str, unit: str, name: str, data: bytes, at: float, out: Outcome) -> None:
    """One clerk: at `at` opens the link and the page, then uploads and waits for the verdict."""
    from tests.flows.portal.served import browser, post_file

    time.sleep(max(0.0, at - time.monotonic()))
    try:
        c, csrf = browser(base, link, timeout=300)
        try:
            t = time.perf_counter()
            out.at = time.monotonic()
            r = post_file(c, csrf, name, data)
            out.seconds = time.perf_counter() - t
        finally:
            c.close()
        out.status, out.accepted = r.status_code, "已通过校验" in r.text
        out.rejected = "未通过校验" in r.text
        out.locked = "database is locked" in r.text
    except Exception as e:  # a refused connection or a timeout is a finding, not a crash of the bench
        out.error = f"{type(e).__name__}: {e}"[:200]


def bare_round_trips(base: str, bare: Bare, stop: threading.Event) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as c:
        for _ in range(50):
            t = time.perf_counter()
            c.get("/healthz").raise_for_status()
            bare.idle.append(time.perf_counter() - t)
        stop.wait(0.5)
        while not stop.is_set():
            t = time.perf_counter()
            c.get("/healthz")
            bare.busy.append(time.perf_counter() - t)
            stop.wait(0.25)


def rush(
    base: str, links: dict[str, str], files: list[tuple[str, str, bytes]], seconds: float, bare: Bare
) -> tuple[list[Outcome], float]:
    rnd = random.Random(23)
    stop = threading.Event()
    watcher = threading.Thread(target=bare_round_trips, args=(base, bare, stop), daemon=True)
    watcher.start()
    while len(bare.idle) < 50 and watcher.is_alive():
        time.sleep(0.05)
    t0 = time.monotonic() + 1
    outs = [Outcome(unit, name) for unit, name, _ in files]
    threads = [
        threading.Thread(
            target=client, args=(base, links[unit], unit, name, data, t0 + rnd.uniform(0, seconds), out), daemon=True
        )
        for (unit, name, data), out in zip(files, outs, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 600)
    elapsed = time.monotonic() - t0
    for o in outs:
        o.at -= t0
    stop.set()
    watcher.join(10)
    return outs, elapsed


def store_counts(app, names: list[str], wait: float) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Afterwards: submissions of the rush's files, their receipts in the outbox, and how many were sent
    (waiting up to `wait` s for the page's background sends to finish)."""
    from sqlalchemy import func, select

    from schemas.outbox import Notification
    from schemas.tables import Submission

    deadline = time.monotonic() + wait
    while True:
        with app.store.session() as s:
            subs = s.execute(
                select(Submission.id, Submission.filename, Submission.sha256).where(Submission.filename.in_(names))
            ).all()
            receipts = s.execute(
                select(Notification.key, Notification.status).where(Notification.kind == "receipt")
            ).all()
            unsent = s.scalar(select(func.count()).select_from(Notification).where(Notification.status != "sent"))
        if not unsent or time.monotonic() > deadline:
            break
        time.sleep(1)
    per_sub = Counter(k.split(":")[1] for k, _ in receipts)
    return {
        "submissions": len(subs),
        "files": len({f for _, f, _ in subs}),
        "hashes": len({h for _, _, h in subs}),
        "receipts": len(receipts),
        "subs_with_one_receipt": sum(1 for sid, _, _ in subs if per_sub[str(sid)] == 1),
        "sent": sum(1 for _, st in receipts if st == "sent"),
        "unsent": unsent or 0,
    }


def report(
    args, outs: list[Outcome], elapsed: float, bare: Bare, counts: dict[str, int], smtp_got: int, log: str
) -> bool:  # type: ignore[no-untyped-def]
    done = [o for o in outs if not o.error]
    times = [o.seconds for o in done]
    statuses = Counter(o.status for o in done)
    fives = sum(n for code, n in statuses.items() if code >= 500)
    locked = sum(o.locked for o in outs) + log.count("database is locked")
    errors = Counter(o.error.split(":")[0] for o in outs if o.error)
    if errors:
        print("  first failure:", next(o.error for o in outs if o.error))
    print(
        f"duban portal on {args.db}, --workers {args.workers}: {len(outs)} clients, each a {args.rows}-row file, "
        f"starts spread over {args.seconds:.0f} s (all answered after {elapsed:.1f} s)"
    )
    print(
        f"  upload to verdict: p50 {pct(times, 50):.0f} ms, p95 {pct(times, 95):.0f} ms, max {pct(times, 100):.0f} ms "
        f"(target p95 < 3000 ms)  |  bare round trip (GET /healthz): idle p50 {pct(bare.idle, 50):.1f} ms, "
        f"p95 {pct(bare.idle, 95):.1f} ms; during the rush p50 {pct(bare.busy, 50):.1f} ms, "
        f"p95 {pct(bare.busy, 95):.1f} ms ({len(bare.busy)} samples)"
    )
    print(
        f"  answers: {dict(sorted(statuses.items()))}, accepted {sum(o.accepted for o in outs)}, rejected "
        f"{sum(o.rejected for o in outs)}, 5xx {fives}, "
        f"'database is locked' {locked}, no answer {sum(errors.values())} {dict(errors) or ''}; "
        f"tracebacks in the server log {log.count('Traceback')}"
    )
    print(
        f"  store: {counts['submissions']} submissions for {counts['files']} files ({counts['hashes']} distinct), "
        f"{counts['receipts']} receipts in the outbox, {counts['subs_with_one_receipt']} files with exactly one; "
        f"sent {counts['sent']}, not sent {counts['unsent']}; the SMTP server took {smtp_got}"
    )
    n = len(outs)
    judged = sum(o.accepted or o.rejected for o in outs)
    ok = (
        not fives
        and not locked
        and not errors
        and statuses.get(200, 0) == n == judged
        and counts["submissions"] == n
        and counts["files"] == n
        and counts["receipts"] == n
        and counts["subs_with_one_receipt"] == n
        and pct(times, 95) < 3000
    )
    slow = sorted(done, key=lambda o: -o.seconds)[:5]
    print("  slowest:", ", ".join(f"{o.seconds * 1000:.0f} ms at {o.at:.1f} s" for o in slow))
    print("  PASS" if ok else "  FAIL")
    return ok


def pg_schema(url: str) -> tuple[str, object]:
    """A fresh schema on the PostgreSQL at `url` (dropped by the caller): its URL and the admin engine."""
    from sqlalchemy import create_engine, text

    schema = f"duban_rush_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{url}?options=-csearch_path%3D{schema}", (admin, schema)


def drop_schema(handle) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    admin, schema = handle
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default=PG_URL)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--rows", type=int, default=100)
    p.add_argument("--seconds", type=float, default=60.0, help="the starts are spread over this many seconds")
    p.add_argument("--bad-every", type=int, default=0, help="every Nth file has a wrong cell (default: all valid)")
    args = p.parse_args()
    return 0 if run(args) else 1


def run(args) -> bool:  # type: ignore[no-untyped-def]
    from config.settings import Settings
    from notifications.capture import free_port
    from tasks.app.open import open_app
    from tasks.portal.links import link_for
    from tests.flows.portal.served import SECRET, portal_env, portal_process
    from tests.tasks.intake.files import COUNTIES
    from tests.tasks.reminders.smtp import Recorder, start

    home = Path(tempfile.mkdtemp(prefix="bench-rush-")) / "var"
    url, handle = pg_schema(args.pg_url) if args.db == "postgresql" else (None, None)
    rec = Recorder()
    ctl, smtp_port = start(rec)
    try:
        settings = Settings(
            home=home,
            database_url=url,
            portal_secret=SECRET,
            portal_url="http://portal.test",  # type: ignore[call-arg]
            _env_file=None,
        )
        app = open_app(settings=settings)
        with app.store.session() as s:
            links = {u: link_for(s, settings, app.campaign, u).url.removeprefix("http://portal.test") for u in COUNTIES}
        files = workbooks(args.clients, args.rows, args.bad_every)
        env = portal_env(home, url, DUBAN_SMTP_PORT=str(smtp_port), DUBAN_SMTP_CONNECT_TIMEOUT="5")
        bare = Bare()
        with portal_process(env, free_port(), workers=args.workers) as base:
            outs, elapsed = rush(base, links, files, args.seconds, bare)
            counts = store_counts(app, [name for _, name, _ in files], wait=120)
        log = "".join(f.read_text(errors="replace") for f in home.glob("portal-*.log"))
        ok = report(args, outs, elapsed, bare, counts, len(rec.received), log)
        app.store.dispose()
        return ok
    finally:
        ctl.stop()
        if handle is not None:
            drop_schema(handle)


if __name__ == "__main__":
    sys.exit(main())
