"""Supervision figures: pure functions over plain values (status rows, counts), as of a date.

Completeness and timeliness are reporting rates (the DHIS2 idea) computed from when files
really arrived: of the obligations due by the briefing date, how many were received, and how
many on time. Nothing is marked "complete" by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from tasks.calendar import State, StatusRow


@dataclass
class UnitFigures:
    unit: str
    kind: str
    expected: int = 0  # obligations due by the briefing date
    received: int = 0  # of those, accepted
    on_time: int = 0
    late: int = 0
    missing: int = 0  # due, nothing accepted
    awaiting_correction: int = 0
    files: int = 0  # files received (any verdict)
    rejected: int = 0  # files rejected

    @property
    def completeness(self) -> float:
        return self.received / self.expected if self.expected else 1.0

    @property
    def timeliness(self) -> float:
        return self.on_time / self.expected if self.expected else 1.0

    @property
    def quality(self) -> float:
        """Share of files accepted at first sight; a unit that sent nothing earns nothing here."""
        return 1 - self.rejected / self.files if self.files else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "completeness": round(self.completeness, 4),
            "timeliness": round(self.timeliness, 4),
            "quality": round(self.quality, 4),
        }


@dataclass(frozen=True)
class Overdue:
    unit: str
    obligation: str
    form: str
    period: str
    due: date
    days_late: int
    level: int  # highest escalation level sent (0: none yet)


@dataclass
class Score:
    unit: str
    total: float
    parts: dict[str, float] = field(default_factory=dict)  # criterion -> 0..1
    rank: int = 0


def unit_figures(
    rows: list[StatusRow], kinds: dict[str, str], as_of: date, files: dict[str, tuple[int, int]]
) -> list[UnitFigures]:
    """Per unit, in campaign order: expected / received / on time / late / missing."""
    out = {u: UnitFigures(u, k) for u, k in kinds.items()}
    for r in rows:
        f = out[r.unit]
        if r.effective_due > as_of and not r.state.is_done:
            continue  # not yet due and not yet in: not expected in this briefing
        f.expected += 1
        if r.state.is_done:
            f.received += 1
            f.on_time += r.state is State.ON_TIME
            f.late += r.state is State.LATE
        else:
            f.missing += 1
            f.awaiting_correction += r.state is State.RECEIVED
    for unit, (n, rejected) in files.items():
        if unit in out:
            out[unit].files, out[unit].rejected = n, rejected
    return list(out.values())


def overdue(rows: list[StatusRow], levels: dict[int, int]) -> list[Overdue]:
    """Every obligation whose light is red (past its date, nothing accepted, no grace left), most
    days late first: the same state the status command, the checkpoints and the unit page show."""
    items = [
        Overdue(r.unit, r.obligation, r.form, r.period, r.effective_due, r.days_late, levels.get(r.obligation_id, 0))
        for r in rows
        if r.state.light == "red"
    ]
    return sorted(items, key=lambda o: (-o.days_late, o.unit, o.obligation, o.period))


def overdue_by_unit(items: list[Overdue], order: list[str]) -> list[tuple[str, list[Overdue]]]:
    """The overdue list as a leader reads it: one entry per unit in the campaign's order of units
    (never by character code), each unit's items by obligation and period."""
    by: dict[str, list[Overdue]] = defaultdict(list)
    for o in items:
        by[o.unit].append(o)
    rank = {u: i for i, u in enumerate(order)}
    return [
        (u, sorted(xs, key=lambda o: (o.obligation, o.period)))
        for u, xs in sorted(by.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))
    ]


def totals(units: list[UnitFigures]) -> dict[str, float]:
    exp = sum(u.expected for u in units)
    return {
        "expected": exp,
        "received": sum(u.received for u in units),
        "on_time": sum(u.on_time for u in units),
        "missing": sum(u.missing for u in units),
        "completeness": sum(u.received for u in units) / exp if exp else 1.0,
        "timeliness": sum(u.on_time for u in units) / exp if exp else 1.0,
    }


def ranking(
    units: list[UnitFigures],
    outcomes: dict[str, float],
    weights: dict[str, float],
    matters: dict[str, float] | None = None,
) -> list[Score]:
    """Final evaluation: a weighted score per unit, each part on 0..1, shown with the weights.

    `outcomes` per unit (the campaign's outcome indicators added up) is scaled by the best
    unit's, so the leader in outcomes gets 1.0 on that part. Units none of which has any outcome
    (a kind that owes no outcome form) are scored without that part, its weight left out.
    `matters`: the share of a unit's matters closed on time; a unit with no matters due is
    scored without that part (the weights of its other parts renormalised), never penalised.
    """
    best = max((outcomes.get(u.unit, 0) for u in units), default=0)
    if not best:
        weights = {k: w for k, w in weights.items() if k != "outcomes"}
    scores = []
    for u in units:
        parts = {"timeliness": u.timeliness, "completeness": u.completeness, "quality": u.quality}
        if best:
            parts["outcomes"] = outcomes.get(u.unit, 0) / best
        if matters and u.unit in matters and "matters" in weights:
            parts["matters"] = matters[u.unit]
        total_w = sum(w for k, w in weights.items() if k in parts) or 1
        total = sum(weights.get(k, 0) * v for k, v in parts.items()) / total_w
        scores.append(Score(u.unit, round(total * 100, 1), {k: round(v, 3) for k, v in parts.items()}))
    scores.sort(key=lambda s: (-s.total, s.unit))
    for i, s in enumerate(scores, 1):
        s.rank = i if i == 1 or s.total != scores[i - 2].total else scores[i - 2].rank
    return scores
