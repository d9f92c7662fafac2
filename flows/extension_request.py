"""Extension request (延期申请): a unit asked for more time on its page; ops approve it with a
date or refuse it with a reason, in the Prefect UI. The answer goes through the extension path:
audited, mailed to the unit, shown on its page, and the ladder follows the new date."""

from __future__ import annotations

import time
from datetime import date, datetime

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from flows.asking import ask_until_applied
from schemas.period import period_label
from schemas.tables import ExtensionRequest, ExtensionStatus
from schemas.text import md
from tasks.app import App, open_app
from tasks.ops import Decided, OpsError, answer_request, expire_request


class ExtensionAnswer(RunInput):
    """What ops answer in the Prefect UI."""

    approve: bool = True
    new_due: date | None = None
    reason: str = ""
    decided_by: str = ""


def describe(app: App, request_id: int) -> tuple[ExtensionRequest, str]:
    with app.store.session() as s:
        r = s.get(ExtensionRequest, request_id)
        if r is None or r.obligation.campaign != app.campaign.id:
            raise ValueError(f"本活动没有编号为 {request_id} 的延期申请")
        ob = r.obligation
        lines = [
            f"# {md(ob.unit.name)} 延期申请 #{r.id}",
            "",
            "| 项目 | 内容 |",
            "|---|---|",
            f"| 任务 | {md(app.campaign.obligation_name(ob.code))} {md(period_label(ob.period))} |",
            f"| 现截止日期 | {ob.effective_due:%Y-%m-%d} |",
            f"| 申请延至 | {r.requested_due:%Y-%m-%d} |",
            f"| 理由 | {md(r.reason)} |",
            f"| 申请人 | {md(r.requested_by)}（{md(r.phone)}） |",
            f"| 提交时间 | {r.requested_at:%Y-%m-%d %H:%M} |",
            "",
            "批准：approve 选 true，可改写 new_due；不批准：approve 选 false，并在 reason 中写明理由。",
        ]
        s.expunge(r)
        return r, "\n".join(lines)


@flow(name="extension-request", flow_run_name="extension-request-{request_id}", log_prints=True)
def extension_request(
    request_id: int,
    campaign: str | None = None,
    timeout_seconds: int = 14 * 24 * 3600,
    poll_seconds: int = 10,
    at: datetime | None = None,
) -> dict:
    """Show the request, wait for ops' answer, then grant or refuse it and tell the unit."""
    app = open_app(campaign)
    req, markdown = describe(app, request_id)
    create_markdown_artifact(key=f"extension-request-{request_id}", markdown=markdown, description="单位延期申请")
    if req.status != ExtensionStatus.PENDING:
        print(f"延期申请 {request_id} 已答复（{req.status}）")
        return {"request": request_id, "status": req.status}
    answered = _answer(
        app, req, markdown, deadline=time.monotonic() + timeout_seconds, poll_seconds=poll_seconds, at=at
    )
    if answered is None:
        return {"request": request_id, "status": ExtensionStatus.EXPIRED}
    d, new_due = answered
    print(
        f"延期申请 {request_id}：{'已批准，延至 ' + str(new_due) if d.granted else '未批准'}"
        + (f"；{d.delivery.summary()}" if d.delivery else "")
    )
    return {
        "request": request_id,
        "status": ExtensionStatus.GRANTED if d.granted else ExtensionStatus.REFUSED,
        "new_due": new_due.isoformat() if new_due else None,
    }


def _answer(
    app: App, req: ExtensionRequest, markdown: str, *, deadline: float, poll_seconds: int, at: datetime | None
) -> tuple[Decided, date | None] | None:
    """Wait for ops' answer and apply it (asked again while the extension path refuses it):
    the decision and the new date, or None when nobody answered before `deadline`."""
    request_id = req.id

    def apply(answer: ExtensionAnswer) -> tuple[Decided, date | None]:
        new_due = (answer.new_due or req.requested_due) if answer.approve else None
        reason = answer.reason.strip() or (f"同意延期：{req.reason}" if answer.approve else "")
        if not reason:
            reason = f"{app.campaign.organiser}经研究，不同意延期，请按原截止日期报送"
        by = answer.decided_by or app.campaign.organiser
        return answer_request(app, request_id, new_due=new_due, reason=reason, by=by, now=at or app.now()), new_due

    done = ask_until_applied(
        ExtensionAnswer.with_initial_data(
            new_due=req.requested_due, description="批准请确认新的截止日期；不批准请选择 approve=false 并写明理由。"
        ),
        apply,
        refused=OpsError,
        key=f"extension-request-{request_id}",
        description="单位延期申请",
        markdown=markdown,
        said=f"延期申请 {request_id} 的",
        deadline=deadline,
        poll=poll_seconds,
    )
    if done is None:  # nobody answered: the unit may ask again, and its page says so
        expire_request(app, request_id, now=at or app.now())
        print(f"延期申请 {request_id} 在期限内无人答复，已标记为未答复；单位可重新申请")
    return done
