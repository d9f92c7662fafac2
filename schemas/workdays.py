"""Working days on the official Chinese calendar (holidays and make-up working days, 调休).

Pure functions over dates. The official calendar comes from `chinese_calendar`, which knows
each year's State Council notice; a campaign may add its own holidays and working days, and
may declare whole years it defines itself. A year nobody covers is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import chinese_calendar

ONE_DAY = timedelta(days=1)


class CalendarError(ValueError):
    """A date the working-day calendar cannot answer for."""


@cache
def _official_year(year: int) -> frozenset[date]:
    """The working days of one year per the official calendar (raises if the year is unknown)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        lo, hi = _official_range()
        raise CalendarError(
            f"法定节假日日历不包含 {year} 年（已知范围 {lo}–{hi} 年）：请升级 chinesecalendar，"
            f"或在活动配置 calendar.own_years 中声明 {year} 年并列出其节假日和调休工作日"
        ) from None
    d, out = date(year, 1, 1), set()
    while d.year == year:
        if chinese_calendar.is_workday(d):
            out.add(d)
        d += ONE_DAY
    return frozenset(out)


@cache
def _official_range() -> tuple[int, int]:
    years = sorted(d.year for d in chinese_calendar.holidays)
    return years[0], years[-1]


@dataclass(frozen=True)
class WorkCalendar:
    """The working-day calendar a campaign runs on.

    `extra_holidays` and `extra_workdays` override the official calendar day by day;
    `own_years` are years the campaign defines itself (weekends off, plus its extras).
    """

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    own_years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        own_years: Iterable[int] = (),
    ) -> WorkCalendar:
        return cls(frozenset(extra_holidays), frozenset(extra_workdays), frozenset(own_years))

    def is_workday(self, d: date) -> bool:
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        if d.year in self.own_years:
            return d.weekday() < 5
        return d in _official_year(d.year)

    def shift(self, d: date, n: int) -> date:
        """The n-th working day after `d` (n > 0) or before it (n < 0); `d` itself never counts.

        n == 0 returns `d` when it is a working day, else the next working day.
        """
        if n == 0:
            return self.next_workday(d)
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_workday(d):
                remaining -= 1
        return d

    def next_workday(self, d: date) -> date:
        """`d` if it is a working day, else the first working day after it."""
        while not self.is_workday(d):
            d += ONE_DAY
        return d

    def workdays(self, start: date, end: date) -> Iterator[date]:
        """Working days in [start, end]."""
        d = start
        while d <= end:
            if self.is_workday(d):
                yield d
            d += ONE_DAY

    def count_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — how many working days `end` is past `start`.

        Negative when `end` is before `start`: minus the working days in (end, start].
        """
        if end >= start:
            return sum(1 for _ in self.workdays(start + ONE_DAY, end))
        return -self.count_between(end, start)
