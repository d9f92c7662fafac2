"""Who sends what, when: deterministic, most on time, some late, some rejected then corrected,
one unit that never sends a form, one granted an extension."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.campaign import Campaign
from tasks.calendar import build_calendar

NEVER = "江苏财经职业技术学院"  # sends nothing: the escalation ladder runs to the end
EXTENDED = ("清浦区", "O7", date(2010, 7, 16), date(2010, 7, 28))  # unit, obligation, granted on, new due
# A unit whose 附表2 names a new liaison: the change of address is held, and ops approve it the next day.
NEW_LIAISON = ("洪泽县", "吴晓燕", "hongze.kjj@example.cn")


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


def plan(campaign: Campaign, seed: int = 2010) -> tuple[list[Send], list[Extension]]:
    rnd = random.Random(seed)
    sends: list[Send] = []
    seen: set[tuple[str, str, str]] = set()
    for d in build_calendar(campaign):
        key = (d.unit, d.form, d.period)
        if d.unit == NEVER or key in seen:
            continue  # one milestones file answers both O5 and O6
        seen.add(key)
        if (d.unit, d.obligation) == EXTENDED[:2]:
            sends.append(Send(EXTENDED[3] - timedelta(days=1), d.unit, d.form, d.period))
            continue
        r = rnd.random()
        earliest = max(campaign.start + timedelta(days=12), d.due - timedelta(days=12))
        if r < 0.70:
            sends.append(Send(max(earliest, d.due - timedelta(days=rnd.randint(0, 6))), d.unit, d.form, d.period))
        elif r < 0.82:
            sends.append(Send(d.due + timedelta(days=rnd.randint(2, 9)), d.unit, d.form, d.period))
        elif r < 0.95:
            first = max(earliest, d.due - timedelta(days=rnd.randint(1, 3)))
            sends.append(Send(first, d.unit, d.form, d.period, broken=True))
            sends.append(Send(first + timedelta(days=rnd.randint(2, 4)), d.unit, d.form, d.period))
        # else: this one never comes
    ext = [Extension(EXTENDED[2], EXTENDED[0], EXTENDED[1], EXTENDED[3])]
    return sorted(sends, key=lambda s: (s.day, s.unit, s.form)), ext
