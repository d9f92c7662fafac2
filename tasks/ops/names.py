"""What people type, resolved to what the campaign calls it: units by a unique beginning of their
name, obligations by title, by their form's label or by id, forms by label or code. An unknown
or ambiguous name lists the close candidates, in Chinese. Pure functions over the campaign."""

from __future__ import annotations

import difflib

from schemas.campaign import Campaign, periods
from schemas.period import Period, period_label
from tasks.intake import fold as _fold


def fold(text: str) -> str:
    """A name as compared: full-width folded, case and surrounding spaces ignored."""
    return _fold(text).strip().casefold()


class UnknownName(ValueError):
    """A name that is not one thing; `str()` says why and what was meant, perhaps."""


def _pick(
    kind: str, text: str, exact: dict[str, str], candidates: list[str], shown: dict[str, str] | None = None
) -> str:
    """The one thing `text` names: an exact spelling, else a unique beginning or part of a name.
    `shown`: how a candidate is named to a person when it is ambiguous (an obligation's title, not its id)."""
    t = fold(text)
    if t in exact:
        return exact[t]
    hits = sorted({exact[k] for k in exact if k.startswith(t)}) or sorted({exact[k] for k in exact if t and t in k})
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UnknownName(f"“{text}”对应多个{kind}，您是否要找：{'、'.join((shown or {}).get(h, h) for h in hits)}")
    close = difflib.get_close_matches(t, candidates, n=5, cutoff=0.4)
    hint = f"，您是否要找：{'、'.join(close)}" if close else ""
    raise UnknownName(f"没有名为“{text}”的{kind}{hint}")


def unit(campaign: Campaign, text: str) -> str:
    """A unit by its name, an alias, or a unique beginning or part of either (the first
    characters of a county's name)."""
    exact = {fold(u.name): u.name for u in campaign.units}
    exact |= {fold(a): u.name for u in campaign.units for a in u.aliases}
    return _pick("单位", text, exact, [u.name for u in campaign.units])


def obligation(campaign: Campaign, text: str) -> str:
    """An obligation's id by its id, its title, its form's label, or the name people read
    (label and title together, as `Campaign.obligation_name` prints it)."""
    exact: dict[str, str] = {}
    for o in campaign.obligations:
        form = campaign.form(o.form)
        for spelling in (o.id, o.title, campaign.obligation_name(o.id), form.title):
            exact.setdefault(fold(spelling), o.id)
    by_label: dict[str, list[str]] = {}
    for o in campaign.obligations:
        by_label.setdefault(fold(campaign.form(o.form).label), []).append(o.id)
    t = fold(text)
    if t in by_label and t not in exact:
        ids = by_label[t]
        if len(ids) == 1:
            return ids[0]
        raise UnknownName(f"“{text}”对应多项任务，请写任务名称：{'、'.join(campaign.obligation_name(i) for i in ids)}")
    names = {o.id: f"{campaign.obligation_name(o.id)}（{o.id}）" for o in campaign.obligations}
    return _pick("任务", text, exact, [campaign.obligation_name(o.id) for o in campaign.obligations], names)


def form(campaign: Campaign, text: str) -> str:
    """A form's code by its code, its label or its title."""
    exact: dict[str, str] = {}
    for f in campaign.forms:
        for spelling in (f.code, f.label, f.title, f.name):
            exact.setdefault(fold(spelling), f.code)
    return _pick("表单", text, exact, [f.name for f in campaign.forms])


def period(campaign: Campaign, obligation_id: str, text: str | None) -> str | None:
    """A period of the obligation as written (2010-08, 2010年8月, 第1批), or None when it is owed
    once and none was given; an unknown one lists those owed."""
    owed = [p for p, _ in periods(campaign.obligation(obligation_id))]
    if not text:
        if len(owed) > 1:
            raise UnknownName(
                f"“{campaign.obligation_name(obligation_id)}”有多期，请指定期次："
                f"{'、'.join(period_label(p) for p in owed)}"
            )
        return owed[0] if owed else None
    key = Period.parse(text, campaign.start.year).key  # 2010年8月, 2010-08, 2010.8 are one period
    found = key if key in owed else {fold(p): p for p in owed}.get(fold(text))
    if found is None:
        raise UnknownName(
            f"期次“{text}”不是“{campaign.obligation_name(obligation_id)}”的期次（"
            f"{'、'.join(period_label(p) for p in owed)}）"
        )
    return found
