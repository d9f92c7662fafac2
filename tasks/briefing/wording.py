"""The briefing's body as an office writes it: sentences made from the figures (the overall
figures in words, who delivered everything on time, who owes what and for how long, what fell
since the last issue and why, what is due next). Pure: plain values in, Chinese text out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from schemas.campaign import Campaign, periods
from schemas.period import Period, period_label
from tasks.briefing import metrics
from tasks.briefing.figures import BriefingData


@dataclass(frozen=True)
class UnitOverdue:
    """One unit's line of the overdue summary: 某区：甲表、乙表 1–5月均未报，最长逾期122天."""

    unit: str
    owes: str  # 甲表、乙表 1–5月均未报
    days: int  # the longest overdue
    escalated: bool

    @property
    def text(self) -> str:
        return f"{self.unit}：{self.owes}，最长逾期{self.days}天" + ("（已提级督办）" if self.escalated else "")


def day_text(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def periods_text(keys: list[str], year: int) -> str:
    """A run of months as people say it (1–5月, 2010年11月–2011年1月 across years), else the periods listed."""
    ps = sorted((Period.parse(k) for k in keys), key=lambda p: (p.year or 0, p.number, p.half))
    if ps and all(p.kind == "month" for p in ps):
        index = [(p.year or 0) * 12 + p.number for p in ps]
        years = {p.year for p in ps}
        if len(ps) > 1 and index == list(range(index[0], index[0] + len(ps))):
            if years == {year}:
                return f"{ps[0].number}–{ps[-1].number}月"
            return f"{ps[0].label}–{ps[-1].label}"
        if years == {year}:
            return "、".join(str(p.number) for p in ps) + "月"
    return "、".join(period_label(k) for k in keys)


def short_name(campaign: Campaign, oid: str) -> str:
    """An obligation as a summary names it: its form's label (甲表) when the form is owed once, else
    its full name."""
    ob = campaign.obligation(oid)
    alone = sum(1 for o in campaign.obligations if o.form == ob.form) == 1
    return campaign.form(ob.form).label if alone else campaign.obligation_name(oid)


def overdue_summary(campaign: Campaign, overdue: list[metrics.Overdue], year: int) -> list[UnitOverdue]:
    """Per unit, in the campaign's order of units: what it owes (the obligations owed for the same
    periods said together) and the longest it is overdue; units owing the very same, on one line."""
    multi = {o.id: len(periods(o)) > 1 for o in campaign.obligations}
    lines: dict[str, UnitOverdue] = {}
    for unit, items in metrics.overdue_by_unit(overdue, [u.name for u in campaign.units]):
        groups: dict[tuple[str, ...], list[str]] = {}
        for oid in dict.fromkeys(o.obligation for o in items):
            keys = tuple(sorted(o.period for o in items if o.obligation == oid)) if multi.get(oid) else ()
            groups.setdefault(keys, []).append(short_name(campaign, oid))
        parts = []
        for keys, names in groups.items():
            when = f" {periods_text(list(keys), year)}" if keys else ""
            several = len(names) > 1 or len(keys) > 1
            parts.append(f"{'、'.join(names)}{when}{'均' if several else ''}未报")
        owes, days = "；".join(parts), max(o.days_late for o in items)
        escalated = any(o.level >= 2 for o in items)
        same = lines.get(owes)
        if same is None:
            lines[owes] = UnitOverdue(unit, owes, days, escalated)
        else:
            lines[owes] = UnitOverdue(f"{same.unit}、{unit}", owes, max(days, same.days), escalated or same.escalated)
    return list(lines.values())


def overall(d: BriefingData) -> str:
    t = d.totals
    text = (
        f"截至{day_text(d.as_of)}，应报送事项{int(t['expected'])}项，已按要求报送{int(t['received'])}项，"
        f"其中按时报送{int(t['on_time'])}项；完整率{t['completeness'] * 100:.1f}%，及时率{t['timeliness'] * 100:.1f}%。"
    )
    escalated = sum(1 for o in d.overdue if o.level >= 2)
    if d.overdue:
        units = len({o.unit for o in d.overdue})
        text += f"{units}个单位逾期未报{len(d.overdue)}项" + (f"，其中{escalated}项已提级督办。" if escalated else "。")
    else:
        text += "所有到期事项均已报送。"
    return text


def on_time_units(d: BriefingData) -> str:
    """The units that delivered everything due, on time, by name."""
    good = [u.unit for u in d.units if u.expected and u.on_time == u.expected]
    if not good:
        return "本期没有全部按时报送的单位。"
    if len(good) == len([u for u in d.units if u.expected]):
        return "各单位均按时报送了全部到期事项。"
    return f"{'、'.join(good)}等{len(good)}个单位按时报送了全部到期事项。"


def figures_text(d: BriefingData) -> list[str]:
    """Each figure in words, with its target and change; a figure that fell says who lowered it."""
    out = []
    for f in d.figures:
        s = f"{f.value.label}{f.value.text()}"
        if f.target is not None:
            s += f"，目标{f.target_text}"
        if f.milestone is not None:
            s += f"，阶段目标{f.milestone_text}"
        if f.change is not None:
            s += f"，较上期{f.change_text}"
        if f.lowered_by:
            s += f"，下降原因：{'、'.join(f.lowered_by)}本期报表中的数值低于上期，请核实"
        out.append(s + "。")
    return out


def due_next(d: BriefingData) -> str:
    """The next due date after the briefing's day and what falls due on it."""
    c = d.campaign
    ahead = sorted((due, o.id, p) for o in c.obligations for p, due in periods(o) if due > d.as_of)
    if not ahead:
        return "本轮报送事项均已到期。"
    day = ahead[0][0]
    names = dict.fromkeys(
        short_name(c, oid) + (f"（{period_label(p)}）" if len(periods(c.obligation(oid))) > 1 else "")
        for due, oid, p in ahead
        if due == day
    )
    return f"下一报送节点为{day_text(day)}，届时应报送{'、'.join(names)}，请各单位按时报送。"
