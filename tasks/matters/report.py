"""Ops' daily list of matters (the deadline sweep's artifact): those overdue, those due soon
(within the campaign's `matters.due_soon_days` working days) and those waiting for approval of
their closure, each with its unit, title and deadline; every value escaped for markdown (pure)."""

from __future__ import annotations

from datetime import date

from schemas.matters import MatterState
from schemas.text import md
from tasks.matters.standing import MatterRow


def daily_groups(rows: list[MatterRow]) -> dict[str, list[MatterRow]]:
    """The rows ops look at today, by heading: overdue (most days late first), due soon, asking to
    close, and those a unit's cumulative ledger stopped listing while still open."""
    overdue = [r for r in rows if r.standing and r.standing.light == "red"]
    overdue.sort(key=lambda r: (-(r.standing.days_late if r.standing else 0), r.effective_due, r.id))
    soon = [r for r in rows if r.standing and r.standing.state.is_open and r.standing.light == "yellow"]
    closing = [r for r in rows if r.standing and r.standing.state is MatterState.CLOSING]
    missing = [r for r in rows if r.missing_since and r.standing and r.standing.state.is_open]
    return {"逾期未办结": overdue, "即将到期": soon, "申请办结，待审核": closing, "台账中不再列出，请核实": missing}


def daily_list(rows: list[MatterRow], as_of: date, due_soon_days: int) -> str | None:
    """The markdown of ops' daily list of matters as of `as_of`; None when there is nothing to list."""
    groups = daily_groups(rows)
    if not any(groups.values()):
        return None
    out = [f"## {as_of} 督办事项"]
    for heading, items in groups.items():
        if not items:
            continue
        what = f"（{due_soon_days}个工作日内）" if heading == "即将到期" else ""
        out += ["", f"### {heading}{what}：{len(items)} 项", "", "| 单位 | 事项 | 截止 | 情况 |", "|---|---|---|---|"]
        out += [
            f"| {md(r.unit)} | {md(r.title)} | {r.effective_due.isoformat()} | {md(r.standing.label)} |"
            for r in items
            if r.standing
        ]
    return "\n".join(out) + "\n"
