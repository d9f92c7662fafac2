"""The handling of one message, step by step, over an in-memory mailbox and a SQLite store."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from config.settings import Settings
from schemas.mailbox import MailAction
from schemas.outbox import Notification
from schemas.tables import MailIn, Submission
from tasks.app import open_app
from tasks.mailbox import Mailbox, poll
from tasks.mailbox.machine import STEPS, Step
from tests.fakes.mailbox import FakeMailbox
from tests.tasks.intake.files import messy_workbook, need_row
from tests.tasks.mailbox.conftest import LIAISON, message

pytestmark = pytest.mark.integration
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2010, 7, 5, 12)
GOOD = messy_workbook("tech-needs", [need_row(1), need_row(2)], unit="清河区", title="附表3：第1批技术需求")
STRANGER = "someone@gmail.example.com"


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path / "var", portal_secret="p" * 40, _env_file=None)  # type: ignore[call-arg]
    a = open_app("huaian-2010", settings=settings)
    yield a
    a.store.dispose()


@pytest.fixture
def box() -> FakeMailbox:
    return FakeMailbox()


def deliver(box: FakeMailbox, **kw) -> int:  # type: ignore[no-untyped-def]
    return box.append(message(**kw).as_bytes(), datetime(2010, 7, 5, 9, tzinfo=SH))


def mails(app, prefix: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return list(s.scalars(select(Notification).where(Notification.key.like(prefix + "%"))))


def count(app, table) -> int:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def crash_once(monkeypatch, step: Step, *, after: int = 0) -> None:  # type: ignore[no-untyped-def]
    """The run dies when it reaches `step` the time after `after` (that step's transaction never commits)."""
    real, calls = STEPS[step], []

    def dies(run, m):  # type: ignore[no-untyped-def]
        calls.append(m)
        if len(calls) <= after:
            return real(run, m)
        monkeypatch.setitem(STEPS, step, real)
        raise RuntimeError("killed")

    monkeypatch.setitem(STEPS, step, dies)


def test_the_fake_is_a_mailbox(box):
    mailbox: Mailbox = box  # what the machine needs, and nothing more
    assert mailbox.uids() == []


def test_a_liaisons_message_with_a_form_is_filed_and_answered_once(app, box):
    deliver(box, files=[("附表3.xlsx", GOOD)])
    [r] = poll(app, box, now=NOW)
    assert (r.action, r.unit, r.sender) == (MailAction.PROCESSED, "清河区", LIAISON)
    assert [(f["name"], f["status"]) for f in r.files] == [("附表3.xlsx", "accepted")]
    assert [m.recipient_email for m in mails(app, "mail-receipt:")] == [LIAISON]
    assert mails(app, "mail-ack:") == [] and count(app, Submission) == 1
    assert box.messages == {} and len(box.folders[box.done]) == 1
    with app.store.session() as s:
        assert s.scalars(select(MailIn.action)).all() == [MailAction.PROCESSED]
    assert poll(app, box, now=NOW) == []


def test_seen_again_after_the_run_died_before_moving_it_it_is_not_answered_twice(app, box):
    deliver(box, files=[("附表3.xlsx", GOOD)])
    box.fail_moves = 1
    with pytest.raises(OSError):  # the mailbox is gone: the run stops
        poll(app, box, now=NOW)
    assert len(box.messages) == 1  # still in the folder, recorded and answered
    [r] = poll(app, box, now=NOW)
    assert r.action == MailAction.ALREADY_SEEN and [f["status"] for f in r.files] == ["accepted"]
    assert len(mails(app, "mail-receipt:")) == 1 and count(app, Submission) == 1
    assert box.messages == {} and len(box.folders[box.done]) == 1


@pytest.mark.parametrize("step", [Step.FILE, Step.FINISH])
def test_a_run_that_died_mid_way_is_finished_by_the_next_filing_and_answering_once(app, box, monkeypatch, step):
    other = messy_workbook("tech-needs", [need_row(3)], unit="清河区", title="附表3：第1批技术需求")
    deliver(box, files=[("附表3.xlsx", GOOD), ("附表3_2.xlsx", other)])
    crash_once(monkeypatch, step, after=1 if step == Step.FILE else 0)  # FILE: after the first file
    [r] = poll(app, box, now=NOW)
    assert r.action == MailAction.ERROR and len(box.messages) == 1  # one message never stops the others
    with app.store.session() as s:
        assert s.scalar(select(MailIn.action)) == MailAction.PROCESSING
    [r] = poll(app, box, now=NOW)
    assert r.action == MailAction.PROCESSED and [f["status"] for f in r.files] == ["accepted", "accepted"]
    assert len(mails(app, "mail-receipt:")) == 1 and count(app, MailIn) == 1 and count(app, Submission) == 2


def test_a_strangers_message_is_held_and_answered_with_nothing_of_anyones(app, box):
    deliver(box, sender=STRANGER, name="某人", files=[("附表3.xlsx", GOOD)], msg_id="<s1@x>")
    deliver(box, sender=STRANGER, name="某人", text="你好", msg_id="<s2@x>", subject="问一下")
    held, empty = poll(app, box, now=NOW)
    assert (held.action, held.unit) == (MailAction.HELD, None)
    assert empty.action == MailAction.NO_ATTACHMENT and "不予回复" in empty.reason
    assert count(app, Submission) == 0 and mails(app, "mail-receipt:") == []
    [ack] = mails(app, "mail-ack:")  # only the one with a file, and no link, no unit, none of its words
    assert ack.recipient_email == STRANGER and "待工作人员确认" in ack.text
    assert "/u/" not in ack.text and "清河区" not in ack.text and "回复：" not in ack.subject
    assert len(box.folders[box.done]) == 1 and len(box.folders[box.failed]) == 1
    with app.store.session() as s:
        kept = s.scalar(select(MailIn).where(MailIn.action == MailAction.HELD))
        assert [f["status"] for f in kept.files] == ["held"]
        assert (app.settings.files_dir / kept.files[0]["sha256"]).exists()


def test_a_message_over_the_size_limit_is_never_fetched_whole_and_told_why(tmp_path, box):
    settings = Settings(
        home=tmp_path / "var",
        portal_secret="p" * 40,
        imap_max_message_bytes=40 * 1024,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = open_app("huaian-2010", settings=settings)
    uid = deliver(box, files=[("附表3.xlsx", GOOD), ("扫描件.pdf", b"%PDF-1.4" + bytes(60_000))], msg_id="<big@x>")
    [r] = poll(app, box, now=NOW)
    assert (r.action, r.unit) == (MailAction.TOO_LARGE, "清河区") and "超过 40 KB 的上限" in r.reason
    assert box.fetched == [(uid, False)] and len(box.folders[box.failed]) == 1
    [ack] = mails(app, "mail-ack:")
    assert ack.recipient_email == LIAISON and "分成几封邮件发送" in ack.text
    assert count(app, Submission) == 0
    app.store.dispose()


def test_a_renumbered_folder_files_nothing_twice(app, box):
    deliver(box, files=[("附表3.xlsx", GOOD)])
    box.fail_moves = 1
    with pytest.raises(OSError):
        poll(app, box, now=NOW)
    box.renumber()  # the UID recorded now means nothing: the Message-ID says it was seen
    [r] = poll(app, box, now=NOW)
    assert r.action == MailAction.ALREADY_SEEN and box.messages == {}
    assert len(mails(app, "mail-receipt:")) == 1 and count(app, Submission) == 1
    with app.store.session() as s:
        assert sorted(s.scalars(select(MailIn.uidvalidity))) == [1, 2]


def test_renumbered_mid_way_it_is_finished_under_its_new_uid(app, box, monkeypatch):
    deliver(box, files=[("附表3.xlsx", GOOD)])
    crash_once(monkeypatch, Step.FINISH)
    assert [r.action for r in poll(app, box, now=NOW)] == [MailAction.ERROR]
    box.renumber()
    [r] = poll(app, box, now=NOW)
    assert r.action == MailAction.PROCESSED and [f["status"] for f in r.files] == ["accepted"]
    assert len(mails(app, "mail-receipt:")) == 1 and count(app, Submission) == 1
    with app.store.session() as s:
        row = s.scalars(select(MailIn)).one()  # re-keyed, not recorded again
        assert (row.uidvalidity, row.uid) == (2, 2)
