"""The campaign model: a work plan as data (config/campaigns/*.yaml), checked on load.

Structure is checked by pydantic; cross-references (owners, groups, forms, dates) by
`_problems`. Every mistake is reported at once, with the file, the YAML line and the fix.
"""

from __future__ import annotations

import calendar as _cal
import re
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.settings import CAMPAIGN_ID
from tasks.workdays import WorkCalendar

Role = Literal["liaison", "head"]
Recipient = Literal["liaison", "head", "group"]
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _email(v: str) -> str:
    if not EMAIL.match(v):
        raise ValueError(f"“{v}”不是有效的电子邮箱地址")
    return v


Email = Annotated[str, Field(min_length=3)]


class Contact(Model):
    role: Role
    name: str
    email: Email
    mobile: str | None = None
    _check_email = field_validator("email")(_email)


class Unit(Model):
    name: str
    kind: str
    contacts: list[Contact] = []
    mail_domains: list[str] = Field(
        default=[], description="the unit's own mail domains: a contact change inside them may apply at once"
    )


class ContactPolicy(Model):
    """Who may change who receives a unit's mail. By default every change of a liaison or head
    address waits for ops to approve it (a form file must not redirect a unit's reminders)."""

    auto_apply_within_domains: bool = Field(
        False, description="apply at once a change whose new addresses are all in the unit's mail_domains"
    )
    max_per_unit: int = Field(10, ge=1, description="contacts a unit may list")


class Group(Model):
    id: str
    name: str
    email: Email
    owns: list[str] = Field(description="ids of the obligations this group supervises")
    _check_email = field_validator("email")(_email)


class Leader(Model):
    name: str
    title: str = ""
    email: Email
    _check_email = field_validator("email")(_email)


class LadderStep(Model):
    kind: Literal["reminder", "escalation"]
    offset: int = Field(description="working days from the due date: negative before, positive after")
    to: list[Recipient]
    list_in_briefing: bool = False

    @field_validator("offset")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("offset 不能为 0：提醒用负数（截止前第几个工作日），督办用正数")
        return v


class Ladder(Model):
    send_at: time = time(9, 0)
    grace_working_days: int = Field(2, ge=0)
    steps: list[LadderStep]


class Once(Model):
    every: Literal["once"]
    due: date
    period: str | None = None


class Monthly(Model):
    every: Literal["month"]
    day: int = Field(ge=1, le=31, description="due day of month (clamped to the month's last day)")
    start: str = Field(pattern=MONTH.pattern)
    end: str = Field(pattern=MONTH.pattern)


class HalfMonthly(Model):
    every: Literal["half-month"]
    days: tuple[int, int] = (15, 31)
    start: str = Field(pattern=MONTH.pattern)
    end: str = Field(pattern=MONTH.pattern)


class DatedPeriod(Model):
    period: str
    due: date


class Dated(Model):
    every: Literal["dates"]
    periods: list[DatedPeriod] = Field(min_length=1)


Schedule = Annotated[Once | Monthly | HalfMonthly | Dated, Field(discriminator="every")]


class Obligation(Model):
    id: str
    title: str
    form: str
    owners: list[str] = Field(min_length=1, description="unit kinds or unit names")
    schedule: Schedule
    ladder: Ladder | None = None


class Form(Model):
    code: str
    label: str
    title: str


class CalendarConfig(Model):
    extra_holidays: list[date] = []
    extra_workdays: list[date] = []
    own_years: list[int] = []


class Target(Model):
    key: str
    label: str
    value: float
    unit: str = ""


class Briefings(Model):
    leaders: list[Leader] = []
    auto_approve: bool = False
    after_obligations: list[str] = Field(
        default=[], description="a monthly briefing follows each period's due date of these"
    )


class Campaign(Model):
    id: str = Field(pattern=CAMPAIGN_ID.pattern)
    name: str
    organiser: str
    start: date
    end: date
    timezone: str = "Asia/Shanghai"
    calendar: CalendarConfig = CalendarConfig()
    kinds: dict[str, str] = Field(description="unit kind -> Chinese label")
    units: list[Unit] = Field(min_length=1)
    groups: list[Group] = Field(min_length=1)
    forms: list[Form]
    obligations: list[Obligation] = Field(min_length=1)
    ladder: Ladder
    targets: list[Target] = []
    briefings: Briefings = Briefings()
    evaluation: dict[str, float] = {}
    contacts: ContactPolicy = ContactPolicy()

    @property
    def work_calendar(self) -> WorkCalendar:
        c = self.calendar
        return WorkCalendar.of(c.extra_holidays, c.extra_workdays, c.own_years)

    def unit(self, name: str) -> Unit:
        return next(u for u in self.units if u.name == name)

    def form(self, code: str) -> Form:
        return next(f for f in self.forms if f.code == code)

    def obligation(self, oid: str) -> Obligation:
        return next(o for o in self.obligations if o.id == oid)

    def group_of(self, oid: str) -> Group:
        return next(g for g in self.groups if oid in g.owns)

    def ladder_of(self, oid: str) -> Ladder:
        return self.obligation(oid).ladder or self.ladder

    def owners_of(self, ob: Obligation) -> list[Unit]:
        return [u for u in self.units if u.kind in ob.owners or u.name in ob.owners]


class CampaignError(Exception):
    """A campaign file that cannot be used; `str()` is the message for a person."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"活动配置 {path} 有 {len(problems)} 处问题：\n{lines}")


def load_campaign(path: Path) -> Campaign:
    """Load and check a campaign YAML; raise `CampaignError` listing every problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml"))) or "无"
        raise CampaignError(path, [f"文件不存在（已有的活动：{known}）"]) from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        raise CampaignError(path, [f"{where}YAML 格式错误（{getattr(e, 'problem', e)}）"]) from None
    lines = _line_index(node)
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as e:
        raise CampaignError(path, [_describe(lines, err["loc"], _msg(err)) for err in e.errors()]) from None
    problems = [_describe(lines, loc, msg) for loc, msg in _problems(campaign)]
    if problems:
        raise CampaignError(path, problems)
    return campaign


def _problems(c: Campaign) -> Iterator[tuple[tuple, str]]:
    """Cross-reference checks that pydantic's field validators cannot see."""
    if c.end < c.start:
        yield ("end",), f"结束日期 {c.end} 早于开始日期 {c.start}"
    names = [u.name for u in c.units]
    for i, u in enumerate(c.units):
        if names.index(u.name) != i:
            yield ("units", i, "name"), f"单位“{u.name}”重复出现"
        if u.kind not in c.kinds:
            yield ("units", i, "kind"), f"未知单位类别“{u.kind}”（kinds 中已定义：{'、'.join(c.kinds)}）"
        if not any(ct.role == "liaison" for ct in u.contacts):
            yield ("units", i, "contacts"), f"单位“{u.name}”没有联络员（role: liaison），催报无人可发"
    forms = {f.code for f in c.forms}
    oids = [o.id for o in c.obligations]
    for i, o in enumerate(c.obligations):
        if oids.index(o.id) != i:
            yield ("obligations", i, "id"), f"任务编号“{o.id}”重复出现"
        if o.form not in forms:
            yield ("obligations", i, "form"), f"未知表单“{o.form}”（forms 中已定义：{'、'.join(sorted(forms))}）"
        for j, owner in enumerate(o.owners):
            if owner not in c.kinds and owner not in names:
                yield ("obligations", i, "owners", j), f"“{owner}”既不是单位类别也不是单位名称"
        owners = [g.id for g in c.groups if o.id in g.owns]
        if len(owners) != 1:
            why = "没有任何工作组负责" if not owners else f"被多个工作组负责（{'、'.join(owners)}）"
            yield ("obligations", i, "id"), f"任务 {o.id} {why}：请在 groups[].owns 中指定且只指定一个工作组"
        outside = [(p, due) for p, due in periods(o) if not c.start <= due <= c.end]
        if outside:
            period, due = outside[0]
            yield ("obligations", i, "schedule"), (
                f"任务 {o.id} 的 {period} 期截止日 {due} 不在活动期 {c.start}～{c.end} 内"
            )
    for gi, g in enumerate(c.groups):
        for j, oid in enumerate(g.owns):
            if oid not in oids:
                yield ("groups", gi, "owns", j), f"工作组“{g.name}”负责的任务“{oid}”不存在"
    for j, oid in enumerate(c.briefings.after_obligations):
        if oid not in oids:
            yield ("briefings", "after_obligations", j), f"任务“{oid}”不存在"


def periods(o: Obligation) -> list[tuple[str, date]]:
    """(period, due date) pairs of one obligation, in date order."""
    s = o.schedule
    if isinstance(s, Once):
        return [(s.period or str(s.due.year), s.due)]
    if isinstance(s, Dated):
        return sorted(((p.period, p.due) for p in s.periods), key=lambda p: p[1])
    out: list[tuple[str, date]] = []
    for y, m in _months(s.start, s.end):
        last = _cal.monthrange(y, m)[1]
        if isinstance(s, Monthly):
            out.append((f"{y}-{m:02d}", date(y, m, min(s.day, last))))
        else:
            out.append((f"{y}-{m:02d}上", date(y, m, min(s.days[0], last))))
            out.append((f"{y}-{m:02d}下", date(y, m, min(s.days[1], last))))
    return out


def _months(start: str, end: str) -> Iterator[tuple[int, int]]:
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    while (y, m) <= (ey, em):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知字段（拼写错误？）",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "string_pattern_mismatch": "月份格式应为 YYYY-MM",
    "union_tag_invalid": "every 只能是 once、month、half-month 或 dates",
    "union_tag_not_found": "缺少 every（once、month、half-month 或 dates）",
    "too_short": "至少需要一项",
    "literal_error": "取值不在允许范围内",
}


def _msg(err: dict) -> str:
    if err["type"] == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == CAMPAIGN_ID.pattern:
        return "活动编号只能由小写字母、数字和连字符组成（如 huaian-2010）"
    known = _MESSAGES.get(err["type"])
    if known and err["type"] == "literal_error":
        return f"{known}（{err['ctx'].get('expected', '')}）"
    return known or err["msg"]


def _line_index(node: yaml.Node | None) -> dict[tuple, int]:
    """Map each YAML path (keys and list indexes) to its 1-based line number."""
    out: dict[tuple, int] = {}

    def walk(n: yaml.Node, path: tuple) -> None:
        out[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                out[(*path, k.value)] = k.start_mark.line + 1
                walk(v, (*path, k.value))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, (*path, i))

    if node is not None:
        walk(node, ())
    return out


def _describe(lines: dict[tuple, int], loc: tuple, msg: str) -> str:
    loc = tuple(p for p in loc if not (isinstance(p, str) and p in {"once", "month", "half-month", "dates"}))
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(顶层)"
    msg = msg.removeprefix("Value error, ")
    return f"{'第' + str(line) + '行 ' if line else ''}{place}：{msg}"
