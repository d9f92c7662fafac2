"""A reporting period: one value, however a plan, a clerk or ops write it.

`2017Q2`, `2017-Q2`, `2017年第二季度`, `2017年二季度` and `二〇一七年第2季度` are one quarter;
`2017年6月`, `2017-06`, `2017.6` one month; `2017年6月上半月` (or `2017-06上`) a half-month;
`第3批` a batch; `2017年` / `2017年度` a year. A period's `key` is what the store holds
(`2017-Q2`, `2017-06`, `2017-06上`, `第3批`, `2017`, the keys Duban has always stored, so no data
moves); its `label` is how people read it (`2017年第2季度`). A period that is none of these
kinds (`启动阶段`) is `named`: its key and label are the text as written.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

Kind = Literal["year", "quarter", "month", "half-month", "batch", "named"]

_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_YEAR = r"(\d{4}|[〇零一二三四五六七八九]{4})"
_SMALL = r"(\d{1,2}|十[一二]?|[一二三四五六七八九十])"  # 1–12, in digits or Chinese
_FILL_DATE = re.compile(r"填报(?:日期|时间)[:：]?\s*\S+")  # "填报日期：2010年7月15日" names no period
_BATCH = re.compile(r"第\s*(\d{1,3}|[一二三四五六七八九十]{1,3})\s*批")
_QUARTER_CN = re.compile(_YEAR + r"\s*年?\s*(?:度\s*)?第?\s*([1-4一二三四])\s*季度?")
_QUARTER_Q = re.compile(r"(?<!\d)(\d{4})\s*[-_ .年]?\s*Q([1-4])(?![\d])", re.I)
_HALF = re.compile(
    _YEAR + r"\s*年\s*" + _SMALL + r"\s*月\s*(?:份\s*)?([上下])\s*半?\s*月|(?<!\d)(\d{4})-(\d{1,2})([上下])"
)
_MONTH_CN = re.compile(_YEAR + r"\s*年\s*" + _SMALL + r"\s*月(?!\s*\d{1,2}\s*[日号])")
_MONTH_NUM = re.compile(r"(?<![\d.])(\d{4})\s*[-_./]\s*(\d{1,2})(?![\d])(?![-_./]\d)")
_MONTH_ONLY = re.compile(r"(?<![\d年])" + _SMALL + r"\s*月(?:份)?(?:\s*([上下])\s*半?\s*月)?(?!\s*\d{1,2}\s*[日号])")
_YEAR_ONLY = re.compile(_YEAR + r"\s*年度?(?![\d一二三四五六七八九十〇]*\s*(?:月|季|第))|^(\d{4})$")


def _number(s: str) -> int:
    """1–999 in digits, or Chinese numerals (十二, 二十三, 三)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)
    return int("".join(str(_CN_DIGIT[c]) for c in s))


def fold(text: str) -> str:
    """Full-width letters and digits as ASCII (２０１７Ｑ２), the filling date removed."""
    return _FILL_DATE.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Period:
    kind: Kind
    year: int | None = None
    number: int = 0  # the quarter, the month or the batch
    half: str = ""  # 上 or 下, of a half-month
    name: str = ""  # a named period, as written

    @property
    def key(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "half-month":
            return f"{self.year}-{self.number:02d}{self.half}"
        return f"第{self.number}批" if self.kind == "batch" else self.name

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度"
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "half-month":
            return f"{self.year}年{self.number}月{self.half}半月"
        return self.key

    def span(self) -> tuple[date, date] | None:
        """The days the period covers, or None when it names no dates (a batch, a named stage)."""
        y, n = self.year or 0, self.number
        if self.kind == "year":
            return date(y, 1, 1), date(y, 12, 31)
        if self.kind == "quarter":
            return date(y, n * 3 - 2, 1), date(y, n * 3, calendar.monthrange(y, n * 3)[1])
        if self.kind == "month":
            return date(y, n, 1), date(y, n, calendar.monthrange(y, n)[1])
        if self.kind == "half-month":
            last = calendar.monthrange(y, n)[1]
            return (date(y, n, 1), date(y, n, 15)) if self.half == "上" else (date(y, n, 16), date(y, n, last))
        return None

    def contains(self, day: date) -> bool:
        span = self.span()
        return span is not None and span[0] <= day <= span[1]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def parse(cls, text: str, year: int | None = None) -> Period:
        """The period `text` is, whole (`--period 2017年第二季度`, a plan's declared period);
        text that is no period of a known kind is a named period, as written."""
        t = fold(text).strip()
        for p, span in _found(t, year):
            if span == (0, len(t)) or not t[: span[0]].strip() and t[span[1] :].strip() in ("", "份", "度"):
                return p
        return cls("named", name=text.strip())

    @classmethod
    def find(cls, text: str, year: int | None = None) -> list[Period]:
        """Every period `text` names (a title, a file name), the most precise first and each
        once: 进展_2011年3月上半月.xlsx names 2011-03上, then 2011-03 and 2011. A month
        without a year (8月份, 八月) is taken in `year`, the campaign's year."""
        out: list[Period] = []
        for p, _ in _found(fold(text), year):
            if p not in out:
                out.append(p)
        return out


def _found(t: str, year: int | None) -> list[tuple[Period, tuple[int, int]]]:
    """(period, where) for every reading of `t`, the most precise kinds first."""
    out: list[tuple[Period, tuple[int, int]]] = []
    for m in _BATCH.finditer(t):
        out.append((Period("batch", number=_number(m[1])), m.span()))
    for m in _HALF.finditer(t):
        y, mo, half = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
        if 1 <= _number(mo) <= 12:
            out.append((Period("half-month", _number(y), _number(mo), half), m.span()))
    for m in _QUARTER_CN.finditer(t):
        if m[0].rstrip().endswith(("季", "季度")):
            out.append((Period("quarter", _number(m[1]), _number(m[2])), m.span()))
    for m in _QUARTER_Q.finditer(t):
        out.append((Period("quarter", int(m[1]), int(m[2])), m.span()))
    for pattern in (_MONTH_CN, _MONTH_NUM):
        for m in pattern.finditer(t):
            if 1 <= _number(m[2]) <= 12:
                out.append((Period("month", _number(m[1]), _number(m[2])), m.span()))
    if year:
        for m in _MONTH_ONLY.finditer(t):
            if 1 <= _number(m[1]) <= 12:
                kind: Kind = "half-month" if m[2] else "month"
                out.append((Period(kind, year, _number(m[1]), m[2] or ""), m.span()))
    for m in _YEAR_ONLY.finditer(t):
        out.append((Period("year", _number(m[1] or m[2])), m.span()))
    for p, _ in list(out):  # a month or quarter names its year too, as the least precise reading
        if p.kind in ("half-month", "month", "quarter"):
            out.append((Period("year", p.year), (-1, -1)))
    return out


def period_label(key: str) -> str:
    """A stored period as people write it: 2010年8月, 2011年3月上半月, 2012年第1季度; others as they are."""
    p = Period.parse(key)
    return key if p.kind in ("named", "year") else p.label


def period_span(key: str) -> tuple[date, date] | None:
    """The days a stored period covers, or None when it names no dates (第1批)."""
    return Period.parse(key).span()


MONTH_KEY = r"^\d{4}-(0[1-9]|1[0-2])$"  # a month's key (2010-05), as a plan bounds a monthly schedule
