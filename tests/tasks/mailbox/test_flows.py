"""The mail-intake and release-held-mail flows under the Prefect harness."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from prefect.artifacts import Artifact

from tests.tasks.intake.files import messy_workbook, need_row
from tests.tasks.mailbox.conftest import message

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


def test_mail_intake_files_holds_and_ops_release(prefect_harness, dovecot, mail_settings, monkeypatch):
    from flows.mail_intake import mail_intake
    from flows.release_held_mail import release_held_mail

    for k, v in {
        **dovecot.settings_env(),
        "DUBAN_HOME": str(mail_settings.home),
        "DUBAN_SMTP_PORT": "1",
        "DUBAN_SMTP_CONNECT_TIMEOUT": "0.2",
        "DUBAN_PORTAL_SECRET": "p" * 40,
    }.items():
        monkeypatch.setenv(k, v)
    sh = ZoneInfo("Asia/Shanghai")
    good = messy_workbook("tech-needs", [need_row(1)], unit="清河区", title="附表3：第1批技术需求")
    dovecot.append(message(files=[("附表3.xlsx", good)]).as_bytes(), datetime(2010, 7, 5, 9, tzinfo=sh))
    dovecot.append(
        message(sender="x@unknown.example.com", files=[("附表3.xlsx", good + b"")], msg_id="<h@x>").as_bytes(),
        datetime(2010, 7, 5, 9, 1, tzinfo=sh),
    )
    out = mail_intake()
    assert [r["action"] for r in out] == ["processed", "held"]
    assert "release-held-mail" in Artifact.get("mail-held").description
    mail_id = int(__import__("json").loads(Artifact.get("mail-held").data)[0]["编号"])
    released = release_held_mail(mail_id, "清河", released_by="综合协调组")
    assert released["unit"] == "清河区" and released["files"][0]["status"] == "duplicate"  # the same bytes as the first


def test_mail_intake_without_a_mailbox_says_so(prefect_harness, sqlite_settings, monkeypatch):
    from flows.mail_intake import mail_intake

    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.delenv("DUBAN_IMAP_HOST", raising=False)
    assert mail_intake() == []


def test_mail_intake_in_production_without_the_authserv_fails_saying_why(
    prefect_harness, dovecot, mail_settings, monkeypatch
):
    from flows.mail_intake import mail_intake

    for k, v in {
        **dovecot.settings_env(),
        "DUBAN_HOME": str(mail_settings.home),
        "DUBAN_ENV": "production",
        "DUBAN_IMAP_TLS": "true",
        "DUBAN_SMTP_STARTTLS": "true",
        "DUBAN_PORTAL_SECRET": "p" * 40,
        "DUBAN_PORTAL_URL": "https://kqh.example.cn",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("DUBAN_IMAP_TRUSTED_AUTHSERV", raising=False)
    monkeypatch.delenv("DUBAN_IMAP_TRUST_FROM", raising=False)
    dovecot.append(message().as_bytes(), datetime(2010, 7, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    state = mail_intake(return_state=True)
    assert state.is_failed() and "伪造" in state.message and "DUBAN_IMAP_TRUST_FROM=true" in state.message
    assert dovecot.count("INBOX") == 1  # nothing read
