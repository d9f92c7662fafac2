"""What one unit's page shows of its matters: each with where it stands, its history (who did
what, when), a request for more time still waiting, and what the unit may still do. Read for one
unit id only: never another unit's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.matters import ACTION_LABELS, MatterAction, MatterEvent, MatterSource, MatterState
from tasks.matters.extend import ASKED_OR_ANSWERED
from tasks.matters.lifecycle import MatterRefused, next_state
from tasks.matters.standing import MatterRow, matter_rows

SOURCE_LABELS = {MatterSource.OPS: "交办", MatterSource.LEDGER: "台账"}


@dataclass(frozen=True)
class Entry:
    """One line of a matter's history as the unit reads it."""

    at: datetime
    actor: str
    action: str  # in words
    text: str
    files: list[str]  # the names of the files sent with it


@dataclass(frozen=True)
class UnitMatter:
    id: int
    title: str
    source: str  # 交办 | 台账
    source_label: str  # 领导批示, 整改问题…
    responsible: str
    due: date
    extended: bool
    light: str  # the same lights as the obligations: green | yellow | red | grey
    state: str  # its state in words
    standing: str  # 逾期3天, 还有2天到期…
    signed_at: datetime | None
    missing: bool  # a cumulative ledger no longer lists it
    history: list[Entry]
    may_sign: bool
    may_progress: bool
    may_close: bool
    may_extend: bool  # open, and no request for more time waiting
    extension_asked: date | None  # the date of the unit's request for more time still waiting for ops


def _may(state: MatterState, action: MatterAction) -> bool:
    try:
        next_state(state, action)
    except MatterRefused:
        return False
    return True


def unit_matters(session: Session, campaign: Campaign, unit_id: int, as_of: date) -> list[UnitMatter]:
    """The matters of `unit_id` on `as_of`, open ones first (by deadline), each with its history."""
    rows = matter_rows(session, campaign, as_of, unit_id=unit_id)
    history, asked = _history(session, [r.id for r in rows])
    out = [_view(r, history.get(r.id, []), asked.get(r.id)) for r in rows]
    return sorted(out, key=lambda m: (not m.may_progress, m.due))  # stable: matter_rows' order within


def _view(r: MatterRow, history: list[Entry], asked: date | None) -> UnitMatter:
    st = r.standing
    assert st is not None
    now = MatterState(r.state)  # what may be done is what may be done now, whatever day is shown
    return UnitMatter(
        id=r.id,
        title=r.title,
        source=SOURCE_LABELS.get(MatterSource(r.source), r.source),
        source_label=r.source_label,
        responsible=r.responsible,
        due=r.effective_due,
        extended=r.extended_due is not None,
        light=st.light,
        state=st.state.label,
        standing=st.label,
        signed_at=r.signed_at,
        missing=r.missing_since is not None,
        history=history,
        may_sign=_may(now, MatterAction.SIGN),
        may_progress=_may(now, MatterAction.PROGRESS),
        may_close=_may(now, MatterAction.REQUEST_CLOSE),
        may_extend=asked is None and _may(now, MatterAction.REQUEST_EXTENSION),
        extension_asked=asked if now is not MatterState.CLOSED else None,
    )


def _history(session: Session, ids: list[int]) -> tuple[dict[int, list[Entry]], dict[int, date]]:
    """Each matter's history, and the date asked by its request for more time still waiting
    (the latest request, when no extension or refusal came after it: as `pending_extension`)."""
    if not ids:
        return {}, {}
    q = select(MatterEvent).where(MatterEvent.matter_id.in_(ids)).order_by(MatterEvent.id)
    out: dict[int, list[Entry]] = {}
    asked: dict[int, date | None] = {}
    for e in session.scalars(q):
        files = [str(f.get("name", "")) for f in e.files or [] if isinstance(f, dict)]
        action = MatterAction(e.action)
        text = e.text
        if action in ASKED_OR_ANSWERED:
            wanted = date.fromisoformat(str(e.detail.get("new_due") or e.detail.get("asked")))
            asked[e.matter_id] = wanted if action is MatterAction.REQUEST_EXTENSION else None
            if action is not MatterAction.REFUSE_EXTENSION:
                text = f"{'申请延至' if action is MatterAction.REQUEST_EXTENSION else '延至'} {wanted:%Y-%m-%d}：{text}"
        out.setdefault(e.matter_id, []).append(Entry(e.at, e.actor, ACTION_LABELS.get(action, e.action), text, files))
    return out, {k: v for k, v in asked.items() if v is not None}
