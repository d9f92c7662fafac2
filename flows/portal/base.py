"""The portal's common ground: the opened app, page rendering, and who the page cookie is for
(checked on every request, with the CSRF token bound to it)."""

from __future__ import annotations

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flows.portal.web import COOKIE, HEADERS, environment
from notifications.render import office_contact
from schemas.tables import Unit
from tasks.app import App
from tasks.portal import COOKIE_SALT, CSRF_SALT, LinkError, open_token_payload, serializer


class PortalBase:
    """The state every route reads: the app, its clock and settings, and the cookie's rules."""

    def __init__(self, app: App):
        self.app = app
        self.clock = app.now  # the App's clock (`tasks.calendar.Clock`): a test hands it a fixed one
        self.env = environment()
        self.settings = app.settings
        self.cookie_age = self.settings.portal_cookie_minutes * 60
        self.secure = self.settings.portal_url.startswith("https://")
        self.organiser = app.campaign.organiser

    def page(self, template: str, status: int = 200, **ctx: object) -> HTMLResponse:
        html = self.env.get_template(template).render(
            campaign=self.app.campaign.name,
            organiser=self.app.campaign.organiser,
            contact=office_contact(self.app.campaign),
            **ctx,
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def error(self, status: int, message: str) -> HTMLResponse:
        return self.page("error.html.j2", status, message=message)

    def unit_of(self, request: Request) -> tuple[Unit, dict]:
        """The unit of the page cookie (checked, version included), or LinkError."""
        token = request.cookies.get(COOKIE)
        if not token:
            raise LinkError("no-session", f"请从{self.organiser}邮件中的链接进入本单位页面。", 401)
        with self.app.store.session() as s:
            unit, payload = open_token_payload(
                s, self.settings, self.app.campaign, token, salt=COOKIE_SALT, max_age=self.cookie_age
            )
            s.expunge(unit)
        return unit, payload

    async def unit_in_thread(self, request: Request) -> tuple[Unit, dict]:
        """`unit_of` off the event loop: a store that is slow to answer (or a connection pool that is
        busy in a deadline rush) never holds up the other requests."""
        return await anyio.to_thread.run_sync(self.unit_of, request)

    def csrf_for(self, payload: dict) -> str:
        return serializer(self.settings, CSRF_SALT).dumps(payload["n"])

    def check_csrf(self, payload: dict, sent: object) -> None:
        try:
            ok = (
                isinstance(sent, str)
                and serializer(self.settings, CSRF_SALT).loads(sent, max_age=self.cookie_age) == payload["n"]
            )
        except Exception:
            ok = False
        if not ok:
            raise HTTPException(403, "页面已过期或来源不明，请刷新本单位页面后重新提交。")
