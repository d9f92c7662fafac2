"""Matter extension (督办事项延期申请): a unit asked on its page for a later deadline on one of its
matters; ops approve it (with the date asked, or another) or refuse it with a reason, in the
Prefect UI. The answer goes through `tasks.matters.answer_extension`: recorded in the matter's
history, mailed to the unit, on its page, and the ladder follows the new date."""

from __future__ import annotations

import time
from datetime import date, datetime

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from flows.asking import ask_until_applied
from schemas.matters import Matter, MatterEvent
from schemas.text import md
from tasks.app import App, open_app
from tasks.matters import ExtensionDecision, MatterRefused, answer_extension, pending_extension
from tasks.outbox import send_queued


class MatterExtensionAnswer(RunInput):
    """What ops answer in the Prefect UI."""

    approve: bool = True
    new_due: date | None = None
    reason: str = ""
    decided_by: str = ""


def describe(app: App, matter_id: int, request_id: int) -> tuple[date | None, str]:
    """The date asked when the request still waits for ops (else None), and the markdown ops read."""
    with app.store.session() as s:
        m = s.get(Matter, matter_id)
        req = s.get(MatterEvent, request_id)
        if m is None or m.campaign != app.campaign.id or req is None or req.matter_id != m.id:
            raise ValueError(f"本活动没有督办事项 {matter_id} 的编号为 {request_id} 的延期申请")
        asked = date.fromisoformat(str(req.detail.get("new_due")))
        lines = [
            f"# {md(m.unit.name)} 督办事项延期申请 #{m.id}",
            "",
            "| 项目 | 内容 |",
            "|---|---|",
            f"| 事项 | {md(m.title)} |",
            f"| 来源 | {md(m.source_label or m.source)} |",
            f"| 责任人 | {md(m.responsible) or '—'} |",
            f"| 现办结时限 | {m.effective_due:%Y-%m-%d} |",
            f"| 申请延至 | {asked:%Y-%m-%d} |",
            f"| 理由 | {md(req.text)} |",
            f"| 申请人 | {md(req.actor)} |",
            f"| 提交时间 | {req.at:%Y-%m-%d %H:%M} |",
            f"| 现状态 | {m.status.label} |",
            "",
            "批准：approve 选 true，可改写 new_due；不批准：approve 选 false，并在 reason 中写明理由。",
            "decided_by 写审核人。",
        ]
        waiting = pending_extension(s, m.id)
        return (asked if waiting is not None and waiting.id == req.id else None), "\n".join(lines)


@flow(name="matter-extension", flow_run_name="matter-extension-{matter_id}", log_prints=True)
def matter_extension(
    matter_id: int,
    request_id: int,
    campaign: str | None = None,
    timeout_seconds: int = 14 * 24 * 3600,
    poll_seconds: int = 10,
    at: datetime | None = None,
) -> dict:
    """Show the request, wait for ops' answer, then extend the matter or refuse, and tell the unit."""
    app = open_app(campaign)
    asked, markdown = describe(app, matter_id, request_id)
    create_markdown_artifact(key=f"matter-extension-{matter_id}", markdown=markdown, description="督办事项延期申请")
    if asked is None:
        print(f"督办事项 {matter_id} 的延期申请 {request_id} 已答复")
        return {"matter": matter_id, "request": request_id, "answered": False}
    deadline = time.monotonic() + timeout_seconds
    done = _answer(app, matter_id, request_id, asked, markdown, deadline=deadline, poll=poll_seconds, at=at)
    if done is None:
        print(f"督办事项 {matter_id} 的延期申请 {request_id} 未在本次运行中答复")
        return {"matter": matter_id, "request": request_id, "answered": False}
    delivery = send_queued(app, now=at or app.now())
    word = f"已批准，延至 {done.due}" if done.granted else "未批准"
    print(f"督办事项 {matter_id} 的延期申请：{word}；{delivery.summary()}")
    return {
        "matter": matter_id,
        "request": request_id,
        "answered": True,
        "granted": done.granted,
        "due": done.due.isoformat(),
        "queued": done.queued,
    }


def _answer(
    app: App,
    matter_id: int,
    request_id: int,
    asked: date,
    markdown: str,
    *,
    deadline: float,
    poll: int,
    at: datetime | None,
) -> ExtensionDecision | None:
    """Wait for ops' answer and apply it (asked again while it is refused, e.g. a refusal without
    a reason): the decision, or None when nobody answered before `deadline` (the request waits)."""

    def apply(answer: MatterExtensionAnswer) -> ExtensionDecision:
        by = answer.decided_by.strip() or app.campaign.organiser
        with app.store.session(write=True) as s:
            return answer_extension(
                s, app.campaign, app.settings, matter_id, request_id, approve=answer.approve,
                new_due=answer.new_due, reason=answer.reason, by=by, now=at or app.now(),
            )  # fmt: skip

    return ask_until_applied(
        MatterExtensionAnswer.with_initial_data(
            new_due=asked, description="批准请确认新的办结时限；不批准请选择 approve=false 并写明理由。"
        ),
        apply,
        refused=MatterRefused,
        key=f"matter-extension-{matter_id}",
        description="督办事项延期申请",
        markdown=markdown,
        said=f"督办事项 {matter_id} 的延期申请",
        deadline=deadline,
        poll=poll,
        still_open=lambda: describe(app, matter_id, request_id)[0] is not None,  # not answered meanwhile
    )
