"""Sending the outbox: exactly once, or visibly not.

A sender claims rows (`claimed`), then for each message marks it `sending` before the SMTP
transaction and `sent` after the server's 250. If the process dies in between, the next
sender finds the row `sending` under a dead claimer and marks it `uncertain`: not resent
automatically (it may have arrived), shown to ops with a one-step resend. Rows claimed but
never started go back to the queue. 4xx answers and connections dropped before DATA are
retried with backoff; 5xx and poison rows fail; a connection lost during DATA is uncertain.
The connections are `MailTransport`s (`notifications.transport`), worked by `Worker`s.
"""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select, update

from config.settings import Settings
from notifications.delivery import DeliveryReport, Freshness
from notifications.message import Rendered
from notifications.transport import SmtpTransport, TransportFactory
from notifications.worker import Worker
from schemas.campaign import Campaign
from schemas.outbox import Notification, OutboxStatus
from schemas.store import Store


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(claimer: str | None, claimed_at: datetime | None, now: datetime, lease: int) -> bool:
    host, _, pid = (claimer or ":").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return claimed_at is not None and now - claimed_at < timedelta(seconds=lease)


def recover(store: Store, *, now: datetime, lease: int) -> int:
    """Rows left by a dead sender: `sending` → uncertain, `claimed` → queued again."""
    n = 0
    with store.session(write=True) as s:
        for row in s.scalars(
            select(Notification).where(Notification.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]))
        ):
            if _alive(row.claimed_by, row.claimed_at, now, lease):
                continue
            if row.status == OutboxStatus.SENDING:
                row.status, row.last_error = OutboxStatus.UNCERTAIN, "发送过程中进程中断：可能已发出，请核实后一键重发"
            else:
                row.status, row.claimed_by = OutboxStatus.QUEUED, None
            n += 1
    return n


def claim(store: Store, me: str, *, now: datetime, limit: int | None) -> list[int]:
    with store.session(write=True) as s:
        q = select(Notification.id).where(Notification.status == OutboxStatus.QUEUED).order_by(Notification.id)
        if limit:
            q = q.limit(limit)
        if not store.is_sqlite:
            q = q.with_for_update(skip_locked=True)
        ids = list(s.scalars(q))
        if ids:
            s.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(status=OutboxStatus.CLAIMED, claimed_by=me, claimed_at=now)
            )
    return ids


async def deliver(
    store: Store,
    settings: Settings,
    campaign: Campaign,
    *,
    now: datetime,
    limit: int | None = None,
    freshness: Freshness | None = None,
    transport: TransportFactory | None = None,
) -> DeliveryReport:
    """Send every queued row (up to `limit`) over a few reused connections, each one made by
    `transport` (by default an SMTP connection as the settings say)."""
    report = DeliveryReport(recovered=recover(store, now=now, lease=settings.send_lease_seconds))
    me = worker_id()
    ids = claim(store, me, now=now, limit=limit)
    if not ids:
        return report
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in ids:
        queue.put_nowait(i)
    connect = transport or (lambda: SmtpTransport(settings))
    workers = [
        Worker(store, settings, campaign, now, report, connect(), freshness)
        for _ in range(max(1, min(settings.smtp_concurrency, len(ids))))
    ]
    try:
        await asyncio.gather(*(w.run(queue) for w in workers))
    finally:
        await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
        with store.session(write=True) as s:  # anything not started (e.g. cancelled) goes back
            s.execute(
                update(Notification)
                .where(
                    Notification.id.in_(ids), Notification.status == OutboxStatus.CLAIMED, Notification.claimed_by == me
                )
                .values(status=OutboxStatus.QUEUED, claimed_by=None)
            )
    return report


def deliver_sync(
    store: Store,
    settings: Settings,
    campaign: Campaign,
    *,
    now: datetime,
    limit: int | None = None,
    freshness: Freshness | None = None,
    transport: TransportFactory | None = None,
) -> DeliveryReport:
    return asyncio.run(
        deliver(store, settings, campaign, now=now, limit=limit, freshness=freshness, transport=transport)
    )


__all__ = ["DeliveryReport", "Freshness", "Rendered", "deliver", "deliver_sync", "recover"]
