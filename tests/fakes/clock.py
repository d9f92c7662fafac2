"""A clock that says what the test tells it (`tasks.calendar.Clock`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at
