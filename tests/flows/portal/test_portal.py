"""A page for every unit: signed links, only its own data, upload with the verdict at once, 延期申请."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from schemas.tables import AuditLog, ExtensionRequest, Submission, Unit
from tests.flows.portal.conftest import client_for, csrf, link
from tests.tasks.intake.files import messy_workbook, need_row

pytestmark = pytest.mark.integration


def zip_bomb() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * 50_000_000)  # compresses to ~50 KB
    return buf.getvalue()


def upload(c, files, *, name="张三", phone="0517-83661234", token=None):  # type: ignore[no-untyped-def]
    page = c.get("/me")
    return c.post(
        "/me/upload",
        data={"csrf": token or csrf(page.text), "name": name, "phone": phone},
        files=[("file", f) for f in files],
    )


def test_a_link_becomes_a_cookie_and_the_page_shows_the_units_obligations(portal):
    app, web, _ = portal
    c = client_for(web, app, "清河区")
    cookie = c.cookies.get("duban_unit")
    assert cookie
    first = c.get(link(app, "清河区"))  # opened again (a mail scanner, then the person): still works
    assert first.status_code == 303
    assert "httponly" in first.headers["set-cookie"].lower() and "samesite=lax" in first.headers["set-cookie"].lower()
    r = c.get("/me")
    assert r.status_code == 200 and r.headers["referrer-policy"] == "no-referrer"
    assert "清河区" in r.text and "盱眙县" not in r.text
    assert "附表3" in r.text and "截止 2010年7月5日" in r.text and "今天截止" in r.text
    assert "逾期" in r.text  # 附表2 was due on 6月30日
    assert '<a href="/me/templates/tech-needs">' in r.text


def test_a_get_never_changes_anything(portal):
    app, web, _ = portal
    c = client_for(web, app, "清河区")
    with app.store.session() as s:
        before = (
            s.scalar(select(Submission.id).order_by(Submission.id.desc()).limit(1)),
            len(s.scalars(select(AuditLog)).all()),
        )
    for path in ("/me", link(app, "清河区"), "/me/templates/tech-needs", "/me/upload", "/me/extension"):
        c.get(path)
    with app.store.session() as s:
        after = (
            s.scalar(select(Submission.id).order_by(Submission.id.desc()).limit(1)),
            len(s.scalars(select(AuditLog)).all()),
        )
    assert before == after


def test_a_bad_file_gets_its_row_messages_in_the_page_and_the_annotated_workbook(portal):
    app, web, _ = portal
    c = client_for(web, app, "清河区")
    bad = messy_workbook("tech-needs", [need_row(1), need_row(2, sales_wan="很多")], unit="清河区")
    r = upload(c, [("清河区技术需求.xlsx", bad, "application/octet-stream")])
    assert r.status_code == 200
    assert "未通过校验" in r.text and re.search(r"第\d+行", r.text)
    m = re.search(r'href="/me/annotated/(\d+)"', r.text)
    assert m
    wb = c.get(f"/me/annotated/{m.group(1)}")
    assert wb.status_code == 200 and wb.content[:2] == b"PK"
    assert "filename*=UTF-8''" in wb.headers["content-disposition"]
    with app.store.session() as s:
        sub = s.get(Submission, int(m.group(1)))
        assert (sub.channel, sub.submitted_by, sub.submitter_phone, sub.status) == (
            "portal",
            "张三",
            "0517-83661234",
            "rejected",
        )
        assert (app.settings.files_dir / sub.sha256[:2] / sub.sha256).exists() or any(
            app.settings.files_dir.rglob(sub.sha256 + "*")
        )


def test_a_good_file_is_accepted_and_late_uploads_are_accepted_and_marked(portal):
    app, web, clock = portal
    clock.at = datetime(2010, 7, 9, 9, 0)  # 4 days after the 附表3 batch 1 due date
    c = client_for(web, app, "清河区")
    good = messy_workbook("tech-needs", [need_row(1), need_row(2)], unit="清河区", title="附表3：第1批技术需求")
    r = upload(c, [("需求.xlsx", good, "application/vnd.ms-excel")])
    assert r.status_code == 200 and "已通过校验" in r.text
    assert "逾期报送" in r.text and "填报人 张三" in r.text


def test_a_file_naming_another_unit_is_refused_as_a_mismatch_and_shown_to_ops(portal):
    app, web, _ = portal
    c = client_for(web, app, "清河区")
    other = messy_workbook("tech-needs", [need_row(1)], unit="盱眙县")
    r = upload(c, [("需求.xlsx", other, "application/octet-stream")])
    assert r.status_code == 422 and "不是本单位" in r.text and "盱眙县" in r.text
    assert "无法读取或无法识别" not in r.text and "未能受理" in r.text  # it was read: the headline says so (issue 26.9)
    with app.store.session() as s:
        sub = s.scalars(select(Submission).order_by(Submission.id.desc())).first()
        assert sub.unit.name == "清河区" and sub.status == "unreadable"  # never filed for 盱眙县
        assert s.scalars(select(AuditLog).where(AuditLog.action == "submission.mismatch")).first() is not None


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 200, 422, "无法"),
        ("bomb.xlsx", None, 422, ""),
        ("../../etc/passwd.xlsx", b"not a workbook at all", 422, "passwd.xlsx"),
        ("a\x00b\r\nc.csv", b"", 422, "空"),
    ],
)
def test_hostile_uploads_get_a_chinese_message_a_4xx_and_are_kept(portal, name, data, code, words):
    app, web, _ = portal
    app.settings.max_expanded_bytes = 10_000_000
    c = client_for(web, app, "清河区")
    data = zip_bomb() if data is None else data
    r = upload(c, [(name, data, "application/octet-stream")])
    assert r.status_code == code, r.text[:500]
    assert words in r.text and "Traceback" not in r.text
    with app.store.session() as s:
        sub = s.scalars(select(Submission).order_by(Submission.id.desc())).first()
        assert "/" not in sub.filename and "\x00" not in sub.filename and "\n" not in sub.filename
        if data:
            assert any(app.settings.files_dir.rglob(sub.sha256 + "*")) or sub.sha256 == ""


def test_a_huge_upload_and_too_many_files_and_empty_posts_are_refused(portal, monkeypatch):
    app, web, _ = portal
    c = client_for(web, app, "清河区")
    app.settings.max_file_bytes = 1000
    web_limit = upload(c, [("big.xlsx", b"x" * 1500, "application/octet-stream")])
    assert web_limit.status_code == 413 and "上限" in web_limit.text
    with app.store.session() as s:
        sub = s.scalars(select(Submission).order_by(Submission.id.desc())).first()
        assert sub.status == "refused" and sub.size == 1500
    app.settings.max_file_bytes = 20 << 20
    many = upload(c, [(f"{i}.csv", b"a,b\n", "text/csv") for i in range(7)])
    assert many.status_code == 400 and "最多" in many.text
    empty = c.post("/me/upload", data={"csrf": csrf(c.get("/me").text), "name": "张三", "phone": "1"})
    assert empty.status_code == 400 and "没有收到文件" in empty.text
    no_person = upload(c, [("a.csv", b"a,b\n", "text/csv")], name="")
    assert no_person.status_code == 400 and "填报人" in no_person.text


def test_every_post_needs_the_csrf_token_of_its_own_cookie(portal):
    app, web, _ = portal
    a, b = client_for(web, app, "清河区"), client_for(web, app, "盱眙县")
    token_b = csrf(b.get("/me").text)
    r = upload(a, [("a.csv", b"a,b\n", "text/csv")], token=token_b)
    assert r.status_code == 403 and "页面已过期" in r.text
    r = a.post(
        "/me/extension", data={"obligation": "1", "new_due": "2010-08-01", "reason": "x", "name": "a", "phone": "1"}
    )
    assert r.status_code == 403


def test_uploads_per_unit_are_rate_limited(portal):
    app, web, _ = portal
    app.settings.portal_uploads_per_hour = 2
    c = client_for(web, app, "清河区")
    for _ in range(2):
        assert upload(c, [("a.csv", b"a,b\n", "text/csv")]).status_code != 429
    r = upload(c, [("a.csv", b"a,b\n", "text/csv")])
    assert r.status_code == 429 and "一小时内" in r.text


def test_the_limit_is_checked_again_in_the_transaction_that_records(portal):
    """A post that passed the first look while another took the last slot is refused when it is
    recorded (judged, its bytes kept, nothing recorded); an oversized entry too."""
    from flows.portal.app import Portal
    from tasks.intake.keep import kept_path

    app, _, clock = portal
    app.settings.portal_uploads_per_hour = 1
    page = Portal(app)
    with app.store.session() as s:
        unit = s.scalar(select(Unit).where(Unit.name == "清河区"))
        s.expunge(unit)
    one, two = (messy_workbook("tech-needs", [need_row(k)], unit="清河区") for k in (1, 2))
    first, _ = page._submit(unit, "a.xlsx", one, len(one), "张三", "1")
    assert first is not None and first.status == "accepted"
    assert page._submit(unit, "b.xlsx", two, len(two), "张三", "1") == (None, "b.xlsx")
    huge = app.settings.max_file_bytes + 1
    assert page._submit(unit, "c.xlsx", b"x", huge, "张三", "1") == (None, "c.xlsx")
    assert kept_path(app.settings.files_dir, hashlib.sha256(two).hexdigest()).is_file()
    with app.store.session() as s:
        assert s.scalars(select(Submission.filename).where(Submission.unit_id == unit.id)).all() == ["a.xlsx"]


def test_a_unit_never_reads_or_writes_another_units_data(portal):
    app, web, _ = portal
    a = client_for(web, app, "清河区")
    bad = messy_workbook("tech-needs", [need_row(1, sales_wan="很多")], unit="清河区")
    sid = re.search(r"/me/annotated/(\d+)", upload(a, [("x.xlsx", bad, "application/octet-stream")]).text).group(1)
    b = client_for(web, app, "盱眙县")
    page_b = b.get("/me").text
    assert "清河区" not in page_b and "x.xlsx" not in page_b
    assert b.get(f"/me/annotated/{sid}").status_code == 404
    with app.store.session() as s:
        ob_a = s.scalar(select(ExtensionRequest.id).limit(1))
        qh = s.scalar(select(Unit).where(Unit.name == "清河区"))
        from schemas.tables import Obligation

        ob_of_a = s.scalar(select(Obligation.id).where(Obligation.unit_id == qh.id).limit(1))
    assert ob_a is None
    r = b.post(
        "/me/extension",
        data={
            "csrf": csrf(page_b),
            "obligation": str(ob_of_a),
            "new_due": "2010-09-01",
            "reason": "人手不足",
            "name": "李四",
            "phone": "0517-1",
        },
    )
    assert r.status_code == 400 and "本单位没有这项报送任务" in r.text
    # every route, without a cookie: nothing
    anon = __import__("starlette.testclient", fromlist=["TestClient"]).TestClient(web, raise_server_exceptions=False)
    for path in ("/me", f"/me/annotated/{sid}", "/me/templates/tech-needs"):
        r = anon.get(path)
        assert r.status_code == 401 and "邮件中的链接进入本单位页面" in r.text
    assert anon.post("/me/upload", files=[("file", ("a.csv", b"a", "text/csv"))]).status_code == 401
    assert anon.post("/me/extension", data={"obligation": "1"}).status_code == 401


def test_tampered_expired_and_revoked_links_get_a_clear_page(portal):
    from itsdangerous import URLSafeTimedSerializer

    from tasks.portal.links import LINK_SALT, revoke

    app, web, _ = portal
    from starlette.testclient import TestClient

    c = TestClient(web, raise_server_exceptions=False, follow_redirects=False)
    good = link(app, "清河区")
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    r = c.get(tampered)
    assert r.status_code == 403 and "链接无效" in r.text and "Traceback" not in r.text
    old = URLSafeTimedSerializer(app.settings.portal_keys(), salt=LINK_SALT)
    with app.store.session() as s:
        qh = s.scalar(select(Unit).where(Unit.name == "清河区"))
        payload = {"u": qh.id, "v": qh.link_version}
    import time as _time

    real = _time.time
    try:
        _time.time = lambda: real() - (app.settings.portal_link_days + 1) * 86400  # signed 61 days ago
        expired = "/u/" + old.dumps(payload)
    finally:
        _time.time = real
    r = c.get(expired)
    assert r.status_code == 410 and "链接已过期" in r.text
    owner = client_for(web, app, "清河区")
    with app.store.session(write=True) as s:
        revoke(s, app.campaign, "清河区")
    r = c.get(good)
    assert r.status_code == 403 and "链接已停用" in r.text
    assert owner.get("/me").status_code == 403  # the cookie it had is void too
    assert c.get("/u/" + "x" * 5000).status_code == 403
    assert c.get("/nothing").status_code == 404 and "没有这个页面" in c.get("/nothing").text


def test_keys_rotate_old_links_still_open(portal_settings, portal):
    app, web, _ = portal
    old_link = link(app, "清河区")
    app.settings.portal_secret = type(app.settings.portal_secret)("k" * 40 + ",n" + "e" * 40)
    from starlette.testclient import TestClient

    c = TestClient(web, raise_server_exceptions=False, follow_redirects=False)
    assert c.get(old_link).status_code == 303
    assert link(app, "清河区") != old_link


def test_the_template_has_the_units_name_filled_in(portal):
    from io import BytesIO

    from openpyxl import load_workbook

    app, web, _ = portal
    c = client_for(web, app, "清河区")
    r = c.get("/me/templates/tech-needs")
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.content))
    cells = " ".join(str(v) for ws in wb for row in ws.iter_rows(max_row=4, values_only=True) for v in row if v)
    assert "清河区" in cells
    assert c.get("/me/templates/no-such-form").status_code == 404


def test_an_extension_request_is_recorded_answered_through_the_extension_path_and_shown(portal):
    from tasks.ops.extensions import answer_request

    app, web, clock = portal
    c = client_for(web, app, "清河区")
    page = c.get("/me").text
    with app.store.session() as s:
        from schemas.tables import Obligation

        qh = s.scalar(select(Unit).where(Unit.name == "清河区"))
        ob = s.scalar(select(Obligation).where(Obligation.unit_id == qh.id, Obligation.code == "O7"))
        oid, due = ob.id, ob.effective_due
    data = {
        "csrf": csrf(page),
        "obligation": str(oid),
        "new_due": "2010年7月30日",
        "reason": "<b>领导出差</b>",
        "name": "王五",
        "phone": "0517-80000000",
    }
    r = c.post("/me/extension", data=data)
    assert r.status_code == 200 and "延期申请已提交" in r.text and "延期申请审核中" in r.text
    again = c.post("/me/extension", data={**data, "csrf": csrf(r.text)})
    assert again.status_code == 400 and "正在审核" in again.text
    bad = c.post("/me/extension", data={**data, "csrf": csrf(r.text), "new_due": "2010-02-30"})
    assert bad.status_code == 400 and "2月没有30日" in bad.text
    with app.store.session() as s:
        req = s.scalars(select(ExtensionRequest)).one()
        assert req.reason == "<b>领导出差</b>" and req.requested_by == "王五"
    clock.at += timedelta(hours=2)
    d = answer_request(app, req.id, new_due=req.requested_due, reason="同意", by="综合协调组", now=clock.at)
    assert d.granted
    page = c.get("/me").text
    assert "延期已批准" in page and "已延期" in page and "<b>领导出差</b>" not in page
    with app.store.session() as s:
        assert s.get(ExtensionRequest, req.id).status == "granted"
        assert s.scalars(select(AuditLog).where(AuditLog.action == "extension.grant")).first() is not None
    assert due < datetime(2010, 7, 30).date()


def test_another_units_link_opened_in_a_browser_asks_before_switching(portal):
    """A browser showing 清河区's page opens 盱眙县's link (a link someone planted, or a clerk with
    two units' mails): nothing switches on the GET; the page asks, and only its own form (the
    CSRF token of the page already open) switches. A forged POST from elsewhere does not."""
    app, web, _ = portal
    c = client_for(web, app, "清河区")
    other = link(app, "盱眙县")
    r = c.get(other)
    assert r.status_code == 200 and "切换到盱眙县的报送页面" in r.text and "正在打开<strong>清河区</strong>" in r.text
    assert "清河区" in c.get("/me").text  # still 清河区
    assert c.post(other, data={"csrf": "forged"}).status_code == 403  # a form posted from another site
    assert "清河区" in c.get("/me").text
    r = c.post(other, data={"csrf": csrf(c.get(other).text)})
    assert r.status_code == 303 and "盱眙县" in c.get("/me").text
    assert c.get(link(app, "盱眙县")).status_code == 303  # its own link again: straight in
