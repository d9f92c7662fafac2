"""Obligations and their schedules: what is owed, when each period is due, and the reminder ladder.

A period's key is made by `schemas.period.Period`, the one home of how periods are written.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterator
from datetime import date, time
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PrivateAttr, field_validator

from schemas.period import MONTH_KEY, Period
from schemas.strict import Model
from schemas.workdays import WorkCalendar

Recipient = Literal["liaison", "head", "group"]


class LadderStep(Model):
    kind: Literal["reminder", "escalation"]
    offset: int = Field(description="working days from the due date: negative before, positive after")
    to: list[Recipient]
    list_in_briefing: bool = False

    @field_validator("offset")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("offset 不能为 0：提醒用负数（截止前第几个工作日），督办用正数")
        return v


class Ladder(Model):
    send_at: time = time(9, 0)
    grace_working_days: int = Field(2, ge=0)
    steps: list[LadderStep]


def _period_key(v: str | None) -> str | None:
    """A declared period as the store keys it, however the plan writes it (2017Q1, 2010年5月)."""
    return None if v is None else Period.parse(v).key


class Rolled(Model):
    roll: Literal["none", "next-workday"] = Field(
        "none",
        description="next-workday: a due date on a non-working day moves to the next working day (如逢节假日顺延)",
    )


class Once(Rolled):
    every: Literal["once"]
    due: date
    period: Annotated[str | None, AfterValidator(_period_key)] = None


class Monthly(Rolled):
    every: Literal["month"]
    day: int = Field(ge=1, le=31, description="due day of month (clamped to the month's last day)")
    after: bool = Field(False, description="due in the month after the period (每月数据于次月8日前报送)")
    start: str = Field(pattern=MONTH_KEY)
    end: str = Field(pattern=MONTH_KEY)


class HalfMonthly(Rolled):
    every: Literal["half-month"]
    days: tuple[int, int] = (15, 31)
    start: str = Field(pattern=MONTH_KEY)
    end: str = Field(pattern=MONTH_KEY)


class Quarterly(Rolled):
    every: Literal["quarter"]
    day: int = Field(ge=1, le=31, description="due day of the quarter's last month (or of the month after, with after)")
    after: bool = Field(False, description="due in the first month after the quarter")
    start: str = Field(pattern=MONTH_KEY, description="a month of the first quarter")
    end: str = Field(pattern=MONTH_KEY, description="a month of the last quarter")


class DatedPeriod(Model):
    period: Annotated[str, AfterValidator(_period_key)] = Field(
        description="the period, as the plan writes it: 2017Q1, 2017年第一季度, 2010年5月, 第1批, 启动阶段"
    )
    due: date


class Dated(Rolled):
    every: Literal["dates"]
    periods: list[DatedPeriod] = Field(min_length=1)


Schedule = Annotated[Once | Monthly | HalfMonthly | Quarterly | Dated, Field(discriminator="every")]


class Obligation(Model):
    id: str
    title: str
    form: str
    owners: list[str] = Field(min_length=1, description="unit kinds or unit names")
    schedule: Schedule
    ladder: Ladder | None = None
    _workdays: WorkCalendar | None = PrivateAttr(None)  # the campaign's, for `roll` (set by the campaign)


class Event(Model):
    """A dated event of the campaign that is nobody's report (the office's monthly 现场督查):
    shown in the Prefect calendar and in the briefing of its period."""

    id: str
    title: str
    by: str = Field("", description="who holds it")
    schedule: Schedule
    _workdays: WorkCalendar | None = PrivateAttr(None)  # the campaign's, for `roll`


def periods(o: Obligation | Event) -> list[tuple[str, date]]:
    """(period, due date) pairs of one obligation, in date order; with `roll: next-workday`, a due
    date on a non-working day is the next working day."""
    out = _declared(o.schedule)
    days = getattr(o, "_workdays", None)
    if o.schedule.roll == "next-workday" and days is not None:
        out = [(p, days.next_workday(due)) for p, due in out]
    return out


def _declared(s: Schedule) -> list[tuple[str, date]]:
    if isinstance(s, Once):
        return [(s.period or Period("year", s.due.year).key, s.due)]
    if isinstance(s, Dated):
        return sorted(((p.period, p.due) for p in s.periods), key=lambda p: p[1])
    out: list[tuple[str, date]] = []
    if isinstance(s, Quarterly):
        quarters = sorted({(y, (m - 1) // 3 + 1) for y, m in _months(s.start, s.end)})
        for y, q in quarters:
            yy, mm = (y, q * 3 + 1) if s.after else (y, q * 3)
            yy, mm = (yy + 1, 1) if mm == 13 else (yy, mm)
            out.append((Period("quarter", y, q).key, date(yy, mm, min(s.day, _cal.monthrange(yy, mm)[1]))))
        return out
    for y, m in _months(s.start, s.end):
        last = _cal.monthrange(y, m)[1]
        if isinstance(s, Monthly):
            yy, mm = ((y + 1, 1) if m == 12 else (y, m + 1)) if s.after else (y, m)
            out.append((Period("month", y, m).key, date(yy, mm, min(s.day, _cal.monthrange(yy, mm)[1]))))
        else:
            out.append((Period("half-month", y, m, "上").key, date(y, m, min(s.days[0], last))))
            out.append((Period("half-month", y, m, "下").key, date(y, m, min(s.days[1], last))))
    return out


def _months(start: str, end: str) -> Iterator[tuple[int, int]]:
    """Each (year, month) from the month `start` to the month `end` (keys such as 2010-05), both included."""
    first, last = Period.parse(start), Period.parse(end)
    y, m = first.year or 0, first.number
    while (y, m) <= (last.year or 0, last.number):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
