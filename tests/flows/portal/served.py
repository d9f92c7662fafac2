"""`duban portal` in its own process (as in production: uvicorn, N worker processes), and units'
browsers talking to it over real HTTP. Shared by tests/flows/portal/test_rush.py and bench/bench_rush.py."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests import ROOT

SECRET = "r" * 40


def portal_env(home: Path, database_url: str | None, **more: str) -> dict[str, str]:
    """The environment of a `duban portal` over `home` (and the store at `database_url`)."""
    env = {
        **os.environ,
        "DUBAN_HOME": str(home),
        "DUBAN_PORTAL_SECRET": SECRET,
        "DUBAN_PORTAL_URL": "http://portal.test",
        "DUBAN_SMTP_PORT": "1",
        "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2",
        "DUBAN_ENV": "development",
    }
    if database_url:
        env["DUBAN_DATABASE_URL"] = database_url
    return {**env, **more}


@contextmanager
def portal_process(env: dict[str, str], port: int, *, workers: int = 1) -> Iterator[str]:
    """`duban portal --port P --workers N` running with `env`; yields its base URL once it answers."""
    log = Path(env["DUBAN_HOME"]) / f"portal-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/duban"), "portal", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, server, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def _wait_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"duban portal exited {server.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"duban portal did not answer in 90 s: {log.read_text(errors='replace')[-2000:]}")


def browser(base: str, link_path: str, *, timeout: float = 120) -> tuple[httpx.Client, str]:
    """A unit's browser: it opened `link_path` (its page cookie set); returns it and the page's CSRF token."""
    c = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
    r = c.get(link_path)
    assert r.status_code == 303, r.status_code
    return c, csrf_of(c.get("/me").text)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def post_file(c: httpx.Client, csrf: str, name: str, data: bytes) -> httpx.Response:
    return c.post(
        "/me/upload",
        data={"csrf": csrf, "name": "张三", "phone": "0517-83661234"},
        files=[("file", (name, data, "application/octet-stream"))],
    )
