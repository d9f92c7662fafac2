"""Every matter waiting in 申请办结 (asked on its page, or by a ledger row marked done) gets a
matter-closure run keyed by its request, so the intake and the daily sweep can ask again safely."""

from datetime import date, datetime

import pytest

from schemas.matters import Matter, MatterAction, MatterState
from tasks.matters import Assignment, act, assign
from tasks.prefect_api import ask_for_pending_closures
from tasks.prefect_api.api import MATTER_CLOSURE
from tests.fakes.prefect import FakePrefect

pytestmark = [pytest.mark.integration]


def test_every_matter_waiting_for_the_office_gets_a_run_keyed_by_its_request(app):
    now = datetime(2010, 7, 1, 9)
    with app.store.session(write=True) as s:
        first, second = assign(
            s, app.campaign, Assignment(["清河区", "清浦区"], "事项", date(2010, 7, 9), "王"), now=now
        )
        event = act(s, first, MatterAction.REQUEST_CLOSE, actor="张", at=now, text="已办结")
        s.flush()
        ids = (first.id, event.id, second.id)
    fake = FakePrefect()
    fake.add_deployment(MATTER_CLOSURE)
    assert ask_for_pending_closures(app, api=fake) == 1
    assert [r.key for r in fake.started] == [f"matter-closure:{app.campaign.id}:{ids[0]}:{ids[1]}"]
    with app.store.session() as s:
        assert s.get(Matter, ids[2]).state == MatterState.ASSIGNED  # not asked: no run
