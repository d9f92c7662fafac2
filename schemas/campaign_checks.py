"""The campaign's cross-reference checks, which pydantic's field validators cannot see: owners,
groups, forms, columns, rules, indicators and dates refer to what exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from schemas.campaign import Campaign
from schemas.forms import NUMERIC, Condition, Form, Rule, placeholder_problem, referenced_columns
from schemas.indicators import Indicator
from schemas.schedule import periods
from schemas.tracking_checks import tracking_problems


def cross_reference_problems(c: Campaign) -> Iterator[tuple[tuple, str]]:
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
    yield from tracking_problems(c)


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
        if ind.form is not None and ind.form not in forms:
            yield (
                (*at, "form"),
                f"指标“{ind.label}”统计的表单“{ind.form}”不存在（已有：{'、'.join(sorted(forms))}）",
            )
            continue
        if ind.form is not None:
            yield from _counted_problems(c, at, ind, c.form(ind.form))
        for j, k in enumerate(ind.ratio or ()):
            if k not in measured or k == ind.key:
                yield (*at, "ratio", j), f"ratio 中的指标“{k}”不存在（已有：{'、'.join(sorted(measured - {ind.key}))}）"
        if ind.of_kind is not None and ind.of_kind not in c.kinds:
            yield (*at, "of_kind"), f"未知单位类别“{ind.of_kind}”（kinds 中已定义：{'、'.join(c.kinds)}）"
    yield from _kpi_problems(c, forms)
    yield from _target_problems(c, measured)
    yield from _shown_problems(c, measured)


def _counted_problems(c: Campaign, at: tuple, ind: Indicator, form: Form) -> Iterator[tuple[tuple, str]]:
    """An indicator counted from `form`: its columns exist and suit its measure and conditions."""
    cols = {col.key: col.kind for col in form.columns}
    for loc, k in [
        (("column",), ind.column),
        *[(("where", j, "column"), w.column) for j, w in enumerate(ind.where)],
    ]:
        if k is not None and k not in cols:
            yield (*at, *loc), _unknown_column(form, k)
    if (
        ind.measure in ("sum", "mean", "max", "min", "latest")
        and ind.column in cols
        and cols[ind.column] not in NUMERIC
    ):
        yield (*at, "column"), f"measure: {ind.measure} 需要数字列，“{ind.column}”是 {cols[ind.column]} 列"
    for j, w in enumerate(ind.where):
        if w.column in cols and (wrong := comparison_problem(w, cols[w.column]) or _choice_problem(w, form)):
            yield (*at, "where", j), wrong
    if ind.reported_by is not None and ind.reported_by not in {u.name for u in c.units}:
        yield (*at, "reported_by"), f"单位“{ind.reported_by}”不存在"


def _kpi_problems(c: Campaign, forms: set[str]) -> Iterator[tuple[tuple, str]]:
    if not c.kpi:
        return
    if c.kpi.form not in forms:
        yield ("kpi", "form"), f"指标表“{c.kpi.form}”不存在（已有：{'、'.join(sorted(forms))}）"
        return
    for field in ("name", "value"):
        if getattr(c.kpi, field) not in _columns(c, c.kpi.form):
            yield ("kpi", field), _unknown_column(c.form(c.kpi.form), getattr(c.kpi, field))


def _target_problems(c: Campaign, measured: set[str]) -> Iterator[tuple[tuple, str]]:
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


def _shown_problems(c: Campaign, measured: set[str]) -> Iterator[tuple[tuple, str]]:
    """The briefing's and the evaluation's figures are indicators or targets that exist."""
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
            yield from _rule_problems(c, f, (*at, "rules", j), rule, kinds)
        yield from _contacts_problems(f, at, kinds)


def _rule_problems(c: Campaign, f: Form, at: tuple, rule: Rule, kinds: dict[str, str]) -> Iterator[tuple[tuple, str]]:
    """One rule of form `f`: its columns exist and are of the kinds it needs, its lists and windows exist."""
    for loc, k in referenced_columns(rule):
        if k not in kinds:
            yield (*at, *loc), _unknown_column(f, k)
        elif rule.rule in ("date-order", "date-within") and kinds[k] != "date":
            yield (*at, *loc), f"规则 {rule.rule} 只用于日期列，“{k}”是 {kinds[k]} 列"
        elif loc == ("column",) and getattr(rule, "positive", False) and kinds[k] not in NUMERIC:
            yield (*at, *loc), f"positive 只用于数字列，“{k}”是 {kinds[k]} 列"
        elif loc == ("column",) and rule.rule == "kind-when" and kinds[k] not in NUMERIC:
            yield (*at, *loc), f"规则 kind-when 只用于数字列，“{k}”是 {kinds[k]} 列"
    if wrong := placeholder_problem(rule):
        yield (*at, "message"), wrong
    for field in ("when", "conditions"):
        for n, w in enumerate(getattr(rule, field, None) or ()):
            if w.column in kinds and (wrong := comparison_problem(w, kinds[w.column]) or _choice_problem(w, f)):
                yield (*at, field, n), wrong
    lists = {"targets", *c.lists}
    if rule.rule == "in-list" and rule.list not in lists:
        yield (*at, "list"), f"没有名为“{rule.list}”的列表（可用：{'、'.join(sorted(lists))}）"
    if rule.rule == "date-within" and rule.window != "period" and rule.window not in c.windows:
        yield (
            (*at, "window"),
            (f"没有名为“{rule.window}”的日期窗口（period 表示本期，或在 windows 中定义）"),
        )
    if rule.rule == "at-least" and rule.column in kinds:
        choices = f.col(rule.column).choices
        if choices and rule.value not in choices:
            yield (*at, "value"), f"“{rule.value}”不是“{f.col(rule.column).header}”的可选值"


def _contacts_problems(f: Form, at: tuple, kinds: dict[str, str]) -> Iterator[tuple[tuple, str]]:
    """A contacts form's mapping names its columns and a liaison role."""
    if not f.contacts:
        return
    m = f.contacts
    for field in ("role", "name", "email", "mobile", "phone", "position"):
        k = getattr(m, field)
        if k is not None and k not in kinds:
            yield (*at, "contacts", field), _unknown_column(f, k)
    if "liaison" not in m.roles.values():
        yield (*at, "contacts", "roles"), "contacts.roles 中至少要有一个角色是 liaison（联络员）"


def _unknown_column(f: Form, key: str) -> str:
    return f"表单“{f.name}”没有列“{key}”（已有：{'、'.join(c.key for c in f.columns) or '无'}）"
