"""`duban close`: the office's decision on a unit's request to close a matter (销号, or 退回 with
a reason), as the matter-closure run takes it in the Prefect UI; the unit is told at once."""

from __future__ import annotations

import sys

import click

from flows.cli.common import Ctx, Whole, command, common, emit, refused
from tasks.matters import MatterRefused, decide_closure
from tasks.outbox import send_queued


@command("close")
@click.argument("matter_id", type=Whole(), metavar="编号")
@click.option("--return", "give_back", is_flag=True, help="退回办结申请（须写明 --reason）；不加则批准销号")
@click.option("--reason", default="", help="审核意见（退回时必填）")
@click.option("--by", "decided_by", required=True, help="审核人")
@common
def close_cmd(ctx: Ctx, matter_id: int, give_back: bool, reason: str, decided_by: str) -> None:
    """审核单位的办结申请：批准销号，或 --return 退回（须写理由，事项重新办理）；单位联络员和负责人即时收到通知。
    编号见 duban matters。退出码：0 完成，1 不能审核（如没有待审核的申请），2 输入有误。"""
    app = ctx.app
    now = app.now()
    try:
        with app.store.session(write=True) as s:
            c = decide_closure(
                s,
                app.campaign,
                matter_id,
                approve=not give_back,
                reason=reason,
                by=decided_by,
                now=now,
                settings=app.settings,
            )
    except MatterRefused as e:
        raise refused(e) from None
    report = send_queued(app, now=now)
    out = {"id": c.matter_id, "unit": c.unit, "title": c.title, "state": c.state.value, "queued": c.queued}
    emit(out, ctx.as_json, lambda: click.echo(f"#{c.matter_id} {c.unit}“{c.title}”：{c.state.label}"))
    if report.attempted:
        click.echo("通知" + report.summary(), err=ctx.as_json or report.all_failed)
    if report.all_failed:
        sys.exit(1)
