"""Whom the mailbox answers, and when it refuses to read: pure decisions, no server."""

from __future__ import annotations

import pytest

from config.settings import Settings
from tasks.intake.mailparse import Incoming, not_report
from tasks.mailbox.policy import decide, reply_kind, trust_problem

pytestmark = pytest.mark.unit


def inc(*, files=(), others=(), automatic=None, sender="x@example.com", attached=False) -> Incoming:  # type: ignore[no-untyped-def]
    return Incoming("<m@x>", sender, "", "s", "<m@x>", list(files), automatic, [], [], None, list(others), attached)


@pytest.mark.parametrize(
    ("ctype", "name", "kind"),
    [
        ("image/png", "附表3.xlsx", "图片"),  # the content type says so, whatever the name
        ("application/octet-stream", "照片.JPG", "图片"),
        ("application/octet-stream", "fix.patch", "补丁文件"),
        ("text/x-diff", "a", "补丁文件"),
        ("application/pkcs7-signature", "smime.p7s", "数字签名"),
        ("application/octet-stream", "sig.asc", "数字签名"),
        ("text/calendar", "invite.ics", "日历文件"),
        ("text/vcard", "名片.vcf", "名片（vCard）"),
        ("application/octet-stream", "附表3.xlsx", None),
        ("application/vnd.ms-excel", "附表3.xls", None),
        ("application/pdf", "总结.pdf", None),
        ("text/plain", "附表3.txt", None),
        ("text/csv", "a.csv", None),
    ],
)
def test_what_is_not_a_report_file(ctype, name, kind):
    assert not_report(ctype, name) == kind


def test_a_stranger_is_answered_only_with_a_file_and_once_a_day():
    bare, picture, filed = inc(), inc(others=[("a.png", "图片", b"")]), inc(files=[("a.xlsx", b"")])
    for m in (bare, picture):
        action, _ = decide(m, too_large="", unit=None, contact=False, forged=False)
        assert (
            action == "no-attachment" and reply_kind(action, m, contact=False, forged=False, acked_today=0)[0] is None
        )
    action, reason = decide(filed, too_large="", unit=None, contact=False, forged=False)
    assert action == "held" and reply_kind(action, filed, contact=False, forged=False, acked_today=0) == ("ack", "")
    assert reply_kind(action, filed, contact=False, forged=False, acked_today=1)[0] is None
    big = inc(attached=True)  # only its header was read: multipart/mixed says it carries files
    assert reply_kind("too-large", big, contact=False, forged=False, acked_today=0) == ("ack", "")
    assert reply_kind("too-large", inc(), contact=False, forged=False, acked_today=0)[0] is None


def test_a_contact_is_answered_once_a_day_machines_never_forged_once_a_day():
    assert reply_kind("no-attachment", inc(), contact=True, forged=False, acked_today=0) == ("ack", "")
    # a forged liaison address (where From is trusted) cannot flood the liaison: once a day (security review)
    assert reply_kind("no-attachment", inc(), contact=True, forged=False, acked_today=1)[0] is None
    auto = inc(files=[("a.xlsx", b"")], automatic="邮件列表或群发邮件（List-Id / List-Unsubscribe）")
    assert decide(auto, too_large="", unit="清河区", contact=True, forged=False)[0] == "ignored"
    assert reply_kind("ignored", auto, contact=True, forged=False, acked_today=0)[0] is None
    assert reply_kind("held", inc(files=[("a", b"")]), contact=True, forged=True, acked_today=0)[0] == "forged"
    assert reply_kind("held", inc(files=[("a", b"")]), contact=True, forged=True, acked_today=1)[0] is None


def test_production_refuses_the_mailbox_unless_someone_vouches_for_senders():
    base = Settings(imap_host="imap.example.cn", _env_file=None)  # type: ignore[call-arg]
    prod = base.model_copy(update={"env": "production"})
    assert trust_problem(base) is None and "伪造" in (trust_problem(prod) or "")
    assert trust_problem(prod.model_copy(update={"imap_trusted_authserv": "mx.example.cn"})) is None
    assert trust_problem(prod.model_copy(update={"imap_trust_from": True})) is None
    assert trust_problem(prod.model_copy(update={"imap_host": None})) is None  # no mailbox, nothing to refuse
