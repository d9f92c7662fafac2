"""One sending connection working through the claimed queue: re-check each window of rows,
send it over the transport, classify each answer and record it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from config.settings import Settings
from notifications.delivery import DeliveryReport, Freshness
from notifications.outbox import build_raw
from notifications.transport import MailTransport, Permanent, Transient, Uncertain, Unreachable
from schemas.campaign import Campaign
from schemas.outbox import Notification, OutboxStatus
from schemas.store import Store

NOTIFICATION = Notification.__table__

Outcome = tuple[OutboxStatus, str | None, int | None]  # status, error, SMTP code


class Worker:
    """One transport (one SMTP connection) working through the queue in small windows.

    A window of rows is prepared (re-checked, built, marked `sending`) and sent over the
    connection; its outcomes are written in the transaction that prepares the next window, so
    a message costs the database about a 25th of two transactions. A crash mid-window leaves
    at most `WINDOW` rows `sending`, which recovery marks `uncertain`.
    """

    WINDOW = 25  # a hard crash can leave at most this many rows per connection 'uncertain'

    def __init__(
        self,
        store: Store,
        settings: Settings,
        campaign: Campaign,
        now: datetime,
        report: DeliveryReport,
        transport: MailTransport,
        freshness: Freshness | None = None,
    ):
        self.freshness = freshness
        self._rebuilt: dict[int, bytes] = {}
        self.store, self.settings, self.campaign, self.now, self.report = store, settings, campaign, now, report
        self.transport = transport
        self.mail_from = settings.mail_from or campaign.sender
        self.from_addr = parseaddr(self.mail_from)[1]

    async def run(self, queue: asyncio.Queue[int]) -> None:
        outcomes: list[tuple[int, Outcome]] = []
        while not queue.empty():
            ids = [queue.get_nowait() for _ in range(min(self.WINDOW, queue.qsize()))]
            # one transaction records the last window's outcomes and prepares the next one
            with self.store.session(write=True) as s:
                self._finish(s, outcomes)
                window = self._prepare(s, ids)
            outcomes = [(row_id, await self.one(to, raw)) for row_id, to, raw in window]
        if outcomes:
            with self.store.session(write=True) as s:
                self._finish(s, outcomes)

    async def one(self, to_email: str, raw: bytes) -> Outcome:
        """Send one message with retries; (status, error, SMTP code)."""
        if self.report.problem:  # the server cannot be reached: nothing more is tried in this run
            self.report.deferred += 1
            return OutboxStatus.QUEUED, self.report.problem, None
        try:
            code = await self._send_retrying(to_email, raw)
        except Unreachable as e:
            self.report.problem = self.report.problem or str(e)
            self.report.deferred += 1
            return OutboxStatus.QUEUED, str(e), None
        except Transient as e:
            self.report.deferred += 1
            return OutboxStatus.QUEUED, f"暂时无法发送，稍后重试：{e}", e.code
        except Permanent as e:
            self.report.failed += 1
            return OutboxStatus.FAILED, f"发送被拒绝：{e}", e.code
        except Uncertain as e:
            self.report.uncertain += 1
            return OutboxStatus.UNCERTAIN, f"发送过程中连接中断，可能已发出：{e}", None
        self.report.sent += 1
        return OutboxStatus.SENT, None, code

    async def _send_retrying(self, to_email: str, raw: bytes) -> int:
        """One transaction; a `Transient` failure is tried again with backoff, up to `smtp_retries`
        attempts in all, unless the server cannot be reached at all."""
        try:
            return await self.transport.send(raw, self.from_addr, [to_email])
        except Transient:  # only the rare case pays for the retry machinery
            retries, backoff = self.settings.smtp_retries - 1, self.settings.smtp_backoff
            if retries < 1:
                raise
            await asyncio.sleep(backoff)  # waits of backoff x 1, 2, 4, … between attempts, as ever
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(retries),
                wait=wait_exponential(multiplier=backoff * 2, max=30),
                retry=retry_if_exception_type(Transient) & retry_if_not_exception_type(Unreachable),
                reraise=True,
            ):
                with attempt:
                    code = await self.transport.send(raw, self.from_addr, [to_email])
            return code

    def _prepare(self, s: Session, ids: list[int]) -> list[tuple[int, str, bytes]]:
        """Re-check and mark `sending` a window of rows, right before SMTP."""
        t = NOTIFICATION  # Core statements: this runs between SMTP windows, with every connection waiting
        stale = self.freshness.has_stale(t.c.id, self.now) if self.freshness else literal(False)
        rows = s.execute(
            select(t.c.id, t.c.recipient_email, t.c.raw, stale.label("stale"))
            .where(t.c.id.in_(ids), t.c.status == OutboxStatus.CLAIMED)
            .order_by(t.c.id)
        ).all()
        gone = self._drop_stale(s, [r.id for r in rows if r.stale])
        out = [(r.id, r.recipient_email, self._rebuilt.get(r.id, r.raw)) for r in rows if r.id not in gone]
        if out:
            s.execute(
                update(t)
                .where(t.c.id.in_([o[0] for o in out]))
                .values(status=OutboxStatus.SENDING, claimed_at=self.now, attempts=t.c.attempts + 1)
            )
        return out

    def _drop_stale(self, s: Session, ids: list[int]) -> set[int]:
        """Digest items whose obligation has been accepted since queueing are not sent; a digest
        left with fewer items is rebuilt, one left with none becomes `stale`."""
        self._rebuilt = {}
        stale_by_row = self.freshness.stale_items(s, ids, self.now) if ids and self.freshness else {}
        gone = set()
        for nid, stale in stale_by_row.items():
            n = s.get(Notification, nid)
            for item in n.items:
                item.stale = item.id in stale
            live = [i for i in n.items if not i.stale]
            if not live:
                n.status, n.last_error = OutboxStatus.STALE, "所有事项均已报送或申请办结，无需再发"
                self.report.stale += 1
                gone.add(nid)
                continue
            assert self.freshness is not None
            message = self.freshness.rebuild(
                self.campaign, n.recipient_name, [i.view for i in live], n.as_of or self.now.date()
            )
            n.subject, n.text, n.html = message.subject, message.text, message.html
            build_raw(n, message, mail_from=self.mail_from, tz=self.campaign.timezone, now=self.now)
            if n.raw is None:  # the rebuilt message failed (build_raw marked the row failed): not sent
                self.report.failed += 1
                gone.add(nid)
                continue
            self._rebuilt[nid] = n.raw
        return gone

    def _finish(self, s: Session, outcomes: list[tuple[int, Outcome]]) -> None:
        """One UPDATE per distinct outcome (usually one: all sent, 250)."""
        if not outcomes:
            return
        same: dict[Outcome, list[int]] = {}
        for row_id, outcome in outcomes:
            same.setdefault(outcome, []).append(row_id)
        for (status, error, code), ids in same.items():
            s.execute(
                update(NOTIFICATION)
                .where(NOTIFICATION.c.id.in_(ids))
                .values(
                    status=status,
                    last_error=error,
                    smtp_code=code,
                    sent_at=self.now if status == OutboxStatus.SENT else None,
                    **({"claimed_by": None} if status == OutboxStatus.QUEUED else {}),
                )
            )

    async def close(self) -> None:
        await self.transport.close()
