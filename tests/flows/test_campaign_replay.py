"""A short replay of 2010 through the real flows: files arrive, are judged and answered,
an extension is granted, sweeps remind and escalate, a briefing goes out."""

from datetime import date

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import func, select

from schemas.outbox import Notification
from schemas.tables import AuditLog, ContactChange, Submission
from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration, pytest.mark.slow]


def test_replay_july(prefect_harness, sqlite_settings, monkeypatch):
    from flows.campaign_replay import campaign_replay
    from tasks.app.open import open_app

    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    try:
        out = campaign_replay(start=date(2010, 6, 20), end=date(2010, 7, 24))
    finally:
        ctl.stop()
    assert out["days"] == 35 and len(out["briefings"]) == 2  # 第1期 on 07-23, and the closing one
    app = open_app("huaian-2010", settings=sqlite_settings)
    with app.store.session() as s:
        statuses = dict(s.execute(select(Submission.status, func.count()).group_by(Submission.status)).tuples().all())
        kinds = dict(s.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).tuples().all())
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "extension.grant")) == 1
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.status != "sent")) == 0
    assert statuses["accepted"] > 40 and statuses["rejected"] > 3
    with app.store.session() as s:  # 洪泽县's new liaison (06-24) was held, then approved by ops the next day
        [change] = s.scalars(select(ContactChange).where(ContactChange.status != "applied")).all()
        assert (change.unit.name, change.status, change.decided_at.date()) == ("洪泽县", "approved", date(2010, 6, 25))
    assert Artifact.get(f"contact-change-{change.id}") is not None
    assert kinds["receipt"] > 40 and kinds["digest"] > 20 and kinds["briefing"] > 0
    assert len(rec.received) == sum(kinds.values())
    assert "督查简报（第1期）" in Artifact.get("supervision-briefing").data
    with app.store.session() as s:  # the demo's extension notice carries the unit's page, as every notice does (26.8)
        notices = s.scalars(select(Notification).where(Notification.kind == "extension")).all()
    assert notices and all("/u/" in n.text for n in notices), [n.text for n in notices]
