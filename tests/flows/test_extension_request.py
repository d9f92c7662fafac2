"""延期申请 from a unit's page: the extension-request flow pauses for ops in the Prefect UI, then
the answer goes through the extension path and the unit is mailed."""

import threading
import time
from datetime import date, datetime

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import select

from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


@pytest.mark.parametrize("approve", [True, False])
def test_ops_answer_a_units_request_in_the_ui(prefect_harness, sqlite_settings, monkeypatch, approve):
    from prefect.flow_runs import resume_flow_run

    from flows.extension_request import extension_request
    from schemas.tables import ExtensionRequest, Obligation, Unit
    from tasks.app.open import open_app
    from tasks.ops.extensions import request_extension
    from tests.flows.test_supervision_briefing import _paused_run_id

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    monkeypatch.setenv("DUBAN_PORTAL_SECRET", "s" * 40)
    app = open_app()
    with app.store.session(write=True) as s:
        unit = s.scalar(select(Unit).where(Unit.name == "盱眙县"))
        ob = s.scalar(select(Obligation).where(Obligation.unit_id == unit.id, Obligation.code == "O7"))
        req = request_extension(
            s,
            app.campaign,
            unit_id=unit.id,
            obligation_id=ob.id,
            new_due=date(2010, 7, 30),
            reason="县领导出差",
            name="赵六",
            phone="0517-88000000",
            now=datetime(2010, 7, 10, 9),
        )
        rid = req.id
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(
            extension_request(rid, poll_seconds=1, timeout_seconds=60, at=datetime(2010, 7, 12, 9))
        )
    )
    try:
        t.start()
        run_id = _paused_run_id(f"extension-request-{rid}", time.time() + 90)
        assert "县领导出差" in Artifact.get(f"extension-request-{rid}").data
        answer = (
            {"approve": True, "new_due": "2010-07-28", "decided_by": "综合协调组"}
            if approve
            else {"approve": False, "reason": "全市统一时间，不予延期", "decided_by": "综合协调组"}
        )
        resume_flow_run(run_id, run_input=answer)
        t.join(90)
    finally:
        ctl.stop()
    assert result and result[0]["status"] == ("granted" if approve else "refused")
    with app.store.session() as s:
        r = s.get(ExtensionRequest, rid)
        assert r.status == result[0]["status"] and r.decided_by == "综合协调组"
        assert (r.obligation.extended_due == date(2010, 7, 28)) if approve else r.obligation.extended_due is None
    subjects = [str(m["Subject"]) for m in rec.received]
    assert subjects and any(("已批准" if approve else "未批准") in x for x in subjects)
    app.store.dispose()


def test_a_request_nobody_answers_expires_and_the_unit_may_ask_again(prefect_harness, sqlite_settings, monkeypatch):
    from flows.extension_request import extension_request
    from schemas.tables import ExtensionRequest, Obligation, Unit
    from tasks.app.open import open_app
    from tasks.ops.extensions import request_extension

    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    app = open_app()
    with app.store.session(write=True) as s:
        unit = s.scalar(select(Unit).where(Unit.name == "盱眙县"))
        ob = s.scalar(select(Obligation).where(Obligation.unit_id == unit.id, Obligation.code == "O7"))
        rid = request_extension(
            s,
            app.campaign,
            unit_id=unit.id,
            obligation_id=ob.id,
            new_due=date(2010, 7, 30),
            reason="出差",
            name="赵六",
            phone="1",
            now=datetime(2010, 7, 10, 9),
        ).id
    assert extension_request(rid, timeout_seconds=2, poll_seconds=1)["status"] == "expired"
    with app.store.session(write=True) as s:
        assert s.get(ExtensionRequest, rid).status == "expired"
        request_extension(
            s,
            app.campaign,
            unit_id=unit.id,
            obligation_id=ob.id,
            new_due=date(2010, 7, 30),
            reason="出差",
            name="赵六",
            phone="1",
            now=datetime(2010, 7, 11, 9),
        )  # may ask again
    app.store.dispose()


def test_an_answer_the_extension_path_refuses_is_said_and_asked_again(prefect_harness, sqlite_settings, monkeypatch):
    """Ops approve with a date before the current due date: the flow says why in the UI and waits
    for a new answer, instead of failing with the request stuck pending (the unit could never ask again)."""
    from prefect.flow_runs import resume_flow_run

    from flows.extension_request import extension_request
    from schemas.tables import ExtensionRequest, Obligation, Unit
    from tasks.app.open import open_app
    from tasks.ops.extensions import request_extension
    from tests.flows.test_supervision_briefing import _paused_run_id

    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", "1")
    monkeypatch.setenv("DUBAN_SMTP_CONNECT_TIMEOUT", "0.2")
    monkeypatch.setenv("DUBAN_PORTAL_SECRET", "s" * 40)
    app = open_app()
    with app.store.session(write=True) as s:
        unit = s.scalar(select(Unit).where(Unit.name == "盱眙县"))
        ob = s.scalar(select(Obligation).where(Obligation.unit_id == unit.id, Obligation.code == "O7"))
        due = ob.effective_due
        rid = request_extension(
            s,
            app.campaign,
            unit_id=unit.id,
            obligation_id=ob.id,
            new_due=date(2010, 7, 30),
            reason="出差",
            name="赵六",
            phone="1",
            now=datetime(2010, 7, 10, 9),
        ).id
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(
            extension_request(rid, poll_seconds=1, timeout_seconds=90, at=datetime(2010, 7, 12, 9))
        )
    )
    t.start()
    try:
        run_id = _paused_run_id(f"extension-request-{rid}", time.time() + 90)
        resume_flow_run(run_id, run_input={"approve": True, "new_due": "2010-06-01", "decided_by": "综合协调组"})
        deadline = time.time() + 60
        while "上次答复未生效" not in Artifact.get(f"extension-request-{rid}").data:
            assert time.time() < deadline, "the refused answer was never said"
            time.sleep(0.5)
        assert f"应晚于现在的截止日期 {due}" in Artifact.get(f"extension-request-{rid}").data
        run_id = _paused_run_id(f"extension-request-{rid}", time.time() + 60)  # asked again
        resume_flow_run(run_id, run_input={"approve": True, "new_due": "2010-07-28", "decided_by": "综合协调组"})
    finally:
        t.join(90)
    assert result and result[0]["status"] == "granted"
    with app.store.session() as s:
        assert s.get(ExtensionRequest, rid).granted_due == date(2010, 7, 28)
    app.store.dispose()
