"""`duban calendar`: every unit's obligations and their due dates, extensions shown."""

from __future__ import annotations

import click

from flows.cli.common import Ctx, command, common, emit, table
from schemas.period import period_label
from tasks.calendar import build_calendar, extended_dues


@command("calendar")
@common
def calendar_cmd(ctx: Ctx) -> None:
    """列出全部报送任务：单位、任务、表单、期次、截止日期（已延期的显示现行截止日期，原截止日期附后）。"""
    campaign = ctx.campaign
    rows = build_calendar(campaign)
    extended: dict = {}
    if ctx.has_store():  # the extensions granted; never makes a store to find none
        with ctx.app.store.session() as s:
            extended = extended_dues(s, campaign.id)
    in_force = {r: extended.get((r.unit, r.obligation, r.period), r.due) for r in rows}
    rows.sort(key=lambda r: in_force[r])

    def human() -> None:
        click.echo(
            f"{campaign.name}（{campaign.start} ～ {campaign.end}）共 {len(rows)} 项报送任务"
            + (f"，其中 {len(extended)} 项已延期" if extended else "")
        )
        for line in table(
            [
                [
                    str(in_force[r]) + (f"（原 {r.due:%m-%d}，已延期）" if in_force[r] != r.due else ""),
                    campaign.obligation_name(r.obligation),
                    period_label(r.period),
                    r.unit,
                ]
                for r in rows
            ]
        ):
            click.echo(line)

    emit([{**r.as_json(), "due_in_force": in_force[r].isoformat()} for r in rows], ctx.as_json, human)
