from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.workdays import WorkCalendar
from tasks.calendar.ladder import days_phrase, ladder_steps, step_on

pytestmark = [pytest.mark.unit]

CAL = WorkCalendar()
LADDER = {
    "steps": [
        {"kind": "reminder", "offset": -5, "to": ["liaison"]},
        {"kind": "reminder", "offset": -1, "to": ["liaison"]},
        {"kind": "escalation", "offset": 1, "to": ["liaison", "head"]},
        {"kind": "escalation", "offset": 3, "to": ["liaison", "head", "group"], "list_in_briefing": True},
    ]
}
DUE = date(2010, 9, 20)


def test_the_september_20_example():
    steps = ladder_steps(DUE, LADDER, CAL)
    assert [(s.kind, s.level, s.date) for s in steps] == [
        ("reminder", 1, date(2010, 9, 14)),
        ("reminder", 2, date(2010, 9, 19)),  # a make-up Sunday
        ("escalation", 1, date(2010, 9, 21)),
        ("escalation", 2, date(2010, 9, 26)),  # a make-up Sunday
    ]
    assert steps[-1].to == ("liaison", "head", "group") and steps[-1].list_in_briefing


def test_nothing_on_holidays_and_catch_up_after_downtime():
    steps = ladder_steps(DUE, LADDER, CAL)
    for d in (date(2010, 9, 22), date(2010, 9, 23), date(2010, 9, 24)):
        assert step_on(steps, d, CAL) is None
    assert step_on(steps, date(2010, 9, 13), CAL) is None
    # down from 09-13 to 09-20: on the due date the latest step applies, not "5 days left"
    assert (step_on(steps, DUE, CAL).kind, step_on(steps, DUE, CAL).level) == ("reminder", 2)
    assert step_on(steps, date(2010, 9, 25), CAL).level == 1  # escalation 1 still the latest
    assert step_on(steps, date(2010, 10, 8), CAL).level == 2


@given(st.dates(min_value=date(2006, 1, 1), max_value=date(2025, 12, 1)), st.integers(0, 60))
def test_a_step_is_never_dated_on_a_non_working_day_and_applies_only_on_working_days(due, k):
    steps = ladder_steps(due, LADDER, CAL)
    assert all(CAL.is_workday(s.date) for s in steps)
    day = due + timedelta(days=k - 20)
    s = step_on(steps, day, CAL)
    assert s is None or (CAL.is_workday(day) and s.date <= day)


def test_days_phrase():
    assert days_phrase(DUE, date(2010, 9, 17)) == "距截止还有3天"
    assert days_phrase(DUE, DUE) == "今天截止"
    assert days_phrase(DUE, date(2010, 9, 26)) == "已逾期6天"
