"""The units' pages: one page per reporting unit, reached by the signed link in its mail.

A GET never changes anything (mail scanners open every link): `/u/{token}` checks the link,
trades it for a short-lived HttpOnly cookie and redirects to `/me`, so the token leaves the
address bar. Every POST carries a CSRF token bound to that cookie. Every query is for the
cookie's unit only. Uploads go through the same intake as the inbox: kept first, judged,
recorded, receipt queued (sent after the answer, in the background).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from functools import partial
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import anyio
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.background import BackgroundTask, BackgroundTasks
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from notifications.receipts import VERDICTS, queue_receipt
from notifications.render import office_contact
from schemas.tables import Unit
from schemas.verdicts import refusal_of
from tasks.app import App, open_app
from tasks.intake import (
    Refused,
    Submitted,
    a_date,
    annotated_path,
    inspect_file,
    keep_bytes,
    limits_of,
    page_link,
    record_in,
    record_refused,
    refused_verdict,
    too_large,
)
from tasks.ops import OpsError, request_extension
from tasks.portal import (
    COOKIE_SALT,
    CSRF_SALT,
    LinkError,
    open_token,
    open_token_payload,
    owned_submission,
    page_uploads_since,
    serializer,
    take_upload_slot,
    unit_page,
)

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
log = logging.getLogger("duban.portal")
# Files judged and recorded at once in one server process. Judging is CPU work under one lock
# per process (Great Expectations), so more at once only queue inside, each holding a thread and,
# while recording, a database connection; the others wait their turn holding neither.
UPLOADS_AT_ONCE = 4
PLAIN = {404: "没有这个页面。", 405: "请通过页面上的按钮操作。", 413: "上传的内容超过上限，请分开上传。"}


def _environment() -> Environment:
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


def _text(form, key: str, limit: int) -> str:  # type: ignore[no-untyped-def]
    v = form.get(key)
    return "".join(ch for ch in v if ch.isprintable()).strip()[:limit] if isinstance(v, str) else ""


class OverLimit(Exception):
    """A unit's upload past its hourly limit, found in the transaction that would have recorded it."""


class Portal:
    def __init__(self, app: App, clock: Callable[[], datetime] | None = None):
        self.app = app
        self.clock = clock or app.now
        self.env = _environment()
        self.settings = app.settings
        self.cookie_age = self.settings.portal_cookie_minutes * 60
        self.secure = self.settings.portal_url.startswith("https://")
        self.organiser = app.campaign.organiser
        self._uploads = threading.BoundedSemaphore(UPLOADS_AT_ONCE)
        self._sending = threading.Lock()
        self._more_mail = threading.Event()

    # --- plumbing ---------------------------------------------------------------------------
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

    # --- routes ---------------------------------------------------------------------------
    async def enter(self, request: Request) -> Response:
        """A link from a mail: checked, traded for a cookie, and out of the address bar. A browser
        already showing another unit's page is asked first (a POST carrying that page's CSRF
        token): a link planted by someone else can never switch a clerk's page unnoticed."""
        token = request.path_params["token"]

        def check() -> Unit:
            with self.app.store.session() as s:
                unit = open_token(s, self.settings, self.app.campaign, token)
                s.expunge(unit)
                return unit

        unit = await anyio.to_thread.run_sync(check)
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
        page = await anyio.to_thread.run_sync(self._page_of, unit)
        return self.page(
            "unit.html.j2",
            status,
            page=page,
            csrf=self.csrf_for(payload),
            notice=notice,
            result=result,
            problem=problem,
            today=self.clock().date(),
            max_mb=self.settings.max_file_bytes // (1024 * 1024),
            max_files=self.settings.portal_max_files,
        )

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
        return FileResponse(path, media_type=XLSX, headers={**HEADERS, **_attachment(f"批注_{stem}.xlsx")})

    async def template(self, request: Request) -> Response:
        unit, _ = await self.unit_in_thread(request)
        code = request.path_params["form"]
        page = await anyio.to_thread.run_sync(self._page_of, unit)
        owed = dict(page.templates)
        if code not in owed:
            raise HTTPException(404, "本单位不需要报送这张表。")
        from tasks.intake import file_name, template

        form = self.app.campaign.form(code)
        buf = BytesIO()
        template(form, self.app.campaign, unit=unit.name).save(buf)
        return Response(
            buf.getvalue(), media_type=XLSX, headers={**HEADERS, **_attachment(f"{unit.name}_{file_name(form)}")}
        )

    async def upload(self, request: Request) -> Response:
        unit, payload = await self.unit_in_thread(request)
        s = self.settings
        limit = s.portal_max_files * s.max_file_bytes + 256 * 1024
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            raise HTTPException(411, "请通过页面上的表单上传文件。")
        if int(length) > limit:
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
            who, phone = _text(form, "name", 32), _text(form, "phone", 32)
            if not files:
                return await self.home(request, status=400, problem="没有收到文件：请先选择要上传的 Excel 文件。")
            if not who or not phone:
                return await self.home(request, status=400, problem="请填写填报人姓名和联系电话。")
            if await anyio.to_thread.run_sync(self._too_many, unit, len(files)):
                return await self.home(request, status=429, problem=self._over_limit())
            results = []
            for f in files:
                data = await f.read(s.max_file_bytes + 1)
                size = max(f.size or 0, len(data))
                results.append(
                    await anyio.to_thread.run_sync(
                        partial(self._submit, unit, clean_name(f.filename), data, size, who, phone)
                    )
                )
        finally:
            await form.close()
        return self._answer_upload(await self._upload_page(request, results), results)

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
        return (
            f"本单位一小时内上传已超过 {self.settings.portal_uploads_per_hour} 个文件，"
            f"请稍后再试或联系{self.organiser}。"
        )

    def _too_many(self, unit: Unit, adding: int) -> bool:
        """A first look, before reading the files: a post that is plainly past the limit is refused
        unread. The binding check is `_slot`'s, in the transaction that records each file."""
        with self.app.store.session() as s:
            n = page_uploads_since(s, unit.id, self.clock() - timedelta(hours=1))
        return n + adding > self.settings.portal_uploads_per_hour

    @contextmanager
    def _slot(self, unit: Unit, received: datetime) -> Iterator[Session]:
        """A writer session in which `unit` holds one of its hourly upload slots, or OverLimit."""
        with self.app.store.session(write=True) as s:
            if not take_upload_slot(
                s,
                self.app.campaign.id,
                unit.id,
                since=received - timedelta(hours=1),
                limit=self.settings.portal_uploads_per_hour,
            ):
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
        common = dict(expect_unit=unit.name, channel="portal", submitted_by=who, phone=phone)
        try:
            if size > self.settings.max_file_bytes:  # refused unread, like the inbox's oversized entries
                with self._slot(unit, received) as s:
                    return self._refused(
                        s, unit, name, too_large(size, self.settings.max_file_bytes), received, who, phone
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
                return record_in(s, self.app, v, sha=sha, size=len(data), name=name, received=received, **common), name
        except OverLimit:
            return None, name

    def _refused(
        self, s: Session, unit: Unit, name: str, e: Refused, received: datetime, who: str, phone: str
    ) -> Submitted:
        """An entry refused unread (as `submit_refused`), recorded and answered in the slot's session."""
        v = refused_verdict(name, e, self.app.campaign, unit.name)
        sub = record_refused(
            s,
            self.app.campaign,
            filename=name,
            size=e.size,
            code=e.code,
            reason=str(e),
            unit=unit.name,
            received_at=received,
        )
        sub.channel, sub.submitted_by, sub.submitter_phone = "portal", who, phone
        queue_receipt(
            s,
            campaign=self.app.campaign,
            submission_id=sub.id,
            now=received,
            mail_from=self.settings.mail_from,
            link=page_link(s, self.app, sub.unit_id),
        )
        return Submitted(v, sub.id, "refused", None)

    def warm_up(self) -> None:
        """Pay at start what the first uploads after a (re)start would otherwise wait for, several
        seconds each in a deadline rush: Great Expectations imported, two reader children started,
        the recording modules loaded, the page's template compiled."""
        import notifications.contact_notice  # noqa: F401
        import tasks.contacts.changes  # noqa: F401
        import tasks.intake.annotate  # noqa: F401
        from tasks.intake import import_gx, template

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
        from tasks.outbox import send_queued

        self._more_mail.set()
        while self._more_mail.is_set() and self._sending.acquire(blocking=False):
            try:
                self._more_mail.clear()
                send_queued(self.app, now=self.clock())
            except Exception:  # the mail stays queued: the next sweep or intake sends it
                log.exception("receipts not sent now; they stay queued")
            finally:
                self._sending.release()

    async def extension(self, request: Request) -> Response:
        unit, payload = await self.unit_in_thread(request)
        try:
            form = await request.form(max_files=0, max_fields=20, max_part_size=8 * 1024)
        except (MultiPartException, HTTPException):
            return await self.home(request, status=400, problem="延期申请未提交：内容无法识别，请在本页面重新填写。")
        self.check_csrf(payload, form.get("csrf"))
        try:
            oid = int(_text(form, "obligation", 12) or "0")
            new_due = a_date(_text(form, "new_due", 32))
        except ValueError as e:
            return await self.home(
                request,
                status=400,
                problem=f"延期申请未提交：{e}" if str(e) else "延期申请未提交：请选择任务并填写新的截止日期。",
            )
        req_id = None

        def record() -> int:
            with self.app.store.session(write=True) as s:
                return request_extension(
                    s,
                    self.app.campaign,
                    unit_id=unit.id,
                    obligation_id=oid,
                    new_due=new_due,
                    reason=_text(form, "reason", 500),
                    name=_text(form, "name", 32),
                    phone=_text(form, "phone", 32),
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
        from tasks.prefect_api import ask_for_extension_decision

        ask_for_extension_decision(self.app.campaign.id, request_id)


def _attachment(name: str) -> dict[str, str]:
    """Content-Disposition for a Chinese file name (RFC 6266 / 5987), no header injection."""
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in name)
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


def _status_code(r: Submitted) -> int:
    if r.status in ("accepted", "rejected", "duplicate"):
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
        "accepted": r.status == "accepted",
        "annotated": r.annotated is not None,
        "verdict": refusal_of(v.issues[0].code) + "。"
        if r.status == "unreadable" and v.issues
        else VERDICTS.get(r.status, ""),
        "errors": [i.message for i in v.errors],
        "hints": [i.message for i in v.warnings],
    }


def create_app(app: App | None = None, *, clock: Callable[[], datetime] | None = None) -> Starlette:
    """The units' pages over `app` (opened from the environment when not given)."""
    portal = Portal(app or open_app(), clock)

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
        Route("/me/annotated/{sid:int}", portal.annotated),
        Route("/me/templates/{form:str}", portal.template),
        Route("/healthz", lambda r: Response("ok", headers=HEADERS)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(_Headers)],
        lifespan=lifespan,
        exception_handlers={HTTPException: not_found, LinkError: link_error, 500: crashed, Exception: crashed},
    )


class _Headers:
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
