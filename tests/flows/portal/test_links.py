"""Links in every mail a unit's people get, `duban link`, and what production refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime

import pytest
from sqlalchemy import select

from schemas.outbox import Notification

pytestmark = pytest.mark.integration


def test_reminders_and_escalations_carry_the_units_link_and_group_mail_does_not(portal):
    from tasks.reminders.job import queue_day

    app, web, _ = portal
    queue_day(app, date(2010, 7, 16), datetime(2010, 7, 16, 9), confirmed_by="测试")  # 督办 of 附表2, due 6月30日
    with app.store.session() as s:
        mails = s.scalars(select(Notification).where(Notification.kind == "digest")).all()
    assert mails
    group_emails = {g.email.lower() for g in app.campaign.groups}
    for n in mails:
        if n.recipient_email.lower() in group_emails:
            assert "/u/" not in n.text
        else:
            assert "http://testserver/u/" in n.text and "报送页面" in n.text and 'href="http://testserver/u/' in n.html


def test_duban_link_prints_the_contract_and_revoke_voids_the_old_link(tmp_path):
    env = {
        **os.environ,
        "DUBAN_HOME": str(tmp_path / "var"),
        "DUBAN_PORTAL_SECRET": "z" * 40,
        "DUBAN_PORTAL_URL": "https://duban.example.cn",
    }
    run = [sys.executable, "-m", "flows.cli", "link"]
    first = subprocess.run([*run, "盱眙", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert set(out) == {"unit", "url", "expires_at"} and out["unit"] == "盱眙县"
    assert out["url"].startswith("https://duban.example.cn/u/") and out["expires_at"] > "2026"
    again = subprocess.run([*run, "盱眙县", "--revoke", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and json.loads(again.stdout)["url"] != out["url"]
    bad = subprocess.run([*run, "不存在的县"], env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr + bad.stdout


def test_production_needs_a_real_secret_and_https():
    from config.settings import Settings

    base = dict(env="production", smtp_starttls=True, _env_file=None)
    with pytest.raises(ValueError, match="DUBAN_PORTAL_SECRET"):
        Settings(**base, portal_url="https://x.example.cn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="https"):
        Settings(**base, portal_secret="s" * 40, portal_url="http://x.example.cn")  # type: ignore[arg-type]
    assert Settings(**base, portal_secret="s" * 40, portal_url="https://x.example.cn").portal_keys() == ["s" * 40]  # type: ignore[arg-type]
