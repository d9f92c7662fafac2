"""Mail intake: the bureau's mailbox read every 2 minutes; a reply with the form attached is a
submission, answered by a threaded receipt in the same run, exactly once."""

from __future__ import annotations

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.states import Failed, State

from schemas.text import md_rows
from tasks.app import open_app
from tasks.mailbox import held_rows, opened, poll, trust_problem
from tasks.outbox import send_queued


@flow(name="mail-intake", log_prints=True)
def mail_intake(campaign: str | None = None) -> list[dict[str, object]] | State:
    """Read every message in the mailbox folder once; file, hold or ignore each; send the receipts."""
    app = open_app(campaign)
    if not app.settings.imap_host:
        print("未配置邮箱（DUBAN_IMAP_HOST），本次不读取邮件")
        return []
    if why := trust_problem(app.settings):  # the run fails, saying why: no traceback
        print(why)
        return Failed(message=why)
    with opened(app.settings) as box:
        results = poll(app, box)
    report = send_queued(app, now=app.now())
    if results:
        create_table_artifact(
            key="mail-intake",
            description=f"本次读取 {len(results)} 封邮件",
            table=md_rows(
                [
                    {
                        "发件人": r.sender,
                        "单位": r.unit or "—",
                        "处理": r.action,
                        "原因": r.reason,
                        "附件": "、".join(f"{f['name']}（{f.get('status')}）" for f in r.files),
                    }
                    for r in results
                ]
            ),
        )
    held = held_rows(app)
    if held:
        create_table_artifact(
            key="mail-held",
            table=md_rows(held),
            description="发件人不是登记联系人的邮件：确认单位后运行 release-held-mail（填写编号和单位）",
        )
    print(f"读取 {len(results)} 封邮件；回执发出 {report.sent} 封；待确认 {len(held)} 封")
    return [r.as_json() for r in results]
