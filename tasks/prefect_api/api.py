"""The one place Duban talks to the Prefect API outside a flow's own run: finding the server,
the campaign calendar as scheduled checkpoint runs (created, moved, completed in replays,
deleted), and starting runs of other deployments. Flows and the CLI call these."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from tasks.app import App
from tasks.calendar import plan, report, status_rows

log = logging.getLogger(__name__)
CONTACT_CHANGE = "contact-change/contact-change"
EXTENSION_REQUEST = "extension-request/extension-request"
DEPLOYMENT = "campaign-checkpoint/campaign-checkpoint"
TAG = "督办日程"


def server_configured() -> bool:
    """Is a Prefect server configured (environment or Prefect profile)?"""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def has_deployment(name: str) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(name)
            return True
        except ObjectNotFound:
            return False


def ask_for_contact_decisions(campaign_id: str, change_ids: list[int]) -> int:
    """A `contact-change` run per held change, which a worker starts and which then waits for
    ops in the UI; returns how many were started (0 without a server or that deployment)."""
    if not change_ids or not server_configured():
        return 0
    from prefect.deployments import run_deployment

    try:
        if not has_deployment(CONTACT_CHANGE):
            return 0
        for cid in change_ids:
            run_deployment(
                CONTACT_CHANGE,
                parameters={"change_id": cid, "campaign": campaign_id},
                timeout=0,
                as_subflow=False,
                idempotency_key=f"contact-change:{campaign_id}:{cid}",
                flow_run_name=f"contact-change-{cid}",
            )
    except Exception as e:  # the change is held either way; ops also see it in `duban contacts`
        log.warning("could not start contact-change runs: %s", e)
        return 0
    return len(change_ids)


def ask_for_extension_decision(campaign_id: str, request_id: int) -> bool:
    """An `extension-request` run, paused for ops' answer in the UI; False without a server or
    that deployment (the request is kept either way and the page says it waits)."""
    if not server_configured():
        return False
    from prefect.deployments import run_deployment

    try:
        if not has_deployment(EXTENSION_REQUEST):
            return False
        run_deployment(
            EXTENSION_REQUEST,
            parameters={"request_id": request_id, "campaign": campaign_id},
            timeout=0,
            as_subflow=False,
            idempotency_key=f"extension-request:{campaign_id}:{request_id}",
            flow_run_name=f"extension-request-{request_id}",
        )
    except Exception as e:
        log.warning("could not start the extension-request run: %s", e)
        return False
    return True


def fan_out(deployment: str, parameters: dict, extra: int) -> int:
    """Start `extra` more runs of `deployment` (for any worker of its pool to pick up); how many
    were started (0 without a server or that deployment)."""
    if extra <= 0 or not server_configured():
        return 0
    from prefect.deployments import run_deployment

    try:
        if not has_deployment(deployment):
            return 0
        for _ in range(extra):
            run_deployment(deployment, parameters=parameters, timeout=0, as_subflow=False)
    except Exception as e:
        log.warning("could not start more %s runs: %s", deployment, e)
        return 0
    return extra


def sync_calendar(app: App, *, now: datetime | None = None, until: datetime | None = None) -> dict[str, int]:
    """Make the upcoming `campaign-checkpoint` runs match the campaign (only runs after `now`, and
    up to `until` when given: a replay lays out only the days it replays)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Scheduled

    tz = ZoneInfo(app.campaign.timezone)
    now = now or datetime.now(tz)
    now = now if now.tzinfo else now.replace(tzinfo=tz)  # the store's times are naive campaign time
    with app.store.session() as s:
        wanted = {c.key: c for c in plan(s, app.campaign) if c.at > now and (until is None or c.at <= until)}
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
                dep.id,
                parameters={**c.parameters, "campaign": app.campaign.id},
                name=c.name,
                state=Scheduled(scheduled_time=c.at),
                idempotency_key=key,
                tags=[TAG, f"campaign:{app.campaign.id}"],
            )
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
        runs = [
            r
            for r in _scheduled(client, dep.id, app.campaign.id)
            if (at := r.expected_start_time.astimezone(tz)).date() == day and (until is None or at.time() <= until)
        ]
        if not runs:
            return 0
        with app.store.session() as s:
            status = status_rows(s, app.campaign, day)
        for r in runs:
            p = r.parameters
            due = date.fromisoformat(p["due"]) if p.get("due") else None
            summary, _ = report(
                app.campaign, app.store, p["obligation"], p["period"], day, p.get("units") or None, due, status
            )
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
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                tags=FlowRunFilterTags(all_=[f"campaign:{campaign}"]),
            ),
            limit=200,
            offset=offset,
        )
        runs += page
        if len(page) < 200:
            return runs
        offset += 200


def register_deployment(flow) -> None:  # type: ignore[no-untyped-def]
    """For a server without prefect.yaml's deployments (the demo): the checkpoint deployment,
    with no schedule of its own (its runs are the calendar)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            flow_id = client.create_flow(flow)
            client.create_deployment(
                flow_id=flow_id,
                name="campaign-checkpoint",
                entrypoint="flows/checkpoint.py:campaign_checkpoint",
                description="活动日程：每个截止日和催报、督办节点一次检查",
            )
