"""The ops' daily commands as a newcomer meets them (issue 15): going live mid-campaign, loud
mail failures, names instead of codes, dates as people write them, where am I, mail follow-up,
status filters. In-process (click's runner) on a real store and a real SMTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from flows.cli import main
from notifications.capture import free_port
from schemas.tables import AuditLog, Submission
from tasks.ops import names
from tests import ROOT
from tests.tasks.intake.files import messy_workbook, need_row, write

pytestmark = [pytest.mark.integration]
COUNTIES = 15  # the counties and districts owe the special-activity plan


@pytest.fixture
def duban(tmp_path, smtp):  # type: ignore[no-untyped-def]
    """Run one command as ops would; returns click's result (stdout and stderr apart)."""
    env = {
        "DUBAN_HOME": str(tmp_path / "var"),
        "DUBAN_SMTP_PORT": str(smtp.port),
        "DUBAN_SMTP_BACKOFF": "0.01",
        "DUBAN_DATABASE_URL": None,
    }

    def run(*args: str, **more: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args), env={**env, **more}, catch_exceptions=False)

    run.home = tmp_path / "var"  # type: ignore[attr-defined]
    return run


def lines(text: str) -> list[str]:
    return [x for x in text.splitlines() if x.strip()]


# 1. Going live mid-campaign --------------------------------------------------------------


def test_a_fresh_store_in_july_escalates_nobody_until_ops_confirm(duban, smtp):
    r = duban("sweep", "--as-of", "2010-07-16")
    assert r.exit_code == 4 and smtp.received == []
    assert (
        "72 份督办通知（24 项逾期任务），合为" in r.stderr
        and "duban backfill" in r.stderr
        and "--confirm --by" in r.stderr
    )
    assert "（未发送，等待确认）" in r.stdout
    r = duban("sweep", "--as-of", "2010-07-16", "--json")
    assert r.exit_code == 4 and len(json.loads(r.stdout)) == 66  # the contract: the list, on stdout
    assert json.loads(lines(r.stderr)[-1])["held"].startswith("本次将发出 72 份")
    r = duban("sweep", "--as-of", "2010-07-16", "--confirm")
    assert r.exit_code == 2 and "--by" in r.stderr  # a confirmation says who
    r = duban("sweep", "--as-of", "2010-07-16", "--confirm", "--by", "综合协调组")
    assert r.exit_code == 0 and smtp.received, r.stderr
    from tasks.app.open import open_app

    app = open_app(settings=_settings(duban))
    with app.store.session() as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "sweep.confirm")).one()
        assert entry.actor == "综合协调组" and entry.detail["escalation_notices"] == 72


def _settings(duban):  # type: ignore[no-untyped-def]
    from config.settings import get_settings

    return get_settings(home=duban.home)


def test_backfill_records_deliveries_outside_duban_so_the_first_sweep_escalates_only_the_rest(duban, smtp, tmp_path):
    from tasks.app.open import open_app

    campaign = open_app(settings=_settings(duban)).campaign
    units = [u.name for u in campaign.units]
    needs = [u.name for u in campaign.owners_of(campaign.obligation(names.obligation(campaign, "附表3")))]
    sheet = "单位,任务,期次,收到日期,说明\n" + "".join(
        f"{u},附表2,,2010年6月{20 + i % 10}日,纸质报送\n" for i, u in enumerate(units[:12])
    )
    sheet += "".join(f"{u},技术难题和需求排查,第1批,2010/7/5,传真\n" for u in needs[:6])  # by title, too
    bad = write(tmp_path, "bad.csv", (sheet + "淮阴,附表3,第9批,2010-02-30,\n").encode("utf-8"))
    r = duban("backfill", str(bad), "--by", "综合协调组")
    assert r.exit_code == 1 and "您是否要找：淮阴区、淮阴工学院、淮阴师范学院" in r.stderr
    with open_app(settings=_settings(duban)).store.session() as s:
        assert s.scalars(select(Submission).where(Submission.status == "external")).all() == []  # all or nothing
    good = write(tmp_path, "已报送.csv", sheet.encode("gb18030"))
    r = duban("backfill", str(good), "--by", "综合协调组")
    assert r.exit_code == 0 and "已登记 18 项系统外报送" in r.stdout, r.stderr
    r = duban("backfill", str(good), "--by", "综合协调组")  # again: nothing twice, and not a failure (issue 26.12)
    assert r.exit_code == 0 and "18 项此前均已登记（没有新内容），未重复登记" in r.stdout, r.stdout + r.stderr
    r = duban("status", "--as-of", "2010-07-16", "--obligation", "附表2", "--json")
    states = {x["unit"]: x["state"] for x in json.loads(r.stdout)}
    assert [states[u] for u in units[:12]] == ["accepted_on_time"] * 12 and states[units[12]] == "overdue"
    r = duban("sweep", "--as-of", "2010-07-16", "--json")  # under the limit now: sent without asking
    assert r.exit_code == 0, r.stderr
    escalated = {x["unit"] for x in json.loads(r.stdout) if x["kind"] == "escalation" and x["form"] == "contacts"}
    assert escalated == set(units[12:])
    with open_app(settings=_settings(duban)).store.session() as s:
        audits = s.scalars(select(AuditLog).where(AuditLog.action == "submission.external")).all()
        assert len(audits) == 18 and {a.actor for a in audits} == {"综合协调组"}


# 2. Failures are loud ----------------------------------------------------------------------


def test_smtp_down_is_said_at_once_with_the_reason_and_the_run_fails(duban):
    t0 = time.perf_counter()
    r = duban("sweep", "--as-of", "2010-06-23", DUBAN_SMTP_PORT=str(free_port()))
    assert time.perf_counter() - t0 < 10  # seconds, not a minute of retries
    assert r.exit_code == 1
    assert "连接被拒绝" in r.stderr and "待重试 15" in r.stderr and "发出 0 封" in r.stderr
    r = duban("mail", "--queued")
    assert "原因：无法连接邮件服务器" in r.stdout and "共 15 封：待发送 15" in r.stdout
    r = duban("sweep", "--as-of", "2010-06-24", "--json", DUBAN_SMTP_PORT=str(free_port()))
    assert json.loads(r.stdout) == [] and json.loads(lines(r.stderr)[-1])["delivery"]["deferred"] == 15
    r = duban("resend", "--all-failed", "--by", "值班员")  # the server is back: what waited goes now
    assert r.exit_code == 0 and "发出 15 封" in r.output


# 4, 5. Names and dates ---------------------------------------------------------------------


def test_names_and_dates_as_people_type_them(duban, smtp, tmp_path):
    r = duban("status", "--as-of", "2010/07/21", "--unit", "盱眙")
    assert r.exit_code == 0 and "盱眙县" in r.stdout and "O7" not in r.stdout
    assert "专题活动方案 专题活动方案" not in r.stdout and "附表5 对接洽谈及签约项目动态" in r.stdout
    r = duban("status", "--unit", "淮阴")
    assert (
        r.exit_code == 2 and "您是否要找：淮阴区、淮阴工学院、淮阴师范学院" in r.stderr and "Traceback" not in r.stderr
    )
    r = duban("status", "--as-of", "2010-02-30")
    assert r.exit_code == 2 and "2010年2月没有30日" in r.stderr and "Invalid" not in r.stderr
    r = duban("status", "--as-of", "21/07/2010")
    assert r.exit_code == 2 and "2010年7月16日" in r.stderr  # the forms it takes, in Chinese
    r = duban("extend", "盱眙x", "O7", "--to", "2010-08-01", "--reason", "会商", "--by", "专题活动组")
    assert r.exit_code == 2 and "单位" in r.stderr and "任务" not in r.stderr.split("单位")[0]  # a usage mistake
    r = duban(
        "extend", "盱眙县", "专题活动方案", "--to", "2010年7月28日", "--reason", "与高校再次会商", "--by", "专题活动组"
    )
    assert r.exit_code == 0 and "已批准：盱眙县“专题活动方案”延期至 2010-07-28" in r.stdout, r.stderr
    r = duban("calendar")  # the date in force, the original beside it (issue 26.5)
    assert r.exit_code == 0 and "2010-07-28（原 07-20，已延期）" in r.stdout, r.stdout
    assert "其中 1 项已延期" in r.stdout
    r = duban(
        "extend", "盱眙", "附表5", "--period", "2010年7月", "--refuse", "--reason", "不符合延期条件", "--by", "组委会"
    )
    assert r.exit_code == 0 and "未批准" in r.stdout
    subjects = {m["Subject"] for m in smtp.received}
    assert "【延期已批准】盱眙县：专题活动方案" in subjects
    assert "【延期未批准】盱眙县：附表5 对接洽谈及签约项目动态 2010年7月" in subjects
    f = write(tmp_path, "需求.xlsx", messy_workbook("tech-needs", [need_row(0)], unit="盱眙县"))
    r = duban("submit", str(f), "--form", "附表3", "--period", "第1批", "--received-at", "2010年7月16日")
    assert r.exit_code == 0 and "通过" in r.stdout, r.stderr
    r = duban("submit", str(f), "--received-at", "7月16日")  # refused before anything is stored
    assert r.exit_code == 2 and "收到" not in r.stdout
    r = duban("status", "--as-of", "2010-07-16", "--unit", "盱眙", "--obligation", "附表3", "--json")
    assert [x["submitted_at"] for x in json.loads(r.stdout)][:1] == ["2010-07-16T00:00:00"]


# 6. Where am I -----------------------------------------------------------------------------


def test_every_command_says_which_store_and_campaign_first(duban, tmp_path):
    r = duban("calendar")
    assert lines(r.stdout)[0].startswith(f"数据目录 {duban.home.resolve()} · 数据库 SQLite · 活动 huaian-2010《")
    r = duban("status", "--as-of", "2010-06-01", "--json")
    assert json.loads(r.stdout) and lines(r.stderr)[0].startswith("数据目录 ")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    p = subprocess.run(
        [sys.executable, "-m", "flows.cli", "calendar", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "未设置 DUBAN_HOME，使用当前目录下的 var/" in p.stderr.splitlines()[0] and json.loads(p.stdout)


# 7. Mail follow-up -------------------------------------------------------------------------


def test_mail_lists_what_did_not_go_and_resend_says_why_not(duban, smtp):
    smtp.faults = ["550"] + [None] * 30
    duban("sweep", "--as-of", "2010-06-23", DUBAN_SMTP_CONCURRENCY="1")
    r = duban("mail", "--failed", "--json")
    [failed] = json.loads(r.stdout)
    assert failed["status"] == "failed" and "550" in failed["error"] and failed["queued_at"].startswith("2010-06-23")
    r = duban("mail", "--all", "--json")
    sent = next(m for m in json.loads(r.stdout) if m["status"] == "sent")
    r = duban("resend", str(sent["id"]), "--by", "值班员")
    assert f"#{sent['id']} 未重新排队：已于 2010-06-23" in r.stdout and "无需重发" in r.stdout
    r = duban("resend", "99999", "--by", "值班员")
    assert r.exit_code == 2 and "没有这些邮件：#99999" in r.stderr  # a number nobody has: a usage mistake (26.13)
    r = duban("resend", "--all-failed", "--by", "值班员")
    assert r.exit_code == 0 and "重新排队 1 封" in r.stdout and "发出 1 封" in r.output


# 8. Every mail ends with the office's contact ----------------------------------------------


def test_every_mail_ends_with_the_office_contact(duban, smtp, tmp_path):
    f = write(tmp_path, "需求.xlsx", messy_workbook("tech-needs", [need_row(0, sales_wan="0.3亿")], unit="清河区"))
    r = duban("submit", str(f), "--received-at", "2010-07-01 10:00")
    assert "回执：邮件：发出 " in r.stderr + r.stdout  # sent in the same run (issue 26.4), and said
    assert any(m["Subject"].startswith("【回执】") for m in smtp.received)
    duban("sweep", "--as-of", "2010-06-23")
    duban("extend", "清河", "附表2", "--to", "2010-07-09", "--reason", "机构调整", "--by", "综合协调组")
    kinds = {m["Subject"][:4] for m in smtp.received}
    assert {"【回执】", "【催报提"} <= kinds and any("延期" in k for k in kinds)
    for m in smtp.received:
        text = m.get_body(("plain",)).get_content()
        html = m.get_body(("html",)).get_content()
        assert (
            text.rstrip().splitlines()[-1]
            == "联系我们：市科洽会组委会办公室（电话 0517-83660000，邮箱 kqh@kjj.huaian.example.cn）"
        )
        assert "0517-83660000" in html
    receipt = next(m for m in smtp.received if m["Subject"].startswith("【回执】")).get_body(("plain",)).get_content()
    assert "需要更正的错误（" in receipt


# 9. status filters and totals --------------------------------------------------------------


def test_status_filters_totals_and_aligned_columns(duban):
    r = duban("status", "--as-of", "2010-07-21", "--overdue", "--json")
    rows = json.loads(r.stdout)
    assert rows and {x["light"] for x in rows} == {"red"}
    r = duban("status", "--as-of", "2010-07-26", "--due-within", "5", "--json")
    assert {x["due"] for x in json.loads(r.stdout)} == {"2010-07-31"}
    r = duban("status", "--as-of", "2010-07-21", "--obligation", "附表3", "--period", "x")
    assert r.exit_code == 2 and "没有选项 --period" in r.stderr
    r = duban("status", "--as-of", "2010-07-21", "--obligation", "专题活动方案")
    body = lines(r.stdout)[1:]
    head, rows, total = body[1], body[2:-1], body[-1]
    assert len(rows) == COUNTIES and total == f"合计 {COUNTIES} 项：逾期未交 {COUNTIES}"
    from wcwidth import wcswidth

    column = wcswidth(head[: head.index("单位")])
    assert {wcswidth(x[: x.index(u)]) for x in rows for u in [x.split()[-3]]} == {column}  # the unit column lines up
    assert date.fromisoformat(rows[0].split()[1]) == date(2010, 7, 20)


# 12. The README names only files the project has --------------------------------------------


def test_the_readme_names_only_files_of_the_project():
    import re

    root = ROOT
    readme = (root / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\]\(([^)#\s]+)\)", readme)) | set(
        re.findall(r"`([\w./-]+\.(?:md|py|yaml|yml|toml))`", readme)
    )
    missing = sorted(
        p
        for p in named
        if not p.startswith(("http", "$"))
        and not (root / p).exists()
        and not any((root / d / p).exists() for d in ("flows", "tasks", "config", "docs", "tests"))
    )
    assert missing == []
