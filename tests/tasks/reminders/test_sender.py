"""The sender against a misbehaving real SMTP server: retries, refusals, drops, poison rows,
crashes at random points — counted at the server: nothing twice, nothing lost silently."""

import multiprocessing as mp
import random
import threading
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from notifications.message import Rendered
from notifications.outbox import enqueue
from notifications.sender import deliver_sync, recover
from schemas.outbox import Notification
from tasks.ops.extensions import resend
from tasks.outbox.send import send_queued
from tasks.reminders.job import sweep_day

pytestmark = [pytest.mark.integration]

NOW = datetime(2010, 6, 23, 9)


def queue(app, n, *, prefix="t", to=None, name="测试 收件人", subject="测试"):
    with app.store.session(write=True) as s:
        for i in range(n):
            enqueue(
                s,
                key=f"{prefix}:{i}",
                kind="receipt",
                campaign=app.campaign.id,
                to_email=to or f"u{i}@example.cn",
                to_name=name,
                message=Rendered(f"{subject} {i}", "正文", "<p>正文</p>"),
                now=NOW,
                mail_from=app.settings.mail_from,
            )


def statuses(app):
    with app.store.session() as s:
        return dict(Counter(s.scalars(select(Notification.status))))


def send(app):
    return send_queued(app, now=NOW)


def test_451_then_accept_is_retried_550_fails_and_the_rest_goes_on(mail_app, smtp):
    smtp.faults = ["451", "451", None, "550"]
    queue(mail_app, 6)
    mail_app.settings.smtp_concurrency = 1
    r = send(mail_app)
    assert (r.sent, r.failed) == (5, 1)
    assert statuses(mail_app) == {"sent": 5, "failed": 1}
    with mail_app.store.session() as s:
        failed = s.scalars(select(Notification).where(Notification.status == "failed")).one()
    assert failed.smtp_code == 550 and "550" in failed.last_error
    assert sum(smtp.message_ids().values()) == 5 and max(smtp.message_ids().values()) == 1


def test_a_connection_dropped_before_data_is_retried(mail_app, smtp):
    smtp.faults = ["drop-before", None, "drop-before"]
    queue(mail_app, 4)
    mail_app.settings.smtp_concurrency = 1
    r = send(mail_app)
    assert r.sent == 4 and max(smtp.message_ids().values()) == 1


def test_a_connection_lost_after_data_is_uncertain_and_resent_only_on_request(mail_app, smtp):
    smtp.faults = ["drop-after"]
    queue(mail_app, 3)
    mail_app.settings.smtp_concurrency = 1
    r = send(mail_app)
    assert (r.sent, r.uncertain) == (2, 1)
    assert send(mail_app).sent == 0  # never resent automatically
    with mail_app.store.session(write=True) as s:
        row = s.scalars(select(Notification).where(Notification.status == "uncertain")).one()
        assert resend(s, mail_app.campaign, [row.id], by="ops", now=NOW) == ([row.id], {})
        mid = row.message_id
    assert send(mail_app).sent == 1
    assert smtp.message_ids()[mid] == 2  # ops chose to resend; the same Message-ID lets clients dedupe


def test_poison_rows_fail_alone(mail_app, smtp):
    queue(mail_app, 2)
    queue(mail_app, 1, prefix="bad", to="not an address")
    queue(
        mail_app,
        1,
        prefix="inj",
        to="x@example.cn",
        name="张三\r\nBcc: evil@example.com",
        subject="催报\r\nBcc: evil@example.com",
    )
    r = send(mail_app)
    assert r.sent == 3 and statuses(mail_app) == {"sent": 3, "failed": 1}  # the bad address failed when queued
    injected = [m for m in smtp.received if m["X-Envelope-To"] == "x@example.cn"][0]
    assert injected["Bcc"] is None and "evil@example.com" not in injected["X-Envelope-To"]
    assert "\n" not in str(injected["Subject"])


def test_an_internationalised_domain_goes_out_in_its_ascii_form(mail_app, smtp):
    queue(mail_app, 1, to="liaison@淮安.cn", name="王晓明")
    assert send(mail_app).sent == 1
    m = smtp.received[0]
    assert m["X-Envelope-To"] == "liaison@xn--49sx14b.cn" and m["To"].addresses[0].domain == "xn--49sx14b.cn"  # 淮安.cn


def test_headers_are_encoded_and_message_ids_stable(mail_app, smtp):
    queue(mail_app, 1, to="liaison@example.cn", name="王晓明")
    send(mail_app)
    m = smtp.received[0]
    assert "=?utf-8?" in m.as_string().split("\n\n", 1)[0]  # RFC 2047 on the wire
    assert str(m["To"]) == "王晓明 <liaison@example.cn>" and m["X-Envelope-To"] == "liaison@example.cn"
    with mail_app.store.session() as s:
        assert s.scalar(select(Notification.message_id)) == m["Message-ID"]


def _deliver_child(url, settings):  # runs in a forked child that the parent kills at a random moment
    from pydantic import SecretStr

    from tasks.app.open import open_app

    app = open_app("huaian-2010", settings=settings.model_copy(update={"database_url": SecretStr(url)}))
    deliver_sync(app.store, app.settings, app.campaign, now=NOW)


def test_killed_at_random_points_nothing_twice_nothing_lost(mail_app, smtp):
    """100 rounds: queue mail, start a sender, SIGKILL it at a random moment, restart."""
    rnd = random.Random(20100611)
    ctx = mp.get_context("fork")
    url = mail_app.settings.db_url
    total = killed = 0
    for rnd_no in range(100):
        n = rnd.randint(1, 6)
        queue(mail_app, n, prefix=f"r{rnd_no}")
        total += n
        mail_app.store.engine.dispose()
        child = ctx.Process(target=_deliver_child, args=(url, mail_app.settings))
        child.start()
        child.join(rnd.uniform(0.0, 0.08))
        if child.is_alive():
            child.kill()
            killed += 1
        child.join()
        recover(mail_app.store, now=NOW, lease=900)
        if rnd_no % 10 == 9:
            send(mail_app)
    send(mail_app)
    at_server = smtp.message_ids()
    with mail_app.store.session() as s:
        rows = s.execute(select(Notification.status, Notification.message_id)).all()
    assert len(rows) == total
    assert killed >= 20, f"only {killed} of 100 senders were killed mid-run: the harness is not testing much"
    assert max(at_server.values()) == 1, "a message arrived twice"
    for status, mid in rows:
        if status == "sent":
            assert at_server[mid] == 1, "marked sent but never arrived"
        else:
            assert status == "uncertain", f"left {status}: lost silently"
    assert sum(at_server.values()) >= sum(1 for st, _ in rows if st == "sent")


@pytest.mark.parametrize("threads", [2])
def test_two_sweeps_at_the_same_moment_send_each_message_once(mail_app, smtp, threads):
    barrier = threading.Barrier(threads)
    results = []

    def run():
        barrier.wait()
        results.append(sweep_day(mail_app, date(2010, 6, 29)))

    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert len(results) == threads
    ids = smtp.message_ids()
    assert max(ids.values()) == 1 and sum(ids.values()) == 15
    with mail_app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 15


def test_starttls_when_configured_is_required_not_opportunistic(mail_app, smtp):
    """The test server offers no STARTTLS: with STARTTLS configured nothing may go out in clear."""
    queue(mail_app, 2)
    mail_app.settings.smtp_starttls = True
    mail_app.settings.smtp_retries = 1
    r = send(mail_app)
    assert r.sent == 0 and r.deferred == 2 and smtp.received == []
    with mail_app.store.session() as s:
        errors = set(s.scalars(select(Notification.last_error)))
    assert all("无法连接邮件服务器" in e for e in errors)


def test_data_from_files_is_escaped_in_html_mail():
    from config.settings import CAMPAIGNS_DIR
    from schemas.loading import load_campaign
    from tasks.outbox.digest_text import render_digest

    c = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")
    item = {
        "unit": "<script>alert(1)</script>",
        "name": "附表3 需求&排查",
        "period": "第1批",
        "due": "2010-07-05",
        "phrase": "今天截止",
        "late": False,
        "escalation": False,
        "level": 1,
    }
    m = render_digest(c, "<b>王</b>", [item], date(2010, 7, 5))
    assert "<script>" not in m.html and "&lt;script&gt;" in m.html and "&lt;b&gt;王" in m.html
    assert "<script>alert(1)</script>" in m.text  # plain text is not HTML: shown as written


def test_a_server_that_refuses_connections_is_reported_at_once_and_nothing_is_lost(mail_app):
    import time

    from notifications.capture import free_port

    queue(mail_app, 30)
    mail_app.settings.smtp_port = free_port()  # nobody listens there
    t0 = time.perf_counter()
    r = send(mail_app)
    assert time.perf_counter() - t0 < 5  # not a minute of retries
    assert (r.sent, r.deferred, r.all_failed) == (0, 30, True)
    assert "连接被拒绝" in r.problem and str(mail_app.settings.smtp_port) in r.problem
    assert statuses(mail_app) == {"queued": 30}  # all still waiting, each with the reason
    with mail_app.store.session() as s:
        assert {n.last_error for n in s.scalars(select(Notification))} == {r.problem}
