"""申请办结 of a 督办事项: the matter-closure flow pauses for ops in the Prefect UI with the matter,
its history and the evidence; a return without a reason is said and asked again; the answer
closes the matter (销号) and the unit is mailed."""

import threading
import time
from datetime import date, datetime

import pytest
from prefect.artifacts import Artifact

from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


def test_ops_close_a_matter_in_the_ui_after_a_refused_answer(prefect_harness, sqlite_settings, monkeypatch):
    from prefect.flow_runs import resume_flow_run

    from flows.matter_closure import matter_closure
    from schemas.matters import Matter, MatterAction, MatterState
    from tasks.app.open import open_app
    from tasks.matters import Assignment, act, assign
    from tests.flows.test_supervision_briefing import _paused_run_id

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    monkeypatch.setenv("DUBAN_PORTAL_SECRET", "s" * 40)
    app = open_app()
    with app.store.session(write=True) as s:
        m = assign(
            s,
            app.campaign,
            Assignment(["清河区"], "落实协议文本", date(2010, 7, 20), "王主任"),
            now=datetime(2010, 7, 1),
        )[0]
        act(s, m, MatterAction.REQUEST_CLOSE, actor="张三", at=datetime(2010, 7, 15, 9), text="协议已签订|见附件")
        mid = m.id
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(matter_closure(mid, poll_seconds=1, timeout_seconds=60, at=datetime(2010, 7, 16)))
    )
    try:
        t.start()
        run_id = _paused_run_id(f"matter-closure-{mid}", time.time() + 90)
        assert "协议已签订\\|见附件" in Artifact.get(f"matter-closure-{mid}").data  # escaped for the table
        resume_flow_run(run_id, run_input={"approve": False, "reason": "", "decided_by": "王主任"})
        time.sleep(1)
        run_id = _paused_run_id(f"matter-closure-{mid}", time.time() + 90)
        assert "上次审核未生效" in Artifact.get(f"matter-closure-{mid}").data
        resume_flow_run(run_id, run_input={"approve": True, "decided_by": "王主任"})
        t.join(90)
    finally:
        ctl.stop()
    assert result and result[0]["state"] == MatterState.CLOSED
    with app.store.session() as s:
        assert s.get(Matter, mid).closed_by == "王主任"
    assert any("已销号" in str(x["Subject"]) for x in rec.received)
    app.store.dispose()
