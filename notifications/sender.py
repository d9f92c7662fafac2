"""Sending the outbox through aiosmtplib: exactly once, or visibly not.

A sender claims rows (`claimed`), then for each message marks it `sending` before the SMTP
transaction and `sent` after the server's 250. If the process dies in between, the next
sender finds the row `sending` under a dead claimer and marks it `uncertain`: not resent
automatically (it may have arrived), shown to ops with a one-step resend. Rows claimed but
never started go back to the queue. 4xx answers and connections dropped before DATA are
retried with backoff; 5xx and poison rows fail; a connection lost during DATA is uncertain.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from typing import Any

import aiosmtplib
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
from notifications.message import Rendered
from notifications.outbox import build_raw
from schemas.campaign import Campaign
from schemas.outbox import (
    CLAIMED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    STALE,
    UNCERTAIN,
    Notification,
)
from schemas.store import Store

NOTIFICATION = Notification.__table__


@dataclass(frozen=True)
class Freshness:
    """What the sender asks the domain right before sending, passed in: which queued rows carry
    items that no longer apply (an SQL test over a notification id, and the items themselves),
    and the message of a digest rebuilt without them."""

    has_stale: Callable[[Any, datetime], Any]
    stale_items: Callable[[Session, list[int], datetime], dict[int, set[int]]]
    rebuild: Callable[[Campaign, str, list[dict], date], Rendered]


class Transient(Exception):
    """Worth another try: a 4xx answer, or the connection dropped before DATA."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class Permanent(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class Uncertain(Exception):
    """The connection was lost after the message body was handed over."""


class Unreachable(Transient):
    """The server cannot be reached at all (refused, unknown host, TLS, login): no message can
    go, so the run stops trying at once instead of retrying every message."""


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    stale: int = 0
    uncertain: int = 0
    deferred: int = 0
    recovered: int = 0
    problem: str | None = None  # why the server could not be reached, in words

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.uncertain + self.deferred

    @property
    def all_failed(self) -> bool:
        """Mail was tried and none of it went: the run is a failure, whatever else it did."""
        return self.attempted > 0 and self.sent == 0

    def as_json(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "uncertain": self.uncertain,
            "deferred": self.deferred,
            "stale": self.stale,
            "problem": self.problem,
        }

    def summary(self) -> str:
        """One line for ops: what went, what did not, and why."""
        text = (
            f"邮件：发出 {self.sent} 封，失败 {self.failed}，存疑 {self.uncertain}，待重试 {self.deferred}，"
            f"已无需发送 {self.stale}"
        )
        return text + (f"。{self.problem}" if self.problem else "")


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
        for row in s.scalars(select(Notification).where(Notification.status.in_([CLAIMED, SENDING]))):
            if _alive(row.claimed_by, row.claimed_at, now, lease):
                continue
            if row.status == SENDING:
                row.status, row.last_error = UNCERTAIN, "发送过程中进程中断：可能已发出，请核实后一键重发"
            else:
                row.status, row.claimed_by = QUEUED, None
            n += 1
    return n


def claim(store: Store, me: str, *, now: datetime, limit: int | None) -> list[int]:
    with store.session(write=True) as s:
        q = select(Notification.id).where(Notification.status == QUEUED).order_by(Notification.id)
        if limit:
            q = q.limit(limit)
        if not store.is_sqlite:
            q = q.with_for_update(skip_locked=True)
        ids = list(s.scalars(q))
        if ids:
            s.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(status=CLAIMED, claimed_by=me, claimed_at=now)
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
) -> DeliveryReport:
    """Send every queued row (up to `limit`) over a few reused SMTP connections."""
    report = DeliveryReport(recovered=recover(store, now=now, lease=settings.send_lease_seconds))
    me = worker_id()
    ids = claim(store, me, now=now, limit=limit)
    if not ids:
        return report
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in ids:
        queue.put_nowait(i)
    workers = [
        _Worker(store, settings, campaign, now, report, freshness)
        for _ in range(max(1, min(settings.smtp_concurrency, len(ids))))
    ]
    try:
        await asyncio.gather(*(w.run(queue) for w in workers))
    finally:
        await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
        with store.session(write=True) as s:  # anything not started (e.g. cancelled) goes back
            s.execute(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.status == CLAIMED, Notification.claimed_by == me)
                .values(status=QUEUED, claimed_by=None)
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
) -> DeliveryReport:
    return asyncio.run(deliver(store, settings, campaign, now=now, limit=limit, freshness=freshness))


class _Worker:
    """One SMTP connection working through the queue in small windows.

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
        freshness: Freshness | None = None,
    ):
        self.freshness = freshness
        self._rebuilt: dict[int, bytes] = {}
        self.store, self.settings, self.campaign, self.now, self.report = store, settings, campaign, now, report
        self.smtp: aiosmtplib.SMTP | None = None
        self.mail_from = settings.mail_from or campaign.sender
        self.from_addr = parseaddr(self.mail_from)[1]

    async def run(self, queue: asyncio.Queue[int]) -> None:
        outcomes: list[tuple[int, tuple[str, str | None, int | None]]] = []
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

    async def one(self, to_email: str, raw: bytes) -> tuple[str, str | None, int | None]:
        """Send one message with retries; (status, error, SMTP code)."""
        if self.report.problem:  # the server cannot be reached: nothing more is tried in this run
            self.report.deferred += 1
            return QUEUED, self.report.problem, None
        try:
            try:
                code = await self._transaction(to_email, raw)
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
                        code = await self._transaction(to_email, raw)
        except Unreachable as e:
            self.report.problem = self.report.problem or str(e)
            self.report.deferred += 1
            return QUEUED, str(e), None
        except Transient as e:
            self.report.deferred += 1
            return QUEUED, f"暂时无法发送，稍后重试：{e}", e.code
        except Permanent as e:
            self.report.failed += 1
            return FAILED, f"发送被拒绝：{e}", e.code
        except Uncertain as e:
            self.report.uncertain += 1
            return UNCERTAIN, f"发送过程中连接中断，可能已发出：{e}", None
        self.report.sent += 1
        return SENT, None, code

    def _prepare(self, s: Session, ids: list[int]) -> list[tuple[int, str, bytes]]:
        """Re-check and mark `sending` a window of rows, right before SMTP."""
        t = NOTIFICATION  # Core statements: this runs between SMTP windows, with every connection waiting
        stale = self.freshness.has_stale(t.c.id, self.now) if self.freshness else literal(False)
        rows = s.execute(
            select(t.c.id, t.c.recipient_email, t.c.raw, stale.label("stale"))
            .where(t.c.id.in_(ids), t.c.status == CLAIMED)
            .order_by(t.c.id)
        ).all()
        gone = self._drop_stale(s, [r.id for r in rows if r.stale])
        out = [(r.id, r.recipient_email, self._rebuilt.get(r.id, r.raw)) for r in rows if r.id not in gone]
        if out:
            s.execute(
                update(t)
                .where(t.c.id.in_([o[0] for o in out]))
                .values(status=SENDING, claimed_at=self.now, attempts=t.c.attempts + 1)
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
                n.status, n.last_error = STALE, "所有事项均已报送，无需再发"
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

    def _finish(self, s: Session, outcomes: list[tuple[int, tuple[str, str | None, int | None]]]) -> None:
        """One UPDATE per distinct outcome (usually one: all sent, 250)."""
        if not outcomes:
            return
        same: dict[tuple[str, str | None, int | None], list[int]] = {}
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
                    sent_at=self.now if status == SENT else None,
                    **({"claimed_by": None} if status == QUEUED else {}),
                )
            )

    async def _connect(self) -> aiosmtplib.SMTP:
        if self.smtp is not None and self.smtp.is_connected:
            return self.smtp
        st = self.settings
        where = f"{st.smtp_host}:{st.smtp_port}"
        context = ssl.create_default_context() if (st.smtp_tls or st.smtp_starttls) else None
        smtp = aiosmtplib.SMTP(
            hostname=st.smtp_host,
            port=st.smtp_port,
            timeout=st.smtp_timeout,
            use_tls=st.smtp_tls,
            start_tls=True if st.smtp_starttls else False,
            tls_context=context,
            validate_certs=True,
        )
        try:
            await asyncio.wait_for(smtp.connect(), timeout=st.smtp_connect_timeout)
            if st.smtp_username:
                await smtp.login(st.smtp_username, st.smtp_password.get_secret_value() if st.smtp_password else "")
        except (aiosmtplib.SMTPException, OSError) as e:
            why = unreachable_reason(e, where, st.smtp_connect_timeout)
            if why:
                raise Unreachable(why) from None
            raise Transient(f"无法连接邮件服务器 {where}（{type(e).__name__}）") from None
        self.smtp = smtp
        return smtp

    async def _transaction(self, to_email: str, raw: bytes) -> int:
        """MAIL, RCPT, DATA for one recipient; classify every failure by SMTP code and phase."""
        smtp = await self._connect()
        try:
            await smtp.mail(self.from_addr)
            await smtp.rcpt(to_email)
        except aiosmtplib.SMTPResponseException as e:
            await self._reset()
            raise (Transient if 400 <= e.code < 500 else Permanent)(f"{e.code} {e.message}", e.code) from None
        except (TimeoutError, aiosmtplib.SMTPServerDisconnected, OSError) as e:
            self.smtp = None
            raise Transient(f"连接中断（{type(e).__name__}）") from None
        try:
            response = await smtp.data(raw)
        except aiosmtplib.SMTPResponseException as e:  # the server answered: it did not take the message
            await self._reset()
            raise (Transient if 400 <= e.code < 500 else Permanent)(f"{e.code} {e.message}", e.code) from None
        except (TimeoutError, aiosmtplib.SMTPServerDisconnected, OSError) as e:
            self.smtp = None
            raise Uncertain(type(e).__name__) from None
        return response.code

    async def _reset(self) -> None:
        try:
            if self.smtp is not None and self.smtp.is_connected:
                await self.smtp.rset()
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            self.smtp = None

    async def close(self) -> None:
        if self.smtp is not None and self.smtp.is_connected:
            try:
                await self.smtp.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                self.smtp.close()


__all__ = ["DeliveryReport", "Rendered", "deliver", "deliver_sync", "recover"]


def unreachable_reason(e: BaseException, where: str, connect_timeout: float) -> str | None:
    """Why no mail at all can go to the server, in words ops can act on, or None when the
    failure may pass by itself. The library wraps the socket's error: its causes are read too."""
    chain: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and len(chain) < 8:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__

    def has(*kinds: type[BaseException]) -> bool:
        return any(isinstance(x, kinds) for x in chain)

    if has(aiosmtplib.SMTPAuthenticationError):
        return f"邮件服务器 {where} 拒绝登录：请检查 DUBAN_SMTP_USERNAME 和 DUBAN_SMTP_PASSWORD"
    if has(ssl.SSLError):
        return f"与邮件服务器 {where} 的 TLS 握手失败：请检查 DUBAN_SMTP_TLS / DUBAN_SMTP_STARTTLS 和服务器证书"
    if has(ConnectionRefusedError) or "Errno 111" in str(e) or "Connect call failed" in str(e):
        return (
            f"无法连接邮件服务器 {where}（连接被拒绝）：服务器未运行，或地址、端口有误（DUBAN_SMTP_HOST、"
            f"DUBAN_SMTP_PORT）"
        )
    if has(socket.gaierror):
        return f"无法连接邮件服务器 {where}（找不到这个主机名）：请检查 DUBAN_SMTP_HOST"
    if has(TimeoutError):
        return f"无法连接邮件服务器 {where}（{connect_timeout:g} 秒内没有响应）：请检查网络和防火墙"
    if has(aiosmtplib.SMTPConnectError, OSError):
        errno_text = next((x.strerror for x in chain if isinstance(x, OSError) and x.strerror), None)
        return f"无法连接邮件服务器 {where}（{errno_text or '连接中断'}）"
    return None
