"""The demo's matters, played on a store: assigned to three counties, each signed for, reported
on, asked to close and closed by ops; the county the campaign names closes late."""

from datetime import date

import pytest

from schemas.matters import MatterState
from tasks.demo import matter_plan, play_matters
from tasks.matters import matter_rows

pytestmark = pytest.mark.integration


def test_the_demo_matters_are_followed_to_closure(app):
    steps = matter_plan(app.campaign, 2010)
    for day in sorted({s.day for s in steps}):
        play_matters(app, day, [s for s in steps if s.day == day])
    with app.store.session() as s:
        rows = matter_rows(s, app.campaign, date(2010, 9, 30))
    first = {r.unit: r for r in rows if r.title.startswith("组委会交办")}
    assert set(first) == {"清河区", "淮阴区", "涟水县"}
    assert {r.standing.state for r in rows} == {MatterState.CLOSED}
    assert [u for u, r in first.items() if not r.standing.on_time] == ["涟水县"]
    assert first["涟水县"].standing.label.startswith("逾期")


def test_a_late_matter_reads_as_in_progress_before_it_was_closed(app):
    steps = matter_plan(app.campaign, 2010)
    for day in sorted({s.day for s in steps}):
        play_matters(app, day, [s for s in steps if s.day == day])
    with app.store.session() as s:
        late = {r.unit: r for r in matter_rows(s, app.campaign, date(2010, 8, 25))}["涟水县"]
    assert (late.standing.state, late.standing.label) == (MatterState.IN_PROGRESS, "逾期5天")
