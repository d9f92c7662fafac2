"""`duban schedule`: the campaign calendar laid out as checkpoint runs on the Prefect server."""

from __future__ import annotations

import click

from flows.cli.common import Ctx, command, common, emit
from tasks.prefect_api import server_configured, sync_calendar


@command("schedule")
@common
def schedule_cmd(ctx: Ctx) -> None:
    """把活动日程（每个截止日和催报、督办节点）同步为 Prefect 中即将运行的检查点。"""
    if not server_configured():
        raise click.ClickException("未设置 PREFECT_API_URL：请先启动 Prefect 服务器（make serve）")
    out = sync_calendar(ctx.app)
    if out.get("missing_deployment"):
        raise click.ClickException(
            "Prefect 服务器上没有 campaign-checkpoint 部署：请先运行 prefect deploy --all（make serve 会执行）"
        )
    emit(
        out,
        ctx.as_json,
        lambda: click.echo(
            f"督办日程已同步：新增 {out['created']} 个检查点，移除 {out['removed']} 个，保留 {out['kept']} 个"
        ),
    )
