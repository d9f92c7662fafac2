"""What a unit sees on its page: the page itself, its annotated workbooks and its blank templates.
A GET never changes anything (mail scanners open every link)."""

from __future__ import annotations

from io import BytesIO

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from flows.portal.base import PortalBase
from flows.portal.web import HEADERS, XLSX, attachment
from schemas.tables import Unit
from tasks.intake import annotated_path, file_name, template
from tasks.portal import owned_submission, unit_page


class Views(PortalBase):
    """The `/me` routes that only read: every query is for the cookie's unit only."""

    async def home(
        self,
        request: Request,
        *,
        notice: str | None = None,
        result: dict | None = None,
        status: int = 200,
        problem: str | None = None,
    ) -> Response:
        unit, payload = await self.unit_in_thread(request)
        page, more = await anyio.to_thread.run_sync(lambda: (self._page_of(unit), self.sections_of(unit)))
        return self.page(
            "unit.html.j2",
            status,
            page=page,
            **more,
            csrf=self.csrf_for(payload),
            notice=notice,
            result=result,
            problem=problem,
            today=self.clock().date(),
            max_mb=self.settings.max_file_bytes // (1024 * 1024),
            max_files=self.settings.portal_max_files,
        )

    def sections_of(self, unit: Unit) -> dict[str, object]:
        """More of the page than its obligations (its matters: `flows.portal.matters`)."""
        return {}

    def _page_of(self, unit: Unit):  # type: ignore[no-untyped-def]
        with self.app.store.session() as s:
            return unit_page(
                s,
                self.app.campaign,
                unit,
                self.clock().date(),
                annotated=lambda sid, sha: annotated_path(self.settings, sid, sha).is_file(),
            )

    async def annotated(self, request: Request) -> Response:
        unit, _ = await self.unit_in_thread(request)
        sid = request.path_params["sid"]

        def owned() -> tuple[str, str] | None:
            with self.app.store.session() as s:
                sub = owned_submission(s, unit, sid)
                return (sub.filename, sub.sha256) if sub else None

        found = await anyio.to_thread.run_sync(owned)
        name, sha = found or ("", "")
        path = annotated_path(self.settings, sid, sha)
        if found is None or not path.is_file():
            raise HTTPException(404, "没有这份批注工作簿。")
        stem = name.rsplit(".", 1)[0]
        return FileResponse(path, media_type=XLSX, headers={**HEADERS, **attachment(f"批注_{stem}.xlsx")})

    async def template(self, request: Request) -> Response:
        unit, _ = await self.unit_in_thread(request)
        code = request.path_params["form"]
        page = await anyio.to_thread.run_sync(self._page_of, unit)
        owed = dict(page.templates)
        if code not in owed:
            raise HTTPException(404, "本单位不需要报送这张表。")
        form = self.app.campaign.form(code)
        buf = BytesIO()
        template(form, self.app.campaign, unit=unit.name).save(buf)
        return Response(
            buf.getvalue(), media_type=XLSX, headers={**HEADERS, **attachment(f"{unit.name}_{file_name(form)}")}
        )
