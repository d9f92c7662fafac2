"""The deadline-sweep flow under the Prefect harness: named after its day, artifacts for ops."""

import json
from datetime import date

import pytest
from prefect.artifacts import Artifact

from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


def test_sweep_flow_sends_and_publishes(prefect_harness, sqlite_settings, monkeypatch):
    from flows.deadline_sweep import deadline_sweep

    rec = Recorder(faults=[None] * 14 + ["550"])
    ctl, port = start(rec)
    try:
        monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
        monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
        monkeypatch.setenv("DUBAN_SMTP_CONCURRENCY", "1")
        out = deadline_sweep(as_of=date(2010, 6, 23))
        assert out["queued"] == 15 and out["sent"] == 14
        assert [a["status"] for a in out["attention"]] == ["failed"]
        assert Artifact.get("deadline-sweep") is not None
        assert "resend-mail" in Artifact.get("mail-attention").data
        assert deadline_sweep(as_of=date(2010, 6, 26)) == {"as_of": "2010-06-26", "working_day": False}
    finally:
        ctl.stop()


def test_too_many_escalations_pause_the_run_with_the_list_until_ops_confirm(
    prefect_harness, sqlite_settings, monkeypatch
):
    import threading
    import time

    from prefect.flow_runs import resume_flow_run

    from flows.deadline_sweep import deadline_sweep
    from tests.flows.test_supervision_briefing import _paused_run_id

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(deadline_sweep(as_of=date(2010, 7, 16), poll_seconds=1, timeout_seconds=60))
    )
    try:
        t.start()
        run_id = _paused_run_id("sweep-2010-07-16", time.time() + 90)
        held = json.loads(Artifact.get("sweep-held").data)
        assert {"清河区", "盱眙县"} <= {r["单位"] for r in held} and {r["督办"] for r in held} == {"督办2"}
        assert rec.received == []  # nothing went while it waited
        resume_flow_run(run_id, run_input={"send": True, "confirmed_by": "综合协调组"})
        t.join(90)
    finally:
        ctl.stop()
    assert result and result[0]["sent"] > 30 and result[0]["delivery"]["problem"] is None


def test_a_sweep_whose_every_mail_failed_ends_red_with_the_reason(prefect_harness, sqlite_settings, monkeypatch):
    from flows.deadline_sweep import deadline_sweep
    from notifications.capture import free_port

    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(free_port()))
    state = deadline_sweep(as_of=date(2010, 6, 23), return_state=True)
    assert state.is_failed() and "一封也没有发出" in state.message and "连接被拒绝" in state.message
