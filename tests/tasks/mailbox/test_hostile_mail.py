"""Hostile mail, round two (issue 23): no filing or page link through another role, no
backscatter, one reply per message naming what is not a report, and a NUL in a header recorded
on PostgreSQL. A real Dovecot, a real store, messages written as MIME by the email package."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from config.settings import Settings
from schemas.outbox import Notification
from schemas.tables import MailIn, Submission
from tests.tasks.intake.files import messy_workbook, need_row
from tests.tasks.mailbox.conftest import LIAISON, message

pytestmark = pytest.mark.integration
SH = ZoneInfo("Asia/Shanghai")
GOOD = messy_workbook("tech-needs", [need_row(1), need_row(2)], unit="清河区", title="附表3：第1批技术需求")
BAD = messy_workbook("tech-needs", [need_row(3, sales_wan="很多")], unit="清河区", title="附表3：第1批技术需求")
STRANGER = "someone@spam.example.com"
MEMBER = "outsider@evil.example.com"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def run(app, now: datetime = datetime(2010, 7, 5, 12)):  # type: ignore[no-untyped-def]
    from tasks.mailbox import opened, poll

    with opened(app.settings) as box:
        return poll(app, box, now=now)


def outbox(app) -> list[Notification]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        rows = s.scalars(select(Notification).order_by(Notification.id)).all()
        for n in rows:
            s.expunge(n)
        return rows


def text_of(n: Notification) -> str:
    return message_from_bytes(n.raw, policy=policy.default).get_body(("plain",)).get_content()


def append(dovecot, m: EmailMessage, minute: int = 0) -> None:  # type: ignore[no-untyped-def]
    dovecot.append(m.as_bytes(), datetime(2010, 7, 5, 9, minute, tzinfo=SH))


def add_member(app) -> None:  # type: ignore[no-untyped-def]
    """清河区's current list as an applied 附表2 left it before this issue: a 成员 with an outside address."""
    from schemas.tables import Contact, ContactList, Unit

    with app.store.session(write=True) as s:
        unit = s.scalar(select(Unit).where(Unit.campaign == app.campaign.id, Unit.name == "清河区"))
        current = s.scalar(select(ContactList).where(ContactList.unit_id == unit.id, ContactList.current.is_(True)))
        s.add(Contact(contact_list_id=current.id, role="member", name="外人", email=MEMBER))


def test_a_member_roles_mail_is_held_not_filed_and_only_liaison_and_head_get_the_link(dovecot, mapp):
    from tasks.mailbox import release

    add_member(mapp)
    append(dovecot, message(sender=MEMBER, name="外人", files=[("附表3.xlsx", BAD)], msg_id="<member@x>"))
    append(
        dovecot,
        message(sender="qinghe.head@example.cn", name="李建国", files=[("附表3.xlsx", GOOD)], msg_id="<head@x>"),
        minute=1,
    )
    out = {r.message_id: r for r in run(mapp)}
    assert (out["<member@x>"].action, out["<member@x>"].unit) == ("held", None)
    assert (out["<head@x>"].action, out["<head@x>"].unit) == ("processed", "清河区")
    with mapp.store.session() as s:
        assert [x.status for x in s.scalars(select(Submission))] == ["accepted"]  # the head's file only
        held = s.scalar(select(MailIn).where(MailIn.message_id == "<member@x>"))
    release(mapp, held.id, "清河区", by="综合协调组", now=datetime(2010, 7, 5, 13))
    mails = outbox(mapp)
    assert sorted(n.recipient_email for n in mails) == sorted(
        [MEMBER, MEMBER, "qinghe.head@example.cn", LIAISON, LIAISON]
    )  # ack + release reply; two replies
    for n in mails:  # the page link goes to the unit's liaison and head, never to a mere sender
        assert ("/u/" in n.text) == (n.recipient_email != MEMBER), (n.recipient_email, n.key)
        assert ("/u/" in n.html) == (n.recipient_email != MEMBER)


def test_a_portal_or_inbox_receipt_links_only_the_liaison(mapp):
    """`queue_receipt` (inbox, page): a Reply naming a member gets the receipt but no link."""
    from notifications.receipts import Reply
    from tasks.intake import Origin
    from tasks.intake.service import submit_bytes

    add_member(mapp)
    submit_bytes(
        mapp,
        GOOD,
        "附表3.xlsx",
        received_at=datetime(2010, 7, 5, 9),
        origin=Origin(unit="清河区", reply=Reply("<r@x>", "<r@x>", "附表3", MEMBER)),
    )
    links = {n.recipient_email: "/u/" in n.text for n in outbox(mapp)}
    assert links == {MEMBER: False, LIAISON: True}


def test_in_production_the_mailbox_refuses_to_start_without_the_authserv_or_the_explicit_flag(dovecot, mail_settings):
    from tasks.app.open import open_app
    from tasks.mailbox import Imap, MailboxRefused
    from tasks.mailbox.policy import trust_problem

    prod = mail_settings.model_copy(update={"env": "production"})  # Dovecot here speaks no TLS: not re-validated
    assert trust_problem(mail_settings) is None  # development trusts From, as before
    assert trust_problem(prod.model_copy(update={"imap_trusted_authserv": "mx.kjj.example.cn"})) is None
    with pytest.raises(MailboxRefused, match="伪造.*DUBAN_IMAP_TRUSTED_AUTHSERV.*DUBAN_IMAP_TRUST_FROM=true"):
        Imap(prod)
    trusted = prod.model_copy(update={"imap_trust_from": True})
    append(dovecot, message(files=[("附表3.xlsx", GOOD)]))
    app = open_app("huaian-2010", settings=trusted)
    try:
        assert [r.action for r in run(app)] == ["processed"]
    finally:
        app.store.dispose()


def test_the_mailbox_command_says_why_in_one_line_and_exits_2(dovecot, mail_settings):
    env = {
        **os.environ,
        **dovecot.settings_env(),
        "DUBAN_HOME": str(mail_settings.home),
        "DUBAN_ENV": "production",
        "DUBAN_IMAP_TLS": "true",
        "DUBAN_SMTP_STARTTLS": "true",
        "DUBAN_PORTAL_SECRET": "p" * 40,
        "DUBAN_PORTAL_URL": "https://kqh.example.cn",
    }
    for k in ("DUBAN_DATABASE_URL", "DUBAN_IMAP_TRUSTED_AUTHSERV", "DUBAN_IMAP_TRUST_FROM"):
        env.pop(k, None)
    cmd = [sys.executable, "-m", "flows.cli", "mailbox", "--once", "--json"]
    append(dovecot, message(files=[("附表3.xlsx", GOOD)]))
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    lines = [x for x in p.stderr.splitlines() if x.strip() and not x.startswith("数据目录")]
    assert p.returncode == 2 and len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert "伪造" in lines[0] and "DUBAN_IMAP_TRUSTED_AUTHSERV" in lines[0] and "DUBAN_IMAP_TRUST_FROM=true" in lines[0]
    assert dovecot.count("INBOX") == 1  # nothing was read
    p = subprocess.run(cmd, env={**env, "DUBAN_IMAP_TRUST_FROM": "true"}, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "伪造" not in p.stderr, p.stderr  # past the check: Dovecot here speaks no TLS


def test_a_stranger_without_a_file_gets_no_answer(dovecot, mapp):
    append(dovecot, message(sender=STRANGER, name="优惠", subject="本周特价", msg_id="<spam1@x>"))
    only_a_picture = message(sender=STRANGER, name="优惠", subject="看图", msg_id="<spam2@x>")
    only_a_picture.add_attachment(PNG, maintype="image", subtype="png", filename="广告.png")
    append(dovecot, only_a_picture, minute=1)
    out = run(mapp)
    assert [r.action for r in out] == ["no-attachment", "no-attachment"]
    assert "不予回复" in out[0].reason and "广告.png是图片" in out[1].reason  # ops read why
    assert outbox(mapp) == [] and dovecot.count("处理失败") == 2 and dovecot.count("INBOX") == 0


def test_a_liaison_without_a_file_is_still_answered_and_told_a_picture_is_no_report(dovecot, mapp):
    m = message(subject="附表3", msg_id="<pic@x>")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="截图.png")
    append(dovecot, m)
    assert [r.action for r in run(mapp)] == ["no-attachment"]
    [ack] = outbox(mapp)
    assert ack.recipient_email == LIAISON and "没有找到报表附件" in text_of(ack) and "截图.png（图片）" in text_of(ack)


def test_a_stranger_with_files_gets_at_most_one_acknowledgement_a_day(dovecot, mapp):
    append(dovecot, message(sender=STRANGER, name="某人", files=[("附表3.xlsx", BAD)], msg_id="<s1@x>"))
    append(
        dovecot, message(sender=STRANGER.upper(), name="某人", files=[("附表3.xlsx", GOOD)], msg_id="<s2@x>"), minute=5
    )
    out = run(mapp)
    assert [r.action for r in out] == ["held", "held"]
    assert "今天已答复过该地址" in out[1].reason
    [ack] = outbox(mapp)
    assert ack.recipient_email == STRANGER and "/u/" not in ack.text
    append(dovecot, message(sender=STRANGER, name="某人", files=[("附表3.xlsx", GOOD)], msg_id="<s3@x>"))
    assert [r.action for r in run(mapp, now=datetime(2010, 7, 5, 23, 59))] == ["held"]  # the same day: none
    assert len(outbox(mapp)) == 1
    append(dovecot, message(sender=STRANGER, name="某人", files=[("附表3.xlsx", GOOD)], msg_id="<s4@x>"))
    assert [r.action for r in run(mapp, now=datetime(2010, 7, 6, 0, 1))] == ["held"]  # the next day (Shanghai): one
    assert [n.recipient_email for n in outbox(mapp)] == [STRANGER, STRANGER]
    with mapp.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"List-Id": "<kjj-news.lists.example.cn>"},
        {"List-Unsubscribe": "<mailto:unsubscribe@lists.example.cn>"},
        {"Precedence": "list"},
        {"Precedence": "junk"},
    ],
)
@pytest.mark.parametrize("sender", [STRANGER, LIAISON])
def test_list_and_bulk_mail_is_never_answered(dovecot, mapp, headers, sender):
    append(dovecot, message(sender=sender, files=[("附表3.xlsx", GOOD)], headers=headers, msg_id="<list@x>"))
    [r] = run(mapp)
    assert r.action == "ignored" and "不回复" in r.reason, r.reason
    assert outbox(mapp) == [] and dovecot.count("已处理") == 1
    with mapp.store.session() as s:
        assert s.scalar(select(MailIn.reason)) == r.reason


def test_one_reply_per_message_names_what_is_not_a_report_and_judges_only_reports(dovecot, mapp):
    m = message(files=[("附表3_清河区.xlsx", BAD)], msg_id="<three@x>")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="扫描件.png")
    m.add_attachment(ICS, maintype="text", subtype="calendar", filename="会议邀请.ics")
    m.add_attachment(b"--- a\n+++ b\n", maintype="application", subtype="octet-stream", filename="fix.patch")
    m.add_attachment(b"BEGIN:VCARD\r\nEND:VCARD\r\n", maintype="text", subtype="x-vcard", filename="王晓明.vcf")
    append(dovecot, m)
    [r] = run(mapp)
    assert r.action == "processed"
    assert [(f["name"], f["status"]) for f in r.files] == [
        ("附表3_清河区.xlsx", "rejected"),
        ("扫描件.png", "not-report"),
        ("会议邀请.ics", "not-report"),
        ("fix.patch", "not-report"),
        ("王晓明.vcf", "not-report"),
    ]
    with mapp.store.session() as s:
        assert [x.filename for x in s.scalars(select(Submission))] == ["附表3_清河区.xlsx"]  # only the report judged
    [reply] = outbox(mapp)
    mail = message_from_bytes(reply.raw, policy=policy.default)
    text = text_of(reply)
    assert reply.recipient_email == LIAISON and mail["In-Reply-To"] == "<three@x>"
    assert "扫描件.png：图片，不是报表文件，未处理" in text and "会议邀请.ics：日历文件，不是报表文件，未处理" in text
    assert "fix.patch：补丁文件，不是报表文件" in text and "王晓明.vcf：名片（vCard），不是报表文件" in text
    assert "附表3_清河区.xlsx：未通过校验" in text and "错误 1 处" in text and "很多" in text
    html = mail.get_body(("html",)).get_content()
    assert "<b>扫描件.png</b>" in html and html.count("不是报表文件，未处理") == 4
    assert [a.get_filename() for a in mail.iter_attachments()] == ["批注_附表3_清河区.xlsx"]
    assert len(reply.raw) < 200_000
    assert [r.action for r in run(mapp)] == [] and len(outbox(mapp)) == 1  # moved: answered once


@pytest.fixture
def pg_mapp(tmp_path, dovecot, pg_schema_url):  # type: ignore[no-untyped-def]
    from tasks.app.open import open_app

    env = dovecot.settings_env()
    st = Settings(
        home=tmp_path / "var",
        database_url=pg_schema_url,
        imap_host=env["DUBAN_IMAP_HOST"],  # type: ignore[call-arg]
        imap_port=int(env["DUBAN_IMAP_PORT"]),
        imap_username=env["DUBAN_IMAP_USERNAME"],
        imap_password=env["DUBAN_IMAP_PASSWORD"],
        imap_tls=False,
        smtp_port=1,
        smtp_connect_timeout=0.2,
        portal_secret="p" * 40,
        _env_file=None,
    )
    a = open_app("huaian-2010", settings=st)
    yield a
    a.store.dispose()


@pytest.mark.postgres
def test_a_nul_in_the_subject_sender_or_file_name_is_recorded_on_postgresql_and_moved(dovecot, pg_mapp):
    nul = message(
        subject="回复：附表3\x00报送", name="王\x00晓明", files=[("附表3\x00清河区.xlsx", GOOD)], msg_id="<nul@x>"
    )
    stranger = message(sender=STRANGER, subject="\x00", name="\x00", files=[("a\x00.xlsx", GOOD)], msg_id="<nul2@x>")
    append(dovecot, nul)
    append(dovecot, stranger, minute=1)
    out = run(pg_mapp)
    assert [r.action for r in out] == ["processed", "held"], [r.reason for r in out]
    assert dovecot.count("INBOX") == 0 and dovecot.count("已处理") == 2
    with pg_mapp.store.session() as s:
        rows = s.scalars(select(MailIn).order_by(MailIn.id)).all()
        assert rows[0].subject == "回复：附表3报送" and rows[0].files[0]["name"] == "附表3清河区.xlsx"
        assert s.scalars(select(Submission)).one().submitted_by == "王晓明"
    assert all("\x00" not in n.subject + n.text for n in outbox(pg_mapp))
