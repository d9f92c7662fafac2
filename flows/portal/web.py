"""What every part of the units' pages shares: the headers, the templates, the file-name and
form-field cleaning, and the middleware that puts the security headers on every answer."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HERE = Path(__file__).resolve().parent
COOKIE = "duban_unit"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
PLAIN = {404: "没有这个页面。", 405: "请通过页面上的按钮操作。", 413: "上传的内容超过上限，请分开上传。"}
log = logging.getLogger("duban.portal")


def environment() -> Environment:
    """The pages' Jinja environment (autoescaped, strict), with the `md` filter (月日)."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = lambda d: f"{d.month}月{d.day}日"
    return env


def clean_name(raw: str | None) -> str:
    """A file name as sent, made safe to keep and show: no folders, no control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "上传文件"


def text_field(form, key: str, limit: int) -> str:  # type: ignore[no-untyped-def]
    """A form's text field, printable characters only, trimmed and cut at `limit` ("" when absent)."""
    v = form.get(key)
    return "".join(ch for ch in v if ch.isprintable()).strip()[:limit] if isinstance(v, str) else ""


def attachment(name: str) -> dict[str, str]:
    """Content-Disposition for a Chinese file name (RFC 6266 / 5987), no header injection."""
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in name)
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


class SecurityHeaders:
    """Security headers on every answer, static files and errors included."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.lower().encode(), v.encode())
                    for k, v in HEADERS.items()
                    if k.lower().encode() not in have and k != "Cache-Control"
                ]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with)
