"""An in-memory Prefect API (`FakePrefect`, a `PrefectApi`) for unit tests: deployments by name,
flow runs with their state, and what was started. It behaves as the server does where Duban
relies on it: a known idempotency key hands back the run it already made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from tasks.prefect_api import Deployment, ScheduledRun

SCHEDULED, COMPLETED, CANCELLED = "SCHEDULED", "COMPLETED", "CANCELLED"


@dataclass
class FakeRun:
    id: UUID
    deployment_id: UUID
    name: str
    at: datetime
    parameters: dict[str, Any]
    key: str | None
    tags: list[str]
    state: str = SCHEDULED
    message: str | None = None


@dataclass
class Started:
    """A `start_run` call."""

    deployment: str
    parameters: dict[str, Any]
    key: str | None = None
    name: str | None = None


@dataclass
class FakePrefect:
    """Set `fail` to an exception to make every call raise it (a server gone away)."""

    deployments: dict[str, Deployment] = field(default_factory=dict)
    runs: dict[UUID, FakeRun] = field(default_factory=dict)
    started: list[Started] = field(default_factory=list)
    fail: Exception | None = None

    def __enter__(self) -> FakePrefect:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def add_deployment(self, name: str, work_pool: str | None = None) -> UUID:
        dep = Deployment(id=uuid4(), work_pool=work_pool)
        self.deployments[name] = dep
        return dep.id

    def add_run(self, deployment: str, *, at: datetime, key: str, state: str = SCHEDULED, **kw: Any) -> FakeRun:
        """A run put there by someone else (an earlier sync, ops)."""
        run = FakeRun(
            id=uuid4(),
            deployment_id=self.deployments[deployment].id,
            name=kw.get("name", key),
            at=at,
            parameters=kw.get("parameters", {}),
            key=key,
            tags=kw.get("tags", []),
            state=state,
        )
        self.runs[run.id] = run
        return run

    def scheduled(self, tag: str | None = None) -> list[FakeRun]:
        """The scheduled runs (with `tag`), by time."""
        out = [r for r in self.runs.values() if r.state == SCHEDULED and (tag is None or tag in r.tags)]
        return sorted(out, key=lambda r: r.at)

    def _check(self) -> None:
        if self.fail is not None:
            raise self.fail

    # the PrefectApi

    def deployment(self, name: str) -> Deployment | None:
        self._check()
        return self.deployments.get(name)

    def scheduled_runs(self, deployment_id: UUID, tag: str) -> list[ScheduledRun]:
        self._check()
        return [
            ScheduledRun(id=r.id, key=r.key, at=r.at, parameters=dict(r.parameters), name=r.name)
            for r in self.scheduled(tag)
            if r.deployment_id == deployment_id
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
        self._check()
        known = next((r for r in self.runs.values() if r.key == key), None)
        if known is not None:
            return known.state == SCHEDULED
        run = FakeRun(uuid4(), deployment_id, name, at, dict(parameters), key, list(tags))
        self.runs[run.id] = run
        return True

    def delete_run(self, run_id: UUID) -> None:
        self._check()
        self.runs.pop(run_id, None)

    def complete_run(self, run_id: UUID, message: str) -> None:
        self._check()
        run = self.runs[run_id]
        run.state, run.message = COMPLETED, message

    def start_run(
        self, deployment: str, parameters: dict[str, Any], *, key: str | None = None, name: str | None = None
    ) -> None:
        self._check()
        if deployment not in self.deployments:
            raise LookupError(deployment)
        self.started.append(Started(deployment, dict(parameters), key, name))

    def create_deployment(self, flow: Any, *, name: str, entrypoint: str, description: str) -> None:
        self._check()
        self.add_deployment(f"{getattr(flow, 'name', flow)}/{name}")
