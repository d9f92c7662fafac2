"""Each matter (督办事项) runs its own ladder (issue 27.4): reminders before its deadline and
escalations after it, on Chinese working days only, never the same step twice; its steps travel
in the same daily digest as the reports'; asking to close stops it; an extension moves it.
SQLite and PostgreSQL (`app`'s store), the in-memory mail transport."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from schemas.matters import Matter, MatterAction, MatterEvent
from schemas.outbox import Notification, NotificationItem
from schemas.tables import AuditLog
from schemas.tracking import MattersPolicy
from tasks.app.open import open_app
from tasks.matters import Assignment, MatterRefused, act, assign, extend_matter
from tasks.outbox.digest_text import render_digest
from tasks.outbox.send import send_queued
from tasks.reminders.job import queue_day, sweep_day, too_many_escalations
from tasks.reminders.sweep import decide
from tests.fakes.mail import FakeMailServer

pytestmark = [pytest.mark.integration]

LIAISON, HEAD = "qinghe.liaison@example.cn", "qinghe.head@example.cn"
TITLE = "落实产学研合作洽谈场地"


@pytest.fixture
def mapp(settings):  # type: ignore[no-untyped-def]
    """The 2010 campaign with its matters on the campaign's own ladder and no group (as a campaign
    without `matters:` has them); ops never asked to confirm (the obligations' escalations are many)."""
    app = open_app("huaian-2010", settings=settings.model_copy(update={"max_escalations": 10_000}))
    app.campaign = app.campaign.model_copy(update={"matters": MattersPolicy()})
    yield app
    app.store.dispose()


def new_matter(app, due: date, unit: str = "清河区") -> int:  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        [m] = assign(s, app.campaign, Assignment([unit], TITLE, due, by="组委会办公室"), now=datetime(2010, 6, 1, 9))
        return m.id


def matter_steps(app, day: date, *, queue: bool = True, campaign=None) -> list:  # type: ignore[no-untyped-def]
    """The matters' decisions of `day` (queued, as the sweep does, unless `queue` is false)."""
    if queue and campaign is None:
        decisions = queue_day(app, day, datetime.combine(day, datetime.min.time()).replace(hour=9))[0]
    else:
        with app.store.session() as s:
            decisions = decide(s, campaign or app.campaign, day)
    return [d for d in decisions if d.is_matter]


def labels(ds) -> list[tuple[str, str, list[str]]]:  # type: ignore[no-untyped-def]
    return [(d.step.label, d.due.isoformat(), sorted(r.email for r in d.recipients)) for d in ds]


def test_reminders_before_escalations_after_on_working_days_never_twice(mapp):
    mid = new_matter(mapp, date(2010, 6, 30))  # steps: 6-23, 6-29 | 7-1, 7-5 (3-4 July: a weekend)
    seen = {}
    days = [date(2010, 6, d) for d in (22, 23, 24, 26, 29, 30)] + [date(2010, 7, d) for d in (1, 2, 3, 5, 6)]
    for day in days:
        seen[day] = labels(matter_steps(mapp, day))
    assert seen[date(2010, 6, 23)] == [("催报1", "2010-06-30", [LIAISON])]
    assert seen[date(2010, 6, 29)] == [("催报2", "2010-06-30", [LIAISON])]
    assert seen[date(2010, 7, 1)] == [("督办1", "2010-06-30", [HEAD, LIAISON])]
    assert seen[date(2010, 7, 5)] == [("督办2", "2010-06-30", [HEAD, LIAISON])]  # no group: matters.group unset
    assert sum(1 for v in seen.values() if v) == 4  # every other day, weekends included: nothing
    assert matter_steps(mapp, date(2010, 7, 5)) == []  # the same day again: never twice
    with mapp.store.session() as s:
        keys = s.scalars(select(NotificationItem.key).where(NotificationItem.matter_id == mid)).all()
        assert len(keys) == 6 and all(k.startswith(f"m{mid}:") for k in keys)
        assert s.scalar(select(NotificationItem.obligation_id).where(NotificationItem.matter_id == mid)) is None


def test_a_holiday_sends_nothing_and_a_working_saturday_does(mapp):
    """The Dragon Boat Festival of 2010: 14-16 June off, Saturday 12 June worked."""
    new_matter(mapp, date(2010, 6, 18))  # steps: 6-10, 6-17 | 6-21, 6-23
    assert matter_steps(mapp, date(2010, 6, 14), queue=False) == []
    assert labels(matter_steps(mapp, date(2010, 6, 12), queue=False)) == [("催报1", "2010-06-18", [LIAISON])]
    assert matter_steps(mapp, date(2010, 6, 19), queue=False) == []  # a Saturday off


def test_a_group_step_goes_to_the_group_matters_group_names(mapp):
    new_matter(mapp, date(2010, 6, 30))
    matters = mapp.campaign.matters.model_copy(update={"group": "coordination"})
    campaign = mapp.campaign.model_copy(update={"matters": matters})
    [d] = matter_steps(mapp, date(2010, 7, 5), campaign=campaign)
    assert sorted(r.email for r in d.recipients) == [HEAD, LIAISON, "zhxt@kjj.huaian.example.cn"]


def test_one_digest_a_person_carries_reports_and_matters(mapp):
    mid = new_matter(mapp, date(2010, 6, 30))
    server = FakeMailServer()
    r = sweep_day(mapp, date(2010, 6, 23), transport=server.connect)
    assert r.delivery.failed == 0
    [mail] = server.sent_to(LIAISON)
    subject, body = str(mail.message["Subject"]), mail.message.get_body(("plain",)).get_content()
    assert subject.startswith("【催报提醒】") and "项报送和督办事项于6月30日截止（还有5个工作日）" in subject
    assert f"督办事项：{TITLE}" in body and "附表" in body
    assert "申请办结" in body  # what a matter asks of the unit
    with mapp.store.session() as s:
        [n] = s.scalars(select(Notification).where(Notification.recipient_email == LIAISON)).all()
        kinds = {(i.matter_id is not None, i.obligation_id is not None) for i in n.items}
        assert kinds == {(True, False), (False, True)}
        assert any(i.matter_id == mid for i in n.items)


def test_asking_to_close_stops_the_ladder_and_a_queued_step_goes_stale(mapp):
    mid = new_matter(mapp, date(2010, 6, 30))
    assert len(matter_steps(mapp, date(2010, 6, 23))) == 1  # queued, not yet sent
    with mapp.store.session(write=True) as s:
        act(s, s.get(Matter, mid), MatterAction.REQUEST_CLOSE, actor="钱科长", at=datetime(2010, 6, 23, 8))
    server = FakeMailServer()
    send_queued(mapp, now=datetime(2010, 6, 23, 9, 5), transport=server.connect)
    [mail] = server.sent_to(LIAISON)  # rebuilt without the matter: the reports' reminder still goes
    assert TITLE not in mail.message.get_body(("plain",)).get_content()
    assert "督办事项" not in str(mail.message["Subject"])
    with mapp.store.session() as s:
        assert s.scalar(select(NotificationItem.stale).where(NotificationItem.matter_id == mid)) is True
    for day in (date(2010, 6, 29), date(2010, 7, 1), date(2010, 7, 5)):
        assert matter_steps(mapp, day) == []


def test_an_extension_moves_the_ladder_to_the_new_date(mapp):
    mid = new_matter(mapp, date(2010, 6, 30))
    assert len(matter_steps(mapp, date(2010, 6, 23))) == 1
    with mapp.store.session(write=True) as s:
        with pytest.raises(MatterRefused, match="应晚于"):
            extend_matter(s, mid, date(2010, 6, 28), "场地未定", "组委会办公室", datetime(2010, 6, 24, 10))
    with mapp.store.session(write=True) as s:
        extend_matter(s, mid, date(2010, 7, 9), "场地调整", "组委会办公室", datetime(2010, 6, 24, 10))
    for day in (date(2010, 6, 29), date(2010, 7, 1)):  # the old date's steps: gone
        assert matter_steps(mapp, day) == []
    assert labels(matter_steps(mapp, date(2010, 7, 2))) == [("催报1", "2010-07-09", [LIAISON])]  # the new ladder
    assert labels(matter_steps(mapp, date(2010, 7, 12))) == [("督办1", "2010-07-09", [HEAD, LIAISON])]
    with mapp.store.session() as s:
        ev = s.scalars(select(MatterEvent).where(MatterEvent.matter_id == mid).order_by(MatterEvent.id)).all()[-1]
        assert (ev.action, ev.text, ev.detail["new_due"]) == (MatterAction.EXTEND, "场地调整", "2010-07-09")
        assert s.scalar(select(AuditLog.subject).where(AuditLog.action == "matter.extend")) == str(mid)


def test_the_escalation_limit_counts_matters(mapp):
    new_matter(mapp, date(2010, 6, 30))
    with mapp.store.session() as s:
        ds = [d for d in decide(s, mapp.campaign, date(2010, 7, 1)) if d.is_matter]
    assert too_many_escalations(ds, 1) is not None and "1 项逾期督办事项" in too_many_escalations(ds, 1)
    assert too_many_escalations(ds, 2) is None


@pytest.mark.unit
def test_a_digest_of_matters_names_them_as_matters():
    from config.settings import CAMPAIGNS_DIR
    from schemas.loading import load_campaign

    campaign = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")
    item = dict(unit="清河区", name=f"督办事项：{TITLE}", period="", due="2010-06-30", phrase="", late=False)
    m = render_digest(campaign, "钱科长", [item | {"escalation": False, "level": 1, "matter": True}], date(2010, 6, 23))
    assert m.subject == "【催办提醒】1项督办事项于6月30日截止（还有5个工作日）"
    assert "以下 1 项督办事项于" in m.text and "报送任务" not in m.text and "｜｜" not in m.text
    late = item | {"late": True, "escalation": True, "level": 1, "matter": True}
    m = render_digest(campaign, "钱科长", [late], date(2010, 7, 1))
    assert m.subject == "【督办】1项督办事项已逾期（截止6月30日，已逾期1天）" and "请立即办理" in m.text


def test_duban_extend_moves_a_matter(sqlite_settings):
    """`duban extend --matter ID --to DATE`: the same path, from the command line; refusals in one line."""
    from click.testing import CliRunner

    from flows.cli import main

    app = open_app("huaian-2010", settings=sqlite_settings)
    mid = new_matter(app, date(2010, 6, 30))
    app.store.dispose()
    env = {"DUBAN_HOME": str(sqlite_settings.home), "DUBAN_DATABASE_URL": None}

    def duban(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    ok = duban("extend", "--matter", str(mid), "--to", "2010-07-09", "--reason", "场地调整", "--by", "组委会办公室")
    assert ok.exit_code == 0 and f"清河区“{TITLE}”截止日期改为 2010-07-09" in ok.stdout
    missing = duban("extend", "--matter", "999", "--to", "2010-07-09", "--reason", "x", "--by", "y")
    assert missing.exit_code == 1 and "本活动没有编号为 999 的督办事项" in missing.stderr
    assert "Traceback" not in missing.output
    assert duban("extend", "--reason", "x", "--by", "y").exit_code == 2  # neither a matter nor a unit's task
