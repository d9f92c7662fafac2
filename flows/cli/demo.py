"""`duban demo`: a local Prefect server and mail capture, and a campaign replayed day by day."""

from __future__ import annotations

import signal
from typing import Any

import click

from flows.cli.common import WHOLE, Ctx, command, common, emit
from flows.demo import run_demo


@command("demo")
@click.option("--exit", "exit_after", is_flag=True, help="回放结束后退出（供脚本和测试使用）")
@click.option(
    "--port", type=WHOLE, default=None, help="Prefect 界面端口（默认 4200；被占用时自动另选一个空闲端口并打印出来）"
)
@common
def demo_cmd(ctx: Ctx, exit_after: bool, port: int | None) -> None:
    """演示：启动本地 Prefect 服务器和邮件收集，逐日回放一个活动（默认 DUBAN_CAMPAIGN）。"""

    def stop(signum: int, frame: Any) -> None:  # SIGTERM (a service manager, CI) stops it as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        out: Any = run_demo(
            ctx.settings,
            exit_after=exit_after,
            campaign=ctx.campaign_id,
            port=port,
            echo=lambda m: click.echo(m, err=ctx.as_json),
        )
    except RuntimeError as e:
        raise click.ClickException(str(e)) from None
    emit(out, ctx.as_json, lambda: None)
