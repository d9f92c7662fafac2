"""Starting runs of other deployments (a contact change, an extension request, more intake
workers): nothing without a server or the deployment, and a failing API is logged, not raised."""

from __future__ import annotations

import logging

import pytest

import tasks.prefect_api.api as api_module
from tasks.prefect_api import (
    ask_for_contact_decisions,
    ask_for_extension_decision,
    fan_out,
    register_deployment,
    replay_may_schedule,
)
from tasks.prefect_api.api import CONTACT_CHANGE, DEPLOYMENT, EXTENSION_REQUEST
from tests.fakes.prefect import FakePrefect, Started

pytestmark = [pytest.mark.unit]
INTAKE = "intake/intake"


@pytest.fixture
def fake() -> FakePrefect:
    f = FakePrefect()
    for name in (CONTACT_CHANGE, EXTENSION_REQUEST, INTAKE):
        f.add_deployment(name)
    return f


def test_a_contact_change_run_per_held_change(fake):
    assert ask_for_contact_decisions("c1", [4, 7], api=fake) == 2
    assert fake.started == [
        Started(CONTACT_CHANGE, {"change_id": 4, "campaign": "c1"}, "contact-change:c1:4", "contact-change-4"),
        Started(CONTACT_CHANGE, {"change_id": 7, "campaign": "c1"}, "contact-change:c1:7", "contact-change-7"),
    ]
    assert ask_for_contact_decisions("c1", [], api=fake) == 0


def test_an_extension_request_run(fake):
    assert ask_for_extension_decision("c1", 3, api=fake) is True
    assert fake.started == [
        Started(EXTENSION_REQUEST, {"request_id": 3, "campaign": "c1"}, "extension-request:c1:3", "extension-request-3")
    ]


def test_fan_out_starts_the_extra_runs(fake):
    assert fan_out(INTAKE, {"campaign": "c1"}, 3, api=fake) == 3
    assert fake.started == [Started(INTAKE, {"campaign": "c1"})] * 3
    assert fan_out(INTAKE, {"campaign": "c1"}, 0, api=fake) == 0
    assert len(fake.started) == 3


def test_nothing_without_the_deployment():
    empty = FakePrefect()
    assert ask_for_contact_decisions("c1", [4], api=empty) == 0
    assert ask_for_extension_decision("c1", 3, api=empty) is False
    assert fan_out(INTAKE, {}, 2, api=empty) == 0
    assert empty.started == []


def test_nothing_without_a_server(monkeypatch):
    monkeypatch.setattr(api_module, "server_configured", lambda: False)
    opened: list[FakePrefect] = []
    monkeypatch.setattr(api_module, "PrefectServer", lambda: opened.append(FakePrefect()) or opened[-1])
    assert ask_for_contact_decisions("c1", [4]) == 0
    assert ask_for_extension_decision("c1", 3) is False
    assert fan_out(INTAKE, {}, 2) == 0
    assert opened == []  # no connection is even tried


def test_a_failing_api_is_logged_and_counts_nothing(fake, caplog):
    fake.fail = ConnectionError("server gone")
    with caplog.at_level(logging.WARNING, logger=api_module.__name__):
        assert ask_for_contact_decisions("c1", [4], api=fake) == 0
        assert ask_for_extension_decision("c1", 3, api=fake) is False
        assert fan_out(INTAKE, {}, 2, api=fake) == 0
    assert len(caplog.records) == 3 and all("server gone" in r.getMessage() for r in caplog.records)


class Flow:
    name = "campaign-checkpoint"


def test_the_checkpoint_deployment_is_registered_once():
    fake = FakePrefect()
    register_deployment(Flow(), api=fake)
    dep = fake.deployments[DEPLOYMENT]
    register_deployment(Flow(), api=fake)
    assert list(fake.deployments) == [DEPLOYMENT] and fake.deployments[DEPLOYMENT] == dep


def test_a_replay_schedules_only_on_a_deployment_without_pool():
    fake = FakePrefect()
    assert replay_may_schedule(api=fake) is False
    fake.add_deployment(DEPLOYMENT)
    assert replay_may_schedule(api=fake) is True
    fake.add_deployment(DEPLOYMENT, work_pool="duban")
    assert replay_may_schedule(api=fake) is False
