"""A campaign with a tracked 整改台账, written only in YAML (tests/data/campaigns/ledger.yaml), end
to end (issue 27.9): ledger files → matters; an ops assignment → the unit told; each matter's
own ladder (reminders before, escalations after, on working days, in the day's one digest);
签收 and 申请办结 on the unit's page; the office's approval; the next ledger asking to close one
and dropping another; the briefing counting them, and a `matters:` indicator. SQLite and
PostgreSQL; the in-memory mail transport; the page through Starlette's test client."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from config.settings import Settings
from flows.portal.app import create_app
from schemas.loading import check_campaign
from schemas.matters import Matter, MatterState
from schemas.outbox import NotificationItem
from schemas.verdicts import SubmissionStatus
from tasks.app.open import open_app
from tasks.briefing.job import compile_briefing
from tasks.intake.service import submit_bytes
from tasks.matters import Assignment, decide_closure, hand_out, matter_rows
from tasks.reminders.job import sweep_day
from tests import TEST_DATA
from tests.fakes.clock import FixedClock
from tests.fakes.mail import FakeMailServer
from tests.filled import filled_template
from tests.flows.portal.conftest import client_for, csrf

pytestmark = [pytest.mark.integration]
LEDGER, _ = check_campaign(TEST_DATA / "campaigns" / "ledger.yaml")
PARK, PLAN = "工业园区管委会", "局计划股"
PARK_LIAISON, PARK_HEAD, PLAN_LIAISON, GROUP = (
    "park@county.example.cn",
    "chen@county.example.cn",
    "plan@county.example.cn",
    "zhenggai@county.example.cn",
)
MARCH = [  # received 2014-04-03: three problems of the park, each a matter
    ["科技项目资金拨付滞后", "建立项目资金拨付台账", "刘园", "2014-06-15", "整改中", None],
    ["入园企业研发投入统计不全", "补报2013年研发投入数据", "陈主任", "2014-04-30", "整改中", None],
    ["园区孵化器管理制度不健全", "修订孵化器入驻与退出办法", "刘园", "2014-05-06", "未整改", None],
]
APRIL = [
    MARCH[0],
    ["入园企业研发投入统计不全", "补报2013年研发投入数据", "陈主任", "2014-04-30", "已完成", "2014-04-28"],
]
TITLE = "补齐2013年度科技项目验收资料"


@pytest.fixture
def ledger(tmp_path, db_url):  # type: ignore[no-untyped-def]
    settings = Settings(
        home=tmp_path / "var",
        database_url=db_url,
        portal_secret="k" * 40,
        portal_url="http://testserver",  # type: ignore[call-arg]
        _env_file=None,
    )
    clock = FixedClock(datetime(2014, 4, 3, 9))
    app = open_app(campaign=LEDGER, settings=settings, clock=clock)
    yield app, clock
    app.store.dispose()


def _ledger(app, rows, at: datetime, month: int):  # type: ignore[no-untyped-def]
    data = filled_template(LEDGER, "rectify-ledger", rows, PARK)
    r = submit_bytes(app, data, f"{PARK}2014年{month}月整改台账.xlsx", received_at=at)
    assert r.status == SubmissionStatus.ACCEPTED, r.verdict.issues
    return r


def _sweep(app, mail: FakeMailServer, first: date, last: date) -> dict[date, list[tuple[str, list[str]]]]:  # type: ignore[no-untyped-def]
    """Every day's sweep from `first` to `last`: (subject, recipients) of what each day sent."""
    out = {}
    day = first
    while day <= last:
        before = len(mail.sent)
        sweep_day(app, day, confirmed_by="测试", transport=mail.connect)
        out[day] = [(m.message["Subject"], m.recipients) for m in mail.sent[before:]]
        day += timedelta(days=1)
    return out


def _page_post(web, app, clock, at: datetime, mid: int, do: str, **data):  # type: ignore[no-untyped-def]
    clock.at = at
    c = client_for(web, app, PLAN)
    token = csrf(c.get("/me").text)
    r = c.post(f"/me/matters/{mid}/{do}", data={"csrf": token, "name": "邱计", **data})
    assert r.status_code == 200, r.text
    return r.text


def test_ledger_and_assigned_matters_followed_to_closure(ledger):
    app, clock = ledger
    cal, mail = app.campaign.work_calendar, FakeMailServer()
    _ledger(app, MARCH, datetime(2014, 4, 3, 10), 3)
    handed = hand_out(
        app,
        Assignment([PLAN], TITLE, date(2014, 4, 25), "局党组", "逐项补齐", "局党组交办"),
        now=datetime(2014, 4, 3, 11),
    )
    [(plan_id, _)] = handed.matters
    with app.store.session() as s:
        by_title = {m.title: m.id for m in s.query(Matter)}
    web = create_app(app)
    assert "已签收" in _page_post(web, app, clock, datetime(2014, 4, 8, 9), plan_id, "sign")

    sent = _sweep(app, mail, date(2014, 4, 4), date(2014, 4, 23))
    reminder = cal.shift(date(2014, 4, 25), -3)
    assert [(s, r) for s, r in sent[reminder] if r == [PLAN_LIAISON]], sent[reminder]
    assert not any(sent[d] for d in sent if not cal.is_workday(d))  # weekends: nothing

    page = _page_post(web, app, clock, datetime(2014, 4, 23, 15), plan_id, "close", text="验收资料已补齐")
    assert "办结申请" in page
    with app.store.session(write=True) as s:
        c = decide_closure(
            s,
            app.campaign,
            plan_id,
            approve=True,
            reason="",
            by="局办公室",
            now=datetime(2014, 4, 24, 9),
            settings=app.settings,
        )
    assert c.state is MatterState.CLOSED and c.queued == 2  # the unit's liaison and head are told

    sent = _sweep(app, mail, date(2014, 4, 24), date(2014, 5, 9))
    rd = by_title["入园企业研发投入统计不全"]
    first_escalation = cal.shift(date(2014, 4, 30), 1)
    to_park = [r for s, r in sent[first_escalation] if PARK_LIAISON in r or PARK_HEAD in r]
    assert to_park, sent[first_escalation]
    assert any(GROUP in r for s, r in sent[cal.shift(date(2014, 4, 30), 2)])  # matters.group, on the second
    with app.store.session() as s:  # closed: its ladder stopped (the unit's own ledger is still reminded)
        steps = s.scalars(select(NotificationItem.step_date).where(NotificationItem.matter_id == plan_id)).all()
    assert steps and max(steps) < date(2014, 4, 24)

    _ledger(app, APRIL, datetime(2014, 5, 5, 10), 4)
    with app.store.session(write=True) as s:
        assert s.get(Matter, rd).state == MatterState.CLOSING  # the ledger says 已完成 on 04-28
        assert s.get(Matter, by_title["园区孵化器管理制度不健全"]).missing_since is not None
        decide_closure(
            s,
            app.campaign,
            rd,
            approve=True,
            reason="",
            by="局办公室",
            now=datetime(2014, 5, 6, 9),
            settings=app.settings,
        )
    with app.store.session() as s:
        rows = {r.title: r for r in matter_rows(s, app.campaign, date(2014, 5, 9))}
    assert rows["入园企业研发投入统计不全"].standing.on_time  # done by its deadline, closed later
    assert rows["园区孵化器管理制度不健全"].standing.label == "逾期3天"

    c = compile_briefing(app, date(2014, 5, 9), out=app.settings.home / "b1")
    m = c.data.matters.all
    assert (m.total, m.due, m.closed, m.closed_on_time, m.overdue) == (4, 3, 2, 2, 1)
    html = (c.folder / "briefing.html").read_text()
    assert "督办事项办理情况" in html and "园区孵化器管理制度不健全" in html
    assert "逾期未销号的督办事项" in html
