"""`duban brief`: a supervision briefing compiled (not sent: sending is approved in Prefect)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from flows.cli.common import FOLDER, Ctx, command, common, emit
from flows.cli.dates import as_of_option
from tasks.briefing import compile_briefing


@command("brief")
@as_of_option
@click.option("--out", "out_dir", type=FOLDER, default=None, help="输出目录（默认 DUBAN_HOME/briefings/）")
@click.option("--final", is_flag=True, help="总结评比通报（含排名）")
@common
def brief_cmd(ctx: Ctx, as_of: date | None, out_dir: Path | None, final: bool) -> None:
    """生成督查简报：HTML、PDF 和图表文件（不发送；发送经 Prefect 审核后进行）。"""
    app = ctx.app
    c = compile_briefing(app, as_of or app.now().date(), kind="final" if final else "monthly", out=out_dir)
    out = {"title": c.data.title, "html": str(c.html), "pdf": str(c.pdf), "folder": str(c.folder)}
    emit(out, ctx.as_json, lambda: click.echo(f"《{out['title']}》\n  {out['html']}\n  {out['pdf']}"))
