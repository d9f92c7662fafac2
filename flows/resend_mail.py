"""Resend failed or uncertain emails in one step (ops enter the ids shown in the artifact)."""

from __future__ import annotations

from prefect import flow

from tasks.app import open_app
from tasks.extensions import resend_now


@flow(name="resend-mail", log_prints=True)
def resend_mail(ids: list[int], requested_by: str, campaign: str | None = None) -> dict:
    """Requeue the given emails and send them now."""
    app = open_app(campaign)
    requeued, report = resend_now(app, ids, by=requested_by, now=app.now())
    print(f"重发 {len(requeued)} 封，发出 {report.sent}，失败 {report.failed}")
    return {"requeued": requeued, "sent": report.sent, "failed": report.failed}
