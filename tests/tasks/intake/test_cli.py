"""`duban validate` / `submit` / `templates` as a clerk's helper would run them."""

import json
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from tests.tasks.intake.files import messy_workbook, need_row, write

pytestmark = [pytest.mark.integration]


def duban(*args, home):  # type: ignore[no-untyped-def]
    env = {**os.environ, "DUBAN_HOME": str(home)}
    env.pop("DUBAN_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_validate_contract_and_exit_codes(tmp_path):
    home = tmp_path / "var"
    good = write(tmp_path, "附表3_淮阴区_第1批.xlsx", messy_workbook("tech-needs", [need_row(0)], unit="淮阴区"))
    bad = write(tmp_path, "bad.xlsx", messy_workbook("tech-needs", [need_row(0, sales_wan="0.3亿")]))
    junk = write(tmp_path, "junk.xlsx", b"not a workbook at all")
    r = duban("validate", str(good), "--json", home=home)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {
        "unit": "淮阴区",
        "form": "tech-needs",
        "period": "第1批",
        "status": "accepted",
        "rows": 1,
        "issues": [],
    }
    r = duban("validate", str(bad), "--json", home=home)
    assert r.returncode == 1
    issue = json.loads(r.stdout)["issues"][0]
    assert set(issue) == {"severity", "sheet", "row", "column", "code", "message"} and issue["row"] == 5
    r = duban("validate", str(junk), "--json", home=home)
    assert r.returncode == 2 and json.loads(r.stdout)["status"] == "rejected" and "Traceback" not in r.stderr
    assert not (home / "duban.db").exists()  # validate writes nothing


def test_submit_keeps_and_templates_have_dropdowns(tmp_path):
    home = tmp_path / "var"
    f = write(tmp_path, "x.xlsx", messy_workbook("tech-needs", [need_row(0)]))
    r = duban("submit", str(f), "--received-at", "2010-07-01T09:30:00", "--json", home=home)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["stored_as"] == "accepted"
    r = duban("templates", "--out", str(tmp_path / "tpl"), "--json", home=home)
    paths = json.loads(r.stdout)
    assert len(paths) == 8
    wb = load_workbook(next(p for p in paths if "附表3" in p))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[3]][1:4] == [
        "企业名称",
        "组织机构代码",
        "上年销售收入（万元）",
    ]  # the 2010 form (FORMS.md)
    lists = {next(iter(dv.sqref.ranges)).coord[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["G"] == '"技术难题,技术需求"'
    assert wb.sheetnames[1] == "填表说明"


def test_submit_unit_refuses_a_file_that_names_another_unit(tmp_path):
    """Issue 26.1: `--unit 涟水` on 盱眙县's file is refused, as the page refuses it; filing it anyway
    takes --force-unit --by, and the audit says who decided."""
    import sqlite3

    home = tmp_path / "var"
    f = write(tmp_path, "盱眙_附表3_第1批.xlsx", messy_workbook("tech-needs", [need_row(0)], unit="盱眙县"))
    r = duban("submit", str(f), "--unit", "涟水", "--received-at", "2010-07-01T09:00:00", "--json", home=home)
    assert r.returncode == 2, r.stderr
    out = json.loads(r.stdout)
    assert out["issues"][0]["code"] == "unit-mismatch" and "不是本单位（涟水县）" in out["issues"][0]["message"]
    r = duban("submit", str(f), "--unit", "涟水", "--force-unit", home=home)
    assert r.returncode == 2 and "--by" in r.stderr  # who decides must be named
    r = duban(
        "submit",
        str(f),
        "--unit",
        "涟水",
        "--force-unit",
        "--by",
        "综合协调组张三",
        "--received-at",
        "2010-07-01T09:05:00",
        "--json",
        home=home,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["unit"] == "涟水县"
    with sqlite3.connect(home / "duban.db") as db:
        rows = db.execute(
            "select actor, action, subject from audit_log where action = 'submission.force-unit'"
        ).fetchall()
    assert len(rows) == 1 and rows[0][0] == "综合协调组张三" and rows[0][2].startswith("涟水县/")


def test_a_file_name_cannot_write_to_the_ops_terminal(tmp_path):
    """Security review: a name carrying an escape sequence or a line break is printed with those
    characters as "?" (the file itself is kept as received)."""
    home = tmp_path / "var"
    (home / "inbox").mkdir(parents=True)
    (home / "inbox" / "e\x1b]0;PWNED\x07\n伪造的一行.xlsx").write_bytes(messy_workbook("tech-needs", [need_row(0)]))
    r = duban("intake", "--received-at", "2010-07-01T09:00:00", home=home)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "e?]0;PWNED??伪造的一行.xlsx" in r.stdout
