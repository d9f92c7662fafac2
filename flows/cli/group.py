"""The `duban` group: every command by name, each imported from its own module only when it is run."""

import click

from flows.cli.chinese import Group

COMMANDS = {
    "assign": "flows.cli.assign:assign_cmd",
    "backfill": "flows.cli.backfill:backfill_cmd",
    "brief": "flows.cli.brief:brief_cmd",
    "calendar": "flows.cli.calendar:calendar_cmd",
    "check": "flows.cli.campaign:check_cmd",
    "close": "flows.cli.close:close_cmd",
    "contacts": "flows.cli.contacts:contacts_cmd",
    "demo": "flows.cli.demo:demo_cmd",
    "extend": "flows.cli.ops:extend_cmd",
    "intake": "flows.cli.intake:intake_cmd",
    "link": "flows.cli.link:link_cmd",
    "mail": "flows.cli.mail:mail_cmd",
    "mail-capture": "flows.cli.capture:mail_capture_cmd",
    "mailbox": "flows.cli.mailbox:mailbox_cmd",
    "matters": "flows.cli.matters:matters_cmd",
    "portal": "flows.cli.portal:portal_cmd",
    "resend": "flows.cli.ops:resend_cmd",
    "schedule": "flows.cli.schedule:schedule_cmd",
    "schema": "flows.cli.campaign:schema_cmd",
    "status": "flows.cli.status:status_cmd",
    "submit": "flows.cli.submit:submit_cmd",
    "sweep": "flows.cli.sweep:sweep_cmd",
    "templates": "flows.cli.templates:templates_cmd",
    "validate": "flows.cli.submit:validate_cmd",
}


@click.group(cls=Group, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """督办 Duban — 工作计划的截止日期编排：校验报送、催报督办、督查简报。

    每个命令的第一行说明所用的数据目录、数据库和活动（--json 时写到标准错误）。"""
