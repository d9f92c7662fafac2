"""Resend failed or uncertain emails in one step (ops enter the ids shown in the artifact, or none for all)."""

from __future__ import annotations

from prefect import flow

from tasks.app import open_app
from tasks.ops import resend_now


@flow(name="resend-mail", log_prints=True)
def resend_mail(requested_by: str, ids: list[int] | None = None, campaign: str | None = None) -> dict:
    """Requeue the given emails (every failed and uncertain one when no id is given) and send them now."""
    app = open_app(campaign)
    requeued, skipped, report = resend_now(app, ids or None, by=requested_by, now=app.now())
    for i, why in skipped.items():
        print(f"#{i} 未重新排队：{why}")
    print(f"重新排队 {len(requeued)} 封。{report.summary()}")
    return {"requeued": requeued, "sent": report.sent, "failed": report.failed, "skipped": skipped}
