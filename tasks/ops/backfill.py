"""What units delivered before Duban started, recorded from a sheet ops keep (Excel or CSV).

Going live mid-campaign, the first sweep would escalate every unit that had sent its forms by
other means. `duban backfill` records each such delivery (unit, obligation, period, the day it
came, a note) as "delivered outside Duban": it meets the obligation, stops the ladder and
counts in the briefings by the day it came; it is audited with who recorded it.

The sheet's headers: 单位, 任务 (its name, its form's label, or its id), 期次 (only for
obligations owed more than once), 收到日期, and optionally 说明. Every line is checked before
anything is written; a line that names nothing known says why, with its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.campaign import Campaign
from schemas.tables import Submission, Unit
from schemas.verdicts import DELIVERED, SubmissionStatus
from tasks.app import App, audit
from tasks.intake import CellError, Limits, Unreadable, a_date, header_key, read_sheets
from tasks.ops import names

HEADERS = {
    "unit": ("单位", "填报单位", "单位名称"),
    "obligation": ("任务", "报送任务", "报表", "表单"),
    "period": ("期次", "期别", "月份"),
    "received": ("收到日期", "报送日期", "收到时间"),
    "note": ("说明", "备注"),
}


@dataclass
class Line:
    row: int
    unit: str | None = None
    obligation: str | None = None
    period: str | None = None
    received: date | None = None
    note: str = ""
    problem: str | None = None
    submission_id: int | None = None
    already: int | None = None  # the delivery on record already (a rerun): nothing to do, not a problem

    def as_json(self) -> dict[str, object]:
        return {
            "row": self.row,
            "unit": self.unit,
            "obligation": self.obligation,
            "period": self.period,
            "received": self.received.isoformat() if self.received else None,
            "problem": self.problem,
            "submission_id": self.submission_id,
            "already": self.already,
        }


def read(data: bytes, filename: str, campaign: Campaign, limits: Limits) -> list[Line]:
    """The sheet's lines, each resolved to the campaign's names or saying what is wrong."""
    try:
        sheets = read_sheets(data, filename, limits)
    except Unreadable as e:
        return [Line(0, problem=str(e))]
    for sheet in sheets:
        for r, row in enumerate(sheet.rows[:20]):
            cols = _columns(row)
            if {"unit", "obligation", "received"} <= cols.keys():
                return [
                    _line(campaign, r2 + 1, sheet.rows[r2], cols)
                    for r2 in range(r + 1, len(sheet.rows))
                    if any(c and c.strip() for c in sheet.rows[r2])
                ]
    return [Line(0, problem="找不到表头：需要“单位”“任务”“收到日期”三列（多期任务还需要“期次”）")]


def _columns(row: list[str | None]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = header_key(cell or "")
        for name, spellings in HEADERS.items():
            if key in spellings and name not in found:
                found[name] = i
    return found


def _line(campaign: Campaign, row: int, cellsrow: list[str | None], cols: dict[str, int]) -> Line:
    def cell(name: str) -> str:
        i = cols.get(name)
        return (cellsrow[i] or "").strip() if i is not None and i < len(cellsrow) else ""

    line = Line(row, note=cell("note"))
    try:
        line.unit = names.unit(campaign, cell("unit"))
        line.obligation = names.obligation(campaign, cell("obligation"))
        line.period = names.period(campaign, line.obligation, cell("period"))
        if line.unit not in {u.name for u in campaign.owners_of(campaign.obligation(line.obligation))}:
            raise names.UnknownName(f"{line.unit}不需要报送“{campaign.obligation_name(line.obligation)}”")
        line.received = a_date(cell("received"))
    except (names.UnknownName, CellError) as e:
        line.problem = f"第{row}行：{e}" if not isinstance(e, CellError) else f"第{row}行“收到日期”{e}"
    return line


def record(app: App, lines: list[Line], *, by: str, now: datetime) -> list[Line]:
    """Record every good line as delivered outside Duban (once: a delivery already on record is
    said so, not recorded twice). Nothing is written if any line has a problem."""
    for line in lines:
        if line.received and line.received > now.date():
            line.problem = f"第{line.row}行：收到日期 {line.received} 晚于今天"
    if any(line.problem for line in lines):
        return lines
    with app.store.session(write=True) as s:
        units = dict(s.execute(select(Unit.name, Unit.id).where(Unit.campaign == app.campaign.id)).tuples().all())
        for line in lines:
            _record_line(s, app.campaign, line, units[line.unit], by=by, now=now)
    return lines


def _record_line(s: Session, campaign: Campaign, line: Line, unit_id: int, *, by: str, now: datetime) -> None:
    """One good line recorded and audited, or `line.already` set to the delivery already on record."""
    assert line.unit and line.obligation and line.period and line.received
    form = campaign.obligation(line.obligation).form
    earlier = s.scalar(
        select(Submission.id).where(
            Submission.campaign == campaign.id,
            Submission.unit_id == unit_id,
            Submission.form == form,
            Submission.period == line.period,
            Submission.status.in_(DELIVERED),
        )
    )
    if earlier:
        line.already = earlier
        return
    sub = Submission(
        campaign=campaign.id,
        sha256="",
        filename=f"系统外报送：{line.note or '（无说明）'}"[:500],
        size=0,
        received_at=datetime.combine(line.received, time(12)),
        unit_id=unit_id,
        form=form,
        period=line.period,
        status=SubmissionStatus.EXTERNAL,
        summary=line.note,
        row_count=0,
    )
    s.add(sub)
    s.flush()
    line.submission_id = sub.id
    audit(
        s,
        at=now,
        actor=by,
        action="submission.external",
        subject=f"{line.unit}/{form}/{line.period}",
        submission_id=sub.id,
        received=line.received.isoformat(),
        note=line.note,
    )
