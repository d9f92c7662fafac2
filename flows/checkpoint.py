"""The campaign calendar in the Prefect UI: one scheduled run per due date and ladder step.

The runs are laid out and kept in step by `tasks/prefect_api/api.py: sync_calendar` (at every
morning's sweep, after every extension, from `duban schedule`). When a checkpoint's time comes,
its run reports where that obligation stands, unit by unit, as a table artifact; it sends nothing.
"""

from __future__ import annotations

from datetime import date

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from schemas.text import md, md_rows
from tasks.app import open_app
from tasks.calendar import report


@flow(name="campaign-checkpoint", log_prints=True)
def campaign_checkpoint(
    obligation: str,
    period: str,
    step: str,
    as_of: date,
    due: date | None = None,
    units: list[str] | None = None,
    campaign: str | None = None,
) -> dict:
    """One checkpoint of the campaign calendar: where this obligation stands, unit by unit."""
    app = open_app(campaign)
    summary, table = report(app.campaign, app.store, obligation, period, as_of, units, due)
    if table:
        create_table_artifact(
            key=f"checkpoint-{obligation.lower()}", table=md_rows(table), description=md(f"{step}：{summary}")
        )
    else:  # an event of the campaign (现场督查): what is on today
        create_markdown_artifact(
            key=f"checkpoint-{obligation.lower()}", markdown=f"**{md(summary)}**", description=step
        )
    print(summary)
    return {"summary": summary, "units": len(table)}
