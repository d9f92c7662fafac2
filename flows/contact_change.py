"""Contact change (联系人变更): ops approve or reject, in the Prefect UI, a change of who receives a unit's mail."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from prefect import flow, pause_flow_run
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from notifications.contact_notice import (
    changes,
    contacts_form,
    field_words,
    new_addresses,
    role_words,
)
from schemas.tables import ChangeStatus, ContactChange, Submission
from schemas.text import md
from tasks.app import App, open_app
from tasks.contacts import STATUS_LABELS
from tasks.contacts import answer as answer_change


class ContactDecision(RunInput):
    """What ops answer in the Prefect UI."""

    decision: Literal["approve", "reject"] = "reject"
    decided_by: str = ""
    comment: str = ""


def describe(app: App, change_id: int) -> tuple[str, str]:
    """(status, markdown) of one change: what it changes, then old and new lists side by side,
    every value escaped (a name can add no cell, link or line)."""
    with app.store.session() as s:
        c = s.get(ContactChange, change_id)
        if c is None or c.unit.campaign != app.campaign.id:
            raise ValueError(f"本活动没有编号为 {change_id} 的联系人变更申请")
        sub = s.get(Submission, c.submission_id) if c.submission_id else None
        form = contacts_form(app.campaign, sub.form if sub else None)
        roles, fields = role_words(form), field_words(form)

        def rows(people: list[dict]) -> list[str]:
            return [
                f"| {md(roles.get(p['role'], p['role']))} | {md(p.get('name'))} | {md(p.get('email') or '—')} "
                f"| {md(p.get('mobile') or '—')} |"
                for p in people
            ] or ["| — | — | — | — |"]

        added = new_addresses(c.old, c.new)
        lines = [f"- {md(line)}" for line in changes(c.old, c.new, roles, fields)] or ["- （无）"]
        told = "、".join(roles.get(r, r) for r in ("head", "liaison"))
        md_lines = [
            f"# {md(c.unit.name)} 联系人变更申请 #{c.id}（{STATUS_LABELS.get(c.status, c.status)}）",
            "",
            f"来自 {c.requested_at:%Y-%m-%d %H:%M} 收到的联系人名单（{md(sub.filename if sub else '')}）。"
            f"批准后新名单生效；本单位原来的和新的{told}都会收到审核结果。",
            "",
            "## 变更内容",
            "",
            *lines,
            "",
            f"新增的邮箱地址：{'、'.join(map(md, added)) or '无'}",
            "",
            "## 原名单",
            "",
            "| 角色 | 姓名 | 邮箱 | 手机 |",
            "|---|---|---|---|",
            *rows(c.old),
            "",
            "## 新名单",
            "",
            "| 角色 | 姓名 | 邮箱 | 手机 |",
            "|---|---|---|---|",
            *rows(c.new),
        ]
        return c.status, "\n".join(md_lines)


@flow(name="contact-change", flow_run_name="contact-change-{change_id}", log_prints=True)
def contact_change(
    change_id: int,
    campaign: str | None = None,
    decision: Literal["approve", "reject"] | None = None,
    decided_by: str = "",
    comment: str = "",
    timeout_seconds: int = 14 * 24 * 3600,
    poll_seconds: int = 10,
    at: datetime | None = None,
) -> dict:
    """Show the change, wait for ops' answer (unless given), apply or reject it, tell the unit's liaison and head.

    `at`: the decision's time (replays); by default, when ops answer."""
    app = open_app(campaign)
    status, markdown = describe(app, change_id)
    create_markdown_artifact(key=f"contact-change-{change_id}", markdown=markdown, description="联系人变更申请")
    if status != ChangeStatus.PENDING:
        print(f"联系人变更申请 {change_id} 已处理（{STATUS_LABELS.get(status, status)}）")
        return {"change": change_id, "status": status}
    if decision is None:
        answer = pause_flow_run(
            wait_for_input=ContactDecision.with_initial_data(
                description="核对原联系人和新联系人后选择 approve（批准）或 reject（不批准），并填写审核人和意见。"
            ),
            timeout=timeout_seconds,
            poll_interval=poll_seconds,
        )
    else:
        answer = ContactDecision(decision=decision, decided_by=decided_by, comment=comment)
    status, sent = answer_change(
        app,
        change_id,
        approve=answer.decision == "approve",
        by=answer.decided_by or app.campaign.organiser,
        comment=answer.comment,
        now=at or app.now(),
    )
    print(f"联系人变更申请 {change_id}：{STATUS_LABELS[status]}（通知发出 {sent} 封）")
    return {"change": change_id, "status": status, "sent": sent}
