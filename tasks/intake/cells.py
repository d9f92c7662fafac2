"""Cell parsers: one text cell in, a typed value or a Chinese reason out. Pure functions.

Every cell is read as text first (a landline 0517… must keep its zero), then parsed per
column kind. Full-width digits and brackets are folded (NFKC) before parsing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time, timedelta

from schemas.addresses import BadAddress, email_address

MISSING = {"", "—", "-", "/", "无", "－", "——", "／", "None", "nan"}
FORMULA_START = ("=", "+", "-", "@")
EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; `str()` is the reason for a clerk."""


# what Excel (and WPS) show in a cell whose formula failed; a CSV saved from Excel writes them too
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)


def shown_error(s: str) -> str:
    """The reason a cell showing an Excel error value is wrong, for a clerk."""
    return f"单元格显示错误值 {s}（公式出错），请改正公式或直接填写数值"


def fold(s: str) -> str:
    """NFKC (full-width → half-width) and trimmed."""
    return (s if s.isascii() else unicodedata.normalize("NFKC", s)).strip()


def folded_or_none(s: str | None) -> str | None:
    """The folded text of a cell, or None when it is empty or only "—", "/", "无"."""
    if not s:
        return None
    f = fold(s)
    return None if f in MISSING else f


def header_key(s: str) -> str:
    """Header text as matched: folded, no white space, no unit in brackets, no '*' marks."""
    s = fold(s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", s)
    return s.strip("*：:")


def number(s: str) -> float:
    """A plain number ("2,500", "-3.5"); text like "0.3亿" or "300万元" is refused, not guessed."""
    t = fold(s).replace(",", "").replace(" ", "")
    if re.fullmatch(r"-?\d+(\.\d+)?", t):
        return float(t)  # a value out of bounds is reported by the suite's range check
    raise CellError("应填写数字，不要写单位或“亿”“万”等字")


def money(s: str) -> float:
    try:
        return number(s)
    except CellError:
        raise CellError("应填写以万元为单位的数字") from None


def whole(s: str) -> int:
    t = fold(s).replace(",", "")
    if re.fullmatch(r"-?\d+(\.0+)?", t):
        return int(float(t))
    raise CellError("应填写不小于0的整数")


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:T?\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def a_date(s: str) -> date:
    """2010-07-05, 2010/7/5, 2010.7.5, 2010年7月5日, 20100705, or an Excel serial number."""
    t = re.sub(r"\s+", "", fold(s))
    for p in _DATE_PATTERNS:
        m = p.match(t)
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
            try:
                return date(y, mo, d)
            except ValueError:
                why = "月份应为1–12" if not 1 <= mo <= 12 else f"{y}年{mo}月没有{d}日"
                raise CellError(f"不是有效日期（{why}）") from None
    if re.fullmatch(r"\d{4,5}(\.\d+)?", t) and 20000 < float(t) < 80000:
        return EXCEL_EPOCH + timedelta(days=int(float(t)))
    raise CellError("应填写日期，如 2010-07-05 或 2010年7月5日")


_TIME = re.compile(r"^(.*?)(?:\s*T\s*|\s+|(?<=日))(\d{1,2})[:时点](\d{1,2})(?:[:分](\d{1,2})秒?)?分?$")


def a_datetime(s: str) -> tuple[date, time | None]:
    """A date in any form `a_date` reads, with an optional time of day (2010年7月16日 10:30,
    2010/7/16 10:30, 2010-07-16T10:30:00): the date, and the time or None."""
    t = fold(s).strip()
    m = _TIME.match(t)
    if not m:
        return a_date(t), None
    hh, mm, ss = int(m[2]), int(m[3]), int(m[4] or 0)
    if hh > 23 or mm > 59 or ss > 59:
        raise CellError("时间不对，应在 0:00 到 23:59 之间")
    return a_date(m[1]), time(hh, mm, ss)


def _digits(s: str) -> str:
    return re.sub(r"[\s\-－—]", "", fold(s))


def mobile(s: str) -> str:
    t = _digits(s).removeprefix("+86")
    if re.fullmatch(r"1[3-9]\d{9}", t):
        return t
    raise CellError("应填写11位手机号码")


_LANDLINE = re.compile(
    r"^(?:\((0\d{2,3})\)\s*|(0\d{2,3})[-\s])(\d(?:\s?\d){6,7})(?:\s*(?:转|-|ext\.?\s*|分机)\s*(\d{1,6}))?$", re.I
)


def landline(s: str) -> str:
    """Area code (in brackets, or followed by a dash or space) + 7–8 digits, spaces inside the
    local number ignored (0517 8490 1235), optional extension (转8012, -8012, ext 8012)."""
    t = fold(s)
    m = _LANDLINE.match(t)
    if not m:
        raise CellError("应填写带区号的固定电话，如 0517-83660000 或 (0517)83660000")
    area, number, ext = m[1] or m[2], m[3].replace(" ", ""), m[4]
    return f"{area}-{number}" + (f"转{ext}" if ext else "")


def phone(s: str) -> str:
    try:
        return mobile(s)
    except CellError:
        pass
    try:
        return landline(s)
    except CellError:
        raise CellError("应填写手机号码或带区号的固定电话") from None


def email(s: str) -> str:
    try:
        return email_address(fold(s))
    except BadAddress as e:
        raise CellError(str(e)) from None


_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_INDEX = {c: i for i, c in enumerate(_CODE_CHARS)}
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE = r"^(?:[0-9A-Z]{8}[0-9X]|[0-9A-HJ-NPQRTUWXY]{18})$"


class CheckCharError(CellError):
    """A code of the right shape whose check character is wrong (most likely a typo)."""


def org_code(s: str) -> str:
    """组织机构代码 (GB 11714: 8 characters, an optional hyphen, a check character) or a
    统一社会信用代码 (GB 32100: 18 characters), upper-cased without spaces or the hyphen."""
    t = fold(s).upper().replace(" ", "")
    if len(t) == 10 and t[8] == "-":
        t = t[:8] + t[9]
    if len(t) == 9 and re.fullmatch(r"[0-9A-Z]{8}[0-9X]", t):
        if org_check_char(t[:8]) != t[8]:
            raise CheckCharError("组织机构代码校验位不正确，请核对")
        return t
    if len(t) == 18 and set(t) <= _CODE_INDEX.keys():
        if check_char(t[:17]) != t[17]:
            raise CheckCharError("统一社会信用代码校验位不正确，请核对")
        return t
    raise CellError("应填写9位组织机构代码（如 12345678-9）或18位统一社会信用代码")


def org_check_char(first8: str) -> str:
    """The GB 11714 check character of an 8-character 组织机构代码."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def credit_code(s: str) -> str:
    """统一社会信用代码 with the GB 32100-2015 check character."""
    t = fold(s).upper().replace(" ", "")
    if len(t) != 18 or not set(t) <= _CODE_INDEX.keys():
        raise CellError("统一社会信用代码应为18位数字或大写字母")
    if check_char(t[:17]) != t[17]:
        raise CheckCharError("统一社会信用代码校验位不正确，请核对")
    return t


def check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters."""
    total = sum(_CODE_INDEX[c] * w for c, w in zip(first17, _CODE_WEIGHTS, strict=True))
    return _CODE_CHARS[(31 - total % 31) % 31]


_NUMERALS = {
    **{c: str(i) for i, c in enumerate("①②③④⑤⑥⑦⑧⑨", 1)},
    **{c: str(i) for i, c in enumerate("一二三四五六七八九", 1)},
}
_SEPARATORS = re.compile(r"[\s,，、;；/和及.]+")


def multi(s: str, choices: tuple[str, ...]) -> str:
    """One or more of `choices`, any separators, in the order of `choices` ("1,3"). Numbered
    choices may also be written ①②③ or 一二三."""
    t = unicodedata.normalize("NFC", s)  # keep ①②③ until they are mapped
    if all(c.isdigit() for c in choices):
        t = "".join(_NUMERALS.get(ch, ch) for ch in t)
        tokens = list(_SEPARATORS.sub("", fold(t))) if all(len(c) == 1 for c in choices) else None
    else:
        tokens = None
    if tokens is None:
        tokens = [x for x in _SEPARATORS.split(fold(t)) if x]
    if not tokens or any(x not in choices for x in tokens):
        raise CellError(f"应填写{'、'.join(choices)}中的一项或多项")
    return ",".join(c for c in choices if c in set(tokens))
