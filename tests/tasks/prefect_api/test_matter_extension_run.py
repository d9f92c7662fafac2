"""A unit's 申请延期 on a matter starts one matter-extension run per request, keyed by its event
(a request made again after a refusal gets its own run); nothing without the deployment."""

from __future__ import annotations

import pytest

from tasks.prefect_api import ask_for_matter_extension_decision
from tasks.prefect_api.api import MATTER_EXTENSION
from tests.fakes.prefect import FakePrefect, Started

pytestmark = [pytest.mark.unit]


def test_a_matter_extension_run_per_request():
    fake = FakePrefect()
    fake.add_deployment(MATTER_EXTENSION)
    assert ask_for_matter_extension_decision("c1", 5, 40, api=fake) is True
    assert ask_for_matter_extension_decision("c1", 5, 47, api=fake) is True
    assert fake.started == [
        Started(
            MATTER_EXTENSION,
            {"matter_id": 5, "request_id": n, "campaign": "c1"},
            f"matter-extension:c1:5:{n}",
            "matter-extension-5",
        )
        for n in (40, 47)
    ]
    assert ask_for_matter_extension_decision("c1", 5, 48, api=FakePrefect()) is False
