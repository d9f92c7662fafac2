"""Reading a campaign file: its YAML, the line of every key, and the form files it includes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from schemas.campaign_errors import CampaignError, Lines


def read_yaml(path: Path, *, root_problem: bool = False) -> tuple[Any, Lines]:
    """The YAML document at `path` and the line of each key; `CampaignError` when it cannot be read."""
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
    return data, line_index(node, path)


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


def include_forms(data: Any, lines: Lines, path: Path) -> tuple[Any, Lines, list[str]]:
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
            content, sub_lines = read_yaml(target)
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


def line_index(node: yaml.Node | None, path: Path) -> Lines:
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
