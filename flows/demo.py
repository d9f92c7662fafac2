"""`duban demo`: a local Prefect server (SQLite), the local SMTP capture, and the 2010 replay.

Everything lives under $DUBAN_HOME/demo/, wiped at each start: the demo's store, the Prefect
server's own database (a separate file), the captured mail and the briefings.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from prefect.context import refresh_global_settings_context
from prefect.logging.handlers import APILogHandler

from config.settings import Settings
from flows.campaign_replay import campaign_replay
from flows.checkpoint import campaign_checkpoint
from notifications.capture import free_port, start_capture
from schemas.loading import load_campaign
from tasks.demo import window
from tasks.prefect_api import register_deployment


def start_prefect_server(
    home: Path, port: int, log: Path, *, db_url: str | None = None, **settings: str
) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:`port`, its database SQLite under `home` unless `db_url`
    (e.g. postgresql+asyncpg://…); extra PREFECT_* settings as keyword arguments."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_API_DATABASE_CONNECTION_URL": db_url or f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        **settings,
        # the UI asks the API at this address; it defaults to port 4200 whatever --port says
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
    }
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).parent / "prefect"
    with log.open("w") as fh:
        return subprocess.Popen(
            [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Prefect 服务器启动失败（退出码 {proc.returncode}）")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)  # waiting for a real server to come up, not simulating time
    raise RuntimeError(f"Prefect 服务器 {timeout:.0f} 秒内未就绪")


DEFAULT_PORT = 4200


def choose_port(port: int | None) -> int:
    """The port asked for; else 4200 (Prefect's usual) when it is free; else any free port."""
    if port:
        if not _free(port):
            raise RuntimeError(f"端口 {port} 已被占用：请换一个端口（--port），或不指定以自动选择")
        return port
    return DEFAULT_PORT if _free(DEFAULT_PORT) else free_port()


def run_demo(
    settings: Settings, *, exit_after: bool, campaign: str | None = None, port: int | None = None, echo=print
) -> dict:  # type: ignore[no-untyped-def]
    """Start the server and the mail capture, replay the campaign, say where to look; unless
    `exit_after`, keep the server up until Ctrl-C (or SIGTERM)."""
    spec = load_campaign(settings.campaign_path(campaign))  # a mistake is reported before anything starts
    first, last = window(spec)
    home = (settings.home / "demo").resolve()
    shutil.rmtree(home, ignore_errors=True)
    (home / "prefect").mkdir(parents=True)
    port, smtp_port = choose_port(port), free_port()
    api = f"http://127.0.0.1:{port}/api"
    echo(f"启动本地 Prefect 服务器（SQLite：{home / 'prefect' / 'prefect.db'}）……")
    t0 = time.perf_counter()
    proc = start_prefect_server(home / "prefect", port, home / "prefect-server.log")
    capture = start_capture(home / "mail", port=smtp_port)
    try:
        wait_healthy(api, proc)
        started = time.perf_counter() - t0
        _point_at(api, home, smtp_port)
        echo(f"Prefect 服务器已就绪（{started:.1f} 秒）。开始回放《{spec.name}》{first} 至 {last} ……")
        register_deployment(campaign_checkpoint)  # the campaign calendar shows as its scheduled runs
        t1 = time.perf_counter()
        result = campaign_replay(campaign=spec.id)
        replayed = time.perf_counter() - t1
        echo("")
        echo(
            f"回放完成：{result['days']} 天，用时 {replayed:.0f} 秒（含服务器启动共 "
            f"{time.perf_counter() - t0:.0f} 秒）。"
        )
        mails = _where_to_look(echo, spec.id, home, port, last, exit_after=exit_after)
        if not exit_after:
            echo("服务器保持运行，按 Ctrl-C 结束。")
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # from here on, waited for
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        return {
            **result,
            "ui": f"http://127.0.0.1:{port}",
            "mail": mails,
            "seconds": round(replayed, 1),
            "inside_flow": result["seconds"],
            "server_start_seconds": round(started, 1),
        }
    finally:
        _stop(proc, capture)


def _point_at(api: str, home: Path, smtp_port: int) -> None:
    """This process, from here on: the demo's Prefect server, store and mail capture."""
    os.environ.update(
        {
            "PREFECT_API_URL": api,
            "DUBAN_HOME": str(home),
            "DUBAN_SMTP_PORT": str(smtp_port),
            "DUBAN_SMTP_HOST": "127.0.0.1",
            "DUBAN_SMTP_STARTTLS": "false",
            "DUBAN_SMTP_TLS": "false",
        }
    )
    os.environ.pop("DUBAN_DATABASE_URL", None)
    refresh_global_settings_context()  # Prefect read its settings when imported, before the server was up


def _where_to_look(echo, campaign: str, home: Path, port: int, last: date, *, exit_after: bool) -> int:  # type: ignore[no-untyped-def]
    """Where the replay's results are; the number of mails sent."""
    mails = len(list((home / "mail").glob("*.eml")))
    if exit_after:  # the server stops with this command: no address to open
        echo("  Prefect 界面：  随回放结束而关闭（不带 --exit 运行可保持界面，按 Ctrl-C 结束）")
    else:
        echo(f"  Prefect 界面：  http://127.0.0.1:{port}  （流程运行 campaign-replay、简报产物 supervision-briefing）")
    echo(f"  督查简报：      {home / 'briefings'}")
    echo(f"  发出的邮件：    {home / 'mail'}（{mails} 封 .eml）")
    echo(f"  报送状态：      DUBAN_HOME={home} .venv/bin/duban status --campaign {campaign} --as-of {last}")
    return mails


def _stop(proc: subprocess.Popen, capture: Any) -> None:
    """Ship the replay's last log lines to the server, then stop the capture and the server."""
    try:
        APILogHandler().flush()
    finally:
        capture.stop()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0
