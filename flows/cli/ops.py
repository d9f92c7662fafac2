"""Requests ops decide by hand: `duban extend` (延期) and `duban resend`."""

from __future__ import annotations

import sys
from datetime import date

import click

from flows.cli.common import WHOLE, Ctx, command, common, emit, refused
from flows.cli.dates import DATE
from tasks.matters import MatterRefused, extend_and_tell
from tasks.ops import OpsError, decide_extension, resend_now
from tasks.outbox import send_queued


@command("extend")
@click.argument("unit", metavar="单位", required=False)
@click.argument("obligation", metavar="任务", required=False)
@click.option(
    "--matter", "matter_id", type=WHOLE, default=None, help="督办事项编号（延长督办事项的办理期限，见 duban matters）"
)
@click.option("--to", "new_due", type=DATE, default=None, help="新的截止日期（批准延期）")
@click.option("--refuse", is_flag=True, help="不批准延期（截止日期不变）")
@click.option("--reason", required=True, help="延期理由或不批准的说明")
@click.option("--by", "decided_by", required=True, help="审核人")
@click.option("--period", default=None, help="期次（多期任务必填，写法同日程表，如 2010-08 或 2010年8月）")
@common
def extend_cmd(
    ctx: Ctx,
    unit: str | None,
    obligation: str | None,
    matter_id: int | None,
    new_due: date | None,
    refuse: bool,
    reason: str,
    decided_by: str,
    period: str | None,
) -> None:
    """批准（--to 日期）或不批准（--refuse）延期，并邮件通知该单位。单位可只写名称的开头，任务可写名称、表单标签或编号。
    催报和督办按新的截止日期执行，审计日志记录审核人和理由。督办事项用 --matter 编号 --to 日期 延期。"""
    if matter_id is not None:
        _extend_matter(ctx, matter_id, unit, new_due, refuse, reason, decided_by)
        return
    if unit is None or obligation is None:
        raise click.UsageError("请写明单位和任务（或用 --matter 编号 延长督办事项的期限）")
    if (new_due is None) == (not refuse):
        raise click.UsageError("请用 --to 日期 批准延期，或用 --refuse 不批准（二选一）")
    app = ctx.app
    try:
        d = decide_extension(
            app,
            unit=unit,
            obligation=obligation,
            period=period,
            new_due=new_due,
            reason=reason,
            by=decided_by,
            now=app.now(),
        )
    except OpsError as e:
        raise refused(e) from None
    out = {
        "unit": d.unit,
        "obligation": d.obligation.code,
        "period": d.obligation.period,
        "granted": d.granted,
        "due": d.obligation.effective_due.isoformat(),
        "notified": d.delivery.sent if d.delivery else 0,
    }
    if d.calendar_problem:
        click.echo(f"Prefect 中的督办日程将在下次催报时更新（{d.calendar_problem}）", err=True)
    granted = f"已批准：{d.unit}“{d.name}”延期至 {out['due']}"
    said = granted if d.granted else f"未批准：{d.unit}“{d.name}”截止日期仍为 {out['due']}"
    emit(out, ctx.as_json, lambda: click.echo(said))
    if d.delivery:
        click.echo("通知" + d.delivery.summary(), err=ctx.as_json or d.delivery.all_failed)


def _extend_matter(
    ctx: Ctx, matter_id: int, unit: str | None, new_due: date | None, refuse: bool, reason: str, by: str
) -> None:
    """`duban extend --matter ID --to DATE`: the matter's deadline moved, its ladder follows."""
    if unit is not None:
        raise click.UsageError("用 --matter 时不写单位和任务")
    if new_due is None or refuse:
        raise click.UsageError("请用 --to 日期 写明督办事项新的截止日期")
    app, now = ctx.app, ctx.app.now()
    try:
        with app.store.session(write=True) as s:
            m, _ = extend_and_tell(s, app.campaign, app.settings, matter_id, new_due, reason, by, now)
            out = {"matter": m.id, "unit": m.unit.name, "title": m.title, "due": m.effective_due.isoformat()}
    except MatterRefused as e:
        raise refused(e) from None
    report = send_queued(app, now=now)
    out["notified"] = report.sent
    emit(out, ctx.as_json, lambda: click.echo(f"已延期：{out['unit']}“{out['title']}”截止日期改为 {out['due']}"))
    if report.attempted:
        click.echo("通知" + report.summary(), err=ctx.as_json or report.all_failed)


@command("resend")
@click.argument("ids", nargs=-1, type=WHOLE, metavar="[邮件编号]...")
@click.option("--all-failed", is_flag=True, help="重发全部失败和状态存疑的邮件")
@click.option("--by", "requested_by", required=True, help="操作人")
@common
def resend_cmd(ctx: Ctx, ids: tuple[int, ...], all_failed: bool, requested_by: str) -> None:
    """把发送失败或状态存疑的邮件重新排队并立即发送（编号见 duban mail）。退出码：0 正常，1 全部失败。"""
    if bool(ids) == all_failed:
        raise click.UsageError("请给出邮件编号，或用 --all-failed 重发全部失败和存疑的邮件（二选一）")
    app = ctx.app
    try:
        requeued, skipped, report = resend_now(app, None if all_failed else list(ids), by=requested_by, now=app.now())
    except OpsError as e:
        raise refused(e) from None
    out = {
        "requeued": requeued,
        "skipped": skipped,
        "delivery": report.as_json(),
        "sent": report.sent,
        "failed": report.failed,
    }

    def human() -> None:
        for i, why in skipped.items():
            click.echo(f"#{i} 未重新排队：{why}")
        waiting = max(0, report.attempted - len(requeued))  # what else was queued goes in the same run
        click.echo(
            f"重新排队 {len(requeued)} 封"
            + ("" if requeued or skipped else "（没有失败或存疑的邮件）")
            + (f"；队列中另有 {waiting} 封等待发送的邮件，一并发送" if waiting else "")
        )

    emit(out, ctx.as_json, human)
    if report.attempted:
        click.echo(report.summary(), err=ctx.as_json or report.all_failed)
    if report.all_failed:
        sys.exit(1)
