"""`duban backfill`: what units delivered outside Duban before it started, recorded from a list."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flows.cli.common import FILE, Ctx, command, common, emit, table
from schemas.period import period_label
from tasks.intake import limits_of
from tasks.ops import read, record


@command("backfill")
@click.argument("file", type=FILE, metavar="登记表")
@click.option("--by", "recorded_by", required=True, help="登记人")
@click.option("--dry-run", is_flag=True, help="只检查，不登记")
@common
def backfill_cmd(ctx: Ctx, file: Path, recorded_by: str, dry_run: bool) -> None:
    """登记 Duban 启用前各单位已在系统外报送的材料（Excel 或 CSV：单位、任务、期次、收到日期、说明）。
    任何一行有问题则一行也不登记。退出码：0 已登记，1 有问题。"""
    if not recorded_by.strip():
        raise click.BadParameter("请填写登记人", param_hint="--by")
    lines = read(file.read_bytes(), file.name, ctx.campaign, limits_of(ctx.settings))
    if not dry_run:
        app = ctx.app
        lines = record(app, lines, by=recorded_by, now=app.now())
    problems = [x for x in lines if x.problem]
    done = [x for x in lines if x.submission_id]
    already = [x for x in lines if x.already]

    def human() -> None:
        for p in problems:
            click.echo(p.problem, err=True)
        rows = [
            [x.unit or "", ctx.campaign.obligation_name(x.obligation), period_label(x.period or ""), str(x.received)]
            for x in (lines if dry_run else done)
            if x.obligation and not x.problem
        ]
        for line in table(rows, indent="  "):
            click.echo(line)
        if dry_run:
            click.echo(f"检查 {len(lines)} 行：{len(problems)} 行有问题（未登记）")
        elif done:
            click.echo(
                f"已登记 {len(done)} 项系统外报送（登记人 {recorded_by}，已写入审计日志）"
                + (f"；另有 {len(already)} 项此前已登记，未重复登记" if already else "")
            )
        elif already and not problems:
            click.echo(f"登记表中的 {len(already)} 项此前均已登记（没有新内容），未重复登记")
        else:
            click.echo("未登记任何一项：请改正以上问题后重新运行" if problems else "登记表是空的", err=True)

    emit([x.as_json() for x in lines], ctx.as_json, human)
    sys.exit(1 if problems and not done else 0)
