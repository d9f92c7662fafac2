"""The state of one obligation on a day, where the grace rule lives: a pure function of dates."""

from datetime import date

import pytest

from schemas.workdays import WorkCalendar
from tasks.calendar.state import Facts, State, obligation_state

pytestmark = [pytest.mark.unit]
CAL = WorkCalendar()
DUE = date(2010, 9, 20)  # a Monday; 09-22..24 are the Mid-Autumn holiday, 09-25 a make-up Saturday


def state(as_of: date, **facts) -> tuple[State, int]:  # type: ignore[no-untyped-def]
    s = obligation_state(Facts(due=facts.pop("due", DUE), **facts), as_of, CAL, grace_working_days=2)
    return s.state, s.days_late


def test_before_and_after_the_due_date_with_nothing_received():
    assert state(date(2010, 9, 1)) == (State.PENDING, 0)
    assert state(date(2010, 9, 14)) == (State.DUE_SOON, 0)  # 5 working days before, counting the make-up Sunday
    assert state(DUE) == (State.DUE_SOON, 0)
    assert state(date(2010, 9, 27)) == (State.OVERDUE, 7)


def test_on_time_late_and_awaiting_correction():
    assert state(DUE, accepted=date(2010, 9, 18), first_received=date(2010, 9, 18)) == (State.ON_TIME, 0)
    assert state(date(2010, 9, 30), accepted=date(2010, 9, 27), first_received=date(2010, 9, 27)) == (State.LATE, 7)
    assert state(date(2010, 9, 21), first_received=date(2010, 9, 19)) == (State.RECEIVED, 1)


def test_the_grace_rule_counts_working_days_and_needs_the_first_file_on_time():
    # received 09-20 (rejected), corrected within 2 working days: 09-21, then 09-25 (the holiday doesn't count)
    assert state(date(2010, 9, 30), first_received=DUE, accepted=date(2010, 9, 25)) == (State.ON_TIME, 0)
    assert state(date(2010, 9, 30), first_received=DUE, accepted=date(2010, 9, 26)) == (State.LATE, 6)
    # a first file after the due date earns no grace
    assert state(date(2010, 9, 30), first_received=date(2010, 9, 21), accepted=date(2010, 9, 21)) == (State.LATE, 1)


def test_an_extension_excuses_until_its_new_date_and_the_future_is_ignored():
    assert state(date(2010, 9, 25), due=date(2010, 9, 30), extended=True) == (State.EXCUSED, 0)
    assert state(date(2010, 10, 8), due=date(2010, 9, 30), extended=True) == (State.OVERDUE, 8)
    assert state(date(2010, 9, 19), accepted=date(2010, 9, 20)) == (State.DUE_SOON, 0)  # not yet received on 09-19


def test_the_light_and_done_follow_the_state():
    assert [s.light for s in (State.ON_TIME, State.RECEIVED, State.OVERDUE, State.PENDING)] == [
        "green",
        "yellow",
        "red",
        "grey",
    ]
    assert State.LATE.is_done and not State.RECEIVED.is_done


def test_rejected_and_not_corrected_after_the_grace_is_overdue_and_red():
    # rejected on the due date: awaiting correction through the grace (09-21, 09-25), red after it
    assert state(date(2010, 9, 25), first_received=DUE) == (State.RECEIVED, 5)
    assert state(date(2010, 9, 26), first_received=DUE) == (State.RETURNED_OVERDUE, 6)
    assert State.RETURNED_OVERDUE.light == "red" and not State.RETURNED_OVERDUE.is_done
    # a first (rejected) file after the due date earns no grace: red at once
    assert state(date(2010, 9, 21), first_received=date(2010, 9, 21)) == (State.RETURNED_OVERDUE, 1)


def test_every_place_that_shows_a_state_agrees():
    """The status command, the briefing's overdue list and the checkpoint reports read one state."""
    from tasks.briefing.metrics import overdue
    from tasks.calendar.checkpoints import report
    from tasks.calendar.status import StatusRow
    from tests.tasks.intake.files import CAMPAIGN

    rows = [
        StatusRow(
            i, "清河区", "O4", "negotiations", "2010-08", date(2010, 8, 20), None, s, None, 3 if s.light == "red" else 0
        )
        for i, s in enumerate(State)
    ]
    red = {r.state for r in rows if r.state.light == "red"}
    assert {r.state for r in rows if overdue([r], {})} == red == {State.OVERDUE, State.RETURNED_OVERDUE}
    _, table = report(CAMPAIGN, None, "O4", "2010-08", date(2010, 8, 30), status=rows)
    assert [t["状态"] for t in table] == [s.label for s in State]
    assert {s.badge for s in State if s.light == "red"} == {"●红"}


def test_status_narrows_to_what_ops_ask_and_counts_each_state():
    from tasks.calendar.status import StatusRow, narrow, totals

    def row(unit, ob, due, s):  # type: ignore[no-untyped-def]
        return StatusRow(0, unit, ob, "f", "2010", due, None, s, None, 0)

    rows = [
        row("清河区", "O1", date(2010, 6, 30), State.OVERDUE),
        row("清河区", "O7", date(2010, 7, 20), State.DUE_SOON),
        row("盱眙县", "O7", date(2010, 7, 20), State.ON_TIME),
        row("盱眙县", "O4", date(2010, 8, 20), State.PENDING),
    ]
    day = date(2010, 7, 16)
    assert narrow(rows, day, unit="清河区") == rows[:2]
    assert narrow(rows, day, obligation="O7") == rows[1:3]
    assert narrow(rows, day, overdue=True) == rows[:1]
    assert narrow(rows, day, due_within=5) == rows[1:2]  # open and due in 5 days; done ones left out
    assert totals(rows) == [(State.PENDING, 1), (State.DUE_SOON, 1), (State.ON_TIME, 1), (State.OVERDUE, 1)]


def test_the_unit_page_says_the_year_and_a_late_file_is_not_plain_passed():
    """Issue 26.17: "已于2010年7月5日通过（逾期3天报送）", never "已于07月05日通过" for a late file."""
    from datetime import datetime
    from types import SimpleNamespace

    from tasks.calendar.state import State
    from tasks.portal.page import _when

    late = SimpleNamespace(effective_due=date(2010, 7, 2), state=State.LATE, submitted_at=datetime(2010, 7, 5, 10))
    on_time = SimpleNamespace(effective_due=date(2010, 7, 2), state=State.ON_TIME, submitted_at=datetime(2010, 7, 1, 9))
    assert _when(late, date(2010, 7, 20), None) == "已于2010年7月5日通过（逾期3天报送）"
    assert _when(on_time, date(2010, 7, 20), None) == "已于2010年7月1日通过"
    assert State.LATE.page_label == "逾期报送，已通过" and State.ON_TIME.page_label == "已通过"


def test_the_2010_demo_writes_the_codes_of_2010():
    """Issue 26.17: a 2010 campaign's synthetic enterprises carry 9-character 组织机构代码, not the
    18-character 统一社会信用代码 that began in 2015; and each is valid."""
    import random

    from config.settings import CAMPAIGNS_DIR
    from schemas.loading import load_campaign
    from tasks.demo.files import Author
    from tasks.intake.cells import org_code

    campaign = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")
    rows = Author(campaign, random.Random(7)).rows("tech-needs", "清河区", "第1批")
    codes = [r["org_code"] for r in rows if r["org_code"]]  # an optional column: some left blank
    assert codes and all(len(str(c)) == 10 and str(c)[8] == "-" and org_code(str(c)) for c in codes), codes
