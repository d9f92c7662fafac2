"""Grant an extension (延期): ops fill in unit, obligation, new date and reason in the Prefect UI."""

from __future__ import annotations

from datetime import date

from prefect import flow

from tasks.app import open_app
from tasks.extensions import extend


@flow(name="grant-extension", log_prints=True)
def grant_extension(unit: str, obligation: str, new_due: date, reason: str, granted_by: str,
                    period: str | None = None, campaign: str | None = None) -> dict:
    """Move one obligation's due date, with who and why in the audit log; its checkpoints follow."""
    app = open_app(campaign)
    ob, calendar_problem = extend(app, unit=unit, obligation=obligation, period=period, new_due=new_due,
                                  reason=reason, granted_by=granted_by, now=app.now())
    print(f"已批准 {unit} {obligation} {ob.period} 延期至 {new_due}：{reason}（{granted_by}）")
    if calendar_problem:
        print(f"未能更新 Prefect 中的督办日程（{calendar_problem}），下次催报时更新")
    return {"unit": unit, "obligation": obligation, "period": ob.period, "new_due": new_due.isoformat()}
