"""The checks of what a campaign declares about matters (schemas/tracking.py) that pydantic's
field validators cannot see: a form's `tracks:` names its own columns, of the right kinds; the
campaign's `matters.group` names a group; `demo.matters` name units, each due after it is assigned."""

from __future__ import annotations

from collections.abc import Iterator

from schemas.campaign import Campaign
from schemas.forms import Form


def tracking_problems(c: Campaign) -> Iterator[tuple[tuple, str]]:
    """(location in the campaign file, problem in Chinese) of each reference that does not hold."""
    for i, f in enumerate(c.forms):
        if f.tracks is not None:
            yield from _tracks_problems(("forms", i, "tracks"), f)
    group = c.matters.group
    if group is not None and group not in {g.id for g in c.groups}:
        have = "、".join(g.id for g in c.groups)
        yield ("matters", "group"), f"督办事项的工作组“{group}”不存在（groups 中已定义：{have}）"
    names = {u.name for u in c.units} | {a for u in c.units for a in u.aliases}
    for i, m in enumerate(c.demo.matters):
        at = ("demo", "matters", i)
        for j, unit in enumerate(m.units):
            if unit not in names:
                yield (*at, "units", j), f"演示督办事项“{m.title}”的单位“{unit}”不存在"
        if m.due < m.assigned_on:
            yield (*at, "due"), f"演示督办事项“{m.title}”的完成时限 {m.due} 早于交办日期 {m.assigned_on}"
        for j, unit in enumerate(m.late):
            if unit not in m.units:
                yield (*at, "late", j), f"“{unit}”不是演示督办事项“{m.title}”的承办单位"


def _tracks_problems(at: tuple, f: Form) -> Iterator[tuple[tuple, str]]:
    t = f.tracks
    assert t is not None
    if f.document:
        yield at, f"表单“{f.code}”是文档（document: true），没有可作为督办事项的行"
        return
    have = "、".join(c.key for c in f.columns)
    named = [(("id", j), k) for j, k in enumerate(t.id)]
    named += [((field,), getattr(t, field)) for field in ("title", "deadline", "status", "done_date", "responsible")]
    for where, key in named:
        if key is not None and not f.has(key):
            yield (*at, *where), f"表单“{f.code}”没有列“{key}”（已有：{have}）"
    for field in ("deadline", "done_date"):
        key = getattr(t, field)
        if key is not None and f.has(key) and f.col(key).kind != "date":
            what = "完成时限" if field == "deadline" else "完成日期"
            yield (*at, field), f"作为{what}的列“{f.col(key).header}”须为日期列（kind: date）"
    if t.status is not None and f.has(t.status):
        choices = f.col(t.status).choices
        if choices and not set(t.done_values) & set(choices):
            yield (*at, "done_values"), f"“{f.col(t.status).header}”的选项中没有表示完成的值（done_values）"
