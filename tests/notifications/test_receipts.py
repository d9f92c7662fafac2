"""Receipts as they reach the unit, sent through the in-memory transport (tests/fakes_mail.py):
a rejection with its errors and the annotated workbook, a reply to a mailed file threaded and
sent to its sender first. SQLite store, no SMTP server."""

from datetime import datetime

import pytest

from notifications.receipts import Reply, queue_receipt
from schemas.verdicts import SubmissionStatus
from tasks.app.open import open_app
from tasks.intake.service import submit_file
from tasks.outbox.send import send_queued
from tests.fakes.mail import FakeMailServer
from tests.tasks.intake.files import messy_workbook, write

pytestmark = [pytest.mark.integration]

RECEIVED = datetime(2010, 6, 25, 11)
SEND = datetime(2010, 6, 25, 11, 5)
LIAISON = "qingpu.liaison@example.cn"
ONLY_A_HEAD = [["赵局长", "科技局局长", "组长", "", "13805170201", "zhao@example.cn", ""]]


@pytest.fixture
def fake_app(sqlite_settings):  # type: ignore[no-untyped-def]
    app = open_app("huaian-2010", settings=sqlite_settings)
    yield app
    app.store.dispose()


@pytest.fixture
def rejected(fake_app, tmp_path):  # type: ignore[no-untyped-def]
    bad = write(tmp_path, "附表2_清浦区.xlsx", messy_workbook("contacts", ONLY_A_HEAD, unit="清浦区"))
    r = submit_file(fake_app, bad, received_at=RECEIVED)
    assert r.status == SubmissionStatus.REJECTED
    return r


def test_a_rejection_tells_the_liaison_what_to_fix_with_the_annotated_workbook(fake_app, rejected):
    server = FakeMailServer()
    assert send_queued(fake_app, now=SEND, transport=server.connect).sent == 1
    [mail] = server.sent_to(LIAISON)
    m = mail.message
    assert str(m["Subject"]) == "【回执】清浦区《组织机构人员名单及联系方式》2010：未通过校验"
    assert [p.get_filename() for p in m.iter_attachments()] == ["批注_附表2_清浦区.xlsx"]
    text = m.get_body(("plain",)).get_content()
    assert "未通过校验，请按以下说明修改后重新报送。" in text and "至少需要一名联络员" in text
    assert "/u/" in text  # the liaison gets the unit's page link


def test_a_reply_to_a_mailed_file_is_threaded_and_reaches_its_sender_without_the_link(fake_app, rejected):
    send_queued(fake_app, now=SEND, transport=FakeMailServer().connect)  # the first receipt, as above
    reply = Reply("<orig.1@example.cn>", "<root@example.cn> <orig.1@example.cn>", "附表2", "clerk@example.cn", "小李")
    with fake_app.store.session(write=True) as s:
        n = queue_receipt(
            s,
            campaign=fake_app.campaign,
            submission_id=rejected.submission_id,
            now=SEND,
            mail_from=fake_app.settings.mail_from,
            link="https://portal.example.cn/u/x",
            reply=reply,
        )
    assert n == 1  # the sender; the liaison's receipt of this submission is already queued (same key)
    server = FakeMailServer()
    send_queued(fake_app, now=SEND, transport=server.connect)
    [mail] = server.sent
    m = mail.message
    assert mail.recipients == ["clerk@example.cn"] and str(m["Subject"]) == "Re: 附表2"
    assert m["In-Reply-To"] == "<orig.1@example.cn>" and "<root@example.cn>" in m["References"]
    assert "portal.example.cn" not in m.get_body(("plain",)).get_content()  # a mere sender gets no key


def test_a_receipt_refused_by_the_server_fails_and_is_not_retried(fake_app, rejected):
    server = FakeMailServer()
    server.fail(LIAISON, permanent=True)
    r = send_queued(fake_app, now=SEND, transport=server.connect)
    assert (r.sent, r.failed, r.all_failed) == (0, 1, True)
    assert send_queued(fake_app, now=SEND, transport=server.connect).attempted == 0
    assert server.attempts[LIAISON] == 1 and server.sent == []
