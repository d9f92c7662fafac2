"""`duban intake`: every file in the inbox once, judged, kept and answered.

It imports only what the inbox run needs: this is the command run most often, in scripts and
timers, so its start is part of every batch."""

from __future__ import annotations

import sys
from typing import Any

import click

from flows.cli.common import WHOLE, Ctx, command, common, emit
from flows.cli.dates import DATETIME
from schemas.period import period_label
from schemas.text import printable
from schemas.verdicts import SubmissionStatus
from tasks.calendar import to_local
from tasks.intake import STATUS_LABELS, FileResult, intake_inbox
from tasks.outbox import send_queued

SAID_WHY = (SubmissionStatus.UNREADABLE, SubmissionStatus.REFUSED, "crashed")  # the results whose reason is printed


@command("intake")
@click.option("--received-at", type=DATETIME, default=None, help="收到时间（回放和测试用；默认为领取文件时的时间）")
@click.option(
    "--batch",
    type=WHOLE,
    default=200,
    show_default=True,
    help="每批一起校验的文件数（同一报表的文件一次校验；1 为逐个校验）",
)
@common
def intake_cmd(ctx: Ctx, received_at: Any, batch: int) -> None:
    """处理收件箱（DUBAN_HOME/inbox）中的每个文件一次：校验、保存、回执。退出码：0 正常，1 有文件出现内部错误。"""
    app = ctx.app
    when = to_local(received_at, app.campaign.timezone) if received_at else None
    results = intake_inbox(app, received_at=when, batch=batch)
    report = send_queued(app, now=app.now())
    emit([r.as_json() for r in results], ctx.as_json, lambda: _print_results(ctx, results))
    if report.attempted:
        click.echo("回执" + report.summary(), err=True)
    sys.exit(1 if any(r.crashed for r in results) else 0)


def _print_results(ctx: Ctx, results: list[FileResult]) -> None:
    app = ctx.app
    click.echo(f"收件箱 {app.settings.inbox_dir}：处理 {len(results)} 个文件")
    for r in results:
        form = next((f.label for f in app.campaign.forms if f.code == r.form), r.form)
        what = " ".join(x for x in (r.unit, form, period_label(r.period) if r.period else None) if x) or "—"
        click.echo(
            f"  {STATUS_LABELS.get(r.status, r.status)}  {printable(r.file)}  {what}  错误{r.errors} "
            f"提示{r.warnings}" + (f"  {r.reason}" if r.status in SAID_WHY else "")
        )
    held = [r.contact_change for r in results if r.contact_change]
    if held:
        click.echo(
            f"联系人变更待审核：{'、'.join(map(str, held))}（duban contacts 查看，duban contacts 编号 "
            f"--approve --by 姓名 批准）"
        )
