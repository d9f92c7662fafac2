"""The units' pages under load (issue 16): the app served by `duban portal` in its own process,
the client here, with 500 submissions in the store.

    .venv/bin/python bench/bench_portal.py

Prints, side by side in the same run:
- a unit's page (GET /me): p50 / p95 over 200 requests, against a bare round trip to the same
  server (GET /healthz) — target p95 < 100 ms;
- upload of a 100-row file to its verdict in the page (POST /me/upload): p50 / p95 over 30
  uploads, against judging the same file in this process with no HTTP, no store, no receipt
  (`validate_file`) — target p95 < 1 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def seed(app, n: int = 500) -> None:  # type: ignore[no-untyped-def]
    """n submissions of the benched unit (清河区), each with two issues: a page far busier than any
    real unit's, so its render time is an upper bound."""
    from sqlalchemy import select

    from schemas.tables import Submission, Unit, ValidationIssue

    with app.store.session(write=True) as s:
        units = s.scalars(select(Unit).where(Unit.campaign == app.campaign.id, Unit.name == "清河区")).all()
        t0 = datetime(2010, 6, 20, 9)
        for i in range(n):
            u = units[i % len(units)]
            sub = Submission(
                campaign=app.campaign.id,
                sha256=f"{i:064x}",
                filename=f"附表3_{u.name}_{i}.xlsx",
                size=9000,
                received_at=t0 + timedelta(hours=i),
                unit_id=u.id,
                form="tech-needs",
                period="第1批",
                status="rejected" if i % 3 else "accepted",
                summary="",
                channel="portal",
            )
            s.add(sub)
            s.flush()
            s.add_all(
                [
                    ValidationIssue(submission_id=sub.id, severity="error", row=5, code="x", message="第5行有误"),
                    ValidationIssue(submission_id=sub.id, severity="warning", row=6, code="y", message="第6行请核对"),
                ]
            )


def main() -> None:
    import httpx

    from config.settings import Settings
    from notifications.capture import free_port
    from tasks.app.open import open_app
    from tasks.intake.service import validate_file
    from tasks.portal.links import link_for
    from tests.tasks.intake.files import messy_workbook, need_row

    home = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    env = {
        **os.environ,
        "DUBAN_HOME": str(home),
        "DUBAN_PORTAL_SECRET": "b" * 40,
        "DUBAN_SMTP_PORT": "1",
        "DUBAN_PORTAL_UPLOADS_PER_HOUR": "100000",
        "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2",
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("DUBAN_")})
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    app = open_app(settings=settings)
    seed(app)
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/duban"), "portal", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        c = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
        for _ in range(300):
            try:
                if c.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with app.store.session() as s:
            url = link_for(s, settings, app.campaign, "清河区").url.removeprefix(settings.portal_url)
        assert c.get(url).status_code == 303

        def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
            out = []
            for _ in range(n):
                t = time.perf_counter()
                fn()
                out.append(time.perf_counter() - t)
            return out

        for _ in range(10):
            c.get("/me")
            c.get("/healthz")
        page, bare = [], []
        for _ in range(4):  # interleaved rounds: the two see the same machine
            page += timed(lambda: c.get("/me").raise_for_status(), 50)
            bare += timed(lambda: c.get("/healthz").raise_for_status(), 50)
        html = c.get("/me").text
        import re

        csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)

        def workbook(k: int) -> bytes:  # each upload a different file: no duplicate short-cut
            rows = [need_row(i + k * 1000) for i in range(1, 101)]
            rows[40] = need_row(41 + k * 1000, sales_wan="很多")
            return messy_workbook("tech-needs", rows, unit="清河区")

        files = iter([workbook(k) for k in range(40)])
        data = workbook(99)
        f = home / "清河区_100行.xlsx"
        f.write_bytes(data)

        def post() -> None:
            r = c.post(
                "/me/upload",
                data={"csrf": csrf, "name": "张三", "phone": "0517-83661234"},
                files=[("file", ("清河区_100行.xlsx", next(files), "application/octet-stream"))],
            )
            assert r.status_code == 200 and "未通过校验" in r.text, r.status_code

        post()
        validate_file(settings, app.campaign, f)
        up, judge = [], []
        for _ in range(3):
            up += timed(post, 10)
            judge += timed(lambda: validate_file(settings, app.campaign, f), 10)
    finally:
        server.terminate()
        server.wait(10)
        app.store.dispose()
    print(
        f"page with 500 submissions in the store (GET /me, {len(page)} requests): "
        f"p50 {pct(page, 50):.1f} ms, p95 {pct(page, 95):.1f} ms  |  bare round trip (GET /healthz): "
        f"p50 {pct(bare, 50):.1f} ms, p95 {pct(bare, 95):.1f} ms  (target p95 < 100 ms)"
    )
    print(
        f"upload of a 100-row file to its verdict ({len(up)} uploads): p50 {pct(up, 50):.0f} ms, "
        f"p95 {pct(up, 95):.0f} ms  |  judging it in process (validate_file): p50 {pct(judge, 50):.0f} ms, "
        f"p95 {pct(judge, 95):.0f} ms  (target p95 < 1000 ms); mean {statistics.mean(up) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
