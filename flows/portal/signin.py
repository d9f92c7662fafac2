"""Signing in from a mail's link: the token checked, traded for a short-lived HttpOnly cookie,
and the browser sent on to `/me`, so the token leaves the address bar."""

from __future__ import annotations

import secrets

import anyio
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from flows.portal.base import PortalBase
from flows.portal.web import COOKIE, HEADERS
from schemas.tables import Unit
from tasks.portal import COOKIE_SALT, LinkError, open_token, serializer


class SignIn(PortalBase):
    """The `/u/{token}` route."""

    async def enter(self, request: Request) -> Response:
        """A link from a mail: checked, traded for a cookie, and out of the address bar. A browser
        already showing another unit's page is asked first (a POST carrying that page's CSRF
        token): a link planted by someone else can never switch a clerk's page unnoticed."""
        unit = await anyio.to_thread.run_sync(self._unit_of_link, request.path_params["token"])
        try:
            current, payload = await self.unit_in_thread(request)
        except LinkError:  # no page open in this browser (or an expired one): nothing to switch from
            current, payload = None, {}
        if current is not None and current.id != unit.id:
            if request.method != "POST":
                return self.page("switch.html.j2", current=current.name, unit=unit.name, csrf=self.csrf_for(payload))
            try:
                form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
            except (MultiPartException, HTTPException):
                form = None
            self.check_csrf(payload, form.get("csrf") if form is not None else None)
        cookie = serializer(self.settings, COOKIE_SALT).dumps(
            {"u": unit.id, "v": unit.link_version, "n": secrets.token_urlsafe(16)}
        )
        response = RedirectResponse("/me", status_code=303, headers=HEADERS)
        response.set_cookie(
            COOKIE, cookie, max_age=self.cookie_age, httponly=True, samesite="lax", secure=self.secure, path="/"
        )
        return response

    def _unit_of_link(self, token: str) -> Unit:
        with self.app.store.session() as s:
            unit = open_token(s, self.settings, self.app.campaign, token)
            s.expunge(unit)
            return unit
