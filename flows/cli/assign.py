"""`duban assign`: hand a matter (督办事项) to one or more units, each followed on its own, and
tell them by mail at once."""

from __future__ import annotations

import sys
from datetime import date, datetime

import click

from flows.cli.common import Ctx, command, common, emit
from flows.cli.dates import DATE, DATETIME
from tasks.calendar import to_local
from tasks.matters import Assignment, UnknownUnit, hand_out


def said(text: str) -> click.ClickException:
    """What was typed names nothing (an unknown unit, a source not in the list): exit 2, no traceback."""
    e = click.ClickException(text)
    e.exit_code = 2
    return e


@command("assign")
@click.argument("units", nargs=-1, required=True, metavar="单位... 事项")
@click.option("--due", required=True, type=DATE, help="办理时限（截止日期）")
@click.option("--by", "assigned_by", required=True, help="交办人")
@click.option("--instruction", default="", help="交办要求或批示内容")
@click.option("--source", default=None, help="事项来源（须为活动设置 matters.sources 中的一项，默认取第一项）")
@click.option("--responsible", default="", help="责任人")
@click.option("--at", "assigned_at", type=DATETIME, default=None, help="交办时间（回放和测试用；默认为现在）")
@common
def assign_cmd(
    ctx: Ctx,
    units: tuple[str, ...],
    due: date,
    assigned_by: str,
    instruction: str,
    source: str | None,
    responsible: str,
    assigned_at: datetime | None,
) -> None:
    """交办督办事项：给每个单位各建一项（各自签收、办理、办结），并立即邮件通知各单位的联络员和负责人。
    单位写全称或简称，可写多个，最后一项是事项标题。退出码：0 正常，1 通知全部发送失败，2 输入有误（不建任何事项）。"""
    if len(units) < 2:
        raise click.UsageError("请写明单位和事项，如：duban assign 单位甲 单位乙 事项标题 --due 日期 --by 交办人")
    *names, title = units
    sources = ctx.campaign.matters.sources
    source = source or sources[0]
    if source not in sources:
        raise said(f"事项来源“{source}”不在活动设置的来源中（可选：{'、'.join(sources)}）")
    app = ctx.app
    a = Assignment(list(names), title, due, assigned_by, instruction, source, responsible)
    now = to_local(assigned_at, app.campaign.timezone) if assigned_at else app.now()
    c = app.campaign
    if not c.start <= now.date() <= c.end:
        click.echo(
            f"注意：交办时间 {now:%Y-%m-%d} 不在活动期间（{c.start} 至 {c.end}）；补录以往的交办请用 --at", err=True
        )
    try:
        done = hand_out(app, a, now=now)
    except (UnknownUnit, ValueError) as e:
        raise said(f"{e}\n未交办任何事项。") from None
    out = done.as_json()

    def human() -> None:
        click.echo(f"已交办“{done.title}”（办理时限 {done.due}）给 {len(done.matters)} 个单位：")
        for i, unit in done.matters:
            click.echo(f"  #{i} {unit}")

    emit(out, ctx.as_json, human)
    report = done.delivery
    if report.attempted:
        click.echo("交办通知" + report.summary(), err=ctx.as_json or report.all_failed)
    elif not done.queued:
        click.echo("没有可通知的联系人：交办通知未发出（duban contacts 查看联系人）", err=True)
    if report.all_failed:
        sys.exit(1)
