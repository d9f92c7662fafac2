"""`duban assign` and `duban matters` (issue 27): one matter per unit, each unit told by mail; an
unknown unit lists the candidates and creates nothing; the overdue list as JSON. In-process
(click's runner) on a real store (SQLite and PostgreSQL) and a real SMTP server."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from flows.cli import main
from schemas.matters import Matter, MatterEvent

pytestmark = [pytest.mark.integration]
UNITS = ("清河区", "清浦区", "淮阴区")


@pytest.fixture
def duban(tmp_path, smtp, db_url):  # type: ignore[no-untyped-def]
    env = {
        "DUBAN_HOME": str(tmp_path / "var"),
        "DUBAN_DATABASE_URL": db_url,
        "DUBAN_SMTP_PORT": str(smtp.port),
        "DUBAN_SMTP_BACKOFF": "0.01",
    }

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    run.db_url = db_url  # type: ignore[attr-defined]
    return run


def _count(db_url: str, table) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            return c.scalar(select(func.count()).select_from(table)) or 0
    finally:
        engine.dispose()


def _assign(duban, *units: str, **more: str):  # type: ignore[no-untyped-def]
    args = ["assign", *units, "落实重点签约项目协议文本", "--due", "2010年7月20日", "--by", "王主任"]
    args += ["--at", "2010-07-01 10:00", "--source", more.get("source", "领导批示"), "--instruction", "请按期落实"]
    return duban(*args)


def test_assign_to_three_units_makes_three_matters_and_tells_each(duban, smtp):
    r = _assign(duban, *UNITS)
    assert r.exit_code == 0, r.stderr
    assert "已交办“落实重点签约项目协议文本”（办理时限 2010-07-20）给 3 个单位" in r.stdout
    assert all(u in r.stdout for u in UNITS)
    assert "交办通知邮件：发出 6 封" in r.stdout  # each unit's liaison and head
    subjects = {m["Subject"] for m in smtp.received}
    assert {f"【交办通知】{u}：落实重点签约项目协议文本" for u in UNITS} <= subjects
    assert _count(duban.db_url, Matter.__table__) == 3 and _count(duban.db_url, MatterEvent.__table__) == 3
    r = duban("matters", "--as-of", "2010-07-10")
    assert r.exit_code == 0 and "领导批示" in r.stdout and "合计 3 项" in r.stdout, r.stdout


def test_an_unknown_unit_lists_the_candidates_and_assigns_nothing(duban, smtp):
    r = _assign(duban, "清河区", "清江区", "淮阴区")
    assert r.exit_code == 2
    assert "没有名为“清江区”的单位。您是否指：清浦区、清河区" in r.stderr and "未交办任何事项" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    r = _assign(duban, "清河区", source="随便说说")
    assert r.exit_code == 2 and "可选：组委会交办、领导批示" in r.stderr
    assert _count(duban.db_url, Matter.__table__) == 0 and smtp.received == []


def test_matters_overdue_as_json(duban):
    assert _assign(duban, *UNITS).exit_code == 0
    r = duban("matters", "--overdue", "--json", "--as-of", "2010-07-25")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["unit"] for x in rows] == list(UNITS)
    first = rows[0]
    assert first["standing"] == "逾期5天" and first["light"] == "red" and first["days_late"] == 5
    assert first["source"] == "领导批示" and first["due"] == "2010-07-20" and first["state"] == "assigned"
    r = duban("matters", "--overdue", "--json", "--as-of", "2010-07-25", "--unit", "清浦")
    assert [x["unit"] for x in json.loads(r.stdout)] == ["清浦区"]
    r = duban("matters", "--overdue", "--json", "--as-of", "2010-07-15")  # not yet due: none overdue
    assert json.loads(r.stdout) == []


def test_close_approves_or_returns_a_request_and_tells_the_unit(duban, smtp):
    from datetime import datetime

    from schemas.store import open_store
    from tasks.matters import act

    assert _assign(duban, "清河区", "清浦区").exit_code == 0
    store = open_store(duban.db_url)
    with store.session(write=True) as s:
        first, second = s.query(Matter).order_by(Matter.id).all()
        for m in (first, second):
            act(s, m, "request_close", actor="王晓明", at=datetime(2010, 7, 15, 9), text="已办结")
    store.dispose()
    r = duban("close", str(first.id), "--by", "王主任")
    assert r.exit_code == 0 and f"#{first.id} 清河区“落实重点签约项目协议文本”：已办结" in r.stdout, r.stderr
    r = duban("close", str(second.id), "--return", "--by", "王主任")
    assert r.exit_code == 1 and "退回办结申请请写明理由" in r.stderr
    r = duban("close", str(second.id), "--return", "--reason", "缺少协议文本扫描件", "--by", "王主任")
    assert r.exit_code == 0 and "退回" in r.stdout
    r = duban("close", str(first.id), "--by", "王主任")  # already closed: said, nothing sent
    assert r.exit_code == 1 and "没有待审核的办结申请" in r.stderr or "已办结" in r.stderr
    subjects = [m["Subject"] for m in smtp.received]
    assert any(s.startswith("【已销号】") for s in subjects) and any(s.startswith("【办结申请退回】") for s in subjects)
