"""`duban mail`: the mail queue as it stands, by default what has not gone out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from flows.cli.common import WHOLE, Ctx, command, common, emit, table
from schemas.outbox import OutboxStatus
from tasks.outbox import STATUS_LABELS, age_text, mail_rows

NOT_SENT = (
    OutboxStatus.FAILED,
    OutboxStatus.UNCERTAIN,
    OutboxStatus.QUEUED,
    OutboxStatus.CLAIMED,
    OutboxStatus.SENDING,
)


@command("mail")
@click.option("--failed", "statuses", flag_value=OutboxStatus.FAILED.value, help="只看发送失败的")
@click.option("--uncertain", "statuses", flag_value=OutboxStatus.UNCERTAIN.value, help="只看状态存疑的（可能已发出）")
@click.option("--queued", "statuses", flag_value=OutboxStatus.QUEUED.value, help="只看等待发送的")
@click.option("--all", "statuses", flag_value="all", help="全部邮件，包括已发出和已作废的")
@click.option("--limit", type=WHOLE, default=200, help="最多列出多少封（默认 200）")
@common
def mail_cmd(ctx: Ctx, statuses: str | None, limit: int) -> None:
    """列出邮件：编号、状态、收件人、主题、原因和时间。默认列出未发出的（失败、存疑、待发送）。"""
    wanted = {None: NOT_SENT, "all": None}.get(statuses, (statuses,))
    app = ctx.app
    rows = mail_rows(app, wanted, limit=limit or None)
    now = app.now()
    emit(rows, ctx.as_json, lambda: _print_mail(rows, now))


def _ago(at: datetime, now: datetime) -> str:
    """排队于多久以前; a time replayed from another year (or ahead of now) is shown as the time itself."""
    return age_text(at, now) if 0 <= (now - at).days < 30 else f"{at:%Y-%m-%d %H:%M}"


def _print_mail(rows: list[dict[str, Any]], now: datetime) -> None:
    if not rows:
        click.echo("没有这类邮件")
        return
    lines = table(
        [
            [
                f"#{m['id']}",
                STATUS_LABELS.get(m["status"], m["status"]),
                _ago(datetime.fromisoformat(m["queued_at"]), now),
                m["to"],
                m["subject"],
            ]
            for m in rows
        ]
    )
    for m, line in zip(rows, lines, strict=True):
        click.echo(line)
        if m["error"] and m["status"] != OutboxStatus.SENT:
            click.echo(f"      原因：{m['error']}（已尝试 {m['attempts']} 次）")
    counts: dict[str, int] = {}
    for m in rows:
        counts[m["status"]] = counts.get(m["status"], 0) + 1
    click.echo(f"共 {len(rows)} 封：" + "，".join(f"{STATUS_LABELS.get(k, k)} {n}" for k, n in counts.items()))
