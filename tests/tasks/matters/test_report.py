"""Ops' daily list of matters (the sweep's artifact): overdue, due soon, asking to close; escaped."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from schemas.matters import MatterState
from tasks.matters import MatterRow, Standing, daily_groups, daily_list

pytestmark = pytest.mark.unit
S = MatterState


def row(i: int, unit: str, title: str, due: date, st: Standing, missing: datetime | None = None) -> MatterRow:
    return MatterRow(
        i, unit, i, title, "", "ops", "领导批示", due, None, st.state.value, datetime(2010, 7, 1), None, None, None,
        None, missing, None, standing=st,
    )  # fmt: skip


ROWS = [
    row(1, "清河区", "推进项目落地", date(2010, 7, 20), Standing(S.SIGNED, "red", "逾期5天", 5)),
    row(2, "淮阴区", "[点此](http://evil.example) | x", date(2010, 7, 10), Standing(S.ASSIGNED, "red", "逾期15天", 15)),
    row(3, "清浦区", "筹备成果展", date(2010, 7, 27), Standing(S.ASSIGNED, "yellow", "还有2天到期", 0)),
    row(4, "清河区", "落实协议文本", date(2010, 7, 30), Standing(S.CLOSING, "yellow", "申请办结，待审核", 0)),
    row(5, "清浦区", "已办结的", date(2010, 7, 20), Standing(S.CLOSED, "green", "按期办结", 0, True)),
    row(6, "淮阴区", "远期事项", date(2010, 9, 30), Standing(S.ASSIGNED, "grey", "交办", 0)),
    row(
        7, "淮阴区", "台账漏报的", date(2010, 9, 30), Standing(S.IN_PROGRESS, "grey", "办理中", 0), datetime(2010, 7, 5)
    ),
]


def test_the_daily_list_groups_overdue_due_soon_and_closing():
    groups = daily_groups(ROWS)
    assert [[r.id for r in v] for v in groups.values()] == [[2, 1], [3], [4], [7]]
    text = daily_list(ROWS, date(2010, 7, 25), 5)
    assert text is not None
    assert "### 逾期未办结：2 项" in text and "### 即将到期（5个工作日内）：1 项" in text
    assert "### 申请办结，待审核：1 项" in text and "| 清浦区 | 筹备成果展 | 2010-07-27 | 还有2天到期 |" in text
    assert "已办结的" not in text and "远期事项" not in text
    assert "### 台账中不再列出，请核实：1 项" in text and "台账漏报的" in text
    forged = next(line for line in text.splitlines() if "evil" in line)
    assert forged.count(" | ") == 3 and "](" not in forged  # the title adds no cell and no link


def test_nothing_to_list_is_no_artifact():
    assert daily_list(ROWS[4:6], date(2010, 7, 25), 5) is None
