"""Matter closure (督办事项办结审核): a unit asked on its page to close one of its matters; ops
approve it (销号) or return it with a reason (退回), in the Prefect UI. The decision goes through
`tasks.matters.decide_closure`: recorded in the matter's history, mailed to the unit, on its page."""

from __future__ import annotations

import time
from datetime import datetime

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from flows.asking import ask_until_applied
from schemas.matters import ACTION_LABELS, Matter, MatterAction, MatterState
from schemas.text import md
from tasks.app import App, open_app
from tasks.matters import Closure, MatterRefused, decide_closure
from tasks.outbox import send_queued


class ClosureAnswer(RunInput):
    """What ops answer in the Prefect UI."""

    approve: bool = True
    reason: str = ""
    decided_by: str = ""


def describe(app: App, matter_id: int) -> tuple[MatterState, str]:
    """The matter's state now, and the markdown ops read: the matter, its history, the evidence."""
    with app.store.session() as s:
        m = s.get(Matter, matter_id)
        if m is None or m.campaign != app.campaign.id:
            raise ValueError(f"本活动没有编号为 {matter_id} 的督办事项")
        lines = [
            f"# {md(m.unit.name)} 督办事项办结申请 #{m.id}",
            "",
            "| 项目 | 内容 |",
            "|---|---|",
            f"| 事项 | {md(m.title)} |",
            f"| 来源 | {md(m.source_label or m.source)} |",
            f"| 要求 | {md(m.instruction) or '—'} |",
            f"| 责任人 | {md(m.responsible) or '—'} |",
            f"| 办结时限 | {m.effective_due:%Y-%m-%d} |",
            f"| 完成日期 | {m.done_on:%Y-%m-%d} |" if m.done_on else "| 完成日期 | — |",
            f"| 现状态 | {m.status.label} |",
            "",
            "## 办理记录",
            "",
            "| 时间 | 经办人 | 操作 | 说明 | 附件 |",
            "|---|---|---|---|---|",
        ]
        for e in m.events:
            files = "；".join(f"{md(f.get('name', ''))}（sha256 {str(f.get('sha256', ''))[:12]}…）" for f in e.files)
            words = ACTION_LABELS.get(MatterAction(e.action), e.action)
            lines.append(f"| {e.at:%Y-%m-%d %H:%M} | {md(e.actor)} | {words} | {md(e.text)} | {files} |")
        lines += ["", "销号：approve 选 true；退回：approve 选 false，并在 reason 中写明理由。decided_by 写审核人。"]
        return m.status, "\n".join(lines)


@flow(name="matter-closure", flow_run_name="matter-closure-{matter_id}", log_prints=True)
def matter_closure(
    matter_id: int,
    campaign: str | None = None,
    timeout_seconds: int = 14 * 24 * 3600,
    poll_seconds: int = 10,
    at: datetime | None = None,
) -> dict:
    """Show the request, wait for ops' answer, then close or return the matter and tell the unit."""
    app = open_app(campaign)
    state, markdown = describe(app, matter_id)
    create_markdown_artifact(key=f"matter-closure-{matter_id}", markdown=markdown, description="督办事项办结申请")
    if state is not MatterState.CLOSING:
        print(f"督办事项 {matter_id} 目前为“{state.label}”，没有待审核的办结申请")
        return {"matter": matter_id, "state": state.value}
    done = _answer(app, matter_id, markdown, deadline=time.monotonic() + timeout_seconds, poll=poll_seconds, at=at)
    if done is None:
        now, _ = describe(app, matter_id)
        print(f"督办事项 {matter_id} 的办结申请未在本次运行中审核，现为“{now.label}”")
        return {"matter": matter_id, "state": now.value}
    delivery = send_queued(app, now=at or app.now())
    print(f"督办事项 {matter_id}：{done.state.label}；{delivery.summary()}")
    return {"matter": matter_id, "state": done.state.value, "queued": done.queued}


def _answer(
    app: App, matter_id: int, markdown: str, *, deadline: float, poll: int, at: datetime | None
) -> Closure | None:
    """Wait for ops' answer and apply it (asked again while it is refused, e.g. a return without
    a reason): the decision, or None when nobody answered before `deadline`."""

    def apply(answer: ClosureAnswer) -> Closure:
        by = answer.decided_by.strip() or app.campaign.organiser
        with app.store.session(write=True) as s:
            return decide_closure(
                s, app.campaign, matter_id, approve=answer.approve, reason=answer.reason, by=by,
                now=at or app.now(), settings=app.settings,
            )  # fmt: skip

    return ask_until_applied(
        ClosureAnswer.with_initial_data(description="销号选择 approve=true；退回选择 approve=false 并写明理由。"),
        apply,
        refused=MatterRefused,
        key=f"matter-closure-{matter_id}",
        description="督办事项办结申请",
        markdown=markdown,
        said=f"督办事项 {matter_id} 的",
        word="审核",
        deadline=deadline,
        poll=poll,
        still_open=lambda: describe(app, matter_id)[0] is MatterState.CLOSING,  # not decided meanwhile
    )
