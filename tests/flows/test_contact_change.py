"""The contact-change flow under the Prefect harness: it pauses with old vs new, ops answer, both sides hear."""

import threading
import time
from datetime import datetime

import pytest
from prefect.artifacts import Artifact
from prefect.flow_runs import resume_flow_run

from tasks.intake.service import submit_file
from tests.flows.test_supervision_briefing import _paused_run_id
from tests.tasks.intake.files import messy_workbook, write
from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]
NEW = [
    ["赵局长", "科技局局长", "组长", "", "13805170201", "zhao@example.cn", ""],
    ["钱科长", "科技局科长", "联络员", "", "13805170202", "qian@example.cn", ""],
]


def test_a_held_change_waits_for_ops_in_the_ui_and_both_sides_hear_the_outcome(
    prefect_harness, sqlite_settings, monkeypatch, tmp_path
):
    from flows.contact_change import contact_change
    from tasks.app.open import open_app
    from tasks.contacts.changes import current_list

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    app = open_app("huaian-2010", settings=sqlite_settings)
    r = submit_file(
        app,
        write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", NEW)),
        received_at=datetime(2010, 6, 25, 10),
    )
    assert r.contact_change
    result: list = []
    t = threading.Thread(
        target=lambda: result.append(contact_change(r.contact_change, poll_seconds=1, timeout_seconds=120))
    )
    try:
        t.start()
        run_id = _paused_run_id(f"contact-change-{r.contact_change}", time.time() + 90)
        md = Artifact.get(f"contact-change-{r.contact_change}").data
        assert "qinghe.liaison@example.cn" in md and "qian@example.cn" in md  # old and new side by side
        resume_flow_run(run_id, run_input={"decision": "approve", "decided_by": "综合协调组", "comment": "电话核实"})
        t.join(90)
    finally:
        ctl.stop()
    assert result and result[0]["status"] == "approved"
    with app.store.session() as s:
        unit_id = s.get(__import__("schemas.tables", fromlist=["Submission"]).Submission, r.submission_id).unit_id
        assert {c.email for c in current_list(s, "huaian-2010", unit_id)} == {"zhao@example.cn", "qian@example.cn"}
    outcome = {m["X-Envelope-To"] for m in rec.received if "已生效" in m["Subject"]}
    assert outcome == {"qinghe.liaison@example.cn", "qinghe.head@example.cn", "zhao@example.cn", "qian@example.cn"}
    assert contact_change(r.contact_change)["status"] == "approved"  # a second run changes nothing
