"""Replies are submissions: a real Dovecot, a real store, exactly once."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from schemas.outbox import Notification
from schemas.tables import MailIn, Submission
from tests.tasks.intake.files import messy_workbook, need_row
from tests.tasks.mailbox.conftest import LIAISON, message, qq_style

pytestmark = pytest.mark.integration
SH = ZoneInfo("Asia/Shanghai")
GOOD = messy_workbook("tech-needs", [need_row(1), need_row(2)], unit="清河区", title="附表3：第1批技术需求")
BAD = messy_workbook("tech-needs", [need_row(3, sales_wan="很多")], unit="清河区", title="附表3：第1批技术需求")


def run(mapp):  # type: ignore[no-untyped-def]
    from tasks.mailbox import opened, poll

    with opened(mapp.settings) as box:
        return poll(mapp, box, now=datetime(2010, 7, 5, 12))


def receipts(mapp) -> list[EmailMessage]:  # type: ignore[no-untyped-def]
    with mapp.store.session() as s:
        rows = s.scalars(select(Notification).where(Notification.kind == "receipt").order_by(Notification.id)).all()
        return [message_from_bytes(n.raw, policy=policy.default) for n in rows]


def test_a_reply_with_a_qq_style_attachment_is_filed_and_answered_as_a_threaded_reply(dovecot, mapp):
    dovecot.append(qq_style(BAD, "附表3_清河区_第1批.xlsx"), datetime(2010, 7, 5, 10, 30).replace(tzinfo=SH))
    out = run(mapp)
    assert [r.as_json() for r in out] == [
        {
            "message_id": "<qq1@qq.example.com>",
            "from": LIAISON,
            "unit": "清河区",
            "action": "processed",
            "files": [
                {"name": "附表3_清河区_第1批.xlsx", "status": "rejected", "form": "tech-needs", "period": "第1批"}
            ],
        }
    ]
    with mapp.store.session() as s:
        sub = s.scalars(select(Submission)).one()
        assert sub.channel == "mail" and sub.received_at == datetime(2010, 7, 5, 10, 30)  # INTERNALDATE
    mails = receipts(mapp)
    assert [m["To"].addresses[0].addr_spec for m in mails] == [LIAISON]  # sender and liaison are one: once
    r = mails[0]
    assert r["In-Reply-To"] == "<qq1@qq.example.com>" and "<qq1@qq.example.com>" in r["References"]
    assert str(r["Subject"]).startswith("Re: 回复：附表3")
    assert "第" in r.get_body(("plain",)).get_content() and "/u/" in r.get_body(("plain",)).get_content()
    assert dovecot.count("INBOX") == 0 and dovecot.count("已处理") == 1


def test_the_same_message_twice_and_after_a_uidvalidity_change_is_filed_once(dovecot, mapp):
    raw = message(files=[("附表3.xlsx", GOOD)]).as_bytes()
    dovecot.append(raw, datetime(2010, 7, 5, 9).replace(tzinfo=SH))
    dovecot.append(raw, datetime(2010, 7, 5, 9, 5).replace(tzinfo=SH))  # the client sent it again
    first = run(mapp)
    assert [r.action for r in first] == ["processed", "already-seen"]
    from tasks.mailbox import (
        Imap,  # another folder, another UIDVALIDITY: the same message in it
    )

    box = Imap(mapp.settings)
    uv_before = box.uidvalidity()
    box.box.folder.create("报送")
    box.close()
    dovecot.append(raw, datetime(2010, 7, 5, 9).replace(tzinfo=SH), folder="报送")
    mapp.settings.imap_folder = "报送"
    again = run(mapp)
    assert [r.action for r in again] == ["already-seen"]
    with mapp.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
        assert {(m.uidvalidity == uv_before) for m in s.scalars(select(MailIn))} == {True, False}


def test_unknown_senders_are_held_kept_and_released_by_ops(dovecot, mapp):
    from tasks.mailbox import release

    dovecot.append(
        message(
            sender="someone@gmail.example.com", name="某人", files=[("附表3.xlsx", BAD)], msg_id="<u1@gmail>"
        ).as_bytes(),
        datetime(2010, 7, 5, 9).replace(tzinfo=SH),
    )
    out = run(mapp)
    assert out[0].action == "held" and out[0].unit is None
    with mapp.store.session() as s:
        held = s.scalars(select(MailIn)).one()
        assert (mapp.settings.files_dir / held.files[0]["sha256"]).exists()
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
        ack = s.scalars(select(Notification)).one()
    assert ack.recipient_email == "someone@gmail.example.com"
    assert (
        "待工作人员确认" in ack.text and "第" not in ack.text.split("您好！")[1].split("——")[0]
    )  # no validation details
    assert "清河区" not in ack.text and "/u/" not in ack.text  # no unit's data, no unit's link
    r = release(mapp, held.id, "清河区", by="综合协调组", now=datetime(2010, 7, 5, 11))
    assert r.files[0]["status"] == "rejected"
    with mapp.store.session() as s:
        assert s.get(MailIn, held.id).action == "released"
        assert s.scalars(select(Submission)).one().unit.name == "清河区"
        after = {
            n.recipient_email: n.text for n in s.scalars(select(Notification).where(Notification.kind == "receipt"))
        }
    assert "/u/" not in after["someone@gmail.example.com"]  # ops vouched for the file, not for a key to the page
    assert "/u/" in after[LIAISON]


def test_a_file_naming_another_unit_is_refused_as_a_mismatch(dovecot, mapp):
    other = messy_workbook("tech-needs", [need_row(1)], unit="盱眙县")
    dovecot.append(message(files=[("附表3.xlsx", other)]).as_bytes(), datetime(2010, 7, 5, 9).replace(tzinfo=SH))
    out = run(mapp)
    assert out[0].files[0]["status"] == "unreadable"
    with mapp.store.session() as s:
        sub = s.scalars(select(Submission)).one()
        assert sub.unit.name == "清河区" and "不是本单位" in sub.issues[0].message


def test_forwarded_zipped_inline_and_signed_parts(dovecot, mapp):
    inner = message(files=[("附表3_转发.xlsx", GOOD)], msg_id="<inner@x>")
    outer = message(msg_id="<fwd@x>", subject="转发：附表3")
    outer.add_attachment(inner, filename="原邮件.eml")
    buf = io.BytesIO()
    gbk = "附表3_压缩包.xlsx".encode("gb18030")
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x" * len(gbk), BAD)
    zipped = buf.getvalue().replace(b"x" * len(gbk), gbk)  # Windows wrote GBK names, no UTF-8 flag
    outer.add_attachment(zipped, maintype="application", subtype="zip", filename="报表.zip")
    outer.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"0" * 50,
        maintype="image",
        subtype="png",
        filename="logo.png",
        disposition="inline",
        cid="<logo>",
    )
    outer.add_attachment(
        b"-----BEGIN PGP SIGNATURE-----", maintype="application", subtype="pgp-signature", filename="signature.asc"
    )
    dovecot.append(outer.as_bytes(), datetime(2010, 7, 5, 9).replace(tzinfo=SH))
    out = run(mapp)
    names = [
        (f["name"], f["status"]) for f in out[0].files
    ]  # the inline logo is no attachment; the signature is no report
    assert names == [
        ("附表3_转发.xlsx", "accepted"),
        ("附表3_压缩包.xlsx", "rejected"),
        ("signature.asc", "not-report"),
    ], names


def test_a_message_without_a_file_is_answered_once_and_never_fetched_again(dovecot, mapp):
    dovecot.append(
        message(text="请问附表3的截止日期？", msg_id="<q@x>").as_bytes(), datetime(2010, 7, 5, 9).replace(tzinfo=SH)
    )
    assert [r.action for r in run(mapp)] == ["no-attachment"]
    assert [r.action for r in run(mapp)] == []
    assert dovecot.count("处理失败") == 1
    with mapp.store.session() as s:
        n = s.scalars(select(Notification)).one()
        assert "没有找到报表附件" in n.text


@pytest.mark.parametrize(
    "headers,sender,subject",
    [
        ({"Auto-Submitted": "auto-replied"}, LIAISON, "自动回复：我正在休假"),
        ({"X-Autoreply": "yes"}, LIAISON, "Re: 催报"),
        ({}, LIAISON, "自动回复: 您的邮件已收到"),
        ({}, "MAILER-DAEMON@qq.example.com", "退信：无法送达"),
        ({}, "postmaster@163.example.com", "Undelivered Mail Returned to Sender"),
        ({}, "kqh@kjj.huaian.example.cn", "【催报提醒】附表3"),  # our own mail, looped back
    ],
)
def test_machines_are_never_answered(dovecot, mapp, headers, sender, subject):
    dovecot.append(
        message(sender=sender, subject=subject, headers=headers, files=[("附表3.xlsx", GOOD)]).as_bytes(),
        datetime(2010, 7, 5, 9).replace(tzinfo=SH),
    )
    assert [r.action for r in run(mapp)] == ["ignored"]
    with mapp.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 0
        assert s.scalar(select(func.count()).select_from(Submission)) == 0


def test_mails_invite_the_reply_and_name_the_address(mapp):
    from datetime import date

    from tasks.outbox.digest_text import render_digest

    d = render_digest(
        mapp.campaign,
        "王晓明",
        [
            dict(
                unit="清河区",
                name="附表3",
                period="",
                due="2010-07-05",
                phrase="今天截止",
                late=False,
                escalation=False,
                level=0,
            )
        ],
        date(2010, 7, 5),
    )
    assert "请勿直接回复" not in d.html and "回复本邮件并附上" in d.text and mapp.campaign.office.email in d.text


def test_killed_at_random_moments_then_rerun_nothing_twice_nothing_lost(dovecot, mail_settings, tmp_path):
    """`duban mailbox --once` killed (SIGKILL) at random moments, again and again, then run to the end."""
    import json
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    from tasks.app.open import open_app

    n = 10
    for i in range(n):
        data = messy_workbook("tech-needs", [need_row(100 + i)], unit="清河区", title="附表3：第1批技术需求")
        dovecot.append(
            message(files=[(f"附表3_{i}.xlsx", data)], msg_id=f"<k{i}@x>").as_bytes(),
            datetime(2010, 7, 5, 9, i).replace(tzinfo=SH),
        )
    env = {
        **os.environ,
        **dovecot.settings_env(),
        "DUBAN_HOME": str(mail_settings.home),
        "DUBAN_SMTP_PORT": "1",
        "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2",
        "DUBAN_PORTAL_SECRET": "p" * 40,
    }
    env.pop("DUBAN_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "flows.cli", "mailbox", "--once", "--json"]
    rng = random.Random(20100705)
    kills = 0
    for _ in range(3):
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(1.2, 2.8))  # the command starts in ~1 s, then files a message every ~0.1 s
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.communicate(timeout=60)
    last = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert last.returncode == 0, last.stderr
    json.loads(last.stdout)
    app = open_app("huaian-2010", settings=mail_settings)
    try:
        with app.store.session() as s:
            subs = s.scalars(select(Submission)).all()
            rows = s.scalars(select(MailIn)).all()
            receipt_keys = s.scalars(select(Notification.key).where(Notification.kind == "receipt")).all()
        assert len(subs) == n and len({x.sha256 for x in subs}) == n  # every file once
        assert sorted(r.message_id for r in rows) == sorted(f"<k{i}@x>" for i in range(n))
        assert {r.action for r in rows} == {"processed"} and all(len(r.files) == 1 for r in rows)
        assert sorted(receipt_keys) == sorted(
            f"mail-receipt:huaian-2010:{r.id}:{LIAISON}" for r in rows
        )  # one reply each
    finally:
        app.store.dispose()
    assert dovecot.count("INBOX") == 0 and dovecot.count("已处理") == n
    assert kills >= 1


def test_a_malformed_message_never_stops_the_ones_after_it(dovecot, mapp):
    nested = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(1500))
    evil = b"From: x@evil.example.com\r\nSubject: x\r\nMessage-ID: <evil@x>\r\nMIME-Version: 1.0\r\n" + nested
    dovecot.append(evil, datetime(2010, 7, 5, 8).replace(tzinfo=SH))
    dovecot.append(message(files=[("附表3.xlsx", GOOD)]).as_bytes(), datetime(2010, 7, 5, 9).replace(tzinfo=SH))
    out = run(mapp)
    assert [r.action for r in out][-1] == "processed"
    assert out[0].action in ("no-attachment", "error")


def test_a_message_over_the_size_limit_is_answered_with_why_and_never_fetched_whole(dovecot, mail_settings):
    """Too large to read (DUBAN_IMAP_MAX_MESSAGE_BYTES): only its header is fetched, the sender
    is told why in words a clerk understands and what to do, and it is moved to 处理失败, once."""
    from tasks.app.open import open_app

    app = open_app("huaian-2010", settings=mail_settings.model_copy(update={"imap_max_message_bytes": 40 * 1024}))
    big = message(files=[("附表3_清河区.xlsx", GOOD), ("扫描件.pdf", b"%PDF-1.4" + bytes(60_000))], msg_id="<big@x>")
    dovecot.append(big.as_bytes(), datetime(2010, 7, 5, 9).replace(tzinfo=SH))
    out = run(app)
    assert [(r.action, r.unit, r.message_id) for r in out] == [("too-large", "清河区", "<big@x>")]
    assert run(app) == [] and dovecot.count("处理失败") == 1
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
        n = s.scalars(select(Notification)).one()
    m = message_from_bytes(n.raw, policy=policy.default)
    text = m.get_body(("plain",)).get_content()
    assert n.recipient_email == LIAISON and m["In-Reply-To"] == "<big@x>"
    assert re.search(r"但邮件大小 \d+ KB，超过 40 KB 的上限，未能处理", text) and "分成几封邮件发送" in text, text
    app.store.dispose()


def test_files_past_the_twentieth_are_named_to_the_sender_not_dropped_silently(dovecot, mapp):
    files = [
        (
            f"附表3_清河区_{i:02d}.xlsx",
            messy_workbook("tech-needs", [need_row(100 + i)], unit="清河区", title="附表3：第1批技术需求"),
        )
        for i in range(22)
    ]
    dovecot.append(message(files=files, msg_id="<many@x>").as_bytes(), datetime(2010, 7, 5, 9).replace(tzinfo=SH))
    [r] = run(mapp)
    assert r.action == "processed" and [f["status"] for f in r.files].count("accepted") == 20
    assert [f["name"] for f in r.files if f["status"] == "over-limit"] == [
        "附表3_清河区_20.xlsx",
        "附表3_清河区_21.xlsx",
    ]
    [reply] = receipts(mapp)  # one reply for the message, naming the two it did not file
    text = reply.get_body(("plain",)).get_content()
    assert "附表3_清河区_20.xlsx：本邮件附件过多，此文件未处理，请另发邮件报送" in text, text
    assert "附表3_清河区_21.xlsx：本邮件附件过多" in text and text.count("已通过校验，予以受理") == 20


def test_with_a_trusted_mail_server_a_forged_liaison_address_is_held_and_its_owner_told(dovecot, mail_settings):
    """DUBAN_IMAP_TRUSTED_AUTHSERV: a file "from" a liaison is filed only when our mail server
    vouched for the sender's domain; a forged one is held for ops, and the address's owner hears
    of it (no file, no data in the answer)."""
    from tasks.app.open import open_app

    app = open_app(
        "huaian-2010", settings=mail_settings.model_copy(update={"imap_trusted_authserv": "mx.kjj.example.cn"})
    )
    real = message(
        files=[("附表3.xlsx", GOOD)],
        msg_id="<real@x>",
        headers={"Authentication-Results": "mx.kjj.example.cn; dmarc=pass header.from=example.cn"},
    )
    forged = message(
        files=[("附表3.xlsx", BAD)],
        msg_id="<forged@x>",
        headers={"Authentication-Results": "evil.example.com; dmarc=pass header.from=example.cn"},
    )
    dovecot.append(real.as_bytes(), datetime(2010, 7, 5, 9).replace(tzinfo=SH))
    dovecot.append(forged.as_bytes(), datetime(2010, 7, 5, 9, 5).replace(tzinfo=SH))
    out = {r.message_id: r for r in run(app)}
    assert (out["<real@x>"].action, out["<real@x>"].unit) == ("processed", "清河区")
    assert (out["<forged@x>"].action, out["<forged@x>"].unit) == ("held", None)
    assert "未通过" in out["<forged@x>"].reason
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
        ack = s.scalars(select(Notification).where(Notification.key.like("mail-ack:%"))).one()
    text = message_from_bytes(ack.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert ack.recipient_email == LIAISON and "如果这封邮件不是您发送的" in text and "/u/" not in text
    app.store.dispose()


def test_messages_are_moved_by_imap_move_not_copy_then_expunge(dovecot, mail_settings):
    """MOVE is atomic; COPY then EXPUNGE is not (a run killed between them leaves the message in
    both folders). Dovecot lists MOVE only after login, so the capabilities are read again."""
    from tasks.mailbox import Imap

    box = Imap(mail_settings)
    try:
        assert "MOVE" in box.box.client.capabilities
    finally:
        box.close()
