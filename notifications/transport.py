"""The mail transport: what the sender needs of an SMTP connection (`MailTransport`), the four
ways a transaction can fail, and the aiosmtplib adapter production uses (`SmtpTransport`).

A transport is one connection, opened on the first `send` and reused for the next ones; every
failure is raised as one of `Transient` (4xx, dropped before DATA), `Unreachable` (no server at
all), `Permanent` (5xx) or `Uncertain` (lost after the body was handed over).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Sequence
from typing import Protocol

import aiosmtplib

from config.settings import Settings


class Transient(Exception):
    """Worth another try: a 4xx answer, or the connection dropped before DATA."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class Permanent(Exception):
    """Refused for good (a 5xx answer): never retried."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class Uncertain(Exception):
    """The connection was lost after the message body was handed over."""


class Unreachable(Transient):
    """The server cannot be reached at all (refused, unknown host, TLS, login): no message can
    go, so the run stops trying at once instead of retrying every message."""


class MailTransport(Protocol):
    """One connection to a mail server, used for many messages in turn."""

    async def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> int:
        """MAIL, RCPT, DATA: the server's answer code, or one of the errors above."""
        ...

    async def close(self) -> None:
        """Say goodbye to the server (never raises)."""
        ...


TransportFactory = Callable[[], MailTransport]


def _classified(e: aiosmtplib.SMTPResponseException) -> Exception:
    return (Transient if 400 <= e.code < 500 else Permanent)(f"{e.code} {e.message}", e.code)


class SmtpTransport:
    """`MailTransport` over aiosmtplib, configured by the settings (TLS, STARTTLS, login)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp: aiosmtplib.SMTP | None = None

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

    async def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> int:
        """MAIL, RCPT, DATA; classify every failure by SMTP code and phase."""
        smtp = await self._connect()
        try:
            await smtp.mail(sender)
            for rcpt in recipients:
                await smtp.rcpt(rcpt)
        except aiosmtplib.SMTPResponseException as e:
            await self._reset()
            raise _classified(e) from None
        except (TimeoutError, aiosmtplib.SMTPServerDisconnected, OSError) as e:
            self.smtp = None
            raise Transient(f"连接中断（{type(e).__name__}）") from None
        try:
            response = await smtp.data(message)
        except aiosmtplib.SMTPResponseException as e:  # the server answered: it did not take the message
            await self._reset()
            raise _classified(e) from None
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
