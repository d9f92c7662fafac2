"""Supervision briefing (督查简报): figures, charts, PDF; ops approve in the UI; leaders get it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from prefect import flow, pause_flow_run
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field

from schemas.briefings import BriefingStatus
from schemas.text import md, md_rows
from tasks.app import App, open_app
from tasks.briefing import (
    BriefingRefused,
    Compiled,
    compile_briefing,
    deliver_briefing,
    edited_in,
    overdue_summary,
    record,
    schedule,
)


class Approval(RunInput):
    """What ops answer in the Prefect UI before a briefing goes to leaders."""

    decision: Literal["approve", "hold"] = "approve"
    approved_by: str = ""
    comment: str = ""
    edited_docx: str = Field(
        "",
        description="修改后的 Word 文件（.docx）在服务器上的路径，须放在简报文件夹（DUBAN_HOME/briefings）或其子文件夹"
        "（如本期简报的文件夹）内，相对路径从简报文件夹算起；留空则发送系统生成的版本",
    )


def _run_name() -> str:
    p = flow_run.parameters
    return f"{'final' if p.get('kind') == 'final' else 'briefing'}-{p.get('as_of') or 'today'}"


@flow(name="supervision-briefing", flow_run_name=_run_name, log_prints=True)
def supervision_briefing(
    as_of: date | None = None,
    campaign: str | None = None,
    kind: str = "monthly",
    approval_timeout_seconds: int = 3 * 24 * 3600,
    approval_poll_seconds: int = 10,
    only_on_briefing_days: bool = False,
) -> dict:
    """Compile the briefing, publish it to ops, wait for approval (unless auto), deliver it once."""
    app = open_app(campaign)
    day = as_of or app.now().date()
    if only_on_briefing_days and kind == "monthly" and day not in schedule(app.campaign):
        print(f"{day} 不是简报日（{'、'.join(str(d) for d in schedule(app.campaign))}）")
        return {"status": "not-a-briefing-day", "as_of": day.isoformat()}
    c = compile_briefing(app, day, kind=kind)
    publish(app, c)
    if app.campaign.briefings.auto_approve:
        answer = Approval(decision="approve", approved_by="auto", comment="活动配置为自动发送")
    else:
        record(app, c, status=BriefingStatus.DRAFT, by=None, comment=None, now=app.now())
        answer = pause_flow_run(
            wait_for_input=Approval.with_initial_data(
                description=f"请审核《{c.data.title}》（Word：{c.docx}；PDF：{c.pdf}；数字见本次运行的简报产物），"
                "选择 approve 发送或 hold 暂缓；如已修改 Word 稿，把修改稿放在简报文件夹"
                f"（{app.settings.briefings_dir}）或其子文件夹（如本期简报的文件夹）内，在 edited_docx 填写其路径，"
                "发送的即是修改稿。"
            ),
            timeout=approval_timeout_seconds,
            poll_interval=approval_poll_seconds,
        )
    if answer.decision != "approve":
        record(app, c, status=BriefingStatus.HELD, by=answer.approved_by, comment=answer.comment, now=app.now())
        print(f"《{c.data.title}》暂缓发送：{answer.comment}")
        return {"title": c.data.title, "status": BriefingStatus.HELD, "folder": str(c.folder)}
    given = answer.edited_docx.strip()
    try:  # the form names a file on the server: only one in the briefings folder, a regular file, links resolved
        edited = edited_in(app.settings.briefings_dir, given) if given else None
        queued, sent = deliver_briefing(
            app, c, by=answer.approved_by, comment=answer.comment, now=app.now(), edited=edited
        )
    except BriefingRefused as e:  # outside the folder, not a .docx, too big or unreadable: nothing sent, held
        record(app, c, status=BriefingStatus.HELD, by=answer.approved_by, comment=str(e), now=app.now())
        print(str(e))
        return {"title": c.data.title, "status": BriefingStatus.HELD, "refused": str(e), "folder": str(c.folder)}
    print(f"《{c.data.title}》已发送 {queued} 位领导（本轮发出邮件 {sent} 封）；文件在 {c.folder}")
    return {"title": c.data.title, "status": BriefingStatus.SENT, "queued": queued, "folder": str(c.folder)}


def publish(app: App, c: Compiled) -> None:
    d = c.data
    key = "final-evaluation" if d.kind == "final" else "supervision-briefing"
    lines = [
        f"# {md(d.title)}",
        "",
        f"截至 {d.as_of}：应报 {d.totals['expected']:g} 项，完整率 "
        f"{d.totals['completeness'] * 100:.1f}%，及时率 {d.totals['timeliness'] * 100:.1f}%，逾期未报 "
        f"{len(d.overdue)} 项。",
        "",
        "| 指标 | 当前 | 目标 | 阶段目标 | 较上期 |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {md(f.value.label)} | {md(f.value.text())} | "
        f"{'' if f.target is None else md(f.target_text)} | "
        f"{'' if f.milestone is None else md(f'{f.milestone_text}（{f.milestone.by}前）')} | "
        f"{md(f.change_text)} |"
        for f in d.figures
    ]
    lines += [f"\n> {md(f.value.label)}较上期减少：{md('、'.join(f.lowered_by))}" for f in d.figures if f.lowered_by]
    if d.overdue:
        lines += ["", "## 逾期未报", ""] + [
            f"- {md(u.text)}" for u in overdue_summary(app.campaign, d.overdue, d.as_of.year)
        ]
    for label, scores in d.ranking:
        lines += ["", f"## 排名：{md(label)}", ""] + [f"{s.rank}. {md(s.unit)} {s.total}" for s in scores]
    lines += ["", f"Word（公文格式，可修改后审核发送）：{md(c.docx)}", f"PDF：{md(c.pdf)}", f"HTML：{md(c.html)}"]
    create_markdown_artifact(key=key, markdown="\n".join(lines), description=md(d.title))
    create_table_artifact(
        key="unit-status",
        description=f"{d.as_of} 各单位报送情况",
        table=md_rows(
            [
                {
                    "单位": u.unit,
                    "应报": u.expected,
                    "已报": u.received,
                    "按时": u.on_time,
                    "逾期报": u.late,
                    "未报": u.missing,
                    "完整率": f"{u.completeness:.0%}",
                    "及时率": f"{u.timeliness:.0%}",
                }
                for u in d.units
            ]
        ),
    )
