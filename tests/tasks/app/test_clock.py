"""The clock is a seam (`tasks.calendar.Clock`): production reads the system clock in the campaign's
zone, a test hands the App a fixed one and everything that asks the App for "now" follows it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from config.settings import Settings
from schemas.tables import AuditLog
from tasks.app import open_app
from tasks.calendar import SystemClock
from tests.fakes.clock import FixedClock


@pytest.mark.unit
def test_the_system_clock_reads_the_campaign_zone():
    shanghai, utc = SystemClock("Asia/Shanghai").now(), SystemClock("UTC").now()
    assert shanghai.tzinfo is None and abs((shanghai - utc) - timedelta(hours=8)) < timedelta(minutes=1)


@pytest.mark.integration
def test_the_app_keeps_the_time_its_clock_gives(tmp_path):
    clock = FixedClock(datetime(2010, 6, 2, 8, 30))
    app = open_app("huaian-2010", settings=Settings(home=tmp_path / "var", _env_file=None), clock=clock)  # type: ignore[call-arg]
    try:
        assert app.now() == datetime(2010, 6, 2, 8, 30)
        with app.store.session() as s:
            assert s.scalar(select(AuditLog.at).where(AuditLog.action == "campaign.sync")) == clock.at
        clock.at += timedelta(days=3)
        assert app.now() == datetime(2010, 6, 5, 8, 30)
    finally:
        app.store.dispose()
