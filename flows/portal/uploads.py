"""Files posted on a unit's page: through the same intake as the inbox (kept first, judged,
recorded, receipt queued), under the unit's hourly limit, receipts sent after the answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from io import BytesIO

import anyio
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

import tasks.contacts  # noqa: F401  loaded at start: recording an upload may propose a contacts change
from flows.portal.views import Views
from flows.portal.web import clean_name, log, text_field
from notifications.receipts import VERDICTS
from schemas.matters import Matter, MatterAction, MatterEvent
from schemas.tables import Unit
from schemas.verdicts import SubmissionStatus, refusal_of
from tasks.app import App
from tasks.intake import (
    Kept,
    Origin,
    Submitted,
    import_gx,
    inspect_file,
    keep_bytes,
    limits_of,
    record_in,
    refused_in,
    template,
    too_large,
)
from tasks.outbox import send_queued
from tasks.portal import page_uploads_since, take_upload_slot

# Files judged and recorded at once in one server process. Judging is CPU work under one lock
# per process (Great Expectations), so more at once only queue inside, each holding a thread and,
# while recording, a database connection; the others wait their turn holding neither.
UPLOADS_AT_ONCE = 4


class OverLimit(Exception):
    """A unit's upload past its hourly limit, found in the transaction that would have recorded it."""


def page_files_since(session: Session, unit_id: int, since: datetime) -> int:
    """The files `unit_id` has posted through its page since `since`, one count for its hourly limit:
    its uploads (refused ones included) and the files attached to its matters' progress and 申请办结."""
    attached = session.scalars(
        select(MatterEvent.files)
        .join(Matter, Matter.id == MatterEvent.matter_id)
        .where(
            Matter.unit_id == unit_id,
            MatterEvent.at >= since,
            MatterEvent.action.in_((MatterAction.PROGRESS, MatterAction.REQUEST_CLOSE)),
        )
    )
    return page_uploads_since(session, unit_id, since) + sum(len(files or ()) for files in attached)


def take_page_slot(session: Session, app: App, unit_id: int, received: datetime) -> bool:
    """Whether `unit_id` may post one more file through its page at `received`, asked in the writer
    session that then records it (the unit's upload lock, taken first, held to its commit)."""
    since, limit = received - timedelta(hours=1), app.settings.portal_uploads_per_hour
    return (
        take_upload_slot(session, app.campaign.id, unit_id, since=since, limit=limit)
        and page_files_since(session, unit_id, since) < limit
    )


def over_limit(app: App) -> str:
    """The page's words for a unit past its hourly limit."""
    return (
        f"本单位一小时内上传已超过 {app.settings.portal_uploads_per_hour} 个文件，"
        f"请稍后再试或联系{app.campaign.organiser}。"
    )


class Uploads(Views):
    """The `/me/upload` route, and the warm-up that makes the first uploads after a start quick."""

    def __init__(self, app: App):
        super().__init__(app)
        self._uploads = threading.BoundedSemaphore(UPLOADS_AT_ONCE)
        self._sending = threading.Lock()
        self._more_mail = threading.Event()

    async def upload(self, request: Request) -> Response:
        unit, payload = await self.unit_in_thread(request)
        s = self.settings
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            raise HTTPException(411, "请通过页面上的表单上传文件。")
        if int(length) > s.portal_max_files * s.max_file_bytes + 256 * 1024:
            return await self.home(
                request,
                status=413,
                problem=f"一次上传的文件总大小超过上限（每个文件不超过 {s.max_file_bytes // (1 << 20)} MB，"
                f"一次最多 {s.portal_max_files} 个），请分开上传。",
            )
        try:
            form = await request.form(max_files=s.portal_max_files, max_fields=20, max_part_size=64 * 1024)
        except (MultiPartException, HTTPException):
            return await self.home(
                request,
                status=400,
                problem=f"上传的内容无法识别，或一次超过 {s.portal_max_files} 个文件。请重新选择文件上传。",
            )
        try:
            self.check_csrf(payload, form.get("csrf"))
            files = [f for f in form.getlist("file") if hasattr(f, "filename") and f.filename]
            who, phone = text_field(form, "name", 32), text_field(form, "phone", 32)
            if not files:
                return await self.home(request, status=400, problem="没有收到文件：请先选择要上传的 Excel 文件。")
            if not who or not phone:
                return await self.home(request, status=400, problem="请填写填报人姓名和联系电话。")
            if await anyio.to_thread.run_sync(self._too_many, unit, len(files)):
                return await self.home(request, status=429, problem=self._over_limit())
            results = [await self._posted(unit, f, who, phone) for f in files]
        finally:
            await form.close()
        return self._answer_upload(await self._upload_page(request, results), results)

    async def _posted(self, unit: Unit, f: UploadFile, who: str, phone: str) -> tuple[Submitted | None, str]:
        """One posted file read (one byte past the limit at most) and submitted off the event loop."""
        data = await f.read(self.settings.max_file_bytes + 1)
        size = max(f.size or 0, len(data))
        return await anyio.to_thread.run_sync(
            partial(self._submit, unit, clean_name(f.filename), data, size, who, phone)
        )

    async def _upload_page(self, request: Request, results: list[tuple[Submitted | None, str]]) -> Response:
        """The page with every recorded file's verdict; files past the hourly limit (found while
        recording them) are named in a 429 page, the files recorded before them still shown."""
        shown = [_result_view(r, name) for r, name in results if r is not None]
        late = [name for r, name in results if r is None]
        if late:
            problem = f"{'、'.join(late)} 未受理：{self._over_limit()}"
            return await self.home(request, result={"files": shown} if shown else None, status=429, problem=problem)
        worst = max((_status_code(r) for r, _ in results if r is not None), default=200)
        return await self.home(request, result={"files": shown}, status=worst)

    def _answer_upload(self, response: Response, results: list[tuple[Submitted | None, str]]) -> Response:
        if any(r is not None for r, _ in results):
            response.background = BackgroundTask(self._send_mail)
        return response

    def _over_limit(self) -> str:
        return over_limit(self.app)

    def _too_many(self, unit: Unit, adding: int) -> bool:
        """A first look, before reading the files: a post that is plainly past the limit is refused
        unread. The binding check is `_slot`'s, in the transaction that records each file."""
        with self.app.store.session() as s:
            n = page_files_since(s, unit.id, self.clock() - timedelta(hours=1))
        return n + adding > self.settings.portal_uploads_per_hour

    @contextmanager
    def _slot(self, unit: Unit, received: datetime) -> Iterator[Session]:
        """A writer session in which `unit` holds one of its hourly upload slots, or OverLimit."""
        with self.app.store.session(write=True) as s:
            if not take_page_slot(s, self.app, unit.id, received):
                raise OverLimit
            yield s

    def _submit(
        self, unit: Unit, name: str, data: bytes, size: int, who: str, phone: str
    ) -> tuple[Submitted | None, str]:
        """Keep, judge and record one posted file (as `submit_bytes`, the slot checked in the recording
        transaction); None when the unit's hourly limit was reached meanwhile (the bytes are kept)."""
        received = self.clock()  # when it came, not when its turn came
        with self._uploads:
            return self._submit_now(unit, name, data, size, who, phone, received)

    def _submit_now(
        self, unit: Unit, name: str, data: bytes, size: int, who: str, phone: str, received: datetime
    ) -> tuple[Submitted | None, str]:
        origin = Origin("portal", unit=unit.name, submitted_by=who, phone=phone)
        try:
            if size > self.settings.max_file_bytes:  # refused unread, like the inbox's oversized entries
                with self._slot(unit, received) as s:
                    refused = too_large(size, self.settings.max_file_bytes)
                    return refused_in(
                        s, self.app, name, refused, received_at=received, unit=unit.name, origin=origin
                    ), name
            sha = keep_bytes(self.settings.files_dir, data)  # first: whatever happens next, the file is kept
            v = inspect_file(
                data,
                name,
                self.app.campaign,
                received=received.date(),
                limits=limits_of(self.settings),
                expect_unit=unit.name,
            )
            with self._slot(unit, received) as s:
                return record_in(s, self.app, v, Kept(sha, len(data), name, received), origin), name
        except OverLimit:
            return None, name

    def warm_up(self) -> None:
        """Pay at start what the first uploads after a (re)start would otherwise wait for, several
        seconds each in a deadline rush: Great Expectations imported, two reader children started,
        the page's template compiled (the recording modules are loaded with this module)."""
        import_gx()
        form = next(f for f in self.app.campaign.forms if not f.document)
        buf = BytesIO()
        template(form, self.app.campaign).save(buf)
        judge = partial(
            inspect_file,
            buf.getvalue(),
            f"{form.code}.xlsx",
            self.app.campaign,
            received=self.clock().date(),
            limits=limits_of(self.settings),
        )
        with ThreadPoolExecutor(2) as pool:  # two at once: the reader pool keeps two children
            list(pool.map(lambda _: judge(), range(2)))
        self.env.get_template("unit.html.j2")

    def _send_mail(self) -> None:
        """Send the queued receipts after the answer. One sender at a time in a process: an upload
        that finds one at work leaves its receipt to it (it goes round once more), so a rush of
        uploads makes a few sending runs, not one each racing for the same rows."""
        self._more_mail.set()
        while self._more_mail.is_set() and self._sending.acquire(blocking=False):
            try:
                self._more_mail.clear()
                send_queued(self.app, now=self.clock())
            except Exception:  # the mail stays queued: the next sweep or intake sends it
                log.exception("receipts not sent now; they stay queued")
            finally:
                self._sending.release()


def _status_code(r: Submitted) -> int:
    if r.status in (SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED, SubmissionStatus.DUPLICATE):
        return 200
    if any(i.code == "too-large" for i in r.verdict.issues):
        return 413
    return 422


def _result_view(r: Submitted, name: str) -> dict:
    v = r.verdict
    return {
        "name": name,
        "status": r.status,
        "id": r.submission_id,
        "accepted": r.status == SubmissionStatus.ACCEPTED,
        "annotated": r.annotated is not None,
        "verdict": refusal_of(v.issues[0].code) + "。"
        if r.status == SubmissionStatus.UNREADABLE and v.issues
        else VERDICTS.get(r.status, ""),
        "errors": [i.message for i in v.errors],
        "hints": [i.message for i in v.warnings],
    }
