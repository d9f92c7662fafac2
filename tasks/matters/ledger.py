"""Matters from data: each accepted file of a form with `tracks:` creates or updates its unit's
matters, one per row. A row marked done asks to close its matter (the office still 销号s it);
a matter a cumulative ledger stops listing is flagged, never closed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.forms import Form
from schemas.matters import Matter, MatterAction, MatterSource, MatterState
from schemas.tables import Submission
from schemas.text import clean_text
from schemas.tracking import Tracks
from tasks.matters.assignment import created, matter_ladder
from tasks.matters.lifecycle import act

SEP = "\x1f"


def ledger_key(tracks: Tracks, record: dict[str, Any]) -> str:
    """A row's identity: its identity columns' text, folded of stray spaces."""
    return SEP.join(" ".join(clean_text(str(record.get(k) or "")).split()) for k in tracks.id)


def matter_key(form: Form, identity: str) -> str:
    """How the store keys a ledger's matter within its unit: its form and identity, hashed (an
    identity is a problem's whole description, often longer than a key column; two tracked forms
    may list the same words as two matters)."""
    return "ledger:" + hashlib.sha256(f"{form.code}{SEP}{identity}".encode()).hexdigest()


def is_done(tracks: Tracks, record: dict[str, Any]) -> bool:
    """A row whose status is one of the done values (without a status column: with a done date)."""
    if tracks.status is None:
        return bool(tracks.done_date and record.get(tracks.done_date))
    status = "".join(str(record.get(tracks.status) or "").split())
    return status in tracks.done_values


@dataclass
class LedgerChange:
    """What one file did to its unit's matters: ids created, updated, asked to close, flagged missing."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    closing: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def sync_ledger(
    session: Session,
    campaign: Campaign,
    form: Form,
    sub: Submission,
    unit_id: int,
    records: list[dict[str, Any]],
    *,
    actor: str,
) -> LedgerChange:
    """Create or update the unit's matters from an accepted file's rows, in the caller's transaction."""
    tracks = form.tracks
    assert tracks is not None
    now = sub.received_at
    q = select(Matter).where(Matter.campaign == campaign.id, Matter.unit_id == unit_id, Matter.form == form.code)
    existing = {m.key: m for m in session.scalars(q)}
    out, seen = LedgerChange(), set()
    for r in records:
        key = matter_key(form, ledger_key(tracks, r))
        seen.add(key)
        m = existing.get(key)
        if m is None:
            m = _new(session, campaign, form, sub, unit_id, r, key, actor)
            out.created.append(m.id)
        elif _update(session, m, tracks, sub, r, actor):
            out.updated.append(m.id)
        if is_done(tracks, r) and m.status.is_open:
            done_on = r.get(tracks.done_date) if tracks.done_date else None
            act(
                session,
                m,
                MatterAction.REQUEST_CLOSE,
                actor=actor,
                at=now,
                text="台账标注已完成",
                done_on=_day(done_on),
            )
            out.closing.append(m.id)
    if tracks.cumulative:
        for key, m in existing.items():
            if key not in seen and m.status is not MatterState.CLOSED and m.missing_since is None:
                m.missing_since = now
                act(session, m, MatterAction.MISSING, actor=actor, at=now, text=f"{sub.filename} 中不再列出该事项")
                out.missing.append(m.id)
    return out


def _day(value: Any) -> date | None:
    return value if isinstance(value, date) and not isinstance(value, datetime) else None


def _fields(tracks: Tracks, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": " ".join(str(r.get(tracks.title) or "").split())[:2000],
        "responsible": str(r.get(tracks.responsible) or "").strip()[:64] if tracks.responsible else "",
        "due": r[tracks.deadline],
    }


def _new(
    session: Session, campaign: Campaign, form: Form, sub: Submission, unit_id: int, r: dict, key: str, actor: str
) -> Matter:
    tracks = form.tracks
    assert tracks is not None
    m = Matter(
        campaign=campaign.id,
        unit_id=unit_id,
        key=key,
        state=MatterState.IN_PROGRESS,
        source=MatterSource.LEDGER,
        source_label=tracks.source,
        form=form.code,
        submission_id=sub.id,
        row=r.get("row_number"),
        ladder=matter_ladder(campaign),
        created_at=sub.received_at,
        **_fields(tracks, r),
    )
    created(session, m, actor=actor, action=MatterAction.LEDGER, text=f"{sub.filename} 第{m.row}行", file=sub.filename)
    return m


def _update(session: Session, m: Matter, tracks: Tracks, sub: Submission, r: dict, actor: str) -> bool:
    """Restate a matter from its row; its history records what changed (True when anything did)."""
    new = _fields(tracks, r)
    changed = {k: [str(getattr(m, k)), str(v)] for k, v in new.items() if getattr(m, k) != v}
    m.submission_id, m.row = sub.id, r.get("row_number")
    back = m.missing_since is not None
    m.missing_since = None
    if not changed and not back:
        return False
    for k, v in new.items():
        setattr(m, k, v)
    note = "、".join({"title": "事项", "responsible": "责任人", "due": "完成时限"}[k] for k in changed)
    text = f"{sub.filename} 第{m.row}行" + (f"：{note}有变化" if note else "：重新列入台账")
    act(session, m, MatterAction.LEDGER, actor=actor, at=sub.received_at, text=text, changed=changed)
    return True
