"""Cross-column and whole-file rules of each form (FORMS.md), in plain Python: they compare
cells with each other and with the report period, which GX column expectations cannot say
in words a clerk understands."""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from schemas.campaign import Campaign
from tasks.intake.locate import Table
from tasks.intake.verdict import Issue

Rec = dict[str, Any]


def check(table: Table, records: list[Rec], period: str | None, campaign: Campaign) -> list[Issue]:
    rule = RULES.get(table.form.code)
    return list(rule(_Ctx(table, period, campaign), records)) if rule else []


class _Ctx:
    def __init__(self, table: Table, period: str | None, campaign: Campaign):
        self.table, self.year, self.campaign = table, campaign.start.year, campaign
        self.month_end = _month_end(period)

    def issue(self, sev: str, code: str, rec: Rec | None, key: str | None, text: str) -> Issue:
        t = self.table
        header = t.headers.get(key) if key else None
        row = rec["row_number"] if rec else None
        where = f"第{row}行" if row else "本表"
        where += f"“{header}”" if header else ""
        return Issue(sev, code, f"{where}{text}", t.sheet, row, header)  # type: ignore[arg-type]

    def has(self, key: str) -> bool:
        return key in self.table.columns


def _month_end(period: str | None) -> date | None:
    if period and len(period) == 7 and period[4] == "-":
        y, m = int(period[:4]), int(period[5:])
        return date(y, m, calendar.monthrange(y, m)[1])
    return None


def _contacts(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    cap = c.campaign.contacts.max_per_unit
    if len(recs) > cap:
        yield c.issue("error", "too-many-contacts", None, None, f"列出了{len(recs)}名联系人，每个单位最多{cap}名")
    roles = Counter(r.get("role") for r in recs)
    for role in ("组长", "联络员"):
        if roles[role] == 0:
            yield c.issue("error", "missing-role", None, "role", f"至少需要一名{role}")
    for r in recs:
        if r.get("role") in ("组长", "联络员") and not r.get("email") and c.has("email"):
            yield c.issue("error", "email-required", r, "email", f"{r['role']}须填写电子邮箱（催报通知发往该邮箱）")
    yield from _duplicates(c, recs, ("name", "mobile"), "人员（姓名+手机）")


def _tech_needs(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    yield from _duplicates(c, recs, ("enterprise", "need_name"), "需求（企业名称+需求名称）")
    for r in recs:
        desc = r.get("description")
        if desc and len(desc) < 20:
            yield c.issue("warning", "not-refined", r, "description", f"不足20字，需求尚未凝练，建议写明技术指标和要解决的问题（当前{len(desc)}字）")
        sales, tech = r.get("sales_wan"), r.get("is_tech_enterprise")
        if sales is not None and sales < 2000 and tech is False:
            yield c.issue("warning", "out-of-scope", r, "sales_wan", f"为{sales:g}万元且非科技型企业，不在本次排查范围（2000万元以上或科技型企业）内，请核实")


def _cooperation(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    for r in recs:
        if r.get("agreement_signed") and not r.get("agreement_date") and c.has("agreement_signed"):
            yield c.issue("error", "date-required", r, "agreement_date", "已签订协议的须填写协议签订日期")
        yield from _not_after_month(c, r, "agreement_date")


def _negotiations(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    for r in recs:
        if r.get("status") != "已签约":
            continue
        if not r.get("signed_date"):
            yield c.issue("error", "date-required", r, "signed_date", "项目已签约，须填写签约时间")
        elif r.get("contact_date") and r["signed_date"] < r["contact_date"]:
            yield c.issue("error", "date-order", r, "signed_date", f"（{r['signed_date']}）不能早于对接时间（{r['contact_date']}）")
        if not r.get("amount_wan"):
            yield c.issue("error", "amount-required", r, "amount_wan", "项目已签约，须填写大于0的合同金额（万元）")
        yield from _not_after_month(c, r, "signed_date")


def _key_projects(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    for r in recs:
        if r.get("agreement_ready") is False:
            yield c.issue("warning", "agreement-missing", r, "agreement_ready", "协议文本未准备，请在集中签约前准备好")


def _activity_plan(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    lo, hi = date(c.year, 8, 1), date(c.year, 9, 30)
    for r in recs:
        d = r.get("planned_date")
        if d and not lo <= d <= hi:
            yield c.issue("warning", "outside-window", r, "planned_date", f"（{d}）不在8月1日至9月30日的活动期内，请核实")
    if len(recs) > 2:
        yield c.issue("warning", "too-many", None, None, f"计划了{len(recs)}场活动，方案要求每个县区举办1-2场")


def _activity_report(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    lo, hi = date(c.year, 8, 1), date(c.year, 9, 30)
    for r in recs:
        d = r.get("held_date")
        if d and not lo <= d <= hi:
            yield c.issue("error", "outside-window", r, "held_date", f"（{d}）应在8月1日至9月30日之间")


def _milestones(c: _Ctx, recs: list[Rec]) -> Iterator[Issue]:
    for r in recs:
        if r.get("done") and not r.get("done_date") and c.has("done"):
            yield c.issue("error", "date-required", r, "done_date", "已完成的事项须填写完成日期")


def _duplicates(c: _Ctx, recs: list[Rec], keys: tuple[str, str], what: str) -> Iterator[Issue]:
    seen: dict[tuple, int] = {}
    for r in recs:
        k = tuple(str(r.get(x) or "") for x in keys)  # record values are folded already
        if not all(k):
            continue
        if k in seen:
            yield c.issue("error", "duplicate-row", r, keys[1], f"与第{seen[k]}行重复：同一{what}只能填写一次")
        else:
            seen[k] = r["row_number"]


def _not_after_month(c: _Ctx, r: Rec, key: str) -> Iterator[Issue]:
    d = r.get(key)
    if d and c.month_end and d > c.month_end:
        yield c.issue("error", "after-period", r, key, f"（{d}）晚于本期报告月份（截至{c.month_end}），请按当月实际情况填报")


RULES: dict[str, Callable[[_Ctx, list[Rec]], Iterator[Issue]]] = {
    "contacts": _contacts,
    "tech-needs": _tech_needs,
    "cooperation-deepening": _cooperation,
    "negotiations": _negotiations,
    "key-projects": _key_projects,
    "activity-plan": _activity_plan,
    "activity-report": _activity_report,
    "milestones": _milestones,
}
