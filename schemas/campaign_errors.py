"""How a campaign file's mistakes are said: each with its file, its YAML line and the fix."""

from __future__ import annotations

import re
from pathlib import Path

from config.settings import CAMPAIGN_ID
from schemas.forms import RULE_NAMES


class CampaignError(Exception):
    """A campaign file that cannot be used; `str()` is the message for a person."""

    def __init__(self, path: Path, problems: list[str], notes: list[str] | None = None):
        self.path, self.problems, self.notes = path, problems, notes or []
        lines = "\n".join(f"  - {p}" for p in problems) + "".join(f"\n提醒：{n}" for n in self.notes)
        super().__init__(f"活动配置 {path} 有 {len(problems)} 处问题：\n{lines}")


Lines = dict[tuple, tuple[Path, int]]  # YAML path (keys and list indexes) -> (file, 1-based line)


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
    r"^[a-z][a-z0-9_]*$": "键名（key）只能由小写字母、数字和下划线组成，以字母开头（如 need_name、key_projects）",
    r"^[a-z0-9][a-z0-9-]*$": "表单代码只能由小写字母、数字和连字符组成（如 tech-needs）",
}


def pydantic_message(err: dict) -> str:
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


_TAGS = {"once", "month", "half-month", "quarter", "dates", *RULE_NAMES}


def untagged(loc: tuple) -> tuple:
    """A pydantic error location without the tags of discriminated unions (once, required-when)."""
    return tuple(
        p for i, p in enumerate(loc) if not (isinstance(p, str) and p in _TAGS and i and isinstance(loc[i - 1], int))
    )


def describe(path: Path, lines: Lines, loc: tuple, msg: str) -> str:
    found = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(顶层)"
    msg = msg.removeprefix("Value error, ")
    if found is None:
        return f"{place}：{msg}"
    file, line = found
    where = f"第{line}行" if file == path else f"{file.name} 第{line}行"
    return f"{where} {place}：{msg}"
