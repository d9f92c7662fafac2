"""Dates (and times) on the command line, as people write them: the parser the files use, errors in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import click

from tasks.intake import CellError, a_datetime

DATE_FORMS = "可写 2010-07-16、2010/7/16、2010.7.16 或 2010年7月16日"


class When(click.ParamType):
    """A date (or a date and time) as people write it."""

    def __init__(self, with_time: bool):
        self.with_time = with_time
        self.name = "时间" if with_time else "日期"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        if self.with_time:
            try:  # full ISO 8601, with an offset (2010-07-16T10:30:00+08:00)
                return datetime.fromisoformat(text)
            except ValueError:
                pass
        try:
            day, at = a_datetime(text)
        except CellError as e:
            self.fail(f"“{text}”{e}（{DATE_FORMS}{'，可加时间如 10:30' if self.with_time else ''}）", param, ctx)
        return datetime.combine(day, at or time()) if self.with_time else day


DATE, DATETIME = When(False), When(True)


def as_of_option(f: Callable) -> Callable:
    return click.option("--as-of", type=DATE, default=None, help=f"按此日期计算（{DATE_FORMS}；默认今天，按活动时区）")(
        f
    )
