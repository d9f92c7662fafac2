"""What `duban check` points out in a campaign without refusing it: allowed, but probably not meant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from schemas.campaign import Campaign
from schemas.period import Period, period_label
from schemas.schedule import periods
from schemas.workdays import CalendarError, WorkCalendar


def warnings(c: Campaign) -> Iterator[tuple[tuple, str]]:
    """Pure: what `duban check` points out without refusing the campaign."""
    days = c.work_calendar
    for i, o in enumerate(c.obligations):
        if o.schedule.roll == "none" and o.schedule.every in ("once", "dates"):
            for period, due in periods(o):
                if not _workday(days, due):
                    said = (
                        "" if period == Period("year", due.year).key else period_label(period)
                    )  # its own year adds nothing
                    yield (
                        ("obligations", i, "schedule"),
                        f"“{o.title}”{said}的截止日期 {due} 不是工作日："
                        "如计划写“如逢节假日顺延”，请加 roll: next-workday",
                    )
    for day in c.briefing_days():
        if not c.start <= day <= c.end:
            yield ("briefings",), f"简报日 {day} 不在活动期 {c.start}～{c.end} 内"
    for j, day in enumerate(c.briefings.dates):
        if not _workday(days, day):
            yield ("briefings", "dates", j), f"简报日 {day} 不是工作日"
    if not c.office.email:
        yield ("office",), "未填写 office.email：邮件的发件人和单位回复的地址都是它；否则须设置 DUBAN_MAIL_FROM"
    for i, u in enumerate(c.units):
        for j, a in enumerate(u.aliases):
            if a == u.name:
                yield ("units", i, "aliases", j), f"别名“{a}”与单位名称相同，不必列出"


def _workday(days: WorkCalendar, d: date) -> bool:
    try:
        return days.is_workday(d)
    except CalendarError:  # a year the calendar does not know is a problem of its own, said elsewhere
        return True
