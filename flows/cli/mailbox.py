"""The bureau's mailbox: `duban mailbox` reads it as the mail-intake flow does."""

from __future__ import annotations

import time

import click

from flows.cli.common import WHOLE, Ctx, command, common, emit, table
from tasks.mailbox import MailboxError, MailboxRefused, opened, poll
from tasks.outbox import send_queued


@command("mailbox")
@click.option("--once", is_flag=True, help="读取一次后退出（默认每隔 --every 秒读取一次，直到 Ctrl-C）")
@click.option("--every", type=WHOLE, default=120, show_default=True, help="两次读取之间的秒数")
@common
def mailbox_cmd(ctx: Ctx, once: bool, every: int) -> None:
    """读取报送邮箱（DUBAN_IMAP_*）：带附件的回复即报送，校验后以回复的形式发回执。退出码：0 正常，1 无法读取邮箱，
    2 设置不允许读取（生产环境未设置 DUBAN_IMAP_TRUSTED_AUTHSERV 或 DUBAN_IMAP_TRUST_FROM）。"""
    app = ctx.app
    while True:
        try:
            with opened(app.settings) as box:
                results = poll(app, box)
        except MailboxRefused as e:
            refused = click.ClickException(str(e))
            refused.exit_code = 2
            raise refused from None
        except MailboxError as e:
            raise click.ClickException(str(e)) from None
        report = send_queued(app, now=app.now())

        def human(results=results, report=report) -> None:  # type: ignore[no-untyped-def]
            rows = [
                [
                    r.sender or "（空）",
                    r.unit or "—",
                    r.action,
                    "、".join(f"{f['name']}（{f.get('status')}）" for f in r.files) or r.reason,
                ]
                for r in results
            ]
            for line in table([["发件人", "单位", "处理", "附件或原因"], *rows]):
                click.echo(line)
            click.echo(f"读取 {len(results)} 封邮件；{report.summary()}")

        emit([r.as_json() for r in results], ctx.as_json, human)
        if once:
            return
        time.sleep(every)
