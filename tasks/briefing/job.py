"""Compiling and delivering a briefing: figures → files → record → outbox (exactly once per recipient)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from notifications.outbox import enqueue
from schemas.briefings import Briefing, BriefingStatus, BriefingVersion
from schemas.tables import current_contacts
from tasks.app import App, audit
from tasks.briefing import render, versions
from tasks.briefing.docx import write_docx
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
    docx: Path | None = None  # briefing.docx, the GB/T 9704 layout for the office to edit


def compile_briefing(app: App, as_of: date, *, kind: str = "monthly", out: Path | None = None) -> Compiled:
    """Figures as of `as_of`, written as HTML + PNG charts + PDF + .docx under `out` (default: briefings/)."""
    with app.store.session() as s:
        data = gather(s, app.campaign, as_of, kind=kind)
        sent = versions.last_sent(s, app.campaign.id, kind, data.number)
        data.correction = versions.changes(sent.said, versions.said(data)) if sent else ""
    data.failed_mail = attention(app)
    folder = out or app.settings.briefings_dir / (
        f"{kind}-{data.number:02d}-{as_of}" if kind == "monthly" else f"final-{as_of}"
    )
    c = Compiled(data, folder, *render.write_files(data, folder))
    c.docx = write_docx(render.document(data, c.charts), folder / "briefing.docx")
    return c


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
        elif b.status == BriefingStatus.SENT and status in (BriefingStatus.DRAFT, BriefingStatus.HELD):
            return b.id  # an issue sent stays sent: a draft of its correction never replaces it
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


def queue_delivery(app: App, c: Compiled, *, now: datetime, version: int = 1, document: bytes | None = None) -> int:
    """One email per recipient per version of a briefing (the key makes a second run a no-op); the
    document attached is the office's edited .docx (its bytes as checked) when there is one, else the PDF."""
    d = c.data
    attached = (f"{d.title}.docx", versions.DOCX, document) if document is not None else None
    message = render.email(d, c.charts, c.pdf.read_bytes(), document=attached)
    n = 0
    with app.store.session(write=True) as s:
        for addr, name in recipients(app):
            again = f":v{version}" if version > 1 else ""
            key = f"briefing:{app.campaign.id}:{d.kind}:{d.number}{again}:{addr.lower()}"
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


def deliver_briefing(
    app: App, c: Compiled, *, by: str, comment: str, now: datetime, edited: Path | None = None
) -> tuple[int, int]:
    """An approved briefing: the office's edited .docx checked (else `versions.BriefingRefused`, and
    nothing is recorded or sent), recorded as approved with the version sent and its SHA-256 (and who
    approved it, in the audit log), queued once per recipient, sent, recorded as sent. Returns
    (queued, sent). The one path for the briefing flow, `duban brief --approve` and the replay."""
    document = None if edited is None else versions.check_docx(edited, app.settings.max_file_bytes)
    version = _keep_version(app, c, by=by, now=now, edited=document)  # kept, hashed and sent: the bytes checked
    record(app, c, status=BriefingStatus.APPROVED, by=by, comment=comment, now=now)
    queued = queue_delivery(app, c, now=now, version=version.version, document=document)
    report = send_queued(app, now=now)
    record(app, c, status=BriefingStatus.SENT, by=by, comment=comment, now=now)
    return queued, report.sent


def _keep_version(app: App, c: Compiled, *, by: str, now: datetime, edited: bytes | None) -> BriefingVersion:
    """The version to send: the last one again when nothing changed (the same edited file, or the
    same figures), else a new one kept in the folder with its SHA-256 (a correction names what
    changed); the approval audited."""
    d = c.data
    bid = record(app, c, status=BriefingStatus.DRAFT, by=None, comment=None, now=now)
    data, suffix = (edited, ".docx") if edited is not None else (c.pdf.read_bytes(), c.pdf.suffix)
    with app.store.session(write=True) as s:
        last = versions.last_sent(s, app.campaign.id, d.kind, d.number)
        if last is not None and (versions.sha256(data) == last.sha256 or not (edited is not None or d.correction)):
            s.expunge(last)
            return last
        number = (last.version + 1) if last else 1
        path, digest = versions.keep(c.folder, data, suffix, number)
        v = BriefingVersion(
            briefing_id=bid,
            version=number,
            path=str(path),
            sha256=digest,
            edited=edited is not None,
            approved_by=by,
            changes=d.correction if last else "",
            said=versions.said(d),
            sent_at=now,
        )
        s.add(v)
        audit(
            s,
            at=now,
            actor=by,
            action="briefing.approve",
            subject=d.title,
            version=number,
            sha256=digest,
            file=path.name,
            edited=edited is not None,
            changes=v.changes,
        )
        s.flush()
        s.expunge(v)
        return v
