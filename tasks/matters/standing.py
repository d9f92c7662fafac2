"""Where each matter stands on a day: one query, then a pure function of its dates, shared by
the sweep, the unit's page, `duban matters`, ops' daily list and the briefing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.matters import Matter, MatterSource, MatterState
from schemas.tables import Unit
from schemas.workdays import WorkCalendar
from tasks.calendar import parse_ladder

S = MatterState


@dataclass(frozen=True, slots=True)
class Standing:
    state: MatterState  # as of the day
    light: str  # green | yellow | red | grey
    label: str  # what a person reads next to it
    days_late: int  # calendar days past the deadline (open), or by which it was closed late
    on_time: bool | None = None  # closed: was it done by its deadline


def state_on(m: Matter | MatterRow, as_of: date) -> MatterState:
    """The matter's state on `as_of` from the times it keeps: closed once approved, asking to
    close once asked (and not returned), else open in its current open state."""
    return _state_on(
        m.state, m.signed_at, _progressed(m.source, m.progressed_at), m.close_requested_at, m.closed_at, as_of
    )


_STATES = {s.value: s for s in MatterState}  # a dict lookup: the sweep reads every open matter


def _progressed(source: str, progressed_at: datetime | None) -> datetime | None:
    """Since when it was in progress: a ledger's matter from the start, else its first report."""
    return datetime.min if source == MatterSource.LEDGER else progressed_at


def _state_on(
    state: str,
    signed_at: datetime | None,
    progressed_at: datetime | None,
    close_requested_at: datetime | None,
    closed_at: datetime | None,
    as_of: date,
) -> MatterState:
    if closed_at and closed_at.date() <= as_of:
        return S.CLOSED
    if close_requested_at and close_requested_at.date() <= as_of:
        return S.CLOSING
    now = _STATES[state]
    if now not in (S.CLOSED, S.CLOSING):
        return now
    # closed or asked later than `as_of`: open then, as far as it had come
    if progressed_at and progressed_at.date() <= as_of:
        return S.IN_PROGRESS
    return S.SIGNED if signed_at and signed_at.date() <= as_of else S.ASSIGNED


def standing(
    state: MatterState, due: date, done_on: date | None, as_of: date, cal: WorkCalendar, soon_working_days: int = 5
) -> Standing:
    """The light of one matter on `as_of` (pure)."""
    if state is S.CLOSED:
        late = max(((done_on or as_of) - due).days, 0)
        return Standing(state, "green", "按期办结" if not late else f"逾期{late}天办结", late, not late)
    if state is S.CLOSING:
        return Standing(state, "yellow", "申请办结，待审核", max(((done_on or as_of) - due).days, 0))
    if as_of > due:
        late = (as_of - due).days
        return Standing(state, "red", f"逾期{late}天", late)
    if as_of >= cal.shift(due, -soon_working_days):
        left = (due - as_of).days
        return Standing(state, "yellow", "今天到期" if not left else f"还有{left}天到期", 0)
    return Standing(state, "grey", state.label, 0)


@dataclass(frozen=True, slots=True)
class MatterRow:
    id: int
    unit: str
    unit_id: int
    title: str
    responsible: str
    source: str
    source_label: str
    due: date
    extended_due: date | None
    state: str
    created_at: datetime
    signed_at: datetime | None
    close_requested_at: datetime | None
    closed_at: datetime | None
    done_on: date | None
    missing_since: datetime | None
    form: str | None
    progressed_at: datetime | None = None
    ladder: dict[str, Any] = field(default_factory=dict, repr=False)
    standing: Standing | None = None

    @property
    def effective_due(self) -> date:
        return self.extended_due or self.due

    def as_json(self) -> dict[str, object]:
        st = self.standing
        return {
            "id": self.id,
            "unit": self.unit,
            "title": self.title,
            "responsible": self.responsible,
            "source": self.source_label or self.source,
            "due": self.effective_due.isoformat(),
            "original_due": self.due.isoformat(),
            "state": st.state.value if st else self.state,
            "state_label": st.state.label if st else MatterState(self.state).label,
            "light": st.light if st else None,
            "standing": st.label if st else None,
            "days_late": st.days_late if st else 0,
            "signed_at": self.signed_at.isoformat(timespec="minutes") if self.signed_at else None,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "missing_from_ledger": self.missing_since is not None,
        }


COLUMNS = (
    Matter.id,
    Unit.name,
    Matter.unit_id,
    Matter.title,
    Matter.responsible,
    Matter.source,
    Matter.source_label,
    Matter.due,
    Matter.extended_due,
    Matter.state,
    Matter.created_at,
    Matter.signed_at,
    Matter.close_requested_at,
    Matter.closed_at,
    Matter.done_on,
    Matter.missing_since,
    Matter.form,
    Matter.progressed_at,
)


def matter_rows(
    session: Session,
    campaign: Campaign,
    as_of: date,
    *,
    unit_id: int | None = None,
    open_only: bool = False,
    with_ladder: bool = False,
) -> list[MatterRow]:
    """Every matter of `campaign` created by `as_of`, with where it stands that day (of one unit
    only with `unit_id`; only those still the units' to do with `open_only`)."""
    cal = campaign.work_calendar
    soon = campaign.matters.due_soon_days
    cols = (*COLUMNS, cast(Matter.ladder, Text)) if with_ladder else COLUMNS
    q = select(*cols).join(Unit, Unit.id == Matter.unit_id).where(Matter.campaign == campaign.id)
    if unit_id is not None:
        q = q.where(Matter.unit_id == unit_id)
    if open_only:
        q = q.where(Matter.state != S.CLOSED)
    q = q.order_by(Matter.due, Unit.id, Matter.id)
    out = []
    for r in session.execute(q).tuples():
        if r[10].date() > as_of:
            continue
        st = _state_on(r[9], r[11], _progressed(r[5], r[17]), r[12], r[13], as_of)  # the sweep reads 30,000
        if open_only and not st.is_open:
            continue
        light = standing(st, r[8] or r[7], r[14], as_of, cal, soon)
        out.append(MatterRow(*r[:18], ladder=parse_ladder(r[18]) if with_ladder else {}, standing=light))
    return out
