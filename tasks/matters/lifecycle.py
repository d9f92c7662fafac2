"""A matter's life: which action may follow which state (pure), and the one way to act on a
matter, which writes its history and refuses a unit acting on another unit's matter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from schemas.matters import ACTION_LABELS, Matter, MatterAction, MatterEvent, MatterState
from tasks.app import audit

A, S = MatterAction, MatterState
OPEN = (S.ASSIGNED, S.SIGNED, S.IN_PROGRESS, S.RETURNED)

# action -> (the states it may follow, the state it leads to; None: the state does not change)
MOVES: dict[MatterAction, tuple[tuple[MatterState, ...], MatterState | None]] = {
    A.SIGN: ((S.ASSIGNED,), S.SIGNED),
    A.PROGRESS: ((S.ASSIGNED, S.SIGNED, S.IN_PROGRESS, S.RETURNED), S.IN_PROGRESS),
    A.REQUEST_CLOSE: (OPEN, S.CLOSING),
    A.APPROVE: ((S.CLOSING,), S.CLOSED),
    A.RETURN: ((S.CLOSING,), S.RETURNED),
    A.EXTEND: (OPEN + (S.CLOSING,), None),
    A.REQUEST_EXTENSION: (OPEN, None),
    A.REFUSE_EXTENSION: (OPEN + (S.CLOSING,), None),
    A.MISSING: (tuple(S), None),
    A.LEDGER: (tuple(S), None),
}

WHY_NOT = {
    S.CLOSED: "该事项已办结（销号），不能再{action}",
    S.CLOSING: "该事项已申请办结，正在等待审核，不能再{action}",
}


class MatterRefused(ValueError):
    """An action that does not apply: the message says why, in words a clerk understands."""


def next_state(state: MatterState, action: MatterAction) -> MatterState:
    """The state `action` leads to from `state`; MatterRefused when it may not follow it."""
    allowed, to = MOVES[action]
    if state not in allowed:
        words = ACTION_LABELS[action]
        if state in WHY_NOT:
            raise MatterRefused(WHY_NOT[state].format(action=words))
        if action in (A.APPROVE, A.RETURN):
            raise MatterRefused(f"该事项目前为“{state.label}”，没有待审核的办结申请")
        raise MatterRefused(f"该事项目前为“{state.label}”，不能{words}")
    return to or state


def act(
    session: Session,
    matter: Matter,
    action: MatterAction,
    *,
    actor: str,
    at: datetime,
    text: str = "",
    files: Sequence[dict[str, Any]] = (),
    unit_id: int | None = None,
    done_on: date | None = None,
    **detail: Any,
) -> MatterEvent:
    """Apply `action` to `matter` in the caller's transaction, and record it in its history.
    `unit_id`: the unit acting (its page); a unit acting on another unit's matter is refused,
    and the attempt goes to the audit log."""
    refuse_foreign(session, matter, action, actor=actor, at=at, unit_id=unit_id)
    before = matter.status
    after = next_state(before, action)
    matter.state = after
    _stamp(matter, action, actor, at, done_on)
    event = MatterEvent(
        matter_id=matter.id,
        at=at,
        actor=actor[:64],
        action=action,
        from_state=before,
        to_state=after,
        text=text,
        files=list(files),
        detail=detail,
    )
    session.add(event)
    return event


def refuse_foreign(
    session: Session, matter: Matter, action: MatterAction, *, actor: str, at: datetime, unit_id: int | None
) -> None:
    """MatterRefused, the attempt audited, when unit `unit_id` (None: ops) acts on another unit's matter."""
    if unit_id is not None and unit_id != matter.unit_id:
        audit(
            session, at=at, actor=actor, action="matter.refused", subject=str(matter.id), unit_id=unit_id, tried=action
        )
        raise MatterRefused("该事项不属于本单位")


def _stamp(matter: Matter, action: MatterAction, actor: str, at: datetime, done_on: date | None) -> None:
    """The times a matter keeps on itself, for lists and counts (its history keeps every one)."""
    if action is A.SIGN:
        matter.signed_at, matter.signed_by = at, actor[:64]
    elif action is A.PROGRESS:
        matter.progressed_at = matter.progressed_at or at
    elif action is A.REQUEST_CLOSE:
        matter.close_requested_at = at
        matter.done_on = done_on or at.date()
    elif action is A.APPROVE:
        matter.closed_at, matter.closed_by = at, actor[:64]
    elif action is A.RETURN:
        matter.close_requested_at = None
        matter.done_on = None
