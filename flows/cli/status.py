"""`duban status`: where every unit stands on every obligation, filtered as asked."""

from __future__ import annotations

from datetime import date

import click

from flows.cli.common import WHOLE, Ctx, command, common, emit, table
from flows.cli.dates import as_of_option
from flows.cli.names import named
from schemas.period import period_label
from tasks.calendar import narrow, status_rows, totals
from tasks.matters import escalation_notices
from tasks.ops import obligation_named, unit_named


@command("status")
@as_of_option
@click.option("--unit", default=None, help="只看一个单位（可只写名称的开头）")
@click.option("--obligation", default=None, help="只看一项任务（名称、表单标签或编号）")
@click.option("--overdue", is_flag=True, help="只看逾期未交（红灯）")
@click.option("--due-within", type=WHOLE, default=None, help="只看 N 天内到期、尚未完成的")
@common
def status_cmd(
    ctx: Ctx, as_of: date | None, unit: str | None, obligation: str | None, overdue: bool, due_within: int | None
) -> None:
    """每个单位每项任务每期的状态（按时、逾期、待更正……），可按单位、任务、逾期、到期筛选。"""
    campaign = ctx.campaign
    unit = named("--unit", unit_named, campaign, unit)
    obligation = named("--obligation", obligation_named, campaign, obligation)
    app = ctx.app
    day = as_of or app.now().date()
    with app.store.session() as s:
        rows = narrow(
            status_rows(s, campaign, day), day, unit=unit, obligation=obligation, overdue=overdue, due_within=due_within
        )
        notices = [n for n in escalation_notices(s, campaign) if unit is None or n.unit == unit]

    def human() -> None:
        click.echo(f"{campaign.name} 截至 {day} 的报送状态")
        lines = [
            [
                r.state.badge,
                str(r.effective_due),
                campaign.obligation_name(r.obligation),
                period_label(r.period),
                r.unit,
                r.state.label + (f" 逾期{r.days_late}天" if r.days_late else ""),
            ]
            for r in rows
        ]
        for line in table([["", "截止", "任务", "期次", "单位", "状态"], *lines]):
            click.echo(line)
        click.echo(
            f"合计 {len(rows)} 项" + ("：" + "，".join(f"{s.label} {n}" for s, n in totals(rows)) if rows else "")
        )
        signed = [n for n in notices if n.signed_at]
        if notices:
            click.echo(f"督办通知 {len(notices)} 份，已签收 {len(signed)} 份" + ("：" if signed else ""))
        for n in signed:
            click.echo(
                f"  {n.unit} {n.what} 第{n.level}级（{n.step_date}）{n.signed_by} 于 {n.signed_at:%Y-%m-%d %H:%M} 签收"
            )

    emit([r.as_json() for r in rows], ctx.as_json, human)
