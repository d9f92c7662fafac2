"""A unit's matters (督办事项) on its page: listed for that unit only, 签收, progress with a file,
申请办结, 申请延期 (shown waiting for ops), every action a POST with the page's CSRF token,
another unit's matter refused (403, audited, unchanged); escalation notices signed for. On
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from config.settings import Settings
from schemas.matters import Matter, MatterEvent, MatterState
from schemas.outbox import SENT, Notification, NotificationItem
from schemas.tables import AuditLog, Obligation, Unit
from tasks.matters import Assignment, assign
from tests.fakes.clock import FixedClock
from tests.flows.portal.conftest import client_for, csrf

pytestmark = pytest.mark.integration
NOW = datetime(2010, 7, 5, 10, 0)


@pytest.fixture
def portal(tmp_path, db_url):  # type: ignore[no-untyped-def]
    from flows.portal.app import create_app
    from tasks.app.open import open_app

    settings = Settings(
        home=tmp_path / "var",
        database_url=db_url,
        portal_secret="k" * 40,
        portal_url="http://testserver",  # type: ignore[call-arg]
        smtp_port=1,
        _env_file=None,
    )
    app = open_app("huaian-2010", settings=settings, clock=FixedClock(NOW))
    yield app, create_app(app)
    app.store.dispose()


def _assign(app, unit: str, title: str) -> int:  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        a = Assignment([unit], title, date(2010, 7, 20), "王主任", "请于7月20日前落实", "领导批示")
        return assign(s, app.campaign, a, now=datetime(2010, 7, 1, 9))[0].id


def _post(c, path: str, **data):  # type: ignore[no-untyped-def]
    """A POST from the page, with its CSRF token (read once per browser)."""
    files = data.pop("files", None)
    if not hasattr(c, "token"):
        c.token = csrf(c.get("/me").text)
    return c.post(path, data={"csrf": c.token, **data}, files=files)


def _events(app, mid: int) -> list[MatterEvent]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return list(s.scalars(select(MatterEvent).where(MatterEvent.matter_id == mid).order_by(MatterEvent.id)))


def test_the_page_lists_the_units_matters_and_never_anothers(portal):
    app, web = portal
    mine = _assign(app, "清河区", "落实重点签约项目协议文本")
    _assign(app, "盱眙县", "整改盱眙县招商台账问题")
    page = client_for(web, app, "清河区").get("/me").text
    assert "落实重点签约项目协议文本" in page and "整改盱眙县招商台账问题" not in page
    assert f'class="item light-grey" id="matter-{mine}"' in page  # due 7月20日: more than 5 working days away
    assert "交办 · 领导批示" in page and "办结时限 2010年7月20日" in page and "王主任 交办" in page


def test_a_get_of_an_action_does_nothing_and_a_post_needs_the_pages_token(portal):
    app, web = portal
    mid = _assign(app, "清河区", "落实协议文本")
    c = client_for(web, app, "清河区")
    for path in (f"/me/matters/{mid}/sign", f"/me/matters/{mid}/close", "/me/notices/1/sign"):
        assert c.get(path).status_code == 405
    assert c.post(f"/me/matters/{mid}/sign", data={"name": "张三"}).status_code == 403  # no CSRF token
    assert len(_events(app, mid)) == 1
    with app.store.session() as s:
        assert s.get(Matter, mid).state == MatterState.ASSIGNED


def test_sign_progress_with_a_file_and_ask_to_close(portal):
    app, web = portal
    mid = _assign(app, "清河区", "落实协议文本")
    c = client_for(web, app, "清河区")
    r = _post(c, f"/me/matters/{mid}/sign", name="张三")
    assert r.status_code == 200 and "已签收督办事项" in r.text and "2010-07-05 10:00" in r.text
    body = "协议文本扫描件".encode() * 100
    r = _post(c, f"/me/matters/{mid}/progress", name="张三", text="已完成初稿", files={"file": ("初稿.pdf", body)})
    assert r.status_code == 200 and "初稿.pdf" in r.text
    r = _post(c, f"/me/matters/{mid}/close", name="张三", text="协议已签订，见附件")
    assert r.status_code == 200 and "办结申请已提交" in r.text
    with app.store.session() as s:
        m = s.get(Matter, mid)
        assert (m.state, m.signed_at, m.signed_by) == (MatterState.CLOSING, NOW, "张三")
    events = _events(app, mid)
    assert [e.action for e in events] == ["assign", "sign", "progress", "request_close"]
    (kept,) = events[2].files
    assert kept["name"] == "初稿.pdf" and kept["size"] == len(body)
    assert any(app.settings.files_dir.rglob(kept["sha256"] + "*"))
    assert _post(c, f"/me/matters/{mid}/progress", name="张三", text="再报").status_code == 409  # waiting for ops


def test_a_file_past_the_limit_is_refused_and_nothing_recorded(portal):
    app, web = portal
    app.settings.max_file_bytes = 1000
    mid = _assign(app, "清河区", "落实协议文本")
    c = client_for(web, app, "清河区")
    r = _post(c, f"/me/matters/{mid}/progress", name="张三", text="进展", files={"file": ("大.pdf", b"x" * 5000)})
    assert r.status_code == 413 and "附件超过上限" in r.text
    assert len(_events(app, mid)) == 1


def test_another_units_matter_is_refused_audited_and_unchanged(portal):
    app, web = portal
    theirs = _assign(app, "盱眙县", "整改台账问题")
    c = client_for(web, app, "清河区")
    for do in ("sign", "close"):
        r = _post(c, f"/me/matters/{theirs}/{do}", name="张三", text="已办结")
        assert r.status_code == 403 and "不属于本单位" in r.text and "Traceback" not in r.text
    with app.store.session() as s:
        assert s.get(Matter, theirs).state == MatterState.ASSIGNED
        refused = s.scalars(select(AuditLog).where(AuditLog.action == "matter.refused")).all()
    assert len(refused) == 2 and len(_events(app, theirs)) == 1
    assert _post(c, "/me/matters/999999/sign", name="张三").status_code == 404


def _escalation(app, unit: str) -> int:  # type: ignore[no-untyped-def]
    """A sent digest to the unit's head carrying one escalation step of one of its obligations."""
    with app.store.session(write=True) as s:
        uid = s.scalar(select(Unit.id).where(Unit.name == unit))
        ob = s.scalar(select(Obligation).where(Obligation.unit_id == uid).order_by(Obligation.due).limit(1))
        n = Notification(
            key=f"digest:test:{unit}",
            kind="digest",
            campaign=app.campaign.id,
            recipient_email="head@example.cn",
            subject="督办通知",
            text="",
            html="",
            status=SENT,
            created_at=datetime(2010, 7, 2, 9),
            sent_at=datetime(2010, 7, 2, 9, 1),
        )
        s.add(n)
        s.flush()
        item = NotificationItem(
            key=f"esc:{ob.id}:1:head",
            notification_id=n.id,
            obligation_id=ob.id,
            kind="escalation",
            level=1,
            step_date=date(2010, 7, 2),
            recipient_email="head@example.cn",
            view={"name": "技术需求", "period": "第1批"},
        )
        s.add(item)
        s.flush()
        return item.id


def test_an_escalation_notice_is_signed_for_on_the_page(portal):
    from tasks.matters import signed_notices

    app, web = portal
    mine, theirs = _escalation(app, "清河区"), _escalation(app, "盱眙县")
    c = client_for(web, app, "清河区")
    page = c.get("/me").text
    assert f'action="/me/notices/{mine}/sign"' in page and f"/me/notices/{theirs}/sign" not in page
    r = _post(c, f"/me/notices/{theirs}/sign", name="张三")
    assert r.status_code == 403 and "不属于本单位" in r.text
    r = _post(c, f"/me/notices/{mine}/sign", name="张三")
    assert r.status_code == 200 and "督办通知已签收" in r.text and "张三 于 2010-07-05 10:00 签收" in r.text
    with app.store.session() as s:
        (n,) = signed_notices(s, app.campaign)
        assert (n.unit, n.signed_by, n.signed_at) == ("清河区", "张三", NOW)
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "notice.refused")) is not None


def test_ask_for_more_time_on_a_matter_and_see_it_waiting(portal):
    app, web = portal
    mid = _assign(app, "清河区", "落实协议文本")
    c = client_for(web, app, "清河区")
    page = c.get("/me").text
    assert f'action="/me/matters/{mid}/extend"' in page and "申请延期" in page
    assert c.get(f"/me/matters/{mid}/extend").status_code == 405
    assert c.post(f"/me/matters/{mid}/extend", data={"new_due": "2010-07-30"}).status_code == 403  # no token
    r = _post(c, f"/me/matters/{mid}/extend", new_due="2010-07-20", text="场地调整", name="张三")
    assert r.status_code == 400 and "应晚于现在的办结时限" in r.text  # not after the deadline
    r = _post(c, f"/me/matters/{mid}/extend", new_due="2010-07-30", text=" ", name="张三")
    assert r.status_code == 400 and "理由" in r.text
    r = _post(c, f"/me/matters/{mid}/extend", new_due="七月底", text="场地调整", name="张三")
    assert r.status_code == 400 and "Traceback" not in r.text
    assert len(_events(app, mid)) == 1
    r = _post(c, f"/me/matters/{mid}/extend", new_due="2010年7月30日", text="场地调整", name="张三")
    assert r.status_code == 200 and "延期申请已提交（申请延至2010年7月30日）" in r.text
    assert "延期申请待审核：申请延至 2010年7月30日" in r.text and f'action="/me/matters/{mid}/extend"' not in r.text
    ev = _events(app, mid)[-1]
    assert (ev.action, ev.text, ev.actor, ev.detail["new_due"]) == ("ask_extension", "场地调整", "张三", "2010-07-30")
    with app.store.session() as s:
        m = s.get(Matter, mid)
        assert (m.state, m.extended_due) == (MatterState.ASSIGNED, None)
    r = _post(c, f"/me/matters/{mid}/extend", new_due="2010-08-10", text="再申请", name="张三")
    assert r.status_code == 409 and "正在审核" in r.text


def test_another_units_matter_may_not_be_extended(portal):
    app, web = portal
    theirs = _assign(app, "盱眙县", "整改台账问题")
    c = client_for(web, app, "清河区")
    r = _post(c, f"/me/matters/{theirs}/extend", new_due="2010-07-10", text="场地调整", name="张三")
    assert r.status_code == 403 and "不属于本单位" in r.text and "现在的办结时限" not in r.text  # its date not said
    with app.store.session() as s:
        refused = s.scalars(select(AuditLog).where(AuditLog.action == "matter.refused")).all()
    assert len(refused) == 1 and refused[0].subject == str(theirs) and len(_events(app, theirs)) == 1


def _kept(app) -> set[str]:  # type: ignore[no-untyped-def]
    """The names of the files kept under files/."""
    return {p.name for p in app.settings.files_dir.rglob("*") if p.is_file()}


def test_files_of_matters_share_the_pages_hourly_upload_limit(portal):
    """limit 3: one upload and two progress files take the hour's slots; a third progress file and
    another upload are refused (429, in words), nothing recorded, nothing kept."""
    app, web = portal
    app.settings.portal_uploads_per_hour = 3
    mid = _assign(app, "清河区", "落实协议文本")
    c = client_for(web, app, "清河区")
    r = _post(c, "/me/upload", name="张三", phone="0517-83661234", files=[("file", ("a.csv", b"a,b\n", "text/csv"))])
    assert r.status_code != 429
    for k in (1, 2):
        r = _post(c, f"/me/matters/{mid}/progress", name="张三", text="进展", files={"file": (f"{k}.pdf", b"%d" % k)})
        assert r.status_code == 200
    kept, events = _kept(app), len(_events(app, mid))
    r = _post(c, f"/me/matters/{mid}/progress", name="张三", text="进展", files={"file": ("3.pdf", b"3")})
    assert r.status_code == 429 and "一小时内上传已超过 3 个文件" in r.text and "Traceback" not in r.text
    r = _post(c, "/me/upload", name="张三", phone="0517-83661234", files=[("file", ("b.csv", b"b,c\n", "text/csv"))])
    assert r.status_code == 429 and "一小时内上传已超过 3 个文件" in r.text
    assert _kept(app) == kept and len(_events(app, mid)) == events
    r = _post(c, f"/me/matters/{mid}/progress", name="张三", text="无附件的进展")  # no file: no slot needed
    assert r.status_code == 200 and len(_events(app, mid)) == events + 1


def test_a_file_on_a_move_the_matters_state_refuses_is_not_kept(portal):
    app, web = portal
    mid = _assign(app, "清河区", "落实协议文本")
    c = client_for(web, app, "清河区")
    assert _post(c, f"/me/matters/{mid}/close", name="张三", text="协议已签订").status_code == 200
    kept, events = _kept(app), len(_events(app, mid))
    r = _post(c, f"/me/matters/{mid}/progress", name="张三", text="补充", files={"file": ("补充.pdf", b"late")})
    assert r.status_code == 409 and "已申请办结" in r.text
    assert _kept(app) == kept and len(_events(app, mid)) == events


def test_a_matter_action_without_a_length_is_refused_unread(portal):
    app, web = portal
    mid = _assign(app, "清河区", "落实协议文本")
    c = client_for(web, app, "清河区")
    c.get("/me")
    sent = []

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            sent.append(1)
            yield b"x" * 1024

    for do in ("progress", "extend"):
        r = c.post(f"/me/matters/{mid}/{do}", content=chunks(), headers={"content-type": "multipart/form-data; b=x"})
        assert r.status_code == 411 and "表单" in r.text
    assert not sent and len(_events(app, mid)) == 1
