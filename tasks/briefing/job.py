"""Compiling and delivering a briefing: figures → files → record → outbox (exactly once per recipient)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from notifications.outbox import enqueue
from schemas.briefings import Briefing, BriefingStatus
from schemas.tables import current_contacts
from tasks.app import App
from tasks.briefing import render
from tasks.briefing.figures import BriefingData, gather
from tasks.outbox import send_queued
from tasks.reminders import attention


@dataclass
class Compiled:
    data: BriefingData
    folder: Path
    html: Path
    pdf: Path
    charts: render.Charts
    pages: int  # of the PDF


def compile_briefing(app: App, as_of: date, *, kind: str = "monthly", out: Path | None = None) -> Compiled:
    """Figures as of `as_of`, written as HTML + PNG charts + PDF under `out` (default: briefings/)."""
    with app.store.session() as s:
        data = gather(s, app.campaign, as_of, kind=kind)
    data.failed_mail = attention(app)
    folder = out or app.settings.briefings_dir / (
        f"{kind}-{data.number:02d}-{as_of}" if kind == "monthly" else f"final-{as_of}"
    )
    return Compiled(data, folder, *render.write_files(data, folder))


def record(app: App, c: Compiled, *, status: str, by: str | None, comment: str | None, now: datetime) -> int:
    d = c.data
    with app.store.session(write=True) as s:
        b = s.scalar(
            select(Briefing).where(
                Briefing.campaign == app.campaign.id, Briefing.kind == d.kind, Briefing.number == d.number
            )
        )
        if b is None:
            b = Briefing(
                campaign=app.campaign.id, kind=d.kind, number=d.number, created_at=now, as_of=d.as_of, status=status
            )
            s.add(b)
        b.as_of, b.status, b.approved_by, b.comment, b.folder = d.as_of, status, by, comment, str(c.folder)
        b.figures = d.stored_figures()
        s.flush()
        return b.id


def recipients(app: App) -> list[tuple[str, str]]:
    """Leaders from the campaign, then the current responsible head of every unit of the kinds
    the campaign names (`briefings.unit_heads`)."""
    out = [(x.email, x.name) for x in app.campaign.briefings.leaders]
    with app.store.session() as s:
        heads = [
            (c.email, c.name)
            for _, c in current_contacts(s, app.campaign.id, kinds=app.campaign.briefings.unit_heads, roles=("head",))
        ]
    seen: set[str] = set()
    return [(e, n) for e, n in [*out, *heads] if not (e.lower() in seen or seen.add(e.lower()))]


def queue_delivery(app: App, c: Compiled, *, now: datetime) -> int:
    """One email per recipient per briefing (the key makes a second run a no-op)."""
    d = c.data
    message = render.email(d, c.charts, c.pdf.read_bytes())
    n = 0
    with app.store.session(write=True) as s:
        for addr, name in recipients(app):
            key = f"briefing:{app.campaign.id}:{d.kind}:{d.number}:{addr.lower()}"
            if enqueue(
                s,
                key=key,
                kind="briefing",
                campaign=app.campaign.id,
                to_email=addr,
                to_name=name,
                message=message,
                now=now,
                as_of=d.as_of,
                mail_from=app.settings.mail_from,
                tz=app.campaign.timezone,
            ):
                n += 1
    return n


def deliver_briefing(app: App, c: Compiled, *, by: str, comment: str, now: datetime) -> tuple[int, int]:
    """An approved briefing: recorded as approved, queued once per recipient, sent, recorded as sent.
    Returns (queued, sent). The one path for the briefing flow and the replay."""
    record(app, c, status=BriefingStatus.APPROVED, by=by, comment=comment, now=now)
    queued = queue_delivery(app, c, now=now)
    report = send_queued(app, now=now)
    record(app, c, status=BriefingStatus.SENT, by=by, comment=comment, now=now)
    return queued, report.sent
