"""`duban sweep`: the day's reminders and escalations, as the 09:00 run sends them."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from flows.cli.common import Ctx, command, common, emit, table
from flows.cli.dates import as_of_option
from schemas.period import period_label
from tasks.app import App
from tasks.reminders import SweepResult, sweep_day


@command("sweep")
@as_of_option
@click.option("--dry-run", is_flag=True, help="只计算，不排队、不发送")
@click.option("--confirm", is_flag=True, help="确认发送超过上限（DUBAN_MAX_ESCALATIONS）的督办，须同时用 --by 署名")
@click.option("--by", "confirmed_by", default=None, help="确认人（与 --confirm 一起使用）")
@common
def sweep_cmd(ctx: Ctx, as_of: date | None, dry_run: bool, confirm: bool, confirmed_by: str | None) -> None:
    """当天应发的催报和督办（工作日 9:00 的那一轮）。

    一次督办超过上限时不发送，列出清单，等待用 --confirm --by 姓名 确认（中途启用时先用 duban backfill
    登记系统外报送）。退出码：0 正常，1 应发邮件全部失败，4 等待确认。"""
    if confirm and not (confirmed_by or "").strip():
        raise click.BadParameter("确认发送时请用 --by 填写确认人", param_hint="--confirm")
    app = ctx.app
    day = as_of or app.now().date()
    result = sweep_day(
        app, day, dry_run=dry_run, confirmed_by=confirmed_by.strip() if confirm and confirmed_by else None
    )
    d = result.delivery
    emit([x.as_json() for x in result.decisions], ctx.as_json, lambda: _print_sweep(app, result, day, dry_run))
    if result.held and not dry_run:
        click.echo(f"未发送：{result.held}。确认无误后运行：duban sweep --as-of {day} --confirm --by 姓名", err=True)
    if d:
        click.echo(d.summary(), err=ctx.as_json or d.all_failed or bool(d.problem))
    for a in result.needs_attention:
        click.echo(f"  需处理 #{a['id']} {a['status']} {a['to']} {a['error']}", err=True)
    if ctx.as_json:  # the list is the contract on stdout; the run's counts go with it, on stderr
        counts = {
            "as_of": day.isoformat(),
            "working_day": result.working_day,
            "queued": result.queued,
            "held": result.held,
            "dry_run": dry_run,
            "delivery": d.as_json() if d else None,
        }
        click.echo(json.dumps(counts, ensure_ascii=False), err=True)
    if result.held and not dry_run:
        sys.exit(4)
    if d and d.all_failed:
        sys.exit(1)


def _print_sweep(app: App, result: SweepResult, day: date, dry_run: bool) -> None:
    if not result.working_day:
        click.echo(f"{day} 不是工作日，不发送催报")
        return
    n, n_esc = len(result.decisions), len(result.escalations)
    click.echo(
        f"{day}：{n} 项（催报 {n - n_esc}，督办 {n_esc}）"
        + ("（演练，未发送）" if dry_run else "（未发送，等待确认）" if result.held else "")
    )
    if dry_run and result.held:
        click.echo(f"实际运行时将暂停，等待确认：{result.held}")
    rows = [
        [
            x.step.label,
            x.unit,
            x.name,
            period_label(x.period),
            f"截止{x.due}",
            "→ " + "、".join(r.email for r in x.recipients),
        ]
        for x in result.decisions
    ]
    for line in table(rows, indent="  "):
        click.echo(line)
