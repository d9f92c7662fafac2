"""Grant or refuse an extension (延期): ops fill in unit, obligation, new date and reason in the
Prefect UI, by the names people use (a unit's name or its beginning, an obligation's title or
its form's label, a period as the calendar writes it)."""

from __future__ import annotations

from datetime import date

from prefect import flow

from tasks.app import open_app
from tasks.ops import decide_extension


@flow(name="grant-extension", log_prints=True)
def grant_extension(
    unit: str,
    obligation: str,
    reason: str,
    granted_by: str,
    new_due: date | None = None,
    period: str | None = None,
    campaign: str | None = None,
) -> dict:
    """Move one obligation's due date to `new_due`, or refuse the request when `new_due` is empty;
    who and why go to the audit log, the unit is mailed the answer, its checkpoints follow."""
    app = open_app(campaign)
    d = decide_extension(
        app,
        unit=unit,
        obligation=obligation,
        period=period,
        new_due=new_due,
        reason=reason,
        by=granted_by,
        now=app.now(),
    )
    if d.granted:
        print(f"已批准 {d.unit}“{d.name}”延期至 {new_due}：{reason}（{granted_by}）")
    else:
        print(f"未批准 {d.unit}“{d.name}”的延期申请，截止日期仍为 {d.obligation.effective_due}（{granted_by}）")
    if d.delivery:
        print(d.delivery.summary())
    if d.calendar_problem:
        print(f"未能更新 Prefect 中的督办日程（{d.calendar_problem}），下次催报时更新")
    return {
        "unit": d.unit,
        "obligation": d.obligation.code,
        "period": d.obligation.period,
        "granted": d.granted,
        "new_due": new_due.isoformat() if new_due else None,
        "notified": d.delivery.sent if d.delivery else 0,
    }
