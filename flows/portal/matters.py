"""A unit's matters (督办事项) on its page: 签收, progress (with a file), 申请办结 (with evidence,
ops then asked to decide), 申请延期 (a date and a reason, ops asked to decide), and the escalation
notices it received, signed for. Every action is a
POST carrying the page's CSRF token, acts for the cookie's unit only (another unit's matter is
refused, audited, and answered 403), and goes through the one `act` of the matters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import anyio
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from flows.portal.uploads import over_limit, take_page_slot
from flows.portal.views import Views
from flows.portal.web import clean_name, log, text_field
from schemas.matters import Matter, MatterAction
from schemas.tables import Unit
from tasks.intake import a_date, keep_bytes
from tasks.matters import (
    ExtensionRefused,
    MatterRefused,
    NoticeRefused,
    act,
    escalation_notices,
    next_state,
    request_extension,
    sign_notice,
    unit_matters,
)
from tasks.prefect_api import ask_for_closure_decision, ask_for_matter_extension_decision

ACTIONS = {"sign": MatterAction.SIGN, "progress": MatterAction.PROGRESS, "close": MatterAction.REQUEST_CLOSE}
# what each action needs in words, and what the page says once it is done
NEEDS = {MatterAction.PROGRESS: "请填写进展情况。", MatterAction.REQUEST_CLOSE: "请填写办结情况和佐证说明。"}
DONE = {
    MatterAction.SIGN: "已签收督办事项“{title}”，签收时间 {at:%Y-%m-%d %H:%M}。",
    MatterAction.PROGRESS: "已报告督办事项“{title}”的进展。",
    MatterAction.REQUEST_CLOSE: "督办事项“{title}”的办结申请已提交，{organiser}审核后会邮件答复，并在本页显示结果。",
}
TEXT_LIMIT = 2000
REASON_LIMIT = 500


class Refused(Exception):
    """An action the page answers with a refusal: its status and its words."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Matters(Views):
    """The `/me/matters/{id}/{sign|progress|close|extend}` and `/me/notices/{id}/sign` routes (POST
    only), and the page's matters and notices."""

    def sections_of(self, unit: Unit) -> dict[str, Any]:
        with self.app.store.session() as s:
            return {
                "matters": unit_matters(s, self.app.campaign, unit.id, self.clock().date()),
                "notices": escalation_notices(s, self.app.campaign, unit_id=unit.id),
            }

    async def matter(self, request: Request) -> Response:
        if request.path_params["do"] == "extend":
            return await self.ask_matter_extension(request)
        unit, payload = await self.unit_in_thread(request)
        action = ACTIONS.get(request.path_params["do"])
        if action is None:
            raise HTTPException(404, "没有这个操作。")
        s = self.settings
        if _length(request) > s.max_file_bytes + 256 * 1024:
            return await self.home(request, status=413, problem=self._too_big())
        try:
            form = await request.form(max_files=1, max_fields=10, max_part_size=32 * 1024)
        except (MultiPartException, HTTPException):
            return await self.home(request, status=400, problem="提交的内容无法识别，请在本页面重新填写。")
        try:
            self.check_csrf(payload, form.get("csrf"))
            name, text = text_field(form, "name", 32), text_field(form, "text", TEXT_LIMIT)
            if not name:
                return await self.home(request, status=400, problem="请填写经办人姓名。")
            if action in NEEDS and not text:
                return await self.home(request, status=400, problem=NEEDS[action])
            upload = form.get("file")
            data, filename = b"", ""
            if action is not MatterAction.SIGN and isinstance(upload, UploadFile) and upload.filename:
                data, filename = await upload.read(s.max_file_bytes + 1), clean_name(upload.filename)
                if len(data) > s.max_file_bytes:
                    return await self.home(request, status=413, problem=self._too_big())
        finally:
            await form.close()
        mid = request.path_params["mid"]
        try:
            title, at, event = await anyio.to_thread.run_sync(
                lambda: self._act(unit, mid, action, name, text, data, filename)
            )
        except Refused as e:
            return await self.home(request, status=e.status, problem=f"操作未完成：{e}")
        done = DONE[action].format(title=title, at=at, organiser=self.organiser)
        response = await self.home(request, notice=done)
        if action is MatterAction.REQUEST_CLOSE:
            response.background = BackgroundTask(self._ask_closure, mid, event)
        return response

    def _act(
        self, unit: Unit, mid: int, action: MatterAction, name: str, text: str, data: bytes, filename: str
    ) -> tuple[str, datetime, int]:
        """Act on matter `mid` for `unit`, in one transaction: its file (if any) kept only once the
        matter is the unit's own, the move allowed and an hourly upload slot taken; the matter's
        title, when, and the event's id; Refused says why not (nothing kept, nothing recorded)."""
        now = self.clock()
        with self.app.store.session(write=True) as s:
            m = s.get(Matter, mid)
            if m is None or m.campaign != self.app.campaign.id:
                raise Refused(404, "没有这个督办事项。")
            try:
                files = self._keep(s, m, action, data, filename, now) if m.unit_id == unit.id else []
                event = act(s, m, action, actor=name, at=now, text=text, files=files, unit_id=unit.id, channel="portal")
            except MatterRefused as e:  # the refusal (and its audit entry) committed, nothing else changed
                refused = Refused(403 if m.unit_id != unit.id else 409, f"{e}。")
            else:
                s.flush()
                return m.title, now, event.id
        raise refused

    def _keep(
        self, s: Session, m: Matter, action: MatterAction, data: bytes, filename: str, now: datetime
    ) -> list[dict[str, Any]]:
        """The unit's file for `action` on its own matter `m`, kept under files/ once the move is
        allowed (else MatterRefused) and the unit holds one of its hourly upload slots, counted with
        /me/upload's (else Refused 429). The slot's lock is taken before the matter's row, as a
        recorded upload (which may update a tracked ledger's matters) takes them."""
        if data and not take_page_slot(s, self.app, m.unit_id, now):
            raise Refused(429, over_limit(self.app))
        s.refresh(m, with_for_update=True)  # its state stays the one checked until the commit
        next_state(m.status, action)
        if not data:
            return []
        sha = keep_bytes(self.settings.files_dir, data)
        return [{"name": filename, "sha256": sha, "size": len(data)}]

    async def notice(self, request: Request) -> Response:
        """签收 of an escalation notice the unit's people received."""
        unit, payload = await self.unit_in_thread(request)
        try:
            form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
        except (MultiPartException, HTTPException):
            return await self.home(request, status=400, problem="提交的内容无法识别，请在本页面重新操作。")
        self.check_csrf(payload, form.get("csrf"))
        name = text_field(form, "name", 32)
        if not name:
            return await self.home(request, status=400, problem="请填写签收人姓名。")
        nid = request.path_params["nid"]

        def sign() -> tuple[int, str | None]:
            with self.app.store.session(write=True) as s:
                try:
                    sign_notice(s, self.app.campaign, nid, unit_id=unit.id, by=name, now=self.clock())
                except NoticeRefused as e:  # committed: the audit entry of another unit's notice
                    return (403 if e.foreign else 404), str(e)
            return 200, None

        status, why = await anyio.to_thread.run_sync(sign)
        if why:
            return await self.home(request, status=status, problem=f"签收未完成：{why}。")
        return await self.home(request, notice=f"督办通知已签收（签收人 {name}，{self.clock():%Y-%m-%d %H:%M}）。")

    async def ask_matter_extension(self, request: Request) -> Response:
        """申请延期 of one of the unit's open matters: a later date, a reason, a name; ops asked."""
        unit, payload = await self.unit_in_thread(request)
        _length(request)
        try:
            form = await request.form(max_files=0, max_fields=10, max_part_size=8 * 1024)
        except (MultiPartException, HTTPException):
            return await self.home(request, status=400, problem="延期申请未提交：内容无法识别，请在本页面重新填写。")
        self.check_csrf(payload, form.get("csrf"))
        name, reason = text_field(form, "name", 32), text_field(form, "text", REASON_LIMIT)
        try:
            new_due = a_date(text_field(form, "new_due", 32))
        except ValueError as e:
            return await self.home(request, status=400, problem=f"延期申请未提交：新的办结时限{e}。")
        mid = request.path_params["mid"]
        try:
            title, event_id = await anyio.to_thread.run_sync(
                lambda: self._request_extension(unit, mid, new_due, reason, name)
            )
        except Refused as e:
            return await self.home(request, status=e.status, problem=f"延期申请未提交：{e}")
        asked = f"{new_due.year}年{new_due.month}月{new_due.day}日"
        done = f"督办事项“{title}”的延期申请已提交（申请延至{asked}），{self.organiser}审核后会邮件答复，"
        done += "并在本页显示结果。"
        response = await self.home(request, notice=done)
        response.background = BackgroundTask(self._ask_extension, mid, event_id)
        return response

    def _request_extension(self, unit: Unit, mid: int, new_due: date, reason: str, name: str) -> tuple[str, int]:
        """Record the unit's request for more time on matter `mid`: its title and the event's id;
        Refused says why not (another unit's matter: 403, the attempt audited and committed)."""
        with self.app.store.session(write=True) as s:
            m = s.get(Matter, mid)
            if m is None or m.campaign != self.app.campaign.id:
                raise Refused(404, "没有这个督办事项。")
            try:
                event = request_extension(
                    s,
                    self.app.campaign,
                    m.id,
                    unit_id=unit.id,
                    new_due=new_due,
                    reason=reason,
                    name=name,
                    now=self.clock(),
                )
            except ExtensionRefused as e:
                refused = Refused(400, f"{e}。")
            except MatterRefused as e:  # the refusal (and its audit entry) committed, nothing else changed
                refused = Refused(403 if m.unit_id != unit.id else 409, f"{e}。")
            else:
                return m.title, event.id
        raise refused

    def _ask_extension(self, matter_id: int, event_id: int) -> None:
        try:
            ask_for_matter_extension_decision(self.app.campaign.id, matter_id, event_id)
        except Exception:  # the request is recorded either way; ops see it in the matter's history
            log.exception("matter-extension run not started for matter %s", matter_id)

    def _too_big(self) -> str:
        return f"附件超过上限（不超过 {self.settings.max_file_bytes // (1 << 20)} MB），请压缩或分开后重新提交。"

    def _ask_closure(self, matter_id: int, event_id: int) -> None:
        try:
            ask_for_closure_decision(self.app.campaign.id, matter_id, event_id)
        except Exception:  # the request is recorded either way; ops see it in `duban matters`
            log.exception("matter-closure run not started for matter %s", matter_id)


def _length(request: Request) -> int:
    """The body's declared length; a body without one is refused (411) before any of it is read,
    as /me/upload refuses it: never a long body read to its end only to be refused."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411, "请通过本单位页面上的表单提交。")
    return int(length)
