"""Our pinned versions (prefect 3.8, fastapi < 0.151, SQLAlchemy < 2.1) really schedule cron
deployments: a real `prefect server start` on SQLite creates the upcoming runs (with SQLAlchemy
2.1 its scheduler errored every 5 s and cron deployments never got runs)."""

import os
import time

import pytest

from flows.demo import start_prefect_server, wait_healthy
from notifications.capture import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_cron_deployment_gets_scheduled_runs(tmp_path, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deadline_sweep import deadline_sweep

    port = free_port()
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS", "2")
    proc = start_prefect_server(tmp_path, port, tmp_path / "server.log")
    try:
        api = f"http://127.0.0.1:{port}/api"
        wait_healthy(api, proc)
        with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            flow_id = client.create_flow(deadline_sweep)
            schedule = CronSchedule(cron="0 9 * * 1-6", timezone="Asia/Shanghai")
            dep = client.create_deployment(
                flow_id=flow_id,
                name="deadline-sweep",
                schedules=[DeploymentScheduleCreate(schedule=schedule, active=True)],
            )
            deadline, runs = time.monotonic() + 60, []
            while time.monotonic() < deadline and not runs:  # the real scheduler's loop, every 2 s here
                runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep])))
                time.sleep(1)
        assert runs, (tmp_path / "server.log").read_text()[-2000:]
        assert all(r.state.is_scheduled() for r in runs)
        starts = sorted(r.expected_start_time for r in runs)
        assert all(s.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).hour == 9 for s in starts)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(30)
