"""The flows ops run by hand from the UI: resend-mail, grant-extension, final-evaluation."""

from datetime import date, datetime

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import select

from schemas.outbox import Notification
from schemas.tables import AuditLog, Obligation, Unit
from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


@pytest.fixture
def served(prefect_harness, sqlite_settings, monkeypatch):  # type: ignore[no-untyped-def]
    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    monkeypatch.setenv("DUBAN_SMTP_CONCURRENCY", "1")
    from tasks.app.open import open_app

    yield open_app("huaian-2010", settings=sqlite_settings.model_copy(update={"smtp_port": port})), rec
    ctl.stop()


def test_resend_mail_sends_a_failed_mail_again_with_its_message_id(served):
    from flows.resend_mail import resend_mail
    from tasks.reminders.job import sweep_day

    app, rec = served
    rec.faults = ["550"]
    sweep_day(app, date(2010, 6, 23))
    with app.store.session() as s:
        failed = s.scalars(select(Notification).where(Notification.status == "failed")).one()
    out = resend_mail(requested_by="综合协调组", ids=[failed.id])
    assert out == {"requeued": [failed.id], "sent": 1, "failed": 0, "skipped": {}}
    assert [m["Message-ID"] for m in rec.received].count(failed.message_id) == 1
    with app.store.session() as s:
        assert s.scalar(select(AuditLog.actor).where(AuditLog.action == "mail.resend")) == "综合协调组"


def test_grant_extension_moves_the_due_date_and_is_audited(served):
    from flows.grant_extension import grant_extension

    app, _ = served
    out = grant_extension(
        unit="清浦区", obligation="O7", new_due=date(2010, 7, 28), reason="需与高校再次会商", granted_by="专题活动组"
    )
    assert out == {
        "unit": "清浦区",
        "obligation": "O7",
        "period": "2010",
        "granted": True,
        "new_due": "2010-07-28",
        "notified": 2,
    }  # the unit's liaison and head hear it
    with app.store.session() as s:
        ob = s.scalars(select(Obligation).join(Unit).where(Unit.name == "清浦区", Obligation.code == "O7")).one()
        assert ob.extended_due == date(2010, 7, 28)
        assert (
            s.scalar(select(AuditLog.detail).where(AuditLog.action == "extension.grant"))["reason"]
            == "需与高校再次会商"
        )
    from tasks.ops.extensions import OpsError

    with pytest.raises(OpsError, match="应晚于"):
        grant_extension(
            unit="清浦区", obligation="O7", new_due=date(2010, 7, 20), reason="再延", granted_by="专题活动组"
        )


def test_final_evaluation_ranks_within_each_kind_and_reaches_leaders(served):
    import threading
    import time

    from prefect.flow_runs import resume_flow_run

    from flows.final_evaluation import final_evaluation
    from tasks.intake.service import submit_bytes
    from tests.flows.test_supervision_briefing import _paused_run_id
    from tests.tasks.intake.files import messy_workbook, need_row

    app, rec = served
    submit_bytes(
        app,
        messy_workbook("tech-needs", [need_row(1), need_row(2)], unit="淮阴区"),
        "附表3_淮阴区_第1批.xlsx",
        received_at=datetime(2010, 7, 2, 10),
    )
    result: list = []
    t = threading.Thread(target=lambda: result.append(final_evaluation(as_of=date(2010, 9, 30))))
    t.start()
    run_id = _paused_run_id("final-2010-09-30", time.time() + 90)
    md = Artifact.get("final-evaluation").data
    assert "## 排名：县区" in md and "## 排名：驻淮高校院所" in md  # each kind ranked on its own
    resume_flow_run(run_id, run_input={"decision": "approve", "approved_by": "综合协调组", "comment": ""})
    t.join(90)
    assert result and result[0]["status"] == "sent" and result[0]["queued"] == 13
    assert sum("总结评比通报" in str(m["Subject"]) for m in rec.received) == 13
