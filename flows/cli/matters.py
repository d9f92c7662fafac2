"""`duban matters`: where every matter (督办事项) stands on a day, filtered as asked."""

from __future__ import annotations

from datetime import date

import click

from flows.cli.common import Ctx, command, common, emit, table
from flows.cli.dates import as_of_option
from flows.cli.names import named
from schemas.text import printable
from tasks.matters import MatterRow, matter_rows
from tasks.ops import unit_named

BADGES = {"green": "●绿", "yellow": "●黄", "red": "●红"}  # the light as a terminal shows it


@command("matters")
@as_of_option
@click.option("--unit", default=None, help="只看一个单位（可只写名称的开头）")
@click.option("--overdue", is_flag=True, help="只看逾期未办结的（红灯）")
@common
def matters_cmd(ctx: Ctx, as_of: date | None, unit: str | None, overdue: bool) -> None:
    """督办事项清单：每个单位每项事项的来源、办理时限、状态和办理情况（如 逾期5天），可按单位、逾期筛选。"""
    campaign = ctx.campaign
    unit = named("--unit", unit_named, campaign, unit)
    app = ctx.app
    day = as_of or app.now().date()
    with app.store.session() as s:
        rows = [
            r
            for r in matter_rows(s, campaign, day)
            if (unit is None or r.unit == unit) and (not overdue or (r.standing and r.standing.light == "red"))
        ]
    emit([r.as_json() for r in rows], ctx.as_json, lambda: _print(campaign.name, day, rows))


def _print(name: str, day: date, rows: list[MatterRow]) -> None:
    click.echo(f"{name} 截至 {day} 的督办事项")
    if not rows:
        click.echo("没有符合条件的督办事项")
        return
    lines = [
        [
            BADGES.get(r.standing.light, "○  ") if r.standing else "",
            f"#{r.id}",
            r.unit,
            printable(r.title if len(r.title) <= 30 else r.title[:29] + "…"),  # a ledger's title: from a file
            r.source_label or "—",
            str(r.effective_due),
            r.standing.state.label if r.standing else "",
            (r.standing.label if r.standing else "") + ("，台账未列" if r.missing_since else ""),
        ]
        for r in rows
    ]
    for line in table([["", "编号", "单位", "事项", "来源", "办理时限", "状态", "办理情况"], *lines]):
        click.echo(line)
    late = sum(1 for r in rows if r.standing and r.standing.light == "red")
    click.echo(f"合计 {len(rows)} 项" + (f"，逾期未办结 {late} 项" if late else ""))
