"""The `assign-matter` deployment's flow: one matter per unit, each unit told, the matters
listed in an escaped markdown artifact; an unknown unit fails the run with the candidates."""

from datetime import date

import pytest
from prefect.artifacts import Artifact
from prefect.states import State
from sqlalchemy import func, select

from schemas.matters import Matter
from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.prefect, pytest.mark.integration]


@pytest.fixture
def served(prefect_harness, sqlite_settings, monkeypatch):  # type: ignore[no-untyped-def]
    rec = Recorder()
    ctl, port = start(rec)
    monkeypatch.setenv("DUBAN_HOME", str(sqlite_settings.home))
    monkeypatch.setenv("DUBAN_SMTP_PORT", str(port))
    from tasks.app.open import open_app

    yield open_app("huaian-2010", settings=sqlite_settings), rec
    ctl.stop()


def test_assign_matter_creates_one_per_unit_and_lists_them(served):
    from flows.assign_matter import assign_matter

    app, rec = served
    out = assign_matter(
        units=["清河区", "清浦区"],
        title="落实 | [签约](http://evil.example) 项目",
        due=date(2030, 7, 20),
        by="王主任",
        source="领导批示",
    )
    assert [m["unit"] for m in out["matters"]] == ["清河区", "清浦区"] and out["sent"] == 4
    assert {m["Subject"].split("：")[0] for m in rec.received} == {"【交办通知】清河区", "【交办通知】清浦区"}
    art = Artifact.get("assign-matter")
    assert art is not None and "清浦区" in art.data and "](http" not in art.data and "落实 \\|" in art.data


def test_an_unknown_unit_fails_the_run_and_creates_nothing(served):
    from flows.assign_matter import assign_matter

    app, rec = served
    state = assign_matter(units=["清江区"], title="x", due=date(2030, 7, 20), by="王主任", return_state=True)
    assert isinstance(state, State) and state.is_failed() and "您是否指：清浦区、清河区" in state.message
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Matter)) == 0
    assert rec.received == []


def test_the_sweep_lists_the_matters_for_ops_every_day(served):
    from datetime import datetime

    from flows.deadline_sweep import deadline_sweep
    from tasks.matters import Assignment, hand_out

    app, _ = served
    for units, title, due in (
        (["淮阴区"], "推进 | 项目落地", date(2010, 7, 20)),
        (["清浦区"], "筹备成果展", date(2010, 7, 27)),
        (["清河区"], "远期事项", date(2010, 9, 30)),
    ):
        hand_out(app, Assignment(units, title, due, "王主任"), now=datetime(2010, 7, 1, 10))
    out = deadline_sweep(as_of=date(2010, 7, 25), dry_run=True)  # a Sunday: no mail, the list all the same
    assert out["working_day"] is False
    text = Artifact.get("matters-daily").data
    assert "逾期未办结：1 项" in text and "| 淮阴区 | 推进 \\| 项目落地 | 2010-07-20 | 逾期5天 |" in text
    assert "筹备成果展" in text and "远期事项" not in text
