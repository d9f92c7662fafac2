"""The campaign calendar as scheduled checkpoint runs, against an in-memory Prefect API: one
run per future checkpoint, made once, moved when a checkpoint moves, past runs left alone; and
a replay's day of checkpoints completed with their reports. The store is a real SQLite one."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tasks.app.open import open_app
from tasks.calendar import plan, report, status_rows
from tasks.ops import grant_extension
from tasks.prefect_api import complete_day, sync_calendar
from tasks.prefect_api.api import DEPLOYMENT, TAG
from tests.fakes.prefect import CANCELLED, COMPLETED, SCHEDULED, FakePrefect

pytestmark = [pytest.mark.integration]

SH = ZoneInfo("Asia/Shanghai")
JUNE = datetime(2010, 6, 1, tzinfo=SH)
MINE = "campaign:huaian-2010"


@pytest.fixture
def app(sqlite_settings):  # type: ignore[no-untyped-def]
    a = open_app("huaian-2010", settings=sqlite_settings)
    yield a
    a.store.dispose()


@pytest.fixture
def fake() -> FakePrefect:
    f = FakePrefect()
    f.add_deployment(DEPLOYMENT)
    return f


def checkpoints(app, after: datetime, until: datetime | None = None):  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return [c for c in plan(s, app.campaign) if c.at > after and (until is None or c.at <= until)]


def test_a_fresh_sync_schedules_each_future_checkpoint_once(app, fake):
    future = checkpoints(app, JUNE)
    assert sync_calendar(app, now=JUNE, api=fake) == {"created": len(future), "removed": 0, "kept": 0}
    runs = {r.key: r for r in fake.scheduled()}
    assert set(runs) == {c.key for c in future}
    for c in future:
        r = runs[c.key]
        assert (r.name, r.at, r.tags) == (c.name, c.at, [TAG, MINE])
        assert r.parameters == {**c.parameters, "campaign": "huaian-2010"}
    assert sync_calendar(app, now=JUNE, api=fake) == {"created": 0, "removed": 0, "kept": len(future)}
    assert len(fake.runs) == len(future)


def test_only_checkpoints_after_now_and_up_to_until(app, fake):
    now, until = datetime(2010, 7, 1, tzinfo=SH), datetime(2010, 8, 1, tzinfo=SH)
    some = checkpoints(app, now, until)
    assert 0 < len(some) < len(checkpoints(app, now))
    assert sync_calendar(app, now=now, until=until, api=fake)["created"] == len(some)
    assert all(now < r.at <= until for r in fake.scheduled())
    naive = datetime(2010, 7, 1)  # the store's times: naive campaign time
    assert sync_calendar(app, now=naive, until=until, api=fake) == {"created": 0, "removed": 0, "kept": len(some)}


def extend(app, to: date) -> None:  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        grant_extension(
            s,
            app.campaign,
            unit="清浦区",
            obligation="O7",
            period=None,
            new_due=to,
            reason="与高校再次会商",
            granted_by="专题活动组",
            now=datetime(2010, 6, 2, 17),
            mail_from=app.settings.mail_from,
        )


def test_an_extension_moves_the_units_checkpoints(app, fake):
    total = len(checkpoints(app, JUNE))
    sync_calendar(app, now=JUNE, api=fake)
    extend(app, date(2010, 7, 27))
    assert sync_calendar(app, now=JUNE, api=fake) == {"created": 5, "removed": 0, "kept": total}
    assert "专题活动方案 截止 07-27（延期：清浦区） · 截止" in {r.name for r in fake.scheduled()}
    extend(app, date(2010, 8, 3))  # a second extension: the first one's runs go, new ones come
    assert sync_calendar(app, now=JUNE, api=fake) == {"created": 5, "removed": 5, "kept": total}
    names = {r.name for r in fake.scheduled()}
    assert not any("07-27（延期" in n for n in names) and any("08-03（延期" in n for n in names)


def test_stale_runs_go_but_only_future_ones_of_this_campaign(app, fake):
    now = datetime(2010, 7, 1, tzinfo=SH)
    past = fake.add_run(DEPLOYMENT, at=datetime(2010, 6, 20, 9, 30, tzinfo=SH), key="old", tags=[TAG, MINE])
    moved = fake.add_run(DEPLOYMENT, at=datetime(2010, 7, 9, 9, 30, tzinfo=SH), key="moved", tags=[TAG, MINE])
    other = fake.add_run(DEPLOYMENT, at=datetime(2010, 7, 9, 9, 30, tzinfo=SH), key="x", tags=["campaign:other"])
    r = sync_calendar(app, now=now, api=fake)
    assert r == {"created": len(checkpoints(app, now)), "removed": 1, "kept": 0}
    assert past.id in fake.runs and other.id in fake.runs and moved.id not in fake.runs


def test_a_run_ops_cancelled_is_not_made_again(app, fake):
    future = checkpoints(app, JUNE)
    gone = fake.add_run(DEPLOYMENT, at=future[3].at, key=future[3].key, tags=[TAG, MINE], state=CANCELLED)
    assert sync_calendar(app, now=JUNE, api=fake) == {"created": len(future) - 1, "removed": 0, "kept": 1}
    assert fake.runs[gone.id].state == CANCELLED and len(fake.runs) == len(future)


def test_without_the_deployment(app):
    empty = FakePrefect()
    assert sync_calendar(app, now=JUNE, api=empty) == {"created": 0, "removed": 0, "kept": 0, "missing_deployment": 1}
    assert complete_day(app, date(2010, 7, 5), api=empty) == 0
    assert empty.runs == {}


def test_a_replayed_day_completes_its_runs_with_their_reports(app, fake):
    day = date(2010, 7, 5)  # a reminder at 09:30 and a due day at 18:00
    sync_calendar(app, now=JUNE, api=fake)
    of_day = [r for r in fake.scheduled() if r.at.date() == day]
    morning = [r for r in of_day if r.at.time() <= time(12)]
    assert 0 < len(morning) < len(of_day)

    assert complete_day(app, day, until=time(12), api=fake) == len(morning)
    with app.store.session() as s:
        status = status_rows(s, app.campaign, day)
    for r in morning:
        p = r.parameters
        summary, _ = report(
            app.campaign,
            app.store,
            p["obligation"],
            p["period"],
            day,
            p["units"] or None,
            date.fromisoformat(p["due"]),
            status,
        )
        assert (r.state, r.message) == (COMPLETED, summary)
    assert {r.state for r in of_day if r not in morning} == {SCHEDULED}

    assert complete_day(app, day, api=fake) == len(of_day) - len(morning)
    assert {r.state for r in of_day} == {COMPLETED}
    assert all(r.at.date() != day for r in fake.scheduled())
    assert complete_day(app, day, api=fake) == 0
