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
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.settings import CAMPAIGN_ID
from schemas.forms import NUMERIC, RULE_NAMES, Form, referenced_columns
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


class Window(Model):
    """A date window rules may refer to (e.g. the activity season 08-01..09-30)."""

    start: date
    end: date
    label: str = ""


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


class Quarterly(Model):
    every: Literal["quarter"]
    day: int = Field(ge=1, le=31, description="due day of the quarter's last month (or of the month after, with after)")
    after: bool = Field(False, description="due in the first month after the quarter")
    start: str = Field(pattern=MONTH.pattern, description="a month of the first quarter")
    end: str = Field(pattern=MONTH.pattern, description="a month of the last quarter")


class DatedPeriod(Model):
    period: str
    due: date


class Dated(Model):
    every: Literal["dates"]
    periods: list[DatedPeriod] = Field(min_length=1)


Schedule = Annotated[Once | Monthly | HalfMonthly | Quarterly | Dated, Field(discriminator="every")]


class Obligation(Model):
    id: str
    title: str
    form: str
    owners: list[str] = Field(min_length=1, description="unit kinds or unit names")
    schedule: Schedule
    ladder: Ladder | None = None


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
    forms: list[Form] = Field(min_length=1, description="each form, or {include: path} of a form file")
    windows: dict[str, Window] = Field({}, description="named date windows for date-within rules")
    lists: dict[str, list[str]] = Field({}, description="named lists for in-list rules")
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

    def choices_of(self, form: Form, key: str) -> tuple[str, ...]:
        """The values a column takes: an in-list rule's list (the targets' labels, or a named
        list), else the column's own choices (enum, flag); empty when free."""
        for r in form.rules:
            if r.rule == "in-list" and r.column == key:
                return tuple(t.label for t in self.targets) if r.list == "targets" else tuple(self.lists[r.list])
        col = form.col(key)
        return col.choices if col.kind in ("enum", "flag") else ()

    def obligation(self, oid: str) -> Obligation:
        return next(o for o in self.obligations if o.id == oid)

    def group_of(self, oid: str) -> Group:
        return next(g for g in self.groups if oid in g.owns)

    def ladder_of(self, oid: str) -> Ladder:
        return self.obligation(oid).ladder or self.ladder

    def owners_of(self, ob: Obligation) -> list[Unit]:
        return [u for u in self.units if u.kind in ob.owners or u.name in ob.owners]


def json_schema() -> dict[str, Any]:
    """The campaign file's JSON Schema (for editors): the model's, with `{include: FILE}` allowed
    among the forms."""
    schema = Campaign.model_json_schema()
    include = {"type": "object", "required": ["include"], "properties": {
        "include": {"type": "string", "description": "a form file, relative to this file; other keys override the form's"}},
        "additionalProperties": True}
    forms = schema["properties"]["forms"]
    forms["items"] = {"anyOf": [forms["items"], include]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "督办活动配置 (Duban campaign file)"
    return schema


class CampaignError(Exception):
    """A campaign file that cannot be used; `str()` is the message for a person."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"活动配置 {path} 有 {len(problems)} 处问题：\n{lines}")


Lines = dict[tuple, tuple[Path, int]]  # YAML path (keys and list indexes) -> (file, 1-based line)


def load_campaign(path: Path) -> Campaign:
    """Load and check a campaign YAML (and the form files it includes); raise `CampaignError`
    listing every problem with its file and line."""
    data, lines = _read_yaml(path, root_problem=True)
    data, lines, problems = _include_forms(data, lines, path)
    if problems:
        raise CampaignError(path, problems)
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as e:
        raise CampaignError(path, [_describe(path, lines, _untagged(err["loc"]), _msg(err)) for err in e.errors()]) from None
    problems = [_describe(path, lines, loc, msg) for loc, msg in _problems(campaign)]
    if problems:
        raise CampaignError(path, problems)
    return campaign


def _read_yaml(path: Path, *, root_problem: bool = False) -> tuple[Any, Lines]:
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml"))) or "无"
        raise CampaignError(path, [f"文件不存在（已有的活动：{known}）" if root_problem else "文件不存在"]) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        raise CampaignError(path, [f"{where}YAML 格式错误（{getattr(e, 'problem', e)}）"]) from None
    finally:
        loader.dispose()
    return data, _line_index(node, path)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: a 20-form campaign loads in milliseconds


def _include_forms(data: Any, lines: Lines, path: Path) -> tuple[Any, Lines, list[str]]:
    """Replace each `{include: FILE}` in `forms` by the form (or list of forms) in FILE, a path
    relative to the campaign file that stays inside its configuration folder."""
    forms = data.get("forms") if isinstance(data, dict) else None
    if not isinstance(forms, list):
        return data, lines, []
    root = path.resolve().parent.parent
    out: list[Any] = []
    remap: Lines = {k: v for k, v in lines.items() if k[:1] != ("forms",) or len(k) == 1}
    problems = []
    for i, item in enumerate(forms):
        if not (isinstance(item, dict) and "include" in item):
            remap.update({("forms", len(out), *k[2:]): v for k, v in lines.items() if k[:2] == ("forms", i)})
            out.append(item)
            continue
        where = f"第{lines.get(('forms', i), (path, 0))[1]}行 forms[{i}].include"
        target = (path.parent / str(item["include"])).resolve()
        if not target.is_relative_to(root):
            problems.append(f"{where}：只能包含配置目录 {root} 中的表单文件")
            continue
        try:
            content, sub_lines = _read_yaml(target)
        except CampaignError as e:
            problems.append(f"{where}：{target.name} {e.problems[0]}")
            continue
        overrides = {k: v for k, v in item.items() if k != "include"}
        if overrides and not isinstance(content, dict):
            problems.append(f"{where}：{target.name} 含多张表单，不能在 include 旁改写 {'、'.join(overrides)}")
            continue
        content_list = content if isinstance(content, list) else [{**content, **overrides}]
        for j, form in enumerate(content_list):
            prefix = (j,) if isinstance(content, list) else ()
            remap.update({("forms", len(out), *k[len(prefix):]): v for k, v in sub_lines.items()
                          if k[:len(prefix)] == prefix})
            out.append(form)
    return {**data, "forms": out}, remap, problems


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
    yield from _form_problems(c)
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


def _form_problems(c: Campaign) -> Iterator[tuple[tuple, str]]:
    """Every form's columns, rules and keys refer to what exists."""
    codes = [f.code for f in c.forms]
    lists = {"targets", *c.lists}
    if sum(1 for f in c.forms if f.contacts) > 1:
        yield ("forms",), "只能有一张表单声明 contacts（单位联系人名单）"
    for i, f in enumerate(c.forms):
        at = ("forms", i)
        if codes.index(f.code) != i:
            yield (*at, "code"), f"表单代码“{f.code}”重复出现"
        if f.document and f.columns:
            yield (*at, "columns"), f"“{f.name}”是文档（document: true），不能有 columns"
        if not f.document and not f.columns:
            yield (*at, "columns"), f"“{f.name}”没有列：请列出 columns，或声明 document: true"
        keys = [col.key for col in f.columns]
        for j, col in enumerate(f.columns):
            if keys.index(col.key) != j:
                yield (*at, "columns", j, "key"), f"列名“{col.key}”重复出现"
        kinds = {col.key: col.kind for col in f.columns}
        if f.versions == "accumulate" and not f.key:
            yield (*at, "key"), "versions: accumulate 需要 key：哪些列确定同一行（如 [enterprise, need_name]）"
        for j, k in enumerate(f.key):
            if k not in kinds:
                yield (*at, "key", j), _unknown_column(f, k)
        for j, rule in enumerate(f.rules):
            for loc, k in referenced_columns(rule):
                if k not in kinds:
                    yield (*at, "rules", j, *loc), _unknown_column(f, k)
                elif rule.rule in ("date-order", "date-within") and kinds[k] != "date":
                    yield (*at, "rules", j, *loc), f"规则 {rule.rule} 只用于日期列，“{k}”是 {kinds[k]} 列"
                elif loc == ("column",) and getattr(rule, "positive", False) and kinds[k] not in NUMERIC:
                    yield (*at, "rules", j, *loc), f"positive 只用于数字列，“{k}”是 {kinds[k]} 列"
            if rule.rule == "in-list" and rule.list not in lists:
                yield (*at, "rules", j, "list"), f"没有名为“{rule.list}”的列表（可用：{'、'.join(sorted(lists))}）"
            if rule.rule == "date-within" and rule.window != "period" and rule.window not in c.windows:
                yield (*at, "rules", j, "window"), (
                    f"没有名为“{rule.window}”的日期窗口（period 表示本期，或在 windows 中定义）")
            if rule.rule == "at-least" and rule.column in kinds:
                choices = f.col(rule.column).choices
                if choices and rule.value not in choices:
                    yield (*at, "rules", j, "value"), f"“{rule.value}”不是“{f.col(rule.column).header}”的可选值"
        if f.contacts:
            m = f.contacts
            for field in ("role", "name", "email", "mobile", "phone", "position"):
                k = getattr(m, field)
                if k is not None and k not in kinds:
                    yield (*at, "contacts", field), _unknown_column(f, k)
            if "liaison" not in m.roles.values():
                yield (*at, "contacts", "roles"), "contacts.roles 中至少要有一个角色是 liaison（联络员）"


def _unknown_column(f: Form, key: str) -> str:
    return f"表单“{f.name}”没有列“{key}”（已有：{'、'.join(c.key for c in f.columns) or '无'}）"


def periods(o: Obligation) -> list[tuple[str, date]]:
    """(period, due date) pairs of one obligation, in date order."""
    s = o.schedule
    if isinstance(s, Once):
        return [(s.period or str(s.due.year), s.due)]
    if isinstance(s, Dated):
        return sorted(((p.period, p.due) for p in s.periods), key=lambda p: p[1])
    out: list[tuple[str, date]] = []
    if isinstance(s, Quarterly):
        quarters = sorted({(y, (m - 1) // 3 + 1) for y, m in _months(s.start, s.end)})
        for y, q in quarters:
            yy, mm = (y, q * 3 + 1) if s.after else (y, q * 3)
            yy, mm = (yy + 1, 1) if mm == 13 else (yy, mm)
            out.append((f"{y}-Q{q}", date(yy, mm, min(s.day, _cal.monthrange(yy, mm)[1]))))
        return out
    for y, m in _months(s.start, s.end):
        last = _cal.monthrange(y, m)[1]
        if isinstance(s, Monthly):
            out.append((f"{y}-{m:02d}", date(y, m, min(s.day, last))))
        else:
            out.append((f"{y}-{m:02d}上", date(y, m, min(s.days[0], last))))
            out.append((f"{y}-{m:02d}下", date(y, m, min(s.days[1], last))))
    return out


def period_span(period: str) -> tuple[date, date] | None:
    """The dates a named report period covers (2010-08, 2011-03上, 2012-Q1, 2010), or None
    when the name says no dates (第1批)."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        y, mo = int(m[1]), int(m[2])
        return date(y, mo, 1), date(y, mo, _cal.monthrange(y, mo)[1])
    if m := re.fullmatch(r"(\d{4})-(\d{2})([上下])", period):
        y, mo = int(m[1]), int(m[2])
        return (date(y, mo, 1), date(y, mo, 15)) if m[3] == "上" else (date(y, mo, 16), date(y, mo, _cal.monthrange(y, mo)[1]))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        y, q = int(m[1]), int(m[2])
        return date(y, q * 3 - 2, 1), date(y, q * 3, _cal.monthrange(y, q * 3)[1])
    if m := re.fullmatch(r"(\d{4})(?:年度?)?", period):
        return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    return None


def period_label(period: str) -> str:
    """A period as people write it: 2010年8月, 2011年3月上半月, 2012年第1季度; others as they are."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        return f"{m[1]}年{int(m[2])}月"
    if m := re.fullmatch(r"(\d{4})-(\d{2})([上下])", period):
        return f"{m[1]}年{int(m[2])}月{m[3]}半月"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        return f"{m[1]}年第{m[2]}季度"
    return period


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
    "date_type": "日期格式应为 YYYY-MM-DD",
    "string_pattern_mismatch": "月份格式应为 YYYY-MM",
    "union_tag_invalid": "every 只能是 once、month、half-month、quarter 或 dates",
    "union_tag_not_found": "缺少 every（once、month、half-month、quarter 或 dates）",
    "too_short": "至少需要一项",
    "literal_error": "取值不在允许范围内",
    "bool_parsing": "应为 true 或 false",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
}
_PATTERNS = {
    CAMPAIGN_ID.pattern: "活动编号只能由小写字母、数字和连字符组成（如 huaian-2010）",
    r"^[a-z][a-z0-9_]*$": "列名（key）只能由小写字母、数字和下划线组成，以字母开头（如 need_name）",
    r"^[a-z0-9][a-z0-9-]*$": "表单代码只能由小写字母、数字和连字符组成（如 tech-needs）",
}


def _msg(err: dict) -> str:
    ctx = err.get("ctx", {})
    if err["type"] == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERNS:
        return _PATTERNS[ctx["pattern"]]
    if err["type"] in ("union_tag_invalid", "union_tag_not_found") and "rule" in str(ctx.get("discriminator", "")):
        found = f"“{ctx.get('tag')}”" if ctx.get("tag") else ""
        return f"未知规则{found}：rule 只能是 {'、'.join(RULE_NAMES)}"
    known = _MESSAGES.get(err["type"])
    if known and err["type"] == "literal_error":
        return f"{known}（{ctx.get('expected', '')}）"
    return known or err["msg"]


def _line_index(node: yaml.Node | None, path: Path) -> Lines:
    """Map each YAML path (keys and list indexes) to its file and 1-based line number."""
    out: Lines = {}

    def walk(n: yaml.Node, at: tuple) -> None:
        out[at] = (path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                out[(*at, k.value)] = (path, k.start_mark.line + 1)
                walk(v, (*at, k.value))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, (*at, i))

    if node is not None:
        walk(node, ())
    return out


_TAGS = {"once", "month", "half-month", "quarter", "dates", *RULE_NAMES}


def _untagged(loc: tuple) -> tuple:
    """A pydantic error location without the tags of discriminated unions (once, required-when)."""
    return tuple(p for i, p in enumerate(loc) if not (isinstance(p, str) and p in _TAGS and i and isinstance(loc[i - 1], int)))


def _describe(path: Path, lines: Lines, loc: tuple, msg: str) -> str:
    found = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(顶层)"
    msg = msg.removeprefix("Value error, ")
    if found is None:
        return f"{place}：{msg}"
    file, line = found
    where = f"第{line}行" if file == path else f"{file.name} 第{line}行"
    return f"{where} {place}：{msg}"
