"""The units' pages: one page per reporting unit, reached by the signed link in its mail.

A GET never changes anything (mail scanners open every link): `/u/{token}` checks the link,
trades it for a short-lived HttpOnly cookie and redirects to `/me`, so the token leaves the
address bar (`signin`). Every POST carries a CSRF token bound to that cookie (`base`). Every
query is for the cookie's unit only (`views`). Uploads go through the same intake as the inbox
(`uploads`); a unit may ask for more time (`extension`) and follows its matters (`matters`).
This module puts the routes together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from flows.portal.extension import Extensions
from flows.portal.matters import Matters
from flows.portal.signin import SignIn
from flows.portal.uploads import Uploads
from flows.portal.web import COOKIE, HEADERS, HERE, PLAIN, SecurityHeaders, log
from tasks.app import App, open_app
from tasks.portal import LinkError


class Portal(SignIn, Uploads, Extensions, Matters):
    """Every route of the units' pages, over one opened app."""


def create_app(app: App | None = None) -> Starlette:
    """The units' pages over `app` (opened from the environment when not given)."""
    portal = Portal(app or open_app())

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            await anyio.to_thread.run_sync(portal.warm_up)
        except Exception:  # a server that could not warm up still serves, only its first uploads slower
            log.exception("portal warm-up failed")
        yield

    routes = [
        Route("/u/{token:str}", portal.enter, methods=["GET", "POST"]),
        Route("/me", portal.home),
        Route("/me/upload", portal.upload, methods=["POST"]),
        Route("/me/extension", portal.extension, methods=["POST"]),
        Route("/me/matters/{mid:int}/{do:str}", portal.matter, methods=["POST"]),
        Route("/me/notices/{nid:int}/sign", portal.notice, methods=["POST"]),
        Route("/me/annotated/{sid:int}", portal.annotated),
        Route("/me/templates/{form:str}", portal.template),
        Route("/healthz", lambda r: Response("ok", headers=HEADERS)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        lifespan=lifespan,
        exception_handlers=_error_pages(portal),
    )


def _error_pages(portal: Portal) -> dict:
    """The exception handlers: every error answered with a page in the units' own words."""

    async def not_found(request: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", None)
        code = getattr(exc, "status_code", 404)
        if not (isinstance(detail, str) and not detail.isascii()):
            detail = PLAIN.get(code, "请求无法处理，请回到本单位页面重新操作。")
        return portal.error(code, detail)

    async def link_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LinkError)
        response = portal.error(exc.status, str(exc))
        response.delete_cookie(COOKIE, path="/")
        return response

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("portal error on %s", request.url.path)
        return portal.error(500, f"系统暂时出现问题，您的文件如已上传会被保留。请稍后再试，或联系{portal.organiser}。")

    return {HTTPException: not_found, LinkError: link_error, 500: crashed, Exception: crashed}
