"""A county clerk on a phone: a real headless Chromium opens the unit's link at 400 px, uploads a
bad file and sees the row messages; every mail Duban sends fits a phone without sideways
scrolling. Screenshots are saved (DUBAN_SCREENSHOTS, else the test's folder) to be looked at."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from notifications.capture import free_port
from tests.browser import Browser
from tests.flows.portal.conftest import link
from tests.tasks.intake.files import messy_workbook, need_row

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("DUBAN_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def served(portal):  # type: ignore[no-untyped-def]
    import uvicorn

    app, web, clock = portal
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}", clock
    server.should_exit = True
    t.join(10)


def test_a_clerk_on_a_phone_uploads_a_bad_file_and_sees_the_row_messages(served, tmp_path):
    app, base, clock = served
    clock.at = datetime(2010, 7, 5, 15, 0)
    bad = tmp_path / "清河区_附表3.xlsx"
    bad.write_bytes(messy_workbook("tech-needs", [need_row(1), need_row(2, sales_wan="很多")], unit="清河区"))
    out = shots(tmp_path)
    b = Browser(tmp_path / "profile", free_port())
    try:
        b.open(base + link(app, "清河区"))
        assert b.js("location.pathname") == "/me"
        assert "清河区" in b.js("document.querySelector('h1').textContent")
        assert b.js("document.documentElement.scrollWidth") <= 400
        b.screenshot(out / "portal-1-page.png")
        b.set_files("input[type=file]", [bad])
        b.js(
            "document.querySelector('#upload input[name=name]').value='张三';"
            "document.querySelector('#upload input[name=phone]').value='0517-83661234';"
            "document.querySelector('#upload form').submit()"
        )
        b.wait_load()
        text = b.js("document.querySelector('#result').innerText")
        assert "未通过校验" in text and "第" in text and "行" in text and "销售收入" in text, text
        assert b.js("document.querySelector('#result a[href^=\"/me/annotated/\"]') !== null")
        assert b.js("document.documentElement.scrollWidth") <= 400
        b.screenshot(out / "portal-2-verdict.png")
    finally:
        b.close()


def test_every_mail_reads_on_a_phone(sqlite_settings, tmp_path):
    """Reminder, escalation and receipt HTML at 400 px: no horizontal scrolling."""
    from datetime import date

    from tasks.app.open import open_app

    app = open_app("huaian-2010", settings=sqlite_settings)

    from tasks.intake.service import submit_bytes
    from tasks.outbox.digest_text import render_digest

    campaign = app.campaign
    items = [
        dict(
            unit=u.name,
            name=campaign.obligation_name(o.id),
            period="2010年7月",
            due="2010-07-20",
            phrase="已逾期3天",
            late=True,
            escalation=True,
            level=2,
        )
        for u in campaign.units[:6]
        for o in campaign.obligations[:3]
    ]
    digest = render_digest(
        campaign, "王主任", items, date(2010, 7, 23), [("清河区", "http://127.0.0.1:8400/u/" + "x" * 120)]
    )
    bad = messy_workbook("tech-needs", [need_row(1, sales_wan="很多")], unit="清河区")
    submit_bytes(
        app, bad, "清河区技术需求表（第一批）最终版本_请审核_20100705.xlsx", received_at=datetime(2010, 7, 5, 9)
    )
    from sqlalchemy import select

    from schemas.outbox import Notification
    from tasks.ops.extensions import decide_extension

    decide_extension(
        app,
        unit="清河区",
        obligation="O7",
        period=None,
        new_due=date(2010, 7, 30),
        reason="领导出差，材料需重新审定",
        by="综合协调组",
        now=datetime(2010, 7, 6, 9),
    )
    from tasks.briefing.figures import gather
    from tasks.briefing.render import charts, html

    pages = {"digest": digest.html}
    with app.store.session() as s:
        d = gather(s, campaign, date(2010, 7, 23))
    c = charts(d)
    for name, png in zip([*c.names()["completeness"], *c.names()["trends"]], c.images(), strict=True):
        (tmp_path / f"{name}.png").write_bytes(png)
    pages["briefing"] = html(d, {k: [f"{n}.png" for n in v] for k, v in c.names().items()})
    with app.store.session() as s:
        for kind in ("receipt", "extension"):
            n = s.scalars(select(Notification).where(Notification.kind == kind)).first()
            assert n is not None and "/u/" in n.text, kind  # the unit's link is in it
            pages[kind] = n.html
    out = shots(tmp_path)
    b = Browser(tmp_path / "profile", free_port())
    try:
        for name, html in pages.items():
            f = tmp_path / f"{name}.html"
            f.write_text(html, encoding="utf-8")
            b.open(f.as_uri())
            width = b.js("document.documentElement.scrollWidth")
            b.screenshot(out / f"mail-{name}.png")
            assert width <= 400, f"{name} is {width}px wide on a 400px phone"
    finally:
        b.close()
