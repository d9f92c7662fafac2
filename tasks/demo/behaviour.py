"""Who sends what, when, for any campaign: deterministic, most on time, some late, some rejected
then corrected, and what the campaign's `demo:` section adds (a unit that never sends, an
extension granted, a new liaison)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.campaign import Campaign
from tasks.calendar import build_calendar


@dataclass(frozen=True)
class Send:
    day: date
    unit: str
    form: str
    period: str
    broken: bool = False  # a file with mistakes, corrected later


@dataclass(frozen=True)
class Extension:
    day: date
    unit: str
    obligation: str
    new_due: date
    reason: str


def window(campaign: Campaign) -> tuple[date, date]:
    """The days the demo replays."""
    return campaign.demo.start or campaign.start, campaign.demo.end or campaign.end


def plan(campaign: Campaign, seed: int | None = None) -> tuple[list[Send], list[Extension]]:
    d = campaign.demo
    rnd = random.Random(d.seed if seed is None else seed)
    extended = {}  # the one period each extension moves: the first due on or after it is granted
    for x in d.extensions:
        due = min(
            (
                r.due
                for r in build_calendar(campaign)
                if (r.unit, r.obligation) == (x.unit, x.obligation) and r.due >= x.granted_on
            ),
            default=None,
        )
        extended[x.unit, x.obligation, due] = x
    sends: list[Send] = []
    seen: set[tuple[str, str, str]] = set()
    for row in build_calendar(campaign):
        key = (row.unit, row.form, row.period)
        if row.unit in d.never or key in seen:
            continue  # one file may answer two obligations (same form and period)
        seen.add(key)
        if (row.unit, row.obligation, row.due) in extended:
            x = extended[row.unit, row.obligation, row.due]
            sends.append(Send(x.new_due - timedelta(days=1), row.unit, row.form, row.period))
            continue
        r = rnd.random()
        earliest = max(campaign.start + timedelta(days=12), row.due - timedelta(days=12))
        if r < 0.70:
            sends.append(
                Send(max(earliest, row.due - timedelta(days=rnd.randint(0, 6))), row.unit, row.form, row.period)
            )
        elif r < 0.82:
            sends.append(Send(row.due + timedelta(days=rnd.randint(2, 9)), row.unit, row.form, row.period))
        elif r < 0.95:
            first = max(earliest, row.due - timedelta(days=rnd.randint(1, 3)))
            sends.append(Send(first, row.unit, row.form, row.period, broken=True))
            sends.append(Send(first + timedelta(days=rnd.randint(2, 4)), row.unit, row.form, row.period))
        # else: this one never comes
    ext = [Extension(x.granted_on, x.unit, x.obligation, x.new_due, x.reason) for x in d.extensions]
    return sorted(sends, key=lambda s: (s.day, s.unit, s.form)), ext
