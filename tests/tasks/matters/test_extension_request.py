"""A unit asks for more time on one of its matters (申请延期); ops approve it (the deadline moved,
the unit told, the ladder follows the new date) or refuse it with a reason (the unit told, the
deadline unchanged); each answer in the matter's history. SQLite and PostgreSQL (`app`'s store)."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from schemas.matters import Matter, MatterAction, MatterEvent, MatterState
from schemas.outbox import Notification
from schemas.tables import AuditLog, Unit
from schemas.tracking import MattersPolicy
from tasks.matters import (
    Assignment,
    ExtensionRefused,
    MatterRefused,
    act,
    answer_extension,
    assign,
    pending_extension,
    request_extension,
    unit_matters,
)
from tasks.reminders.sweep import decide

pytestmark = pytest.mark.integration
ASKED = datetime(2010, 6, 24, 10)
NOW = datetime(2010, 6, 25, 9)
TITLE = "落实产学研合作洽谈场地"


@pytest.fixture
def mapp(app):  # type: ignore[no-untyped-def]
    """The 2010 campaign with its matters on the campaign's own ladder (as in test_matter_ladder)."""
    app.campaign = app.campaign.model_copy(update={"matters": MattersPolicy()})
    return app


def _matter(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A matter of 清河区 due 2010-06-30: its id and its unit's."""
    with app.store.session(write=True) as s:
        [m] = assign(s, app.campaign, Assignment(["清河区"], TITLE, date(2010, 6, 30), by="组委会办公室"), now=ASKED)
        return m.id, m.unit_id


def _ask(app, mid: int, uid: int, new_due: date, reason: str = "场地调整，需另行选址") -> int:  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        return request_extension(
            s, app.campaign, mid, unit_id=uid, new_due=new_due, reason=reason, name="钱科长", now=ASKED
        ).id


def _answer(app, mid: int, req: int, approve: bool, new_due: date | None = None, reason: str = ""):  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        return answer_extension(
            s,
            app.campaign,
            app.settings,
            mid,
            req,
            approve=approve,
            new_due=new_due,
            reason=reason,
            by="王主任",
            now=NOW,
        )


def _mail(app) -> list[Notification]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == "matter").order_by(Notification.id)))


def _escalated(app, mid: int, day: date) -> list:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return [d for d in decide(s, app.campaign, day) if d.matter_id == mid and d.step.kind == "escalation"]


def test_a_request_is_recorded_without_changing_the_state_and_refused_when_not_later(mapp):
    mid, uid = _matter(mapp)
    with pytest.raises(ExtensionRefused, match="应晚于现在的办结时限"):
        _ask(mapp, mid, uid, date(2010, 6, 30))
    with pytest.raises(ExtensionRefused, match="理由"):
        _ask(mapp, mid, uid, date(2010, 7, 9), reason=" ")
    req = _ask(mapp, mid, uid, date(2010, 7, 9))
    with pytest.raises(MatterRefused, match="正在审核"):  # one request waits at a time
        _ask(mapp, mid, uid, date(2010, 7, 12))
    with mapp.store.session() as s:
        m = s.get(Matter, mid)
        assert (m.state, m.extended_due) == (MatterState.ASSIGNED, None)
        assert pending_extension(s, mid).id == req
        [view] = unit_matters(s, mapp.campaign, uid, date(2010, 6, 25))
        assert (view.extension_asked, view.may_extend, view.may_progress) == (date(2010, 7, 9), False, True)
        assert view.history[-1].action == "申请延期" and "申请延至 2010-07-09" in view.history[-1].text


def test_approve_extends_tells_the_unit_and_the_ladder_follows_the_new_date(mapp):
    mid, uid = _matter(mapp)
    assert _escalated(mapp, mid, date(2010, 7, 1))  # the old deadline's escalation, before the answer
    req = _ask(mapp, mid, uid, date(2010, 7, 9))
    done = _answer(mapp, mid, req, True)
    assert (done.granted, done.due, done.queued) == (True, date(2010, 7, 9), 2)
    with mapp.store.session() as s:
        m = s.get(Matter, mid)
        assert (m.extended_due, m.state) == (date(2010, 7, 9), MatterState.ASSIGNED)
        ev = m.events[-1]
        assert (ev.action, ev.text, ev.detail["request"]) == (MatterAction.EXTEND, "场地调整，需另行选址", req)
        assert pending_extension(s, mid) is None
        [view] = unit_matters(s, mapp.campaign, uid, date(2010, 6, 25))
        assert view.extension_asked is None and view.may_extend and view.extended
    mail = _mail(mapp)
    assert len(mail) == 2 and all("督办事项延期" in n.subject and "2010年7月9日" in n.text for n in mail)
    assert _escalated(mapp, mid, date(2010, 7, 1)) == []  # a day after the old deadline: nothing
    assert _escalated(mapp, mid, date(2010, 7, 12))  # after the new one: the ladder again
    with pytest.raises(MatterRefused, match="已经答复过了"):
        _answer(mapp, mid, req, False, reason="不同意")


def test_ops_may_approve_another_date(mapp):
    mid, uid = _matter(mapp)
    req = _ask(mapp, mid, uid, date(2010, 7, 30))
    assert _answer(mapp, mid, req, True, new_due=date(2010, 7, 15), reason="同意延至7月15日").due == date(2010, 7, 15)


def test_refuse_tells_the_unit_the_reason_and_keeps_the_deadline(mapp):
    from flows.matter_extension import describe

    mid, uid = _matter(mapp)
    req = _ask(mapp, mid, uid, date(2010, 7, 9))
    asked, markdown = describe(mapp, mid, req)  # what ops read in the paused run
    assert asked == date(2010, 7, 9) and "| 申请延至 | 2010-07-09 |" in markdown and "场地调整，需另行选址" in markdown
    with pytest.raises(MatterRefused, match="理由"):
        _answer(mapp, mid, req, False)
    done = _answer(mapp, mid, req, False, reason="场地已落实，请按期办结")
    assert (done.granted, done.due, done.queued) == (False, date(2010, 6, 30), 2)
    with mapp.store.session() as s:
        m = s.get(Matter, mid)
        assert (m.extended_due, m.state) == (None, MatterState.ASSIGNED)
        ev = s.scalars(select(MatterEvent).where(MatterEvent.matter_id == mid).order_by(MatterEvent.id)).all()[-1]
        assert (ev.action, ev.text, ev.actor) == (MatterAction.REFUSE_EXTENSION, "场地已落实，请按期办结", "王主任")
        assert s.scalar(select(AuditLog.subject).where(AuditLog.action == "matter.extension_refused")) == str(mid)
        [view] = unit_matters(s, mapp.campaign, uid, date(2010, 6, 25))
        assert view.extension_asked is None and view.history[-1].action == "不同意延期"
    mail = _mail(mapp)
    assert len(mail) == 2 and all("延期申请未获同意" in n.subject and "场地已落实，请按期办结" in n.text for n in mail)
    assert all("2010年6月30日" in n.text for n in mail)
    assert _escalated(mapp, mid, date(2010, 7, 1))  # the old ladder goes on
    assert describe(mapp, mid, req)[0] is None  # answered: a run started again ends at once
    _ask(mapp, mid, uid, date(2010, 7, 5))  # asked again after a refusal: allowed


def test_no_request_on_a_matter_waiting_to_close_or_of_another_unit(mapp):
    mid, uid = _matter(mapp)
    with mapp.store.session(write=True) as s:
        other = s.scalar(select(Unit.id).where(Unit.name == "盱眙县"))
    with pytest.raises(MatterRefused, match="不属于本单位"):
        _ask(mapp, mid, other, date(2010, 7, 9))
    with mapp.store.session(write=True) as s:
        act(s, s.get(Matter, mid), MatterAction.REQUEST_CLOSE, actor="钱科长", at=ASKED, unit_id=uid)
    with pytest.raises(MatterRefused, match="已申请办结"):
        _ask(mapp, mid, uid, date(2010, 7, 9))
