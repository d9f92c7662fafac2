"""A matter's life as pure functions: which action follows which state, and its light on a day."""

from datetime import date

import pytest

from schemas.matters import MatterAction as A
from schemas.matters import MatterState as S
from schemas.workdays import WorkCalendar
from tasks.matters import MatterRefused, next_state, standing

pytestmark = pytest.mark.unit
CAL = WorkCalendar.of([], [], [])


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (S.ASSIGNED, A.SIGN, S.SIGNED),
        (S.ASSIGNED, A.PROGRESS, S.IN_PROGRESS),
        (S.SIGNED, A.PROGRESS, S.IN_PROGRESS),
        (S.IN_PROGRESS, A.REQUEST_CLOSE, S.CLOSING),
        (S.CLOSING, A.APPROVE, S.CLOSED),
        (S.CLOSING, A.RETURN, S.RETURNED),
        (S.RETURNED, A.PROGRESS, S.IN_PROGRESS),
        (S.RETURNED, A.REQUEST_CLOSE, S.CLOSING),
        (S.IN_PROGRESS, A.EXTEND, S.IN_PROGRESS),
    ],
)
def test_the_moves_of_a_matter(state, action, after):
    assert next_state(state, action) is after


@pytest.mark.parametrize(
    ("state", "action", "words"),
    [
        (S.CLOSED, A.REQUEST_CLOSE, "已办结"),
        (S.CLOSING, A.PROGRESS, "等待审核"),
        (S.IN_PROGRESS, A.APPROVE, "没有待审核的办结申请"),
        (S.SIGNED, A.SIGN, "不能签收"),
    ],
)
def test_a_move_that_does_not_apply_says_why(state, action, words):
    with pytest.raises(MatterRefused, match=words):
        next_state(state, action)


def test_the_light_of_a_matter_on_a_day():
    due = date(2010, 7, 30)  # a Friday
    assert standing(S.SIGNED, due, None, date(2010, 7, 1), CAL).light == "grey"
    soon = standing(S.SIGNED, due, None, date(2010, 7, 27), CAL)
    assert (soon.light, soon.label) == ("yellow", "还有3天到期")
    late = standing(S.IN_PROGRESS, due, None, date(2010, 8, 4), CAL)
    assert (late.light, late.label, late.days_late) == ("red", "逾期5天", 5)
    assert standing(S.CLOSING, due, date(2010, 7, 29), date(2010, 8, 4), CAL).light == "yellow"
    on_time = standing(S.CLOSED, due, date(2010, 7, 29), date(2010, 8, 4), CAL)
    assert (on_time.on_time, on_time.label) == (True, "按期办结")
    late_closed = standing(S.CLOSED, due, date(2010, 8, 2), date(2010, 8, 4), CAL)
    assert (late_closed.on_time, late_closed.label) == (False, "逾期3天办结")
