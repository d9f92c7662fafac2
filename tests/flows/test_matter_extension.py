"""申请延期 of a 督办事项: the matter-extension flow pauses for ops in the Prefect UI with the
request; a refusal without a reason is said and asked again; an approval with another date moves
the deadline and the unit is mailed."""

import threading
import time
from datetime import date, datetime

import pytest
from prefect.artifacts import Artifact

from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration, pytest.mark.slow]


def test_ops_approve_another_date_in_the_ui_after_a_refused_answer(prefect_harness, sqlite_settings, monkeypatch):
    from prefect.flow_runs import resume_flow_run

    from flows.matter_extension import matter_extension
    from schemas.matters import Matter
    from tasks.app.open import open_app
    from tasks.matters import Assignment, assign, request_extension
    from tests.flows.test_supervision_briefing import _paused_run_id

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    monkeypatch.setenv("DUBAN_PORTAL_SECRET", "s" * 40)
    app = open_app()
    with app.store.session(write=True) as s:
        a = Assignment(["清河区"], "落实协议文本", date(2010, 7, 20), "王主任")
        m = assign(s, app.campaign, a, now=datetime(2010, 7, 1))[0]
        req = request_extension(
            s,
            app.campaign,
            m.id,
            unit_id=m.unit_id,
            new_due=date(2010, 7, 30),
            reason="对方|未回复",
            name="张三",
            now=datetime(2010, 7, 15, 9),
        )
        mid, rid = m.id, req.id
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(
            matter_extension(mid, rid, poll_seconds=1, timeout_seconds=60, at=datetime(2010, 7, 16))
        )
    )
    try:
        t.start()
        run_id = _paused_run_id(f"matter-extension-{mid}", time.time() + 90)
        assert "对方\\|未回复" in Artifact.get(f"matter-extension-{mid}").data  # escaped for the table
        resume_flow_run(run_id, run_input={"approve": False, "reason": "", "decided_by": "王主任"})
        time.sleep(1)
        run_id = _paused_run_id(f"matter-extension-{mid}", time.time() + 90)
        assert "上次答复未生效" in Artifact.get(f"matter-extension-{mid}").data
        resume_flow_run(run_id, run_input={"approve": True, "new_due": "2010-07-27", "decided_by": "王主任"})
        t.join(90)
    finally:
        ctl.stop()
    assert result and result[0]["granted"] is True and result[0]["due"] == "2010-07-27"
    with app.store.session() as s:
        assert s.get(Matter, mid).extended_due == date(2010, 7, 27)
    assert any("督办事项延期" in str(x["Subject"]) for x in rec.received)
    app.store.dispose()
