"""Grant an extension (延期): ops fill in unit, obligation, new date and reason in the Prefect UI."""

from __future__ import annotations

from datetime import date

from prefect import flow

from flows.deadline_sweep import keep_calendar
from tasks.app import open_app
from tasks.extensions import grant_extension as grant


@flow(name="grant-extension", log_prints=True)
def grant_extension(unit: str, obligation: str, new_due: date, reason: str, granted_by: str,
                    period: str | None = None, campaign: str | None = None) -> dict:
    """Move one obligation's due date, with who and why in the audit log."""
    app = open_app(campaign)
    with app.store.session(write=True) as s:
        ob = grant(s, app.campaign, unit=unit, obligation=obligation, period=period, new_due=new_due,
                   reason=reason, granted_by=granted_by, now=app.now())
        print(f"已批准 {unit} {obligation} {ob.period} 延期至 {new_due}：{reason}（{granted_by}）")
        out = {"unit": unit, "obligation": obligation, "period": ob.period, "new_due": new_due.isoformat()}
    keep_calendar(app)  # the unit's checkpoints move to the new date in the UI
    return out
