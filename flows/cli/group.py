"""The `duban` group itself; every command module registers on it."""

import click

from flows.cli.common import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """督办 Duban — 工作计划的截止日期编排：校验报送、催报督办、督查简报。

    每个命令的第一行说明所用的数据目录、数据库和活动（--json 时写到标准错误）。"""
