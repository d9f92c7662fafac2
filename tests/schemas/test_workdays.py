from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.workdays import CalendarError, WorkCalendar

pytestmark = [pytest.mark.unit]

CAL = WorkCalendar()
covered = st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 12, 31))
steps = st.integers(min_value=-40, max_value=40)


@pytest.mark.parametrize("day", ["2010-06-12", "2010-06-13", "2010-09-19", "2010-09-26", "2010-09-25", "2010-10-09"])
def test_make_up_weekends_are_working_days(day):
    assert CAL.is_workday(date.fromisoformat(day))


@pytest.mark.parametrize(
    "day",
    ["2010-06-14", "2010-06-16", "2010-09-22", "2010-09-23", "2010-09-24", *[f"2010-10-0{i}" for i in range(1, 8)]],
)
def test_holidays_are_not(day):
    assert not CAL.is_workday(date.fromisoformat(day))


def test_ladder_example_from_the_architecture():
    due = date(2010, 9, 20)
    assert [CAL.shift(due, n) for n in (-5, -1, 1, 3)] == [
        date(2010, 9, 14),
        date(2010, 9, 19),
        date(2010, 9, 21),
        date(2010, 9, 26),
    ]


def test_uncovered_year_is_a_clear_error():
    with pytest.raises(CalendarError, match="2031"):
        CAL.is_workday(date(2031, 3, 2))


def test_campaign_may_define_its_own_year_and_extra_days():
    cal = WorkCalendar.of(extra_holidays=[date(2031, 3, 3)], extra_workdays=[date(2031, 3, 8)], own_years=[2031])
    assert not cal.is_workday(date(2031, 3, 3))  # Monday, declared holiday
    assert cal.is_workday(date(2031, 3, 8))  # Saturday, declared working day
    assert cal.is_workday(date(2031, 3, 4))
    assert not cal.is_workday(date(2031, 3, 9))


def test_extra_days_override_the_official_calendar():
    cal = WorkCalendar.of(extra_holidays=[date(2010, 6, 1)], extra_workdays=[date(2010, 6, 14)])
    assert not cal.is_workday(date(2010, 6, 1)) and cal.is_workday(date(2010, 6, 14))


@given(covered, steps)
def test_shift_lands_on_a_working_day_and_counts_back(d, n):
    target = CAL.shift(d, n)
    assert CAL.is_workday(target)
    if n > 0:
        assert target > d and CAL.count_between(d, target) == n
    elif n < 0:
        # (target, d] holds the |n|-1 working days strictly between, plus d itself if it works
        assert target < d and CAL.count_between(target, d) == -n - 1 + CAL.is_workday(d)


@given(covered, st.integers(min_value=1, max_value=30), st.integers(min_value=1, max_value=30))
def test_shift_composes(d, a, b):
    assert CAL.shift(CAL.shift(d, a), b) == CAL.shift(d, a + b)
    assert CAL.shift(CAL.shift(d, -a), -b) == CAL.shift(d, -(a + b))


@given(covered, st.integers(min_value=1, max_value=30))
def test_no_working_day_is_skipped(d, n):
    target = CAL.shift(d, n)
    between = [d + timedelta(days=i) for i in range(1, (target - d).days)]
    assert sum(CAL.is_workday(x) for x in between) == n - 1


@given(covered)
def test_next_workday_is_the_first_on_or_after(d):
    nxt = CAL.next_workday(d)
    assert CAL.is_workday(nxt) and nxt >= d
    assert not any(CAL.is_workday(d + timedelta(days=i)) for i in range((nxt - d).days))
