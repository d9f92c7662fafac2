"""What Duban needs of the Prefect API (`PrefectApi`), in Duban's terms: a deployment by name,
the scheduled runs of a deployment, and making, removing, completing and starting runs.

Production uses the adapter over Prefect's client (`tasks.prefect_api.client.PrefectServer`);
unit tests use an in-memory fake (tests/fakes_prefect.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class Deployment:
    """A deployment on the server: its id and the work pool its runs go to (None: no pool)."""

    id: UUID
    work_pool: str | None = None


@dataclass(frozen=True)
class ScheduledRun:
    """A run still waiting for its time."""

    id: UUID
    key: str | None  # the idempotency key it was created with
    at: datetime  # expected start (aware)
    parameters: Mapping[str, Any]
    name: str = ""


class PrefectApi(Protocol):
    """One connection to a Prefect server, used for many calls in turn."""

    def deployment(self, name: str) -> Deployment | None:
        """The deployment called `name` ("flow/deployment"), or None when there is none."""
        ...

    def scheduled_runs(self, deployment_id: UUID, tag: str) -> list[ScheduledRun]:
        """Every scheduled run of the deployment that carries `tag`."""
        ...

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
        """A run scheduled for `at`; False when the server already knew `key` and handed back
        that run, which is no longer scheduled (ops cancelled it, it already completed)."""
        ...

    def delete_run(self, run_id: UUID) -> None:
        """Remove a run; one already gone is fine."""
        ...

    def complete_run(self, run_id: UUID, message: str) -> None:
        """Force the run's final state to Completed, with `message`."""
        ...

    def start_run(
        self, deployment: str, parameters: dict[str, Any], *, key: str | None = None, name: str | None = None
    ) -> None:
        """A run of the deployment called `deployment`, for a worker to start now (not waited for)."""
        ...

    def create_deployment(self, flow: Any, *, name: str, entrypoint: str, description: str) -> None:
        """A deployment of `flow` with no schedule and no work pool."""
        ...
