"""`duban mail-capture`: a local SMTP server keeping every mail as a file (demo and tests)."""

from __future__ import annotations

import time

import click

from flows.cli.common import WHOLE, Ctx, command, common
from notifications.capture import start_capture


@command("mail-capture")
@click.option("--port", default=None, type=WHOLE, help="端口（默认取 DUBAN_SMTP_PORT）")
@common
def mail_capture_cmd(ctx: Ctx, port: int | None) -> None:
    """本地邮件收集服务器：收到的每封邮件保存为 DUBAN_HOME/mail/*.eml（演示和测试用）。"""
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
