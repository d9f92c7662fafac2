"""How one connection's answers become outbox statuses, against the in-memory transport: no
database, no server (the worker's `one` step alone)."""

import asyncio
from datetime import datetime
from types import SimpleNamespace

import pytest

from config.settings import Settings
from notifications.delivery import DeliveryReport
from notifications.worker import Worker
from schemas.outbox import OutboxStatus
from tests.fakes.mail import FakeMailServer

pytestmark = [pytest.mark.unit]

RAW = b"Message-ID: <t.1@example.cn>\r\nSubject: test\r\n\r\nbody\r\n"


def worker(server: FakeMailServer, *, retries: int = 4) -> Worker:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, mail_from="督办 <duban@example.cn>", smtp_retries=retries, smtp_backoff=0.0
    )
    campaign = SimpleNamespace(sender="办公室 <office@example.cn>", timezone="Asia/Shanghai")  # `one` needs no more
    now = datetime(2010, 6, 23, 9)
    return Worker(None, settings, campaign, now, DeliveryReport(), server.connect())  # type: ignore[arg-type]


def send(w: Worker, to: str):  # type: ignore[no-untyped-def]
    return asyncio.run(w.one(to, RAW))


def test_accepted_is_sent_with_the_servers_code_from_the_envelope_sender():
    server = FakeMailServer()
    w = worker(server)
    assert send(w, "a@example.cn") == (OutboxStatus.SENT, None, 250)
    assert [(m.sender, m.recipients) for m in server.sent] == [("duban@example.cn", ["a@example.cn"])]
    assert w.report.sent == 1 and not w.report.all_failed


def test_a_permanent_refusal_fails_at_once_and_is_not_retried():
    server = FakeMailServer()
    server.fail("bad@example.cn", permanent=True)
    w = worker(server)
    status, error, code = send(w, "bad@example.cn")
    assert (status, code) == (OutboxStatus.FAILED, 550) and error.startswith("发送被拒绝：550")
    assert server.attempts["bad@example.cn"] == 1 and server.sent == []
    assert (w.report.failed, w.report.deferred) == (1, 0)


def test_a_temporary_failure_is_retried_and_then_goes():
    server = FakeMailServer()
    server.fail("slow@example.cn", times=2)
    w = worker(server, retries=4)
    assert send(w, "slow@example.cn") == (OutboxStatus.SENT, None, 250)
    assert server.attempts["slow@example.cn"] == 3 and len(server.sent) == 1


def test_a_temporary_failure_past_the_retries_is_deferred_not_failed():
    server = FakeMailServer()
    server.fail("slow@example.cn")
    w = worker(server, retries=3)
    status, error, code = send(w, "slow@example.cn")
    assert (status, code) == (OutboxStatus.QUEUED, 451) and error.startswith("暂时无法发送，稍后重试：451")
    assert server.attempts["slow@example.cn"] == 3 and server.sent == []
    assert (w.report.deferred, w.report.failed) == (1, 0)


def test_an_unreachable_server_defers_everything_and_stops_trying():
    server = FakeMailServer(unreachable="无法连接邮件服务器 127.0.0.1:1（连接被拒绝）")
    w = worker(server)
    assert send(w, "a@example.cn") == (OutboxStatus.QUEUED, server.unreachable, None)
    assert send(w, "b@example.cn") == (OutboxStatus.QUEUED, server.unreachable, None)  # not tried again
    assert w.report.problem == server.unreachable and w.report.deferred == 2 and w.report.all_failed


def test_a_connection_lost_after_data_is_uncertain_never_retried():
    server = FakeMailServer()
    server.drop_after_data("a@example.cn")
    w = worker(server)
    status, error, code = send(w, "a@example.cn")
    assert (status, code) == (OutboxStatus.UNCERTAIN, None) and "可能已发出" in error
    assert server.attempts["a@example.cn"] == 1 and len(server.sent) == 1
