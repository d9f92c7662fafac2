"""Commands that run local servers: the demo and the mail capture."""

from __future__ import annotations

from typing import Any

import click

from flows.cli.common import WHOLE, Ctx, common, emit
from flows.cli.group import main


@main.command("mail-capture")
@click.option("--port", default=None, type=WHOLE, help="端口（默认取 DUBAN_SMTP_PORT）")
@common
def mail_capture_cmd(ctx: Ctx, port: int | None) -> None:
    """本地邮件收集服务器：收到的每封邮件保存为 DUBAN_HOME/mail/*.eml（演示和测试用）。"""
    import time

    from notifications.capture import start_capture

    settings = ctx.settings
    ctl = start_capture(settings.mail_dir, host=settings.smtp_host, port=port or settings.smtp_port)
    ctx.say(
        f"邮件收集服务器运行在 {settings.smtp_host}:{port or settings.smtp_port}，邮件保存在 "
        f"{settings.mail_dir}（Ctrl-C 退出）"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        ctl.stop()


@main.command("demo")
@click.option("--exit", "exit_after", is_flag=True, help="回放结束后退出（供脚本和测试使用）")
@click.option(
    "--port", type=WHOLE, default=None, help="Prefect 界面端口（默认 4200；被占用时自动另选一个空闲端口并打印出来）"
)
@common
def demo_cmd(ctx: Ctx, exit_after: bool, port: int | None) -> None:
    """演示：启动本地 Prefect 服务器和邮件收集，逐日回放一个活动（默认 DUBAN_CAMPAIGN）。"""
    import signal

    from flows.demo import run_demo

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
