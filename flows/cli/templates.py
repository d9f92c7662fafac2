"""`duban templates`: a blank Excel template for every form."""

from __future__ import annotations

from pathlib import Path

import click

from flows.cli.common import FOLDER, Ctx, command, common, emit
from tasks.intake import write_templates


@command("templates")
@click.option("--out", "out_dir", type=FOLDER, required=True, help="输出目录")
@common
def templates_cmd(ctx: Ctx, out_dir: Path) -> None:
    """为每张报表生成空白 Excel 模板（含下拉列表和填表说明）。"""
    paths = write_templates(ctx.campaign, out_dir)
    emit([str(p) for p in paths], ctx.as_json, lambda: [click.echo(str(p)) for p in paths])
