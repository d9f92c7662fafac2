"""The sweep and the outbox against the in-memory mail transport (tests/fakes_mail.py): what a
refusal, a deferral, a stale item and a crash between sending and recording leave behind.
SQLite store, no SMTP server."""

from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from notifications.message import Rendered
from notifications.outbox import enqueue
from notifications.sender import deliver_sync, recover
from schemas.outbox import Notification, OutboxStatus
from tasks.app.open import open_app
from tasks.intake.service import submit_file
from tasks.outbox.send import send_queued
from tasks.reminders.job import queue_day, sweep_day
from tests.fakes.mail import Crash, FakeMailServer
from tests.tasks.intake.files import messy_workbook, write

pytestmark = [pytest.mark.integration]

NOW = datetime(2010, 6, 23, 9)
LIAISON = "qinghe.liaison@example.cn"
CONTACTS = [
    ["赵局长", "科技局局长", "组长", "", "13805170201", "zhao@example.cn", ""],
    ["钱科长", "科技局科长", "联络员", "", "13805170202", "qian@example.cn", ""],
]


@pytest.fixture
def fake_app(sqlite_settings):  # type: ignore[no-untyped-def]
    s = sqlite_settings.model_copy(update={"smtp_backoff": 0.0, "smtp_retries": 2, "smtp_concurrency": 2})
    app = open_app("huaian-2010", settings=s)
    yield app
    app.store.dispose()


def rows(app, email=None):  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        q = select(Notification)
        if email:
            q = q.where(Notification.recipient_email == email)
        return list(s.scalars(q.order_by(Notification.id)))


def test_a_sweep_sends_one_digest_per_recipient_through_the_transport(fake_app):
    server = FakeMailServer()
    r = sweep_day(fake_app, date(2010, 6, 23), transport=server.connect)
    assert r.delivery.sent == 15 and len(server.sent) == 15 and max(server.message_ids().values()) == 1
    assert server.closed == server.connections  # every connection said goodbye
    assert "催报提醒" in str(server.sent_to(LIAISON)[0].message["Subject"])


def test_a_permanent_refusal_is_failed_shown_to_ops_and_never_retried(fake_app):
    server = FakeMailServer()
    server.fail(LIAISON, permanent=True)
    r = sweep_day(fake_app, date(2010, 6, 23), transport=server.connect)
    assert (r.delivery.sent, r.delivery.failed) == (14, 1)
    [row] = rows(fake_app, LIAISON)
    assert (row.status, row.smtp_code) == (OutboxStatus.FAILED, 550) and "550" in row.last_error
    assert [m["to"] for m in r.needs_attention] == [LIAISON]
    again = send_queued(fake_app, now=NOW, transport=server.connect)
    assert again.attempted == 0 and server.attempts[LIAISON] == 1  # a failed mail waits for ops (resend)
    assert rows(fake_app, LIAISON)[0].status == OutboxStatus.FAILED


def test_a_temporary_failure_defers_the_mail_and_a_later_run_sends_it_once(fake_app):
    server = FakeMailServer()
    server.fail(LIAISON, times=2)  # both attempts of this run
    r = sweep_day(fake_app, date(2010, 6, 23), transport=server.connect)
    assert (r.delivery.sent, r.delivery.deferred, r.delivery.failed) == (14, 1, 0)
    [row] = rows(fake_app, LIAISON)
    assert (row.status, row.smtp_code, row.claimed_by) == (OutboxStatus.QUEUED, 451, None)
    assert row.last_error.startswith("暂时无法发送") and r.needs_attention == []
    later = send_queued(fake_app, now=datetime(2010, 6, 23, 10), transport=server.connect)
    assert later.sent == 1 and len(server.sent_to(LIAISON)) == 1
    assert rows(fake_app, LIAISON)[0].status == OutboxStatus.SENT


def test_a_reminder_whose_item_went_stale_is_not_sent(fake_app, tmp_path):
    queue_day(fake_app, date(2010, 6, 23), NOW)
    good = write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", CONTACTS, unit="清河区"))
    assert submit_file(fake_app, good, received_at=datetime(2010, 6, 23, 9, 5)).status == "accepted"
    server = FakeMailServer()
    report = send_queued(fake_app, now=datetime(2010, 6, 23, 9, 10), transport=server.connect)
    assert report.stale == 1 and report.failed == 0
    assert not [m for m in server.sent_to(LIAISON) if "催报" in str(m.message["Subject"])]
    stale = [n for n in rows(fake_app, LIAISON) if n.kind == "digest"]
    assert [n.status for n in stale] == [OutboxStatus.STALE]


def test_a_digest_with_a_stale_item_is_rebuilt_without_it(fake_app, tmp_path):
    queue_day(fake_app, date(2010, 7, 5), datetime(2010, 7, 5, 9), confirmed_by="综合协调组")
    good = write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", CONTACTS, unit="清河区"))
    submit_file(fake_app, good, received_at=datetime(2010, 7, 5, 9, 5))
    server = FakeMailServer()
    send_queued(fake_app, now=datetime(2010, 7, 5, 9, 10), transport=server.connect)
    [committee] = server.sent_to("zhxt@kjj.huaian.example.cn")
    body = committee.message.get_body(preferencelist=("plain",)).get_content()
    assert "清浦区" in body and "清河区" not in body
    [row] = rows(fake_app, "zhxt@kjj.huaian.example.cn")
    assert row.status == OutboxStatus.SENT and committee.raw == row.raw  # what went is what is kept


def queue(app, n):  # type: ignore[no-untyped-def]
    with app.store.session(write=True) as s:
        for i in range(n):
            enqueue(
                s,
                key=f"t:{i}",
                kind="receipt",
                campaign=app.campaign.id,
                to_email=f"u{i}@example.cn",
                to_name="测试",
                message=Rendered(f"测试 {i}", "正文", "<p>正文</p>"),
                now=NOW,
                mail_from=app.settings.mail_from,
            )


def test_a_crash_between_sending_and_recording_never_sends_twice(fake_app):
    """The sender dies after the server took u1's message: the window's rows stay `sending`;
    once the claimer is known dead they are `uncertain`, for ops, and never sent again by
    themselves (u0 and u1 did arrive; u2 did not, and says so)."""
    fake_app.settings.smtp_concurrency = 1
    queue(fake_app, 3)
    server = FakeMailServer()
    server.crash_after_data("u1@example.cn")
    with pytest.raises(Crash):
        deliver_sync(fake_app.store, fake_app.settings, fake_app.campaign, now=NOW, transport=server.connect)
    assert [r.status for r in rows(fake_app)] == [OutboxStatus.SENDING] * 3
    with fake_app.store.session(write=True) as s:  # as if that process were gone: another host, long ago
        s.execute(update(Notification).values(claimed_by="elsewhere:1", claimed_at=datetime(2010, 6, 22)))
    assert recover(fake_app.store, now=NOW, lease=900) == 3
    assert [r.status for r in rows(fake_app)] == [OutboxStatus.UNCERTAIN] * 3
    assert send_queued(fake_app, now=NOW, transport=server.connect).attempted == 0
    assert sorted(m.recipients[0] for m in server.sent) == ["u0@example.cn", "u1@example.cn"]
    assert max(server.message_ids().values()) == 1
