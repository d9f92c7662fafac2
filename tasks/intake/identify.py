"""Who sent it and for which period: from the title, the 填报单位 line, or the file name."""

from __future__ import annotations

from datetime import date

from schemas.campaign import Campaign, periods
from schemas.period import Period, period_label, period_span
from tasks.intake.cells import fold


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
            raise Unidentified(
                "unit-ambiguous", f"文件中出现多个单位（{'、'.join(sorted(found))}），请在标题或“填报单位”中只写本单位"
            )
    raise Unidentified(
        "unit-unknown",
        f"无法确定填报单位：请在表格上方“填报单位”处或文件名中写明单位名称（如“{campaign.units[0].name}”）",
    )


def unit_in_name(filename: str, campaign: Campaign) -> str | None:
    """The unit a file's name names, if exactly one (to answer a file that could not be read)."""
    try:
        return identify_unit([filename], campaign)
    except Unidentified:
        return None


def period_hints(texts: list[str], year: int | None = None) -> list[str]:
    """The periods `texts` name (title first, then file name), each the most precise first:
    2011-03上, then 2011-03, then 2011. A month without a year ("8月份", "八月") is taken in
    `year`, the campaign's year."""
    return list(dict.fromkeys(p.key for text in texts for p in Period.find(text, year)))


def period_hint(texts: list[str], year: int | None = None) -> str | None:
    """The most precise period `texts` name, if any."""
    hints = period_hints(texts, year)
    return hints[0] if hints else None


def owed_periods(campaign: Campaign, unit: str, form: str) -> list[tuple[date, str]]:
    """(due date, period) the unit owes of this form, in date order."""
    owed = sorted(
        {
            (due, p)
            for o in campaign.obligations
            if o.form == form and unit in {u.name for u in campaign.owners_of(o)}
            for p, due in periods(o)
        }
    )
    if not owed:
        raise Unidentified("not-owed", f"{unit}无需报送该表")
    return owed


def given_period(campaign: Campaign, unit: str, form: str, text: str) -> str:
    """The period ops named (`--period`), in any spelling, if the unit owes it of this form."""
    names = [p for _, p in owed_periods(campaign, unit, form)]
    key = Period.parse(text, campaign.start.year).key
    if key not in names:
        raise Unidentified(
            "period-unknown",
            f"期次“{text}”不是{unit}本表的报送期次（{'、'.join(dict.fromkeys(map(period_label, names)))}）",
        )
    return key


def identify_period(campaign: Campaign, unit: str, form: str, hints: list[str], received: date) -> tuple[str, bool]:
    """(the obligation period this file answers, whether the file named it).

    The named period when the unit owes it (any spelling: 2017Q2 is 2017年第二季度), or the one
    owed period that contains it (6月 on a quarterly form: the second quarter); a named month of a
    half-monthly form is refused, asking which half; the only period when there is one; otherwise
    (nothing named) for a monthly form the month the file arrived in, for batches the open batch
    whose due date is the first on or after the day the file arrived. A period of a kind owed but
    not owed is refused, said in labels.
    """
    owed = owed_periods(campaign, unit, form)
    names = [p for _, p in owed]
    for hint in hints:
        if hint in names:
            return hint, True
    if found := _containing(hints, names):
        return found, True
    kinds = {Period.parse(n).kind for n in names}
    wrong = [h for h in hints if Period.parse(h).kind in kinds or _finer_owed(h, names)]
    if wrong and len(set(names)) > 1:
        raise Unidentified("period-unknown", _not_owed(wrong[0], names))
    if len(set(names)) == 1:
        return names[0], bool(wrong)
    month = Period("month", received.year, received.month).key
    if month in names:
        return month, False
    for due, p in owed:
        if due >= received:
            return p, False
    return owed[-1][1], False


def _containing(hints: list[str], names: list[str]) -> str | None:
    """The one owed period whose days contain a named month or half-month (a quarterly form's
    file named 2017年6月 answers 2017年第二季度); never by a year alone."""
    for hint in hints:
        p = Period.parse(hint)
        if p.kind not in ("month", "half-month") or (span := p.span()) is None:
            continue
        holding = [n for n in names if (s := period_span(n)) and s[0] <= span[0] and span[1] <= s[1]]
        if len(holding) == 1:
            return holding[0]
    return None


def _finer_owed(hint: str, names: list[str]) -> list[str]:
    """The owed periods inside a named month or quarter (the halves of 2015年3月)."""
    p = Period.parse(hint)
    if p.kind not in ("month", "quarter") or (span := p.span()) is None:
        return []
    return [n for n in names if (s := period_span(n)) and span[0] <= s[0] and s[1] <= span[1]]


def _not_owed(hint: str, names: list[str]) -> str:
    if inside := _finer_owed(hint, names):
        return (
            f"文件标明的期次“{period_label(hint)}”包含多个报送期次，本表应分期报送：请在标题或文件名中写明"
            f"{'或'.join(f'“{period_label(n)}”' for n in inside)}"
        )
    return (
        f"文件标明的期次“{period_label(hint)}”不在本表的报送期次内"
        f"（{'、'.join(dict.fromkeys(map(period_label, names)))}）"
    )


def assumed_period_note(period: str, example: str | None = None) -> str:
    """What a clerk is told when the period was not named and had to be inferred."""
    label = period_label(period)
    what = f"{label}的报表" if label != period else period
    return (
        f"文件标题和文件名中未写明报送期次，已按收到日期视为{what}；如有误，请在标题中写明期次"
        f"（如“{period_label(example or period)}”）后重新报送"
    )
