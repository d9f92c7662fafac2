"""A unit's 申请办结 starts one matter-closure run per request (a request made again after a
return gets its own run); nothing without the deployment."""

from __future__ import annotations

import pytest

from tasks.prefect_api import ask_for_closure_decision
from tasks.prefect_api.api import MATTER_CLOSURE
from tests.fakes.prefect import FakePrefect, Started

pytestmark = [pytest.mark.unit]


def test_a_matter_closure_run_per_request():
    fake = FakePrefect()
    fake.add_deployment(MATTER_CLOSURE)
    assert ask_for_closure_decision("c1", 5, 40, api=fake) is True
    assert ask_for_closure_decision("c1", 5, 47, api=fake) is True
    assert fake.started == [
        Started(MATTER_CLOSURE, {"matter_id": 5, "campaign": "c1"}, f"matter-closure:c1:5:{n}", "matter-closure-5")
        for n in (40, 47)
    ]
    assert ask_for_closure_decision("c1", 5, 48, api=FakePrefect()) is False
