"""Matters in the store: assigned to several units, each followed on its own, every change in
an append-only history, and a unit refused another unit's matter (with an audit entry)."""

from datetime import date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from schemas.matters import Matter, MatterAction, MatterEvent, MatterState
from schemas.tables import AuditLog
from tasks.matters import Assignment, MatterRefused, UnknownUnit, act, assign, matter_rows

pytestmark = pytest.mark.integration
NOW = datetime(2010, 7, 1, 10)


def _assign(app, units=("清河区", "清浦区", "淮阴区")):  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        ms = assign(
            s,
            app.campaign,
            Assignment(list(units), "落实重点签约项目协议文本", date(2010, 7, 20), "王主任", "请于7月20日前落实"),
            now=NOW,
        )
        return [m.id for m in ms]


def test_one_assignment_is_one_matter_per_unit_each_with_its_history(app):
    ids = _assign(app)
    with app.store.session(write=True) as s:
        first = s.get(Matter, ids[0])
        act(s, first, MatterAction.SIGN, actor="张三", at=datetime(2010, 7, 2, 9), unit_id=first.unit_id)
        act(s, first, MatterAction.REQUEST_CLOSE, actor="张三", at=datetime(2010, 7, 15, 9), text="已落实")
        act(s, first, MatterAction.APPROVE, actor="王主任", at=datetime(2010, 7, 16, 9))
    with app.store.session() as s:
        rows = {r.id: r for r in matter_rows(s, app.campaign, date(2010, 7, 21))}
        events = s.scalars(select(MatterEvent).where(MatterEvent.matter_id == ids[0]).order_by(MatterEvent.id)).all()
    assert rows[ids[0]].standing.label == "按期办结"
    assert rows[ids[1]].standing.label == "逾期1天" and rows[ids[1]].state == MatterState.ASSIGNED
    assert [(e.action, e.actor, e.to_state) for e in events] == [
        ("assign", "王主任", "assigned"),
        ("sign", "张三", "signed"),
        ("request_close", "张三", "closing"),
        ("approve", "王主任", "closed"),
    ]
    with app.store.session() as s:  # on a day before the closure it was still open
        before = {r.id: r for r in matter_rows(s, app.campaign, date(2010, 7, 10))}
    assert before[ids[0]].standing.state is MatterState.SIGNED


def test_a_unit_acting_on_another_units_matter_is_refused_and_audited(app):
    ids = _assign(app)
    with app.store.session(write=True) as s:
        other = s.get(Matter, ids[1])
        with pytest.raises(MatterRefused, match="不属于本单位"):
            act(s, other, MatterAction.SIGN, actor="张三", at=NOW, unit_id=other.unit_id + 1000)
    with app.store.session() as s:
        assert s.get(Matter, ids[1]).state == MatterState.ASSIGNED
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "matter.refused")) == "matter.refused"


def test_the_history_of_a_matter_cannot_be_rewritten(app):
    _assign(app, ("清河区",))
    with pytest.raises(DBAPIError), app.store.session(write=True) as s:
        s.execute(text("UPDATE matter_event SET actor = 'x'"))


def test_assign_to_an_unknown_unit_lists_the_candidates(app):
    with pytest.raises(UnknownUnit, match="没有名为“清江区”的单位。您是否指：清浦区、清河区"):
        _assign(app, ("清江区",))


def test_assign_reads_names_as_people_type_them_and_refuses_a_deadline_already_past(app):
    ids = _assign(app, ("清河", "涟水"))  # unique beginnings
    with app.store.session() as s:
        assert sorted(s.get(Matter, i).unit.name for i in ids) == ["涟水县", "清河区"]
    with pytest.raises(UnknownUnit, match="“淮阴”可指多个单位：淮阴区、淮阴工学院、淮阴师范学院"):
        _assign(app, ("淮阴",))
    with (
        pytest.raises(ValueError, match="办理时限 2010-06-20 早于交办日期 2010-07-01"),
        app.store.session(write=True) as s,
    ):
        assign(s, app.campaign, Assignment(["清河区"], "事项", date(2010, 6, 20), "王"), now=NOW)
