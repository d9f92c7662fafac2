"""The briefing flow under the Prefect harness: artifacts for ops, a pause for approval, delivery."""

import threading
import time
from datetime import date

import pytest
from prefect.artifacts import Artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.flow_runs import resume_flow_run

from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


def _paused_run_id(name: str, deadline: float):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        while time.time() < deadline:  # the flow runs in another thread: wait for it to pause
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
            paused = [r for r in runs if r.state and r.state.is_paused()]  # an earlier test's run may share the name
            if paused:
                return paused[0].id
            time.sleep(0.5)
    raise AssertionError("the briefing never paused for approval")


def test_briefing_waits_for_ops_approval_then_goes_to_leaders(prefect_harness, sqlite_settings, monkeypatch):
    from flows.supervision_briefing import supervision_briefing

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(supervision_briefing(as_of=date(2010, 7, 23), approval_poll_seconds=1))
    )
    try:
        t.start()
        run_id = _paused_run_id("briefing-2010-07-23", time.time() + 90)
        assert "督查简报（第1期）" in Artifact.get("supervision-briefing").data
        assert rec.received == []  # nothing goes out before approval
        resume_flow_run(run_id, run_input={"decision": "approve", "approved_by": "综合协调组", "comment": "同意"})
        t.join(90)
        assert result and result[0]["status"] == "sent" and result[0]["queued"] == 13
        assert len(rec.received) == 13
        assert Artifact.get("unit-status") is not None
    finally:
        ctl.stop()


def test_ops_supply_an_edited_docx_in_the_input_form(prefect_harness, sqlite_settings, monkeypatch, tmp_path):
    """The paused run offers the .docx; ops answer with the path of their edited copy: one outside the
    briefings folder is refused in Chinese and nothing is sent (the issue held); the edited .docx put in
    the issue's folder is what goes out."""
    from docx import Document

    from flows.supervision_briefing import supervision_briefing

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    day = date(2010, 8, 25)
    bad = tmp_path / "简报.docx"  # a real Word document, but anywhere on the server: not sent
    try:
        for answer, status in ((str(bad), "held"), (None, "sent")):
            result: list = []
            t = threading.Thread(
                target=lambda out=result: out.append(supervision_briefing(as_of=day, approval_poll_seconds=1))
            )
            t.start()
            run_id = _paused_run_id(f"briefing-{day}", time.time() + 90)
            [docx] = sorted(sqlite_settings.home.rglob("briefing.docx"))
            doc = Document(str(docx))
            doc.add_paragraph("领导批示：请抓紧。")
            doc.save(str(bad))
            if answer is None:  # in the issue's own folder
                answer = str(docx.parent / "修改稿.docx")
                doc.save(answer)
            resume_flow_run(
                run_id, run_input={"decision": "approve", "approved_by": "综合协调组", "edited_docx": answer}
            )
            t.join(90)
            assert result and result[0]["status"] == status
            if status == "held":
                assert "不在简报文件夹" in result[0]["refused"] and rec.received == []
        names = {p.get_filename() for m in rec.received for p in m.walk() if p.get_filename()}
        assert rec.received and all(n.endswith(".docx") for n in names)
    finally:
        ctl.stop()
