"""What ops see: after a short replay, the Prefect UI in a real headless Chromium (Debian's
package) shows the briefing artifact; a screenshot is saved."""

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from flows.demo import start_prefect_server, wait_healthy
from notifications.capture import free_port, start_capture

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium(profile: Path, *args: str) -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium 未安装：make 的 sysdeps 目标在 Debian 上以 root 安装它"
    out = subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.stdout


def assert_calendar_kept() -> None:
    """The calendar's runs of the replayed days (a replay lays out only those) are completed with their report."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["campaign-checkpoint"])), limit=200
        )
    done = [r for r in runs if r.state.is_completed()]
    assert runs and done == runs
    assert {r.expected_start_time.date() for r in done} <= {date(2010, 7, 21), date(2010, 7, 22), date(2010, 7, 23)}
    assert any(r.name.endswith("· 督办1") and "个单位" in r.state.message for r in done), [r.name for r in done]


def test_the_briefing_artifact_is_in_the_prefect_ui(tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.campaign_replay import campaign_replay

    port, smtp_port = free_port(), free_port()
    proc = start_prefect_server(tmp_path / "prefect", port, tmp_path / "server.log")
    capture = start_capture(tmp_path / "mail", port=smtp_port)
    try:
        api = f"http://127.0.0.1:{port}/api"
        wait_healthy(api, proc)
        for k, v in {
            "DUBAN_HOME": str(tmp_path / "home"),
            "DUBAN_SMTP_PORT": str(smtp_port),
            "DUBAN_SMTP_HOST": "127.0.0.1",
            "DUBAN_SMTP_STARTTLS": "false",
            "DUBAN_SMTP_TLS": "false",
        }.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("DUBAN_DATABASE_URL", raising=False)
        with temporary_settings({PREFECT_API_URL: api}):
            from flows.checkpoint import campaign_checkpoint
            from tasks.prefect_api.api import register_deployment

            register_deployment(campaign_checkpoint)  # as the demo does: the campaign calendar as scheduled runs
            out = campaign_replay(start=date(2010, 7, 21), end=date(2010, 7, 23))
            assert_calendar_kept()
            # ship this run's logs and events while their server is alive: left queued, they
            # would be retried against a dead server when the session's Prefect harness drains
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()
            EventsWorker.drain_all()
        assert out["briefings"]
        ui = f"http://127.0.0.1:{port}"
        dom = chromium(tmp_path / "profile-dom", "--dump-dom", f"{ui}/artifacts")
        assert "supervision-briefing" in dom and "督查简报" in dom, dom[-2000:]
        shot = Path(os.environ.get("DUBAN_UI_SCREENSHOT", tmp_path / "prefect-ui.png"))
        chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1400,900", f"{ui}/artifacts")
        assert shot.stat().st_size > 10_000
    finally:
        capture.stop()
        os.killpg(proc.pid, 15)
        proc.wait(30)
