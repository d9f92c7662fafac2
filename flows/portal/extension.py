"""A unit asking for more time (延期) from its page: the request recorded, ops asked to decide."""

from __future__ import annotations

import anyio
from starlette.background import BackgroundTasks
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from flows.portal.views import Views
from flows.portal.web import text_field
from tasks.intake import a_date
from tasks.ops import OpsError, request_extension
from tasks.prefect_api import ask_for_extension_decision


class Extensions(Views):
    """The `/me/extension` route."""

    async def extension(self, request: Request) -> Response:
        unit, payload = await self.unit_in_thread(request)
        try:
            form = await request.form(max_files=0, max_fields=20, max_part_size=8 * 1024)
        except (MultiPartException, HTTPException):
            return await self.home(request, status=400, problem="延期申请未提交：内容无法识别，请在本页面重新填写。")
        self.check_csrf(payload, form.get("csrf"))
        try:
            oid = int(text_field(form, "obligation", 12) or "0")
            new_due = a_date(text_field(form, "new_due", 32))
        except ValueError as e:
            return await self.home(
                request,
                status=400,
                problem=f"延期申请未提交：{e}" if str(e) else "延期申请未提交：请选择任务并填写新的截止日期。",
            )

        def record() -> int:
            with self.app.store.session(write=True) as s:
                return request_extension(
                    s,
                    self.app.campaign,
                    unit_id=unit.id,
                    obligation_id=oid,
                    new_due=new_due,
                    reason=text_field(form, "reason", 500),
                    name=text_field(form, "name", 32),
                    phone=text_field(form, "phone", 32),
                    now=self.clock(),
                ).id

        try:
            req_id = await anyio.to_thread.run_sync(record)
        except OpsError as e:
            return await self.home(request, status=400, problem=f"延期申请未提交：{e}")
        response = await self.home(
            request, notice=f"延期申请已提交（编号 {req_id}），{self.organiser}审核后会邮件答复，并在本页显示结果。"
        )
        tasks = BackgroundTasks()
        tasks.add_task(self._ask_ops, req_id)
        response.background = tasks
        return response

    def _ask_ops(self, request_id: int) -> None:
        ask_for_extension_decision(self.app.campaign.id, request_id)
