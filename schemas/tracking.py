"""How a campaign file declares matters (督办事项): a form's `tracks:`, the campaign's `matters:`,
and the demo's assignments. The matters themselves are `schemas/matters.py`."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from schemas.schedule import Ladder
from schemas.strict import Model

DONE_VALUES = ("已完成", "已整改", "完成", "已办结", "已销号")
LEDGER_NOTE = "台账登记督办事项："  # begins the sentence of an accepted ledger's summary on its matters


def ledger_note_in(summary: str) -> str:
    """The sentence of a submission's summary that says what its ledger did to its matters ("" if none)."""
    at = summary.find(LEDGER_NOTE)
    return "" if at < 0 else summary[at:].split("\n", 1)[0].split("。", 1)[0] + "。"


class Tracks(Model):
    """A form whose rows are matters (a 整改台账): each accepted file creates or updates its unit's
    matters, one per row, named by the identity columns."""

    id: tuple[str, ...] = Field(min_length=1, description="the columns that identify a matter (e.g. 问题描述)")
    title: str = Field(description="the column that names the matter")
    deadline: str = Field(description="the date column of its deadline (完成时限): required in every row")
    status: str | None = Field(None, description="the column of its state (整改状态)")
    done_date: str | None = Field(None, description="the date column of when it was done (完成日期)")
    done_values: tuple[str, ...] = Field(DONE_VALUES, description="status values that mean done")
    responsible: str | None = Field(None, description="the column of its responsible person (责任人)")
    cumulative: bool = Field(
        True, description="each file restates every open matter: one that disappears is flagged, never closed"
    )
    source: str = Field("整改问题", description="what the matters are called where they come from")
    max_rows: int = Field(
        500, ge=1, le=10_000, description="the most matters one file may list (more: the file is refused)"
    )


class MattersPolicy(Model):
    """How matters are followed: their ladder and who supervises them."""

    ladder: Ladder | None = Field(None, description="the ladder of every matter (default: the campaign's ladder)")
    group: str | None = Field(None, description="the group told on a ladder step sent to `group` (default: none)")
    due_soon_days: int = Field(5, ge=0, description="ops' daily list: matters due within this many days")
    sources: tuple[str, ...] = Field(
        ("交办", "领导批示", "整改问题", "工作计划"), description="the words `duban assign --source` accepts"
    )


class DemoMatter(Model):
    """A matter ops assign during `duban demo`, and how each unit answers it."""

    title: str
    units: list[str] = Field(min_length=1)
    assigned_on: date
    due: date
    by: str = Field(description="who assigns it (交办人)")
    source: str = "交办"
    instruction: str = ""
    late: list[str] = Field([], description="units that close it after its deadline")
