"""The Prefect API as production reaches it: `PrefectServer`, the `PrefectApi` adapter over
Prefect 3's synchronous client. Use it as a context manager: one connection serves every call.

Every `prefect` import is made inside the functions: importing prefect costs about 1 s, which
the CLI and the portal should not pay unless they talk to the server."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from tasks.prefect_api.port import Deployment, ScheduledRun

PAGE = 200


def server_configured() -> bool:
    """Is a Prefect server configured (environment or Prefect profile)?"""
    from prefect.settings import PREFECT_API_URL  # deferred: prefect costs ~1 s at start

    return bool(PREFECT_API_URL.value())


def read_scheduled(client: Any, deployment_id: UUID, tag: str) -> list[Any]:
    """Prefect's own flow runs, scheduled, of the deployment and with `tag`, page by page."""
    # deferred: prefect costs ~1 s at start
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType  # deferred: Prefect costs ~1 s at import

    runs: list[Any] = []
    offset = 0
    while True:
        page = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                tags=FlowRunFilterTags(all_=[tag]),
            ),
            limit=PAGE,
            offset=offset,
        )
        runs += page
        if len(page) < PAGE:
            return runs
        offset += PAGE


class PrefectServer:
    """`PrefectApi` over `get_client(sync_client=True)`, opened by `with PrefectServer() as api`."""

    def __init__(self) -> None:
        self._cm: Any = None
        self._client: Any = None

    def __enter__(self) -> PrefectServer:
        from prefect.client.orchestration import get_client  # deferred: prefect costs ~1 s at start

        self._cm = get_client(sync_client=True)
        self._client = self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        cm, self._cm, self._client = self._cm, None, None
        cm.__exit__(*exc)

    def deployment(self, name: str) -> Deployment | None:
        from prefect.exceptions import ObjectNotFound  # deferred: prefect costs ~1 s at start

        try:
            dep = self._client.read_deployment_by_name(name)
        except ObjectNotFound:
            return None
        return Deployment(id=dep.id, work_pool=dep.work_pool_name or None)

    def scheduled_runs(self, deployment_id: UUID, tag: str) -> list[ScheduledRun]:
        return [
            ScheduledRun(id=r.id, key=r.idempotency_key, at=r.expected_start_time, parameters=r.parameters, name=r.name)
            for r in read_scheduled(self._client, deployment_id, tag)
        ]

    def schedule_run(
        self,
        deployment_id: UUID,
        *,
        name: str,
        at: datetime,
        parameters: dict[str, Any],
        key: str,
        tags: Sequence[str],
    ) -> bool:
        from prefect.states import Scheduled  # deferred: prefect costs ~1 s at start

        run = self._client.create_flow_run_from_deployment(
            deployment_id,
            parameters=parameters,
            name=name,
            state=Scheduled(scheduled_time=at),
            idempotency_key=key,
            tags=list(tags),
        )
        # for a key it has seen the server hands back that run (one ops cancelled, one already
        # completed): only a scheduled run is a new one
        return bool(run.state and run.state.is_scheduled())

    def delete_run(self, run_id: UUID) -> None:
        from prefect.exceptions import ObjectNotFound  # deferred: prefect costs ~1 s at start

        try:
            self._client.delete_flow_run(run_id)
        except ObjectNotFound:  # another sync (a sweep, an extension) got there first
            pass

    def complete_run(self, run_id: UUID, message: str) -> None:
        from prefect.states import Completed  # deferred: prefect costs ~1 s at start

        self._client.set_flow_run_state(run_id, Completed(message=message), force=True)

    def start_run(
        self, deployment: str, parameters: dict[str, Any], *, key: str | None = None, name: str | None = None
    ) -> None:
        from prefect.deployments import run_deployment  # deferred: prefect costs ~1 s at start

        run_deployment(
            deployment,
            parameters=parameters,
            timeout=0,
            as_subflow=False,
            idempotency_key=key,
            flow_run_name=name,
        )

    def create_deployment(self, flow: Any, *, name: str, entrypoint: str, description: str) -> None:
        flow_id = self._client.create_flow(flow)
        self._client.create_deployment(flow_id=flow_id, name=name, entrypoint=entrypoint, description=description)
