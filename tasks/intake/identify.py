"""Who sent it and for which period: from the title, the 填报单位 line, or the file name."""

from __future__ import annotations

import re
from datetime import date

from schemas.campaign import Campaign, period_label, periods
from tasks.intake.cells import fold

_FILL_DATE = re.compile(r"填报(?:日期|时间)[:：]?\s*\S+")
_MONTH = (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月"), re.compile(r"(?<!\d)(\d{4})[-_.](\d{1,2})(?![\d])"))
_BATCH = re.compile(r"第\s*([0-9一二三四五六七八九十]+)\s*批")
_QUARTER = (re.compile(r"(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度?"), re.compile(r"(\d{4})\s*[-_ ]?\s*Q([1-4])", re.I))
_HALF = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:份\s*)?([上下])\s*半\s*月|(?<!\d)(\d{4})-(\d{1,2})([上下])")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}
_CN_MONTHS = {**{c: i for i, c in enumerate("一二三四五六七八九十", 1)}, "十一": 11, "十二": 12}
# "8月", "8月份", "八月": not a day ("8月20日") and not part of a year-month already tried
_MONTH_ONLY = re.compile(r"(?<![\d年])(1[0-2]|0?[1-9]|十[一二]|[一二三四五六七八九十])\s*月(?!\s*\d{1,2}\s*[日号])")


class Unidentified(Exception):
    """The unit or period cannot be told; `str()` says what to do."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def unit_names(campaign: Campaign) -> dict[str, str]:
    """Spellings -> unit name: each unit's name and the other names the campaign lists for it."""
    out = {}
    for u in campaign.units:
        for name in (u.name, *u.aliases):
            out[name] = u.name
    return out


def identify_unit(texts: list[str], campaign: Campaign) -> str:
    """The one unit named in `texts` (tried in order: 填报单位 line and title, then file name)."""
    names = unit_names(campaign)
    for text in texts:
        t = fold(text)
        found = {names[s] for s in names if s in t}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            raise Unidentified("unit-ambiguous", f"文件中出现多个单位（{'、'.join(sorted(found))}），请在标题或“填报单位”中只写本单位")
    raise Unidentified("unit-unknown", f"无法确定填报单位：请在表格上方“填报单位”处或文件名中写明单位名称（如“{campaign.units[0].name}”）")


def unit_in_name(filename: str, campaign: Campaign) -> str | None:
    """The unit a file's name names, if exactly one (to answer a file that could not be read)."""
    try:
        return identify_unit([filename], campaign)
    except Unidentified:
        return None


def period_hint(texts: list[str], year: int | None = None) -> str | None:
    """A report month ("2010-08") or batch ("第1批") named in the title or file name; a month
    without a year ("8月份", "八月") is taken in `year`, the campaign's year."""
    for text in texts:
        t = _FILL_DATE.sub("", fold(text))
        m = _BATCH.search(t)
        if m:
            n = m[1]
            return f"第{int(n) if n.isdigit() else _CN_DIGITS.get(n, n)}批"
        for q in _QUARTER:
            m = q.search(t)
            if m and (m[0].endswith(("季", "季度")) or q is _QUARTER[1]):
                n = m[2]
                return f"{m[1]}-Q{n if n.isdigit() else _CN_DIGITS[n]}"
        m = _HALF.search(t)
        if m:
            y, mo, half = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
            if 1 <= int(mo) <= 12:
                return f"{y}-{int(mo):02d}{half}"
        for p in _MONTH:
            m = p.search(t)
            if m and 1 <= int(m[2]) <= 12:
                return f"{m[1]}-{int(m[2]):02d}"
        m = _MONTH_ONLY.search(t)
        if m and year:
            month = int(m[1]) if m[1].isdigit() else _CN_MONTHS[m[1]]
            if 1 <= month <= 12:
                return f"{year}-{month:02d}"
    return None


def identify_period(
    campaign: Campaign, unit: str, form: str, hint: str | None, received: date
) -> str:
    """The obligation period this file answers.

    The named period when the unit owes it; the only period when there is one; otherwise
    (nothing named) for a monthly form the month the file arrived in, for batches the open
    batch whose due date is the first on or after the day the file arrived.
    """
    owed = sorted(
        {(due, p) for o in campaign.obligations if o.form == form
         and unit in {u.name for u in campaign.owners_of(o)} for p, due in periods(o)}
    )
    if not owed:
        raise Unidentified("not-owed", f"{unit}无需报送该表")
    names = [p for _, p in owed]
    if hint in names:
        return hint
    if hint and len(names) > 1:
        raise Unidentified("period-unknown", f"文件标明的期次“{hint}”不在本表的报送期次内（{'、'.join(names)}）")
    if len(set(names)) == 1:
        return names[0]
    month = f"{received:%Y-%m}"
    if month in names:
        return month
    for due, p in owed:
        if due >= received:
            return p
    return owed[-1][1]


def assumed_period_note(period: str, example: str | None = None) -> str:
    """What a clerk is told when the period was not named and had to be inferred."""
    label = period_label(period)
    what = f"{label}的报表" if label != period else period
    return (f"文件标题和文件名中未写明报送期次，已按收到日期视为{what}；如有误，请在标题中写明期次"
            f"（如“{period_label(example or period)}”）后重新报送")
