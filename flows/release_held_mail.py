"""Release held mail: ops name the unit of a message from an unknown address; its kept files are
filed for that unit (audited) and answered."""

from __future__ import annotations

from prefect import flow

from tasks.app import open_app
from tasks.mailbox import release
from tasks.ops import unit_named
from tasks.outbox import send_queued


@flow(name="release-held-mail", log_prints=True)
def release_held_mail(mail_id: int, unit: str, released_by: str, campaign: str | None = None) -> dict:
    """File the attachments of held message `mail_id` for `unit` (a name or its unique beginning)."""
    app = open_app(campaign)
    unit_name = unit_named(app.campaign, unit)
    r = release(app, mail_id, unit_name, by=released_by, now=app.now())
    report = send_queued(app, now=app.now())
    print(
        f"邮件 {mail_id} 已按{unit_name}受理："
        + "，".join(f"{f['name']}（{f['status']}）" for f in r.files)
        + f"；回执发出 {report.sent} 封"
    )
    return r.as_json()
