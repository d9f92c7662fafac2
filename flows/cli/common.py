"""What every `duban` command shares: the first line naming the store and the campaign, the
store opened once when first needed, user errors said as a message (never a traceback), file
and number parameters, and tables aligned by display width."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from config.settings import BadCampaignId, Settings, get_settings
from flows.cli.chinese import Command
from schemas.campaign import Campaign
from schemas.loading import CampaignError, load_campaign
from schemas.workdays import CalendarError
from tasks.app import App, open_app

command = functools.partial(click.command, cls=Command)  # a `duban` command: its help in Chinese


class Ctx:
    """One command's view of Duban: settings, campaign and store, each opened once, when first needed."""

    def __init__(self, campaign_id: str | None, as_json: bool):
        self.campaign_id, self.as_json = campaign_id, as_json

    @cached_property
    def settings(self) -> Settings:
        return get_settings()

    @cached_property
    def campaign(self) -> Campaign:
        return load_campaign(self.settings.campaign_path(self.campaign_id))

    @cached_property
    def app(self) -> App:
        if self.reads_only:
            _a_store_is_there(self.settings)
        return open_app(settings=self.settings, campaign=self.campaign)

    def has_store(self) -> bool:
        """Is there a store to read (without making one)?"""
        return store_there(self.settings)

    @property
    def reads_only(self) -> bool:
        """A command that only reads the store (it must not make one where there is none)."""
        current = click.get_current_context(silent=True)
        return bool(current and current.info_name in READ_ONLY)

    def header(self) -> str:
        """Which store and campaign this command uses: the first thing it prints."""
        s = self.settings
        home = s.home.resolve()
        where = f"数据目录 {home}" + (
            "" if "home" in s.model_fields_set else "（未设置 DUBAN_HOME，使用当前目录下的 var/）"
        )
        db = f"数据库 {_masked(s.db_url)}" if s.database_url else "数据库 SQLite"
        try:
            what = f"活动 {self.campaign.id}《{self.campaign.name}》"
        except (CampaignError, BadCampaignId):
            what = f"活动 {self.campaign_id or s.campaign}"
        return f"{where} · {db} · {what}"

    def say(self, text: str = "") -> None:
        """A line for the person: stdout, or stderr when stdout carries JSON."""
        click.echo(text, err=self.as_json)


def _masked(url: str) -> str:
    """A database URL with no secret in it: the user's password as *** (the last @ ends it, even
    when the password itself holds an @), and any `password=` in the query; a string that is no
    URL says only that it is set."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "（DUBAN_DATABASE_URL 已设置）"
    authority, slash, path = rest.partition("/")
    userinfo, at, hostport = authority.rpartition("@")
    user = userinfo.split(":", 1)[0]
    who = (f"{user}:***@" if ":" in userinfo else f"{user}@") if at else ""
    path = re.sub(r"((?:^|[?&])[^=&]*pass[^=&]*=)[^&]*", r"\1***", path, flags=re.I)
    return f"{scheme}://{who}{hostport}{slash}{path}"


def emit(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    """Print `data` as JSON, or call `human` to print it for a person."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        human()


def common(f: Callable) -> Callable:
    """`--campaign` and `--json` on every command, the header line first, and user errors as a
    message, never a traceback. The command receives a `Ctx` as its first argument."""

    @click.option("--campaign", "campaign_id", default=None, help="活动编号（默认取 DUBAN_CAMPAIGN）")
    @click.option("--json", "as_json", is_flag=True, help="输出 JSON（说明文字写到标准错误）")
    @functools.wraps(f)
    def wrapper(*args: Any, campaign_id: str | None, as_json: bool, **kwargs: Any) -> Any:
        ctx = Ctx(campaign_id, as_json)
        try:
            ctx.say(ctx.header())
            _home_is_a_folder(ctx.settings.home)
            return f(ctx, *args, **kwargs)
        except (CampaignError, CalendarError, BadCampaignId) as e:
            click.echo(str(e), err=True)
            sys.exit(2)
        except ValidationError as e:  # settings from the environment or .env
            click.echo(_settings_problems(e), err=True)
            sys.exit(2)
        except BrokenPipeError:  # `duban calendar | head`
            sys.stderr.close()
            sys.exit(0)
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except Exception as e:  # a name nobody has, else the last line of defence: log it, tell the user where
            _fail(ctx, e)
        finally:  # close the store's connections (the console script exits without tearing down)
            if "app" in ctx.__dict__:
                ctx.app.store.dispose()

    return wrapper


def _settings_problems(e: ValidationError) -> str:
    return "配置有误（环境变量 DUBAN_* 或 .env）：\n" + "\n".join(
        f"  - DUBAN_{'_'.join(map(str, err['loc'])).upper()}：{err['msg'].removeprefix('Value error, ')}"
        if err["loc"]
        else f"  - {err['msg'].removeprefix('Value error, ')}"
        for err in e.errors()
    )


# Errors worded for a person, by the package that raises them. A package is looked up only once it
# is loaded (an error of a package never imported cannot have been raised), so that no command
# imports intake or ops just to recognise their errors.
SAID_FOR_A_PERSON = (("tasks.intake", "UnsafeFolder"), ("tasks.ops", "UnknownName"))


def _said_for_a_person(e: Exception) -> bool:
    loaded = (getattr(sys.modules.get(package), name, None) for package, name in SAID_FOR_A_PERSON)
    return isinstance(e, (HomeProblem, *(kind for kind in loaded if isinstance(kind, type))))


def _fail(ctx: Ctx, e: Exception) -> NoReturn:
    """An exception no command caught: said for a person (exit 2), or logged with where the log is (exit 3)."""
    if _said_for_a_person(e):  # no traceback, no log
        click.echo(str(e), err=True)
        sys.exit(2)
    if why := unreachable_store(e):  # the store is down or misnamed: a setting, not a bug
        log = _log_crash(ctx)
        click.echo(
            f"无法连接数据库 {_masked(ctx.settings.db_url)}（{why}）：请确认数据库已启动、"
            f"DUBAN_DATABASE_URL 正确。详细信息已写入 {log}",
            err=True,
        )
        sys.exit(2)
    log = _log_crash(ctx)
    click.echo(f"内部错误：{type(e).__name__}: {e}\n详细信息已写入 {log}", err=True)
    sys.exit(3)


READ_ONLY = frozenset({"status", "mail", "matters"})  # commands that read the store and write nothing


def store_there(settings: Settings) -> bool:
    """Is there a store to use without making one: DUBAN_HOME set (even empty: it is set up as
    before), a DUBAN_DATABASE_URL, or a database in ./var?"""
    return bool("home" in settings.model_fields_set or settings.database_url or (settings.home / "duban.db").exists())


def _a_store_is_there(settings: Settings) -> None:
    """A reading command finds the store, or says how to point at one: it never creates an empty
    store where there is none (that showed every unit 逾期未交)."""
    if store_there(settings):
        return
    raise HomeProblem(
        f"这里没有 Duban 的数据（{settings.home.resolve()} 中没有数据库）：请设置 DUBAN_HOME 指向数据目录"
        "（如 DUBAN_HOME=/srv/duban/var），或在数据目录的上一级目录中运行"
    )


class HomeProblem(Exception):
    """DUBAN_HOME cannot be used as it is (a file, or no store where one is read); `str()` says what to do."""


def _home_is_a_folder(home: Path) -> None:
    if home.exists() and not home.is_dir():
        raise HomeProblem(
            f"数据目录 {home.resolve()} 不是文件夹（DUBAN_HOME 指向了一个文件）：请把 DUBAN_HOME 设为一个文件夹"
        )


def unreachable_store(e: Exception) -> str | None:
    """Why the database could not be reached, in words, when that is what `e` says; else None."""
    if not isinstance(e, OperationalError | InterfaceError):
        return None
    text = str(e).lower()
    for needle, why in (
        ("connection refused", "连接被拒绝"),
        ("password authentication failed", "用户名或密码错误"),
        ("does not exist", "数据库或用户不存在"),
        ("timeout", "连接超时"),
        ("could not translate host", "找不到主机"),
        ("unable to open database file", "无法打开数据库文件"),
        ("connection", "连接失败"),
    ):
        if needle in text:
            return why
    return None


def _log_crash(ctx: Ctx) -> Path:
    """The traceback, appended to $DUBAN_HOME/logs/duban-errors.log (or, when DUBAN_HOME itself is
    unusable, to duban-errors.log in the system's temporary folder)."""
    try:
        home = ctx.settings.home
    except ValidationError:
        home = Path(os.environ.get("DUBAN_HOME", "var"))
    fallback = Path(tempfile.gettempdir()) / f"duban-errors-{os.geteuid()}.log"
    for log in (home / "logs" / "duban-errors.log", fallback):
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:  # never through a planted link; only its owner reads it
                fh.write(traceback.format_exc() + "\n")
            return log
        except OSError:
            continue
    return log


def refused(e: Exception) -> click.ClickException:
    """A request that cannot be done, said in one line: exit 2 when what was typed names
    nothing (a usage mistake, as everywhere), else 1."""
    out = click.ClickException(str(e))
    out.exit_code = 2 if getattr(e, "usage", False) else 1
    return out


class Whole(click.ParamType):
    name = "整数"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        if str(value).strip().isdigit():
            return int(str(value).strip())
        self.fail(f"“{value}”不是整数", param, ctx)


class ExistingFile(click.ParamType):
    name = "文件"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        p = Path(value)
        if p.is_dir():
            self.fail(f"“{value}”是文件夹，请给出文件", param, ctx)
        if not p.exists():
            self.fail(f"找不到文件“{value}”", param, ctx)
        return p


class Folder(click.ParamType):
    name = "文件夹"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        p = Path(value)
        if p.exists() and not p.is_dir():
            self.fail(f"“{value}”是文件，不是文件夹", param, ctx)
        return p


WHOLE, FILE, FOLDER = Whole(), ExistingFile(), Folder()


def width(text: str) -> int:
    from wcwidth import wcswidth  # deferred: only when a table is printed for a person

    return max(wcswidth(text), len(text))


def table(rows: list[list[str]], *, indent: str = "") -> list[str]:
    """Rows as lines, each column padded to its widest cell by display width (a Chinese character
    takes two columns), so long unit names and titles stay aligned."""
    if not rows:
        return []
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
