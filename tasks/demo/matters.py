"""The demo's matters (督办事项), from the campaign's `demo.matters`: ops assign each on its day,
the units sign for it the next working day, report progress, ask to close it (on time, or late
for the units the campaign names) and ops close it the working day after."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from schemas.campaign import Campaign
from schemas.matters import Matter, MatterAction, MatterSource
from schemas.tables import Unit
from tasks.app import App
from tasks.matters import Assignment, act, decide_closure, hand_out


@dataclass(frozen=True)
class MatterStep:
    day: date
    action: MatterAction  # ASSIGN, or what a unit or ops do with its matter
    title: str
    units: tuple[str, ...]
    actor: str
    text: str = ""


def matter_plan(campaign: Campaign, seed: int) -> list[MatterStep]:
    """Every step of every demo matter, in date order (deterministic for a seed)."""
    cal, rnd = campaign.work_calendar, random.Random(f"{seed}-matters")
    out: list[MatterStep] = []
    for m in campaign.demo.matters:
        out.append(MatterStep(m.assigned_on, MatterAction.ASSIGN, m.title, tuple(m.units), m.by, m.instruction))
        for unit in m.units:
            liaison = next((c.name for c in campaign.unit(unit).contacts if c.role == "liaison"), unit)
            signed = cal.shift(m.assigned_on, 1)
            out.append(MatterStep(signed, MatterAction.SIGN, m.title, (unit,), liaison))
            progress = cal.shift(signed, rnd.randint(2, 4))
            if progress < m.due:
                out.append(
                    MatterStep(progress, MatterAction.PROGRESS, m.title, (unit,), liaison, "已召开专题会议部署落实")
                )
            ask = cal.shift(m.due, rnd.randint(2, 5)) if unit in m.late else cal.shift(m.due, -rnd.randint(1, 3))
            out.append(MatterStep(max(ask, progress), MatterAction.REQUEST_CLOSE, m.title, (unit,), liaison, "已办结"))
            out.append(MatterStep(cal.shift(max(ask, progress), 1), MatterAction.APPROVE, m.title, (unit,), m.by))
    order = list(MatterAction)
    return sorted(out, key=lambda s: (s.day, order.index(s.action), s.units))


def play_matters(app: App, day: date, steps: list[MatterStep]) -> list[int]:
    """Apply the day's steps (assignments at 09:30, each unit told by mail; units at 11:00, ops
    at 16:00); the ids of the matters assigned today."""
    assigned: list[int] = []
    for st in steps:
        if st.action is MatterAction.ASSIGN:
            due = next(m.due for m in app.campaign.demo.matters if m.title == st.title)
            a = Assignment(list(st.units), st.title, due, st.actor, st.text, _source(app.campaign, st.title))
            assigned += [i for i, _ in hand_out(app, a, now=datetime.combine(day, time(9, 30))).matters]
            continue
        at = datetime.combine(day, time(16) if st.action is MatterAction.APPROVE else time(11))
        with app.store.session(write=True) as s:
            for m in _matters(s, app.campaign, st):
                if st.action is MatterAction.APPROVE:  # as ops do in the matter-closure run: the unit is told
                    decide_closure(
                        s, app.campaign, m.id, approve=True, reason="", by=st.actor, now=at, settings=app.settings
                    )
                else:
                    act(s, m, st.action, actor=st.actor, at=at, text=st.text)
    return assigned


def _source(campaign: Campaign, title: str) -> str:
    return next(m.source for m in campaign.demo.matters if m.title == title)


def _matters(session, campaign: Campaign, st: MatterStep) -> list[Matter]:  # type: ignore[no-untyped-def]
    q = (
        select(Matter)
        .join(Unit, Unit.id == Matter.unit_id)
        .where(
            Matter.campaign == campaign.id,
            Matter.source == MatterSource.OPS,
            Matter.title == st.title,
            Unit.name.in_(st.units),
        )
    )
    return list(session.scalars(q))
