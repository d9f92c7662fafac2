"""Dates and times in the campaign's time zone. The store keeps naive wall-clock times in
that zone (Asia/Shanghai for every campaign so far), so a date is just `.date()`.

`Clock` is the seam for "now": production uses `SystemClock`; a test hands the App a fixed one.
Everything below the edge takes its day as a parameter (`as_of`) instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def now_local(tz: str = DEFAULT_TZ) -> datetime:
    """Current wall-clock time in `tz`, naive (as stored)."""
    return datetime.now(ZoneInfo(tz)).replace(tzinfo=None, microsecond=0)


def to_local(dt: datetime, tz: str = DEFAULT_TZ) -> datetime:
    """An aware datetime as naive wall-clock time in `tz`; naive input is taken as already local."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


class Clock(Protocol):
    def now(self) -> datetime:
        """Current wall-clock time in the campaign's zone, naive (as stored)."""
        ...


@dataclass(frozen=True)
class SystemClock:
    """The machine's clock, read in one time zone."""

    tz: str = DEFAULT_TZ

    def now(self) -> datetime:
        return now_local(self.tz)
