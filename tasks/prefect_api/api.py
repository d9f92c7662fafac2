"""The one place Duban talks to the Prefect API outside a flow's own run: the campaign calendar
as scheduled checkpoint runs (created, moved, completed in replays, deleted), and starting runs
of other deployments. Flows and the CLI call these.

Each function takes the API as an optional keyword `api` (a `PrefectApi`); without it, it opens
the real server's (`PrefectServer`) for the call, as production does."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from tasks.app import App
from tasks.calendar import plan, report, status_rows
from tasks.matters import pending_closures
from tasks.prefect_api.client import PrefectServer, server_configured
from tasks.prefect_api.port import PrefectApi, ScheduledRun

log = logging.getLogger(__name__)
CONTACT_CHANGE = "contact-change/contact-change"
EXTENSION_REQUEST = "extension-request/extension-request"
MATTER_CLOSURE = "matter-closure/matter-closure"
MATTER_EXTENSION = "matter-extension/matter-extension"
DEPLOYMENT = "campaign-checkpoint/campaign-checkpoint"
TAG = "督办日程"
MISSING = {"created": 0, "removed": 0, "kept": 0, "missing_deployment": 1}


@contextmanager
def opened(api: PrefectApi | None) -> Iterator[PrefectApi]:
    """`api` itself, or the real server's opened for the time of the block."""
    if api is not None:
        yield api
        return
    with PrefectServer() as server:
        yield server


def campaign_tag(campaign_id: str) -> str:
    """The tag every checkpoint run of the campaign carries."""
    return f"campaign:{campaign_id}"


def _start(what: str, deployment: str, runs: list[dict[str, Any]], api: PrefectApi | None) -> int:
    """Start each of `runs` (the keywords of `start_run`) if the server has `deployment`: how
    many were started, 0 without it or when the API fails (logged)."""
    try:
        with opened(api) as a:
            if a.deployment(deployment) is None:
                return 0
            for run in runs:
                a.start_run(deployment, **run)
    except Exception as e:  # what asked for the runs keeps its record either way
        log.warning("could not start %s: %s", what, e)
        return 0
    return len(runs)


def ask_for_contact_decisions(campaign_id: str, change_ids: list[int], *, api: PrefectApi | None = None) -> int:
    """A `contact-change` run per held change, which a worker starts and which then waits for
    ops in the UI; returns how many were started (0 without a server or that deployment).
    The change is held either way; ops also see it in `duban contacts`."""
    if not change_ids or (api is None and not server_configured()):
        return 0
    runs = [
        {
            "parameters": {"change_id": cid, "campaign": campaign_id},
            "key": f"contact-change:{campaign_id}:{cid}",
            "name": f"contact-change-{cid}",
        }
        for cid in change_ids
    ]
    return _start("contact-change runs", CONTACT_CHANGE, runs, api)


def ask_for_extension_decision(campaign_id: str, request_id: int, *, api: PrefectApi | None = None) -> bool:
    """An `extension-request` run, paused for ops' answer in the UI; False without a server or
    that deployment (the request is kept either way and the page says it waits)."""
    if api is None and not server_configured():
        return False
    run = {
        "parameters": {"request_id": request_id, "campaign": campaign_id},
        "key": f"extension-request:{campaign_id}:{request_id}",
        "name": f"extension-request-{request_id}",
    }
    return _start("the extension-request run", EXTENSION_REQUEST, [run], api) == 1


def ask_for_closure_decision(campaign_id: str, matter_id: int, request: int, *, api: PrefectApi | None = None) -> bool:
    """A `matter-closure` run for a unit's request to close a matter (`request`: its event id, so
    a request made again after a return gets its own run), paused for ops' answer in the UI;
    False without a server or that deployment (the matter waits in 申请办结 either way)."""
    if api is None and not server_configured():
        return False
    run = {
        "parameters": {"matter_id": matter_id, "campaign": campaign_id},
        "key": f"matter-closure:{campaign_id}:{matter_id}:{request}",
        "name": f"matter-closure-{matter_id}",
    }
    return _start("the matter-closure run", MATTER_CLOSURE, [run], api) == 1


def ask_for_matter_extension_decision(
    campaign_id: str, matter_id: int, request: int, *, api: PrefectApi | None = None
) -> bool:
    """A `matter-extension` run for a unit's request for more time on a matter (`request`: its
    event id, so each request gets its own run), paused for ops' answer in the UI; False without
    a server or that deployment (the request waits in the matter's history either way)."""
    if api is None and not server_configured():
        return False
    run = {
        "parameters": {"matter_id": matter_id, "request_id": request, "campaign": campaign_id},
        "key": f"matter-extension:{campaign_id}:{matter_id}:{request}",
        "name": f"matter-extension-{matter_id}",
    }
    return _start("the matter-extension run", MATTER_EXTENSION, [run], api) == 1


def ask_for_pending_closures(app: App, *, api: PrefectApi | None = None) -> int:
    """A `matter-closure` run for every matter waiting in 申请办结 (asked on its page, or by a
    ledger row marked done), keyed by its request: one already started is not started again.
    How many runs the server has for them (0 without a server or that deployment)."""
    if api is None and not server_configured():
        return 0
    with app.store.session() as s:
        pending = pending_closures(s, app.campaign.id)
    runs = [
        {
            "parameters": {"matter_id": mid, "campaign": app.campaign.id},
            "key": f"matter-closure:{app.campaign.id}:{mid}:{request}",
            "name": f"matter-closure-{mid}",
        }
        for mid, request in pending
    ]
    return _start("the matter-closure runs", MATTER_CLOSURE, runs, api) if runs else 0


def fan_out(deployment: str, parameters: dict, extra: int, *, api: PrefectApi | None = None) -> int:
    """Start `extra` more runs of `deployment` (for any worker of its pool to pick up); how many
    were started (0 without a server or that deployment)."""
    if extra <= 0 or (api is None and not server_configured()):
        return 0
    return _start(f"more {deployment} runs", deployment, [{"parameters": parameters}] * extra, api)


def sync_calendar(
    app: App, *, now: datetime | None = None, until: datetime | None = None, api: PrefectApi | None = None
) -> dict[str, int]:
    """Make the upcoming `campaign-checkpoint` runs match the campaign (only runs after `now`, and
    up to `until` when given: a replay lays out only the days it replays)."""
    tz = ZoneInfo(app.campaign.timezone)
    now = now or datetime.now(tz)
    now = now if now.tzinfo else now.replace(tzinfo=tz)  # the store's times are naive campaign time
    with app.store.session() as s:
        wanted = {c.key: c for c in plan(s, app.campaign) if c.at > now and (until is None or c.at <= until)}
    tag = campaign_tag(app.campaign.id)
    with opened(api) as a:
        dep = a.deployment(DEPLOYMENT)
        if dep is None:
            return dict(MISSING)
        existing = a.scheduled_runs(dep.id, tag)
        removed = [r for r in existing if r.key not in wanted and r.at > now]
        for r in removed:
            a.delete_run(r.id)
        have = {r.key for r in existing}
        created = 0
        for key, c in wanted.items():
            if key in have:
                continue
            created += a.schedule_run(
                dep.id,
                name=c.name,
                at=c.at,
                parameters={**c.parameters, "campaign": app.campaign.id},
                key=key,
                tags=[TAG, tag],
            )
    return {"created": created, "removed": len(removed), "kept": len(wanted) - created}


def complete_day(app: App, day: date, until: time | None = None, *, api: PrefectApi | None = None) -> int:
    """Replays only: the day's checkpoint runs (those due by `until`, or all), which no worker
    picks up in a replay, get their report as their final state (Completed, with the summary
    as its message). The store must hold what it would hold at their time."""
    tz = ZoneInfo(app.campaign.timezone)
    with opened(api) as a:
        dep = a.deployment(DEPLOYMENT)
        if dep is None:
            return 0
        runs = [r for r in a.scheduled_runs(dep.id, campaign_tag(app.campaign.id)) if _due(r, tz, day, until)]
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
            a.complete_run(r.id, summary)
    return len(runs)


def _due(run: ScheduledRun, tz: ZoneInfo, day: date, until: time | None) -> bool:
    at = run.at.astimezone(tz)
    return at.date() == day and (until is None or at.time() <= until)


def replay_may_schedule(*, api: PrefectApi | None = None) -> bool:
    """A replay puts its past-dated checkpoint runs on the server only when the checkpoint
    deployment is the demo's, with no work pool: on a pool a worker would start them all at once."""
    with opened(api) as a:
        dep = a.deployment(DEPLOYMENT)
    return dep is not None and not dep.work_pool


def register_deployment(flow: Any, *, api: PrefectApi | None = None) -> None:
    """For a server without prefect.yaml's deployments (the demo): the checkpoint deployment,
    with no schedule of its own (its runs are the calendar)."""
    with opened(api) as a:
        if a.deployment(DEPLOYMENT) is None:
            a.create_deployment(
                flow,
                name="campaign-checkpoint",
                entrypoint="flows/checkpoint.py:campaign_checkpoint",
                description="活动日程：每个截止日和催报、督办节点一次检查",
            )
