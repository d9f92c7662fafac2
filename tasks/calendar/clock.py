"""Dates and times in the campaign's time zone. The store keeps naive wall-clock times in
that zone (Asia/Shanghai for every campaign so far), so a date is just `.date()`."""

from __future__ import annotations

from datetime import datetime
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
