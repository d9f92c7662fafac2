"""The campaign calendar in the Prefect UI: one scheduled run per due date and ladder step.

`sync_calendar` makes the upcoming runs of the `campaign-checkpoint` deployment match the
campaign's checkpoints (tasks/checkpoints.py): missing ones are created, ones that no longer
apply (an extension moved the date) are deleted, the rest are left alone. It runs at every
morning's sweep, after every extension and from `duban schedule`. When a checkpoint's time
comes, its run reports where that obligation stands, unit by unit, as a table artifact.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow
from prefect.artifacts import create_table_artifact

from tasks.app import App, open_app
from tasks.checkpoints import plan
from tasks.status import StatusRow, status_rows

DEPLOYMENT = "campaign-checkpoint/campaign-checkpoint"
TAG = "督办日程"


def report(app: App, obligation: str, period: str, as_of: date, units: list[str] | None = None,
           due: date | None = None, status: list[StatusRow] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Where one obligation stands on `as_of`: a one-line summary and a row per unit, only the
    `units` named (an extension's checkpoint) or those whose due date is `due` (the usual one).
    `status`: the campaign's status rows of that day, when the caller has them."""
    if status is None:
        with app.store.session() as s:
            status = status_rows(s, app.campaign, as_of)
    rows = [r for r in status if r.obligation == obligation and r.period == period
            and (r.unit in units if units else due is None or (r.extended_due or r.due) == due)]
    ob = app.campaign.obligation(obligation)
    counts = Counter(r.state.label for r in rows)
    what = f"{app.campaign.form(ob.form).label} {ob.title} {period}".strip()
    summary = f"{as_of} {what}：{len(rows)} 个单位，" + "，".join(f"{k} {v}" for k, v in counts.most_common())
    table = [{"单位": r.unit, "状态": r.state.label, "截止": (r.extended_due or r.due).isoformat(),
              "报送时间": r.submitted_at.isoformat(sep=" ", timespec="minutes") if r.submitted_at else "—",
              "逾期天数": r.days_late or "—"} for r in rows]
    return summary, table


@flow(name="campaign-checkpoint", log_prints=True)
def campaign_checkpoint(obligation: str, period: str, step: str, as_of: date, due: date | None = None,
                        units: list[str] | None = None, campaign: str | None = None) -> dict:
    """One checkpoint of the campaign calendar: where this obligation stands, unit by unit."""
    app = open_app(campaign)
    summary, table = report(app, obligation, period, as_of, units, due)
    create_table_artifact(key=f"checkpoint-{obligation.lower()}", table=table, description=f"{step}：{summary}")
    print(summary)
    return {"summary": summary, "units": len(table)}


def sync_calendar(app: App, *, now: datetime | None = None) -> dict[str, int]:
    """Make the upcoming `campaign-checkpoint` runs match the campaign (only runs after `now`)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Scheduled

    tz = ZoneInfo(app.campaign.timezone)
    now = now or datetime.now(tz)
    now = now if now.tzinfo else now.replace(tzinfo=tz)  # the store's times are naive campaign time
    with app.store.session() as s:
        wanted = {c.key: c for c in plan(s, app.campaign) if c.at > now}
    with get_client(sync_client=True) as client:
        try:
            dep = client.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            return {"created": 0, "removed": 0, "kept": 0, "missing_deployment": 1}
        existing = _scheduled(client, dep.id, app.campaign.id)
        removed = [r for r in existing if r.idempotency_key not in wanted and r.expected_start_time > now]
        for r in removed:
            try:
                client.delete_flow_run(r.id)
            except ObjectNotFound:  # another sync (a sweep, an extension) got there first
                pass
        have = {r.idempotency_key for r in existing}
        created = 0
        for key, c in wanted.items():
            if key in have:
                continue
            run = client.create_flow_run_from_deployment(
                dep.id, parameters={**c.parameters, "campaign": app.campaign.id}, name=c.name,
                state=Scheduled(scheduled_time=c.at), idempotency_key=key, tags=[TAG, f"campaign:{app.campaign.id}"])
            # for a key it has seen the server hands back that run (one ops cancelled, one already
            # completed): only a scheduled run counts as created
            created += bool(run.state and run.state.is_scheduled())
    return {"created": created, "removed": len(removed), "kept": len(wanted) - created}


def complete_day(app: App, day: date, until: time | None = None) -> int:
    """Replays only: the day's checkpoint runs (those due by `until`, or all), which no worker
    picks up in a replay, get their report as their final state (Completed, with the summary
    as its message). The store must hold what it would hold at their time."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Completed

    with get_client(sync_client=True) as client:
        try:
            dep = client.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            return 0
        tz = ZoneInfo(app.campaign.timezone)
        runs = [r for r in _scheduled(client, dep.id, app.campaign.id)
                if (at := r.expected_start_time.astimezone(tz)).date() == day and (until is None or at.time() <= until)]
        if not runs:
            return 0
        with app.store.session() as s:
            status = status_rows(s, app.campaign, day)
        for r in runs:
            p = r.parameters
            due = date.fromisoformat(p["due"]) if p.get("due") else None
            summary, _ = report(app, p["obligation"], p["period"], day, p.get("units") or None, due, status)
            client.set_flow_run_state(r.id, Completed(message=summary), force=True)
    return len(runs)


def replay_may_schedule() -> bool:
    """A replay puts its past-dated checkpoint runs on the server only when the checkpoint
    deployment is the demo's, with no work pool: on a pool a worker would start them all at once."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return not client.read_deployment_by_name(DEPLOYMENT).work_pool_name
        except ObjectNotFound:
            return False


def _scheduled(client, deployment_id, campaign: str) -> list:  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType

    runs, offset = [], 0
    while True:
        page = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                                          tags=FlowRunFilterTags(all_=[f"campaign:{campaign}"])),
            limit=200, offset=offset)
        runs += page
        if len(page) < 200:
            return runs
        offset += 200


def register_deployment() -> None:
    """For a server without prefect.yaml's deployments (the demo): the checkpoint deployment,
    with no schedule of its own (its runs are the calendar)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            flow_id = client.create_flow(campaign_checkpoint)
            client.create_deployment(flow_id=flow_id, name="campaign-checkpoint",
                                     entrypoint="flows/checkpoint.py:campaign_checkpoint",
                                     description="活动日程：每个截止日和催报、督办节点一次检查")


__all__ = ["campaign_checkpoint", "complete_day", "register_deployment", "report", "sync_calendar"]
