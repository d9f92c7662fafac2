from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from schemas.tables import AuditLog, Obligation, Unit
from tasks.calendar.status import status_rows
from tasks.calendar.sync import sync_campaign

pytestmark = [pytest.mark.integration]


def test_fresh_store_has_every_unit_and_obligation(app):
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 15
        assert s.scalar(select(func.count()).select_from(Obligation)) == 159


def test_sync_is_idempotent(app):
    with app.store.session(write=True) as s:
        assert sync_campaign(s, app.campaign, now=datetime(2010, 6, 2)) == 0


def test_status_on_fresh_store_is_all_pending(app):
    with app.store.session() as s:
        rows = status_rows(s, app.campaign, date(2010, 6, 1))
    assert len(rows) == 159
    assert {r.state.value for r in rows} == {"pending"}
    assert all(r.days_late == 0 for r in rows)


def test_audit_log_is_append_only(app):
    with app.store.session(write=True) as s:
        s.add(AuditLog(at=datetime(2010, 6, 1), actor="t", action="x", subject="", detail={}))
    with pytest.raises(Exception, match="append-only"), app.store.session(write=True) as s:
        s.execute(text("UPDATE audit_log SET actor = 'evil'"))
    with pytest.raises(Exception, match="append-only"), app.store.session(write=True) as s:
        s.execute(text("DELETE FROM audit_log"))
