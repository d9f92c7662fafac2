"""Deadline sweep: every working day, reminders before due dates and escalations after.

More escalations in one day than `DUBAN_MAX_ESCALATIONS` (a store that starts mid-campaign
would escalate every unit that had delivered by other means) pause the run for ops, with the
list as an artifact. A run in which every attempted mail failed ends red, with the reason."""

from __future__ import annotations

from datetime import date

from prefect import flow, pause_flow_run, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput
from prefect.runtime import flow_run
from prefect.states import Failed

from schemas.period import period_label
from schemas.text import md, md_rows
from tasks.app import App, open_app
from tasks.matters import daily_list, matter_rows
from tasks.prefect_api import ask_for_pending_closures, sync_calendar
from tasks.reminders import SweepResult, sweep_day


class SweepConfirmation(RunInput):
    """What ops answer in the Prefect UI when a sweep would escalate more than the limit."""

    send: bool = False
    confirmed_by: str = ""
    comment: str = ""


def _run_name() -> str:
    return f"sweep-{flow_run.parameters.get('as_of') or 'today'}"


@task(name="sweep-day", cache_policy=NO_CACHE)
def run_sweep(app: App, day: date, dry_run: bool, confirmed_by: str | None = None) -> SweepResult:
    """Decide, queue and send the day's ladder steps."""
    return sweep_day(app, day, dry_run=dry_run, confirmed_by=confirmed_by)


@flow(name="deadline-sweep", flow_run_name=_run_name, log_prints=True)
def deadline_sweep(
    as_of: date | None = None,
    campaign: str | None = None,
    dry_run: bool = False,
    confirmed_by: str | None = None,
    timeout_seconds: int = 8 * 3600,
    poll_seconds: int = 10,
):  # type: ignore[no-untyped-def]
    """Send the reminders and escalations due on `as_of` (nothing on non-working days).

    `confirmed_by`: send even more escalations than the limit without pausing (who says so)."""
    app = open_app(campaign)
    day = as_of or app.now().date()
    result = run_sweep(app, day, dry_run, confirmed_by)
    follow_matters(app, day, dry_run)
    if not result.working_day:
        print(f"{day} 不是工作日，不发送催报")
        if not dry_run:
            keep_calendar(app)
        return {"as_of": day.isoformat(), "working_day": False}
    if result.held and dry_run:  # a rehearsal says the real run would wait; it asks nobody
        print(f"演练：实际运行时将暂停等待确认。{result.held}")
    elif result.held:
        by = ask_to_confirm(result, timeout_seconds, poll_seconds)
        if by is None:
            decisions = [x.as_json() for x in result.decisions]
            return {"as_of": day.isoformat(), "held": result.held, "decisions": decisions, "queued": 0, "sent": 0}
        result = run_sweep(app, day, dry_run, by)
    publish(result)
    if not dry_run:  # after the mail: the calendar in the UI never delays a reminder
        keep_calendar(app)
    d = result.delivery
    print(f"{day}：{len(result.decisions)} 项催报/督办，排队 {result.queued} 封。{d.summary() if d else ''}")
    out = {
        "as_of": day.isoformat(),
        "decisions": [x.as_json() for x in result.decisions],
        "queued": result.queued,
        "sent": d.sent if d else 0,
        "delivery": d.as_json() if d else None,
        "attention": result.needs_attention,
    }
    if d and d.all_failed:  # red in the UI, with the reason, and no traceback
        return Failed(
            message=f"本次应发的 {d.attempted} 封邮件一封也没有发出。{d.problem or '见“需要处理的邮件”'}", data=out
        )
    return out


def ask_to_confirm(result: SweepResult, timeout_seconds: int, poll_seconds: int) -> str | None:
    """Pause with the list of escalations as an artifact; who confirmed, or None when ops said no."""
    rows = [
        {
            "单位": d.unit,
            "任务": d.name,
            "期次": period_label(d.period),
            "截止": d.due.isoformat(),
            "督办": d.step.label,
            "收件人": "、".join(r.email for r in d.recipients),
        }
        for d in result.escalations
    ]
    create_table_artifact(
        key="sweep-held", table=md_rows(rows), description=f"{result.as_of} 待确认的督办（{len(rows)} 项）"
    )
    print(result.held)
    answer = pause_flow_run(
        wait_for_input=SweepConfirmation.with_initial_data(
            description=f"{result.held}。核对“sweep-held”产物中的督办清单：选 send 并填写确认人即发送；"
            "不选则今天不发送催报和督办。"
        ),
        timeout=timeout_seconds,
        poll_interval=poll_seconds,
    )
    if not answer.send:
        print(f"未确认发送（{answer.confirmed_by or '—'}：{answer.comment or '无说明'}）：今天不发送催报和督办")
        return None
    return answer.confirmed_by or "（未署名）"


def keep_calendar(app: App) -> None:
    """The campaign calendar in the UI follows the store (new campaign, extensions from the CLI)."""
    try:
        r = sync_calendar(app)
    except Exception as e:  # the calendar is for people to look at: it never stops the sweep
        print(f"未能更新 Prefect 中的督办日程（{type(e).__name__}: {e}），催报照常进行")
        return
    if r["created"] or r["removed"]:
        print(f"督办日程：新增 {r['created']} 个检查点，移除 {r['removed']} 个")


def follow_matters(app: App, day: date, dry_run: bool) -> None:
    """Ops' daily list of matters; and a run waiting for ops for any request to close a matter
    that has none yet (a ledger's, or one whose run could not be started)."""
    publish_matters(app, day)
    if not dry_run:
        ask_for_pending_closures(app)


def publish_matters(app: App, day: date) -> None:
    """Ops' daily list of matters: overdue, due soon, waiting for approval of their closure."""
    with app.store.session() as s:
        rows = matter_rows(s, app.campaign, day)
    text = daily_list(rows, day, app.campaign.matters.due_soon_days)
    if text:
        create_markdown_artifact(key="matters-daily", markdown=text, description=f"{day} 督办事项")


def publish(result: SweepResult) -> None:
    rows = [
        {
            "单位": d.unit,
            "任务": d.name,
            "期次": period_label(d.period),
            "截止": d.due.isoformat(),
            "类型": d.step.label,
            "收件人": "、".join(f"{r.name}<{r.email}>" for r in d.recipients),
        }
        for d in result.decisions
    ]
    if rows:
        create_table_artifact(key="deadline-sweep", table=md_rows(rows), description=f"{result.as_of} 催报与督办")
    if result.needs_attention:
        lines = [
            f"- #{a['id']} **{md(a['status'])}** {md(a['to'])}：{md(a['subject'])}（{md(a['error'])}）"
            for a in result.needs_attention
        ]
        create_markdown_artifact(
            key="mail-attention",
            markdown="## 需要处理的邮件\n\n"
            + "\n".join(lines)
            + "\n\n在 `resend-mail` 部署中填入编号即可一键重发（不填则重发全部）。",
            description="发送失败或状态存疑的邮件",
        )
