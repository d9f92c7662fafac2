"""Deadline sweep: every working day, reminders before due dates and escalations after."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from tasks.app import App, open_app
from tasks.sweep_run import SweepResult, sweep_day


def _run_name() -> str:
    return f"sweep-{flow_run.parameters.get('as_of') or 'today'}"


@task(name="sweep-day", cache_policy=NO_CACHE)
def run_sweep(app: App, day: date, dry_run: bool) -> SweepResult:
    """Decide, queue and send the day's ladder steps."""
    return sweep_day(app, day, dry_run=dry_run)


@flow(name="deadline-sweep", flow_run_name=_run_name, log_prints=True)
def deadline_sweep(as_of: date | None = None, campaign: str | None = None, dry_run: bool = False) -> dict:
    """Send the reminders and escalations due on `as_of` (nothing on non-working days)."""
    app = open_app(campaign)
    day = as_of or app.now().date()
    result = run_sweep(app, day, dry_run)
    if not result.working_day:
        print(f"{day} 不是工作日，不发送催报")
        if not dry_run:
            keep_calendar(app)
        return {"as_of": day.isoformat(), "working_day": False}
    publish(result)
    if not dry_run:  # after the mail: the calendar in the UI never delays a reminder
        keep_calendar(app)
    d = result.delivery
    print(f"{day}：{len(result.decisions)} 项催报/督办，排队 {result.queued} 封，"
          f"发出 {d.sent if d else 0}，失败 {d.failed if d else 0}，存疑 {d.uncertain if d else 0}")
    return {"as_of": day.isoformat(), "decisions": [x.as_json() for x in result.decisions],
            "queued": result.queued, "sent": d.sent if d else 0, "attention": result.needs_attention}


def keep_calendar(app: App) -> None:
    """The campaign calendar in the UI follows the store (new campaign, extensions from the CLI)."""
    from tasks.prefect_api import sync_calendar

    try:
        r = sync_calendar(app)
    except Exception as e:  # the calendar is for people to look at: it never stops the sweep
        print(f"未能更新 Prefect 中的督办日程（{type(e).__name__}: {e}），催报照常进行")
        return
    if r["created"] or r["removed"]:
        print(f"督办日程：新增 {r['created']} 个检查点，移除 {r['removed']} 个")


def publish(result: SweepResult) -> None:
    rows = [{"单位": d.unit, "任务": f"{d.form_label} {d.title}", "期次": d.period, "截止": d.due.isoformat(),
             "类型": d.step.label, "收件人": "、".join(f"{r.name}<{r.email}>" for r in d.recipients)}
            for d in result.decisions]
    if rows:
        create_table_artifact(key="deadline-sweep", table=rows, description=f"{result.as_of} 催报与督办")
    if result.needs_attention:
        lines = [f"- #{a['id']} **{a['status']}** {a['to']}：{a['subject']}（{a['error']}）" for a in result.needs_attention]
        create_markdown_artifact(
            key="mail-attention",
            markdown="## 需要处理的邮件\n\n" + "\n".join(lines) + "\n\n在 `resend-mail` 部署中填入编号即可一键重发。",
            description="发送失败或状态存疑的邮件",
        )
