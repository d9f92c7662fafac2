"""Loading a campaign file: YAML (with included form files) into the model, every mistake
reported at once with its file, its line and the fix (`duban check FILE` prints them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config.settings import CAMPAIGN_ID
from schemas.campaign import Campaign, periods
from schemas.forms import (
    NUMERIC,
    RULE_NAMES,
    Condition,
    Form,
    placeholder_problem,
    referenced_columns,
)
from schemas.period import period_label
from schemas.workdays import CalendarError, WorkCalendar


def json_schema() -> dict[str, Any]:
    """The campaign file's JSON Schema (for editors): the model's, with `{include: FILE}` allowed
    among the forms."""
    schema = Campaign.model_json_schema()
    include = {
        "type": "object",
        "required": ["include"],
        "properties": {
            "include": {
                "type": "string",
                "description": "a form file, relative to this file; other keys override the form's",
            }
        },
        "additionalProperties": True,
    }
    forms = schema["properties"]["forms"]
    forms["items"] = {"anyOf": [forms["items"], include]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "督办活动配置 (Duban campaign file)"
    return schema


class CampaignError(Exception):
    """A campaign file that cannot be used; `str()` is the message for a person."""

    def __init__(self, path: Path, problems: list[str], notes: list[str] | None = None):
        self.path, self.problems, self.notes = path, problems, notes or []
        lines = "\n".join(f"  - {p}" for p in problems) + "".join(f"\n提醒：{n}" for n in self.notes)
        super().__init__(f"活动配置 {path} 有 {len(problems)} 处问题：\n{lines}")


Lines = dict[tuple, tuple[Path, int]]  # YAML path (keys and list indexes) -> (file, 1-based line)


def load_campaign(path: Path) -> Campaign:
    """Load and check a campaign YAML (and the form files it includes); raise `CampaignError`
    listing every problem with its file and line."""
    return _load(path)[0]


def check_campaign(path: Path) -> tuple[Campaign, list[str]]:
    """`load_campaign`, and what is allowed but probably not meant, each with its file and line."""
    campaign, lines = _load(path)
    return campaign, [_describe(path, lines, loc, msg) for loc, msg in warnings(campaign)]


def warnings(c: Campaign) -> Iterator[tuple[tuple, str]]:
    """Pure: what `duban check` points out without refusing the campaign."""
    days = c.work_calendar
    for i, o in enumerate(c.obligations):
        if o.schedule.roll == "none" and o.schedule.every in ("once", "dates"):
            for period, due in periods(o):
                if not _workday(days, due):
                    yield (
                        ("obligations", i, "schedule"),
                        (
                            f"“{o.title}”{period_label(period) if period != str(due.year) else ''}的截止日期 "
                            f"{due} 不是工作日："
                            "如计划写“如逢节假日顺延”，请加 roll: next-workday"
                        ),
                    )
    for day in c.briefing_days():
        if not c.start <= day <= c.end:
            yield ("briefings",), f"简报日 {day} 不在活动期 {c.start}～{c.end} 内"
    for j, day in enumerate(c.briefings.dates):
        if not _workday(days, day):
            yield ("briefings", "dates", j), f"简报日 {day} 不是工作日"
    if not c.office.email:
        yield ("office",), "未填写 office.email：邮件的发件人和单位回复的地址都是它；否则须设置 DUBAN_MAIL_FROM"
    for i, u in enumerate(c.units):
        for j, a in enumerate(u.aliases):
            if a == u.name:
                yield ("units", i, "aliases", j), f"别名“{a}”与单位名称相同，不必列出"


def _workday(days: WorkCalendar, d: date) -> bool:
    try:
        return days.is_workday(d)
    except CalendarError:  # a year the calendar does not know is a problem of its own, said elsewhere
        return True


def _load(path: Path) -> tuple[Campaign, Lines]:
    data, lines = _read_yaml(path, root_problem=True)
    data, lines, problems = _include_forms(data, lines, path)
    try:  # an include that failed is said with the file's other mistakes, not instead of them
        campaign = Campaign.model_validate(data)
    except ValidationError as e:
        raise CampaignError(
            path, problems + [_describe(path, lines, _untagged(err["loc"]), _msg(err)) for err in e.errors()]
        ) from None
    problems += [_describe(path, lines, loc, msg) for loc, msg in _problems(campaign)]
    if problems:  # with what would be pointed out anyway: one run says it all
        raise CampaignError(path, problems, [_describe(path, lines, loc, msg) for loc, msg in _safe_warnings(campaign)])
    return campaign, lines


def _safe_warnings(c: Campaign) -> list[tuple[tuple, str]]:
    try:
        return list(warnings(c))
    except Exception:  # a campaign with problems may not even make its calendar: its problems come first
        return []


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


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml: milliseconds
    """A date that does not exist (2010-06-31) is kept as its text, so the campaign's model says
    which key it is, on which line, with the others; PyYAML itself would raise a bare ValueError."""


def _timestamp(loader: Any, node: Any) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


SHARED_FORMS = Path(__file__).resolve().parent.parent / "config" / "forms"  # the forms Duban ships (附表2: contacts)


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
        if not target.exists() and (SHARED_FORMS / Path(str(item["include"])).name).is_file():
            target = (
                SHARED_FORMS / Path(str(item["include"])).name
            )  # a campaign file copied elsewhere: Duban's own forms
        if not (target.is_relative_to(root) or target.parent == SHARED_FORMS):
            problems.append(f"{where}：只能包含配置目录 {root} 或 {SHARED_FORMS} 中的表单文件")
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
            remap.update(
                {("forms", len(out), *k[len(prefix) :]): v for k, v in sub_lines.items() if k[: len(prefix)] == prefix}
            )
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
            yield (
                ("obligations", i, "schedule"),
                (f"任务 {o.id} 的 {period} 期截止日 {due} 不在活动期 {c.start}～{c.end} 内"),
            )
    for gi, g in enumerate(c.groups):
        for j, oid in enumerate(g.owns):
            if oid not in oids:
                yield ("groups", gi, "owns", j), f"工作组“{g.name}”负责的任务“{oid}”不存在"
    for j, oid in enumerate(c.briefings.after_obligations):
        if oid not in oids:
            yield ("briefings", "after_obligations", j), f"简报所依据的任务“{oid}”不存在（已有：{'、'.join(oids)}）"
    yield from _indicator_problems(c)
    yield from _other_problems(c, names, oids)


def _columns(c: Campaign, form: str) -> dict[str, str]:
    return {col.key: col.kind for col in c.form(form).columns} if form in {f.code for f in c.forms} else {}


def _indicator_problems(c: Campaign) -> Iterator[tuple[tuple, str]]:
    """Indicators, the kpi form, targets and what briefings and the evaluation refer to."""
    forms = {f.code for f in c.forms}
    keys = [i.key for i in c.indicators]
    measured = {i.key for i in c.measured()}
    for i, ind in enumerate(c.indicators):
        at = ("indicators", i)
        if keys.index(ind.key) != i:
            yield (*at, "key"), f"指标“{ind.key}”重复出现"
        if ind.form is not None:
            if ind.form not in forms:
                yield (
                    (*at, "form"),
                    f"指标“{ind.label}”统计的表单“{ind.form}”不存在（已有：{'、'.join(sorted(forms))}）",
                )
                continue
            cols = _columns(c, ind.form)
            for loc, k in [
                (("column",), ind.column),
                *[(("where", j, "column"), w.column) for j, w in enumerate(ind.where)],
            ]:
                if k is not None and k not in cols:
                    yield (*at, *loc), _unknown_column(c.form(ind.form), k)
            if (
                ind.measure in ("sum", "mean", "max", "min", "latest")
                and ind.column in cols
                and cols[ind.column] not in NUMERIC
            ):
                yield (*at, "column"), f"measure: {ind.measure} 需要数字列，“{ind.column}”是 {cols[ind.column]} 列"
            for j, w in enumerate(ind.where):
                if w.column in cols and (
                    wrong := comparison_problem(w, cols[w.column]) or _choice_problem(w, c.form(ind.form))
                ):
                    yield (*at, "where", j), wrong
            if ind.reported_by is not None and ind.reported_by not in {u.name for u in c.units}:
                yield (*at, "reported_by"), f"单位“{ind.reported_by}”不存在"
        for j, k in enumerate(ind.ratio or ()):
            if k not in measured or k == ind.key:
                yield (*at, "ratio", j), f"ratio 中的指标“{k}”不存在（已有：{'、'.join(sorted(measured - {ind.key}))}）"
        if ind.of_kind is not None and ind.of_kind not in c.kinds:
            yield (*at, "of_kind"), f"未知单位类别“{ind.of_kind}”（kinds 中已定义：{'、'.join(c.kinds)}）"
    if c.kpi:
        if c.kpi.form not in forms:
            yield ("kpi", "form"), f"指标表“{c.kpi.form}”不存在（已有：{'、'.join(sorted(forms))}）"
        else:
            for field in ("name", "value"):
                if getattr(c.kpi, field) not in _columns(c, c.kpi.form):
                    yield ("kpi", field), _unknown_column(c.form(c.kpi.form), getattr(c.kpi, field))
    tkeys = [t.key for t in c.targets]
    for i, t in enumerate(c.targets):
        if tkeys.index(t.key) != i:
            yield ("targets", i, "key"), f"目标“{t.key}”重复出现"
        if t.indicator is not None and t.indicator not in measured:
            yield (
                ("targets", i, "indicator"),
                f"目标“{t.label}”的指标“{t.indicator}”不存在（已有：{'、'.join(sorted(measured))}）",
            )
        for j, m in enumerate(t.milestones):
            if not c.start <= m.by <= c.end:
                yield (
                    ("targets", i, "milestones", j, "by"),
                    (f"目标“{t.label}”的阶段目标日期 {m.by} 不在活动期 {c.start}～{c.end} 内：请改为活动期内的日期"),
                )
    target_keys = {t.key for t in c.targets}
    for j, k in enumerate(c.briefings.indicators):
        if k not in measured and k not in target_keys:
            named = [k for k in measured if not k.startswith("target_")]
            yield (
                ("briefings", "indicators", j),
                (
                    f"“{k}”既不是指标也不是目标（指标：{'、'.join(sorted(named)) or '无'}；"
                    f"目标：{'、'.join(sorted(target_keys)) or '无'}）"
                ),
            )
    for j, k in enumerate(c.evaluation.outcomes):
        if k not in measured:
            yield ("evaluation", "outcomes", j), f"指标“{k}”不存在（已有：{'、'.join(sorted(measured))}）"


def _other_problems(c: Campaign, names: list[str], oids: list[str]) -> Iterator[tuple[tuple, str]]:
    for j, kind in enumerate(c.briefings.unit_heads):
        if kind not in c.kinds:
            yield ("briefings", "unit_heads", j), f"未知单位类别“{kind}”（kinds 中已定义：{'、'.join(c.kinds)}）"
    for i, e in enumerate(c.events):
        outside = [d for _, d in periods(e) if not c.start <= d <= c.end]  # type: ignore[arg-type]
        if outside:
            yield ("events", i, "schedule"), f"“{e.title}”的日期 {outside[0]} 不在活动期 {c.start}～{c.end} 内"
    d = c.demo
    for j, u in enumerate(d.never):
        if u not in names:
            yield ("demo", "never", j), f"单位“{u}”不存在"
    for j, x in enumerate(d.extensions):
        if x.unit not in names:
            yield ("demo", "extensions", j, "unit"), f"单位“{x.unit}”不存在"
        if x.obligation not in oids:
            yield ("demo", "extensions", j, "obligation"), f"任务“{x.obligation}”不存在"
    if d.new_liaison and d.new_liaison.unit not in names:
        yield ("demo", "new_liaison", "unit"), f"单位“{d.new_liaison.unit}”不存在"


def comparison_problem(c: Condition, kind: str) -> str | None:
    """Pure: a lt/le/gt/ge that cannot compare this column (a date with a number, a text with anything)."""
    op, want = c.operator
    if op not in ("lt", "le", "gt", "ge"):
        return None
    if isinstance(want, date) or want == "as_of":
        return None if kind == "date" else f"“{c.column}”是 {kind} 列，不能与日期比较（{op}: {want}）"
    return (
        None
        if kind in NUMERIC
        else (
            f"“{c.column}”是 {kind} 列，不能与数字比较（{op}: {want:g}）"
            + ("：日期请写成 2017-07-17 或 as_of" if kind == "date" else "")
        )
    )


def _choice_problem(w: Condition, form: Form) -> str | None:
    """Pure: an eq / ne / in value that the column's fixed choices never hold (it would match nothing)."""
    op, want = w.operator
    choices = form.col(w.column).choices if w.column in {c.key for c in form.columns} else ()
    if op not in ("eq", "ne", "in_") or not choices:
        return None
    missing = [v for v in (want if op == "in_" else (want,)) if isinstance(v, str) and v not in choices]
    if not missing:
        return None
    return f"“{'、'.join(missing)}”不是“{form.col(w.column).header}”的可选值（可选：{'、'.join(choices)}）"


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
                elif loc == ("column",) and rule.rule == "kind-when" and kinds[k] not in NUMERIC:
                    yield (*at, "rules", j, *loc), f"规则 kind-when 只用于数字列，“{k}”是 {kinds[k]} 列"
            if wrong := placeholder_problem(rule):
                yield (*at, "rules", j, "message"), wrong
            for field in ("when", "conditions"):
                for n, w in enumerate(getattr(rule, field, None) or ()):
                    if w.column in kinds and (wrong := comparison_problem(w, kinds[w.column]) or _choice_problem(w, f)):
                        yield (*at, "rules", j, field, n), wrong
            if rule.rule == "in-list" and rule.list not in lists:
                yield (*at, "rules", j, "list"), f"没有名为“{rule.list}”的列表（可用：{'、'.join(sorted(lists))}）"
            if rule.rule == "date-within" and rule.window != "period" and rule.window not in c.windows:
                yield (
                    (*at, "rules", j, "window"),
                    (f"没有名为“{rule.window}”的日期窗口（period 表示本期，或在 windows 中定义）"),
                )
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
    if (
        err["type"].startswith("date")
        and isinstance(err.get("input"), str)
        and (m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", err["input"].strip()))
    ):
        return (
            f"“{err['input']}”不是有效日期（{int(m[1])}年{int(m[2])}月没有{int(m[3])}日）"
            if 1 <= int(m[2]) <= 12
            else f"“{err['input']}”不是有效日期（月份应为 1–12）"
        )
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
    return tuple(
        p for i, p in enumerate(loc) if not (isinstance(p, str) and p in _TAGS and i and isinstance(loc[i - 1], int))
    )


def _describe(path: Path, lines: Lines, loc: tuple, msg: str) -> str:
    found = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(顶层)"
    msg = msg.removeprefix("Value error, ")
    if found is None:
        return f"{place}：{msg}"
    file, line = found
    where = f"第{line}行" if file == path else f"{file.name} 第{line}行"
    return f"{where} {place}：{msg}"
