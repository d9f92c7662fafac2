"""The campaign file itself: its JSON Schema, and checking one (neither reads the store)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from flows.cli.common import FILE, command, emit
from schemas.loading import CampaignError, check_campaign, json_schema


@command("schema")
def schema_cmd() -> None:
    """打印活动配置文件的 JSON Schema（供编辑器校验和补全）。"""
    click.echo("活动配置文件格式（JSON Schema，不涉及数据目录和活动）", err=True)
    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@command("check")
@click.argument("file", type=FILE, metavar="活动文件")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def check_cmd(file: Path, as_json: bool) -> None:
    """检查一个活动配置文件：一次列出所有问题和行号。退出码：0 没有问题，1 有问题。"""
    click.echo(f"检查活动文件 {file.resolve()}（不读写数据目录）", err=as_json)
    try:
        c, notes = check_campaign(file)
    except CampaignError as e:
        message = str(e)
        emit({"ok": False, "problems": e.problems, "warnings": e.notes}, as_json, lambda: click.echo(message, err=True))
        sys.exit(1)
    summary = {
        "ok": True,
        "problems": [],
        "warnings": notes,
        "id": c.id,
        "units": len(c.units),
        "forms": len(c.forms),
        "obligations": len(c.obligations),
        "targets": len(c.targets),
    }
    emit(
        summary,
        as_json,
        lambda: click.echo(
            f"{file}：没有问题（{c.name}：{len(c.units)} 个单位，{len(c.forms)} 张表单，{len(c.obligations)} 项任务，"
            f"{len(c.targets)} 项目标）" + "".join(f"\n提醒：{n}" for n in notes)
        ),
    )
