"""The page's hourly upload limit holds under parallel posts (issue 23, point 10): one unit's
browsers post at once to `duban portal` running in its own process with two workers, on SQLite and
on PostgreSQL; exactly the limit is recorded, answered and sent a receipt, the rest are refused in
Chinese."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from config.settings import Settings
from notifications.capture import free_port
from schemas.outbox import Notification
from schemas.tables import Submission, Unit
from tests.flows.portal.served import SECRET, browser, portal_env, portal_process, post_file
from tests.tasks.intake.files import messy_workbook, need_row

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LIMIT, POSTS = 3, 8


def test_parallel_posts_of_one_unit_never_pass_its_hourly_limit(tmp_path, db_url, smtp):
    from tasks.app.open import open_app
    from tasks.portal.links import link_for

    settings = Settings(
        home=tmp_path / "var",
        database_url=db_url,
        portal_secret=SECRET,  # type: ignore[call-arg]
        portal_url="http://portal.test",
        _env_file=None,
    )
    app = open_app(settings=settings)
    with app.store.session() as s:
        link = link_for(s, settings, app.campaign, "清河区").url.removeprefix("http://portal.test")
    files = [messy_workbook("tech-needs", [need_row(100 * k + i) for i in range(1, 4)]) for k in range(POSTS)]
    env = portal_env(settings.home, db_url, DUBAN_PORTAL_UPLOADS_PER_HOUR=str(LIMIT), DUBAN_SMTP_PORT=str(smtp.port))
    with portal_process(env, free_port(), workers=2) as base:
        browsers = [browser(base, link) for _ in range(POSTS)]
        start = threading.Barrier(POSTS)
        answers: list = [None] * POSTS

        def post(k: int) -> None:
            c, csrf = browsers[k]
            start.wait()
            answers[k] = post_file(c, csrf, f"清河区_附表3_{k}.xlsx", files[k])

        threads = [threading.Thread(target=post, args=(k,)) for k in range(POSTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        deadline = time.monotonic() + 60  # the receipts go after the answers, in the background
        while len(smtp.received) < LIMIT and time.monotonic() < deadline:
            time.sleep(0.2)
        for c, _ in browsers:
            c.close()
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] * LIMIT + [429] * (POSTS - LIMIT), codes
    assert all("已通过校验" in r.text for r in answers if r.status_code == 200)
    assert all(f"本单位一小时内上传已超过 {LIMIT} 个文件" in r.text for r in answers if r.status_code == 429)
    with app.store.session() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == "清河区"))
        recorded = s.scalars(
            select(Submission.id).where(Submission.unit_id == unit_id, Submission.channel == "portal")
        ).all()
        receipts = s.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "receipt"))
    assert len(recorded) == LIMIT and receipts == LIMIT
    assert len(smtp.received) == LIMIT and all("已通过校验" in m["Subject"] for m in smtp.received)
    app.store.dispose()
