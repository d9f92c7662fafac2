"""The office decides a unit's request to close a matter: 销号 (closed, the unit mailed 已销号) or
退回 (open again, the unit mailed with the reason); each notice queued once, to the unit's
current liaison and head."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from schemas.matters import Matter, MatterAction, MatterState
from schemas.outbox import Notification
from tasks.matters import Assignment, MatterRefused, act, assign, decide_closure

pytestmark = pytest.mark.integration
NOW = datetime(2010, 7, 16, 9)


def _closing(app) -> int:  # type: ignore[no-untyped-def]
    """A matter of 清河区 whose unit asked to close it."""
    with app.store.session(write=True) as s:
        a = Assignment(["清河区"], "落实重点签约项目协议文本", date(2010, 7, 20), "王主任", "请于7月20日前落实")
        m = assign(s, app.campaign, a, now=datetime(2010, 7, 1, 9))[0]
        act(s, m, MatterAction.SIGN, actor="张三", at=datetime(2010, 7, 2, 9), unit_id=m.unit_id)
        act(s, m, MatterAction.REQUEST_CLOSE, actor="张三", at=datetime(2010, 7, 15, 9), text="协议已签订")
        return m.id


def _decide(app, mid: int, approve: bool, reason: str = ""):  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        return decide_closure(
            s, app.campaign, mid, approve=approve, reason=reason, by="王主任", now=NOW, settings=app.settings
        )


def _mail(app) -> list[Notification]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == "matter").order_by(Notification.id)))


def test_approve_closes_the_matter_and_tells_the_unit_once(app):
    mid = _closing(app)
    done = _decide(app, mid, True)
    assert done.state is MatterState.CLOSED and done.queued == 2
    with app.store.session() as s:
        m = s.get(Matter, mid)
        assert (m.state, m.closed_at, m.closed_by) == (MatterState.CLOSED, NOW, "王主任")
    mail = _mail(app)
    assert {n.recipient_email for n in mail} == {"qinghe.liaison@example.cn", "qinghe.head@example.cn"}
    assert all("已销号" in n.subject and "落实重点签约项目协议文本" in n.text for n in mail)
    assert "/u/" in mail[0].text  # the link to the unit's page
    with pytest.raises(MatterRefused, match="已办结"):
        _decide(app, mid, True)
    assert len(_mail(app)) == 2


def test_return_opens_it_again_with_the_reason_mailed(app):
    mid = _closing(app)
    with pytest.raises(MatterRefused, match="理由"):
        _decide(app, mid, False)
    done = _decide(app, mid, False, "佐证材料缺少签约双方盖章页")
    assert done.state is MatterState.RETURNED and done.state.is_open
    with app.store.session() as s:
        m = s.get(Matter, mid)
        assert m.close_requested_at is None and m.events[-1].text == "佐证材料缺少签约双方盖章页"
    mail = _mail(app)
    assert len(mail) == 2 and all("退回" in n.subject and "佐证材料缺少签约双方盖章页" in n.text for n in mail)
    with app.store.session(write=True) as s:  # asked again, returned again: a second notice, its own
        m = s.get(Matter, mid)
        act(s, m, MatterAction.REQUEST_CLOSE, actor="张三", at=NOW, text="补充盖章页", unit_id=m.unit_id)
    _decide(app, mid, False, "盖章页不清晰")
    assert len(_mail(app)) == 4


def test_the_assignment_notice_says_what_by_when_with_the_page_link_and_the_closure_run_shows_the_history(app):
    from flows.matter_closure import describe
    from notifications.matter_notice import MatterNotice, queue_matter_notice

    mid = _closing(app)
    with app.store.session(write=True) as s:
        m = s.get(Matter, mid)
        n = queue_matter_notice(
            s,
            campaign=app.campaign,
            matter=m,
            unit="清河区",
            notice=MatterNotice.ASSIGNED,
            key=f"matter:{mid}:assigned",
            now=NOW,
            mail_from="",
            link="http://portal.test/u/abc",
        )
        again = queue_matter_notice(
            s,
            campaign=app.campaign,
            matter=m,
            unit="清河区",
            notice=MatterNotice.ASSIGNED,
            key=f"matter:{mid}:assigned",
            now=NOW,
            mail_from="",
        )
    assert (n, again) == (2, 0)
    texts = [x.text for x in _mail(app) if "交办通知" in x.subject]
    assert len(texts) == 2 and "王晓明" in texts[0] and "http://portal.test/u/abc" in texts[0]
    assert all("请于7月20日前落实" in t and "2010年7月20日" in t for t in texts)
    state, markdown = describe(app, mid)
    assert state is MatterState.CLOSING and "协议已签订" in markdown and "| 张三 | 签收 |" in markdown
