"""The command line as a user runs it: a fresh DUBAN_HOME, JSON contracts, clear errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config.settings import CAMPAIGNS_DIR
from tests import ROOT

pytestmark = [pytest.mark.integration]

DUBAN = [sys.executable, "-m", "flows.cli"]


def run(args, home: Path, **env):  # type: ignore[no-untyped-def]
    e = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    e.update({"DUBAN_HOME": str(home), **env})
    return subprocess.run([*DUBAN, *args], capture_output=True, text=True, env=e, timeout=120)


def test_calendar_json_contract(tmp_path):
    r = run(["calendar", "--json"], tmp_path / "var")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 159
    assert set(rows[0]) == {"unit", "obligation", "form", "period", "due", "due_in_force"}
    assert {
        "unit": "清河区",
        "obligation": "O1",
        "form": "contacts",
        "period": "2010",
        "due": "2010-06-30",
        "due_in_force": "2010-06-30",
    } in rows


def test_status_on_an_empty_home_creates_the_store(tmp_path):
    home = tmp_path / "fresh"
    r = run(["status", "--as-of", "2010-06-01", "--json"], home)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 159 and {x["state"] for x in rows} == {"pending"}
    assert all(x["days_late"] == 0 and x["submitted_at"] is None for x in rows)
    assert (home / "duban.db").exists() and (home / "inbox").is_dir()


def test_broken_campaign_gets_a_message_not_a_traceback(tmp_path):
    camp = tmp_path / "campaigns"
    camp.mkdir()
    __import__("shutil").copytree(CAMPAIGNS_DIR.parent / "forms", tmp_path / "forms")  # the form files it includes
    data = yaml.safe_load((CAMPAIGNS_DIR / "huaian-2010.yaml").read_text(encoding="utf-8"))
    data["obligations"][0]["owners"] = ["清江区"]
    (camp / "huaian-2010.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = run(["calendar", "--json"], tmp_path / "var", DUBAN_CAMPAIGNS_DIR=str(camp))
    assert r.returncode == 2
    assert "清江区" in r.stderr and "第" in r.stderr and "Traceback" not in r.stderr
    r = run(["status", "--campaign", "nope"], tmp_path / "var")
    assert r.returncode == 2 and "文件不存在" in r.stderr and "huaian-2010" in r.stderr


@pytest.mark.parametrize("case", ["nonexistent-date", "home-is-a-file", "database-down"])
def test_no_traceback_reaches_the_terminal(tmp_path, case):
    """Issue 26.3: each prints one Chinese line and exits 2; the details go to the log."""
    home = tmp_path / "var"
    if case == "nonexistent-date":
        text = (
            (CAMPAIGNS_DIR / "huaian-2010.yaml")
            .read_text(encoding="utf-8")
            .replace("due: 2010-06-30", "due: 2010-06-31", 1)
        )
        (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
        r = run(["check", str(tmp_path / "c.yaml")], home)
        expect, code = "“2010-06-31”不是有效日期（2010年6月没有31日）", 1
    elif case == "home-is-a-file":
        home.write_text("x")
        r = run(["status"], home)
        expect, code = "不是文件夹（DUBAN_HOME 指向了一个文件）", 2
    else:
        r = run(["status"], home, DUBAN_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/duban")
        expect, code = "无法连接数据库 postgresql+psycopg://nobody@127.0.0.1:1/duban（连接被拒绝）", 2
    assert r.returncode == code, r.stderr
    assert expect in r.stderr and "Traceback" not in r.stderr + r.stdout and "Error:" not in r.stderr


def test_a_reading_command_with_no_duban_home_makes_no_store(tmp_path):
    """Issue 26.15: `duban status` run anywhere says there is no store there and how to point at
    one; it creates no ./var (which then showed every unit 逾期未交)."""
    root = ROOT
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env["PYTHONPATH"] = str(root)
    r = subprocess.run([*DUBAN, "status"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "这里没有 Duban 的数据" in r.stderr and "DUBAN_HOME" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "var").exists()


def test_help_is_in_chinese_and_summaries_are_whole(tmp_path):
    """Issue 26.13: help in Chinese; `duban --help` does not cut a command's summary off."""
    r = run(["--help"], tmp_path / "var")
    assert r.returncode == 0 and "Show this message" not in r.stdout and "显示本帮助并退出" in r.stdout
    commands = r.stdout.split("命令")[-1]
    assert (
        "批准（--to日期）或不批准（--refuse）延期，并邮件通知该单位。" in "".join(commands.split())
        and "..." not in commands
    )
    r = run(["sweep", "--help"], tmp_path / "var")
    assert r.stdout.startswith("用法：duban sweep") and "选项" in r.stdout and "Options" not in r.stdout
    r = run(["link", "nowhere"], tmp_path / "var")
    assert r.returncode == 2 and "参数 单位 有误" in r.stderr and "UNIT" not in r.stderr


@pytest.mark.unit
def test_every_command_is_loaded_by_its_name_and_alone():
    """Issue 25: the group imports a command's module only when that command is asked for."""
    code = (
        "import sys; from flows.cli.group import COMMANDS, main; "
        "assert not [m for m in sys.modules if m.startswith('flows.cli.') and m.count('.') == 2 and "
        "m.split('.')[2] not in ('chinese', 'group')], sorted(sys.modules); "
        "main.get_command(None, 'schema'); "
        "print(sorted(m for m in sys.modules if m.startswith('flows.cli.'))); "
        "print(all(main.get_command(None, n).name == n for n in COMMANDS))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    loaded, every = r.stdout.splitlines()
    assert "flows.cli.campaign" in loaded and "flows.cli.intake" not in loaded and "flows.cli.mailbox" not in loaded
    assert every == "True"


@pytest.mark.unit
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://h/db?password=s3cret",
        "postgresql://:s3cret@h/db",
        "postgresql://u:p@ss3cret@h/db",
        "postgresql://u:s3cret@h:5432/db?sslmode=require",
    ],
)
def test_no_database_password_is_ever_printed(url):
    """Security review: the header every command prints, and the "cannot connect" line, mask the
    password wherever the URL puts it."""
    from flows.cli.common import _masked

    assert "s3cret" not in _masked(url) and "***" in _masked(url)
