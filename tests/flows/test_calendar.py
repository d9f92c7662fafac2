"""The campaign calendar in the Prefect UI: a scheduled run per due date and ladder step, named
after what it checks, created once, and moved when an extension moves a unit's date."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tasks.calendar.checkpoints import plan

pytestmark = [pytest.mark.integration]

SH = ZoneInfo("Asia/Shanghai")


def test_the_september_deadline_has_its_ladder_and_due_day(app):
    with app.store.session() as s:
        everything = plan(s, app.campaign)
    cps = [c for c in everything if c.obligation == "O4" and c.period == "2010-09"]
    assert [(c.at.date(), c.step) for c in cps] == [
        (date(2010, 9, 14), "催报1"),
        (date(2010, 9, 19), "催报2"),  # 09-19: a make-up Sunday
        (date(2010, 9, 20), "截止"),
        (date(2010, 9, 21), "督办1"),
        (date(2010, 9, 26), "督办2"),
    ]
    assert cps[0].name == "附表5 对接洽谈及签约项目动态 2010年9月 截止 09-20 · 催报1"
    assert cps[0].at == datetime(2010, 9, 14, 9, 30, tzinfo=SH) and cps[2].at.time() == time(18)
    assert len({c.key for c in everything}) == len(everything)


@pytest.mark.prefect
@pytest.mark.integration
def test_checkpoint_runs_follow_the_campaign_and_its_extensions(prefect_harness, sqlite_settings, monkeypatch):
    from prefect.client.orchestration import get_client

    from flows.checkpoint import campaign_checkpoint
    from tasks.app.open import open_app
    from tasks.prefect_api.api import DEPLOYMENT, campaign_tag, complete_day, sync_calendar
    from tasks.prefect_api.api import register_deployment as register
    from tasks.prefect_api.client import read_scheduled
    from tests.tasks.prefect_api.test_calendar_sync import extend

    app = open_app("huaian-2010", settings=sqlite_settings)
    june = datetime(2010, 6, 1, tzinfo=SH)
    with app.store.session() as s:
        total = len(plan(s, app.campaign))
    register(campaign_checkpoint)
    try:
        assert sync_calendar(app, now=june) == {"created": total, "removed": 0, "kept": 0}
        assert sync_calendar(app, now=june) == {"created": 0, "removed": 0, "kept": total}  # never twice

        def runs():  # type: ignore[no-untyped-def]
            with get_client(sync_client=True) as client:
                dep = client.read_deployment_by_name(DEPLOYMENT)
                return read_scheduled(client, dep.id, campaign_tag(app.campaign.id))

        first = runs()
        assert len(first) == total and all(r.state.is_scheduled() for r in first)
        o7 = sorted((r for r in first if r.parameters["obligation"] == "O7"), key=lambda r: r.expected_start_time)
        assert o7[0].name.startswith("专题活动方案 截止") and o7[0].name.endswith("· 催报1")

        extend(app, date(2010, 7, 27))
        moved = sync_calendar(app, now=june)
        assert moved == {"created": 5, "removed": 0, "kept": total}  # the unit's own ladder and due day
        names = {r.name for r in runs()}
        assert "专题活动方案 截止 07-27（延期：清浦区） · 截止" in names
        extend(app, date(2010, 8, 3))  # a second extension: the first one's runs go, new ones come
        assert sync_calendar(app, now=june) == {"created": 5, "removed": 5, "kept": total}
        assert not any("07-27（延期" in r.name for r in runs())

        day = o7[0].expected_start_time.astimezone(SH).date()
        done = complete_day(app, day)  # what a replay does with a day's checkpoints
        assert done >= 1 and len(runs()) == total + 5 - done

        # what a worker runs when a checkpoint's time comes: the obligation unit by unit
        monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
        p = o7[-1].parameters  # 督办2 of the usual date: every unit but the extended one
        out = campaign_checkpoint(
            p["obligation"], p["period"], p["step"], date.fromisoformat(p["as_of"]), date.fromisoformat(p["due"])
        )
        owners = app.campaign.owners_of(app.campaign.obligation("O7"))
        assert out["units"] == len(owners) - 1 and "逾期" in out["summary"], out
    finally:
        with get_client(sync_client=True) as client:  # leave the session's harness as it was
            dep = client.read_deployment_by_name(DEPLOYMENT)
            for r in read_scheduled(client, dep.id, campaign_tag(app.campaign.id)):
                client.delete_flow_run(r.id)
            client.delete_deployment(dep.id)
