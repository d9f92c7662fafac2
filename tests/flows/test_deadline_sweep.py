"""The deadline-sweep flow under the Prefect harness: named after its day, artifacts for ops."""

from datetime import date

import pytest
from prefect.artifacts import Artifact

from tests.sweep.smtp import Recorder, start

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
