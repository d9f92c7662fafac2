"""Daily operations: status, sweep, extend, mail, resend, contacts, schedule, brief."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from flows.cli.common import DATE, FOLDER, WHOLE, Ctx, as_of_option, common, emit, named, table
from flows.cli.group import main


def _day(ctx: Ctx, as_of: date | None) -> date:
    return as_of or ctx.app.now().date()


@main.command("status")
@as_of_option
@click.option("--unit", default=None, help="只看一个单位（可只写名称的开头）")
@click.option("--obligation", default=None, help="只看一项任务（名称、表单标签或编号）")
@click.option("--overdue", is_flag=True, help="只看逾期未交（红灯）")
@click.option("--due-within", type=WHOLE, default=None, help="只看 N 天内到期、尚未完成的")
@common
def status_cmd(
    ctx: Ctx, as_of: date | None, unit: str | None, obligation: str | None, overdue: bool, due_within: int | None
) -> None:
    """每个单位每项任务每期的状态（按时、逾期、待更正……），可按单位、任务、逾期、到期筛选。"""
    from schemas.period import period_label
    from tasks.calendar import narrow, status_rows, totals

    campaign = ctx.campaign
    unit = named("--unit", "unit", campaign, unit)
    obligation = named("--obligation", "obligation", campaign, obligation)
    app = ctx.app
    day = _day(ctx, as_of)
    with app.store.session() as s:
        rows = narrow(
            status_rows(s, campaign, day), day, unit=unit, obligation=obligation, overdue=overdue, due_within=due_within
        )

    def human() -> None:
        click.echo(f"{campaign.name} 截至 {day} 的报送状态")
        lines = [
            [
                r.state.badge,
                str(r.effective_due),
                campaign.obligation_name(r.obligation),
                period_label(r.period),
                r.unit,
                r.state.label + (f" 逾期{r.days_late}天" if r.days_late else ""),
            ]
            for r in rows
        ]
        for line in table([["", "截止", "任务", "期次", "单位", "状态"], *lines]):
            click.echo(line)
        click.echo(
            f"合计 {len(rows)} 项" + ("：" + "，".join(f"{s.label} {n}" for s, n in totals(rows)) if rows else "")
        )

    emit([r.as_json() for r in rows], ctx.as_json, human)


@main.command("sweep")
@as_of_option
@click.option("--dry-run", is_flag=True, help="只计算，不排队、不发送")
@click.option("--confirm", is_flag=True, help="确认发送超过上限（DUBAN_MAX_ESCALATIONS）的督办，须同时用 --by 署名")
@click.option("--by", "confirmed_by", default=None, help="确认人（与 --confirm 一起使用）")
@common
def sweep_cmd(ctx: Ctx, as_of: date | None, dry_run: bool, confirm: bool, confirmed_by: str | None) -> None:
    """当天应发的催报和督办（工作日 9:00 的那一轮）。

    一次督办超过上限时不发送，列出清单，等待用 --confirm --by 姓名 确认（中途启用时先用 duban backfill
    登记系统外报送）。退出码：0 正常，1 应发邮件全部失败，4 等待确认。"""
    from schemas.period import period_label
    from tasks.reminders import sweep_day

    if confirm and not (confirmed_by or "").strip():
        raise click.BadParameter("确认发送时请用 --by 填写确认人", param_hint="--confirm")
    app = ctx.app
    day = _day(ctx, as_of)
    result = sweep_day(
        app, day, dry_run=dry_run, confirmed_by=confirmed_by.strip() if confirm and confirmed_by else None
    )
    d = result.delivery
    data = [x.as_json() for x in result.decisions]

    def human() -> None:
        if not result.working_day:
            click.echo(f"{day} 不是工作日，不发送催报")
            return
        n_esc = len(result.escalations)
        click.echo(
            f"{day}：{len(data)} 项（催报 {len(data) - n_esc}，督办 {n_esc}）"
            + ("（演练，未发送）" if dry_run else "（未发送，等待确认）" if result.held else "")
        )
        if dry_run and result.held:
            click.echo(f"实际运行时将暂停，等待确认：{result.held}")
        for line in table(
            [
                [
                    x.step.label,
                    x.unit,
                    app.campaign.obligation_name(x.obligation),
                    period_label(x.period),
                    f"截止{x.due}",
                    "→ " + "、".join(r.email for r in x.recipients),
                ]
                for x in result.decisions
            ],
            indent="  ",
        ):
            click.echo(line)

    emit(data, ctx.as_json, human)
    if result.held and not dry_run:
        click.echo(f"未发送：{result.held}。确认无误后运行：duban sweep --as-of {day} --confirm --by 姓名", err=True)
    if d:
        click.echo(d.summary(), err=ctx.as_json or d.all_failed or bool(d.problem))
    for a in result.needs_attention:
        click.echo(f"  需处理 #{a['id']} {a['status']} {a['to']} {a['error']}", err=True)
    if ctx.as_json:  # the list is the contract on stdout; the run's counts go with it, on stderr
        click.echo(
            json.dumps(
                {
                    "as_of": day.isoformat(),
                    "working_day": result.working_day,
                    "queued": result.queued,
                    "held": result.held,
                    "dry_run": dry_run,
                    "delivery": d.as_json() if d else None,
                },
                ensure_ascii=False,
            ),
            err=True,
        )
    if result.held and not dry_run:
        sys.exit(4)
    if d and d.all_failed:
        sys.exit(1)


@main.command("extend")
@click.argument("unit", metavar="单位")
@click.argument("obligation", metavar="任务")
@click.option("--to", "new_due", type=DATE, default=None, help="新的截止日期（批准延期）")
@click.option("--refuse", is_flag=True, help="不批准延期（截止日期不变）")
@click.option("--reason", required=True, help="延期理由或不批准的说明")
@click.option("--by", "decided_by", required=True, help="审核人")
@click.option("--period", default=None, help="期次（多期任务必填，写法同日程表，如 2010-08 或 2010年8月）")
@common
def extend_cmd(
    ctx: Ctx,
    unit: str,
    obligation: str,
    new_due: date | None,
    refuse: bool,
    reason: str,
    decided_by: str,
    period: str | None,
) -> None:
    """批准（--to 日期）或不批准（--refuse）延期，并邮件通知该单位。单位可只写名称的开头，任务可写名称、表单标签或编号。
    催报和督办按新的截止日期执行，审计日志记录审核人和理由。"""
    from tasks.ops import OpsError, decide_extension

    if (new_due is None) == (not refuse):
        raise click.UsageError("请用 --to 日期 批准延期，或用 --refuse 不批准（二选一）")
    app = ctx.app
    try:
        d = decide_extension(
            app,
            unit=unit,
            obligation=obligation,
            period=period,
            new_due=new_due,
            reason=reason,
            by=decided_by,
            now=app.now(),
        )
    except OpsError as e:
        raise _refused(e) from None
    out = {
        "unit": d.unit,
        "obligation": d.obligation.code,
        "period": d.obligation.period,
        "granted": d.granted,
        "due": d.obligation.effective_due.isoformat(),
        "notified": d.delivery.sent if d.delivery else 0,
    }
    if d.calendar_problem:
        click.echo(f"Prefect 中的督办日程将在下次催报时更新（{d.calendar_problem}）", err=True)
    emit(
        out,
        ctx.as_json,
        lambda: click.echo(
            f"已批准：{d.unit}“{d.name}”延期至 {out['due']}"
            if d.granted
            else f"未批准：{d.unit}“{d.name}”截止日期仍为 {out['due']}"
        ),
    )
    if d.delivery:
        click.echo("通知" + d.delivery.summary(), err=ctx.as_json or d.delivery.all_failed)


@main.command("mail")
@click.option("--failed", "statuses", flag_value="failed", help="只看发送失败的")
@click.option("--uncertain", "statuses", flag_value="uncertain", help="只看状态存疑的（可能已发出）")
@click.option("--queued", "statuses", flag_value="queued", help="只看等待发送的")
@click.option("--all", "statuses", flag_value="all", help="全部邮件，包括已发出和已作废的")
@click.option("--limit", type=WHOLE, default=200, help="最多列出多少封（默认 200）")
@common
def mail_cmd(ctx: Ctx, statuses: str | None, limit: int) -> None:
    """列出邮件：编号、状态、收件人、主题、原因和时间。默认列出未发出的（失败、存疑、待发送）。"""
    from tasks.outbox import STATUS_LABELS, age_text, mail_rows

    def _ago(at: Any, now: Any) -> str:
        """排队于多久以前; a time replayed from another year (or ahead of now) is shown as the time itself."""
        return age_text(at, now) if 0 <= (now - at).days < 30 else f"{at:%Y-%m-%d %H:%M}"

    wanted = {None: ("failed", "uncertain", "queued", "claimed", "sending"), "all": None}.get(statuses, (statuses,))
    app = ctx.app
    rows = mail_rows(app, wanted, limit=limit or None)
    now = app.now()

    def human() -> None:
        from datetime import datetime

        if not rows:
            click.echo("没有这类邮件")
            return
        lines = table(
            [
                [
                    f"#{m['id']}",
                    STATUS_LABELS.get(m["status"], m["status"]),
                    _ago(datetime.fromisoformat(m["queued_at"]), now),
                    m["to"],
                    m["subject"],
                ]
                for m in rows
            ]
        )
        for m, line in zip(rows, lines, strict=True):
            click.echo(line)
            if m["error"] and m["status"] != "sent":
                click.echo(f"      原因：{m['error']}（已尝试 {m['attempts']} 次）")
        counts: dict[str, int] = {}
        for m in rows:
            counts[m["status"]] = counts.get(m["status"], 0) + 1
        click.echo(f"共 {len(rows)} 封：" + "，".join(f"{STATUS_LABELS.get(k, k)} {n}" for k, n in counts.items()))

    emit(rows, ctx.as_json, human)


@main.command("resend")
@click.argument("ids", nargs=-1, type=WHOLE, metavar="[邮件编号]...")
@click.option("--all-failed", is_flag=True, help="重发全部失败和状态存疑的邮件")
@click.option("--by", "requested_by", required=True, help="操作人")
@common
def resend_cmd(ctx: Ctx, ids: tuple[int, ...], all_failed: bool, requested_by: str) -> None:
    """把发送失败或状态存疑的邮件重新排队并立即发送（编号见 duban mail）。退出码：0 正常，1 全部失败。"""
    from tasks.ops import OpsError, resend_now

    if bool(ids) == all_failed:
        raise click.UsageError("请给出邮件编号，或用 --all-failed 重发全部失败和存疑的邮件（二选一）")
    app = ctx.app
    try:
        requeued, skipped, report = resend_now(app, None if all_failed else list(ids), by=requested_by, now=app.now())
    except OpsError as e:
        raise _refused(e) from None
    out = {
        "requeued": requeued,
        "skipped": skipped,
        "delivery": report.as_json(),
        "sent": report.sent,
        "failed": report.failed,
    }

    def human() -> None:
        for i, why in skipped.items():
            click.echo(f"#{i} 未重新排队：{why}")
        waiting = max(0, report.attempted - len(requeued))  # what else was queued goes in the same run
        click.echo(
            f"重新排队 {len(requeued)} 封"
            + ("" if requeued or skipped else "（没有失败或存疑的邮件）")
            + (f"；队列中另有 {waiting} 封等待发送的邮件，一并发送" if waiting else "")
        )

    emit(out, ctx.as_json, human)
    if report.attempted:
        click.echo(report.summary(), err=ctx.as_json or report.all_failed)
    if report.all_failed:
        sys.exit(1)


@main.command("contacts")
@click.argument("change_id", type=WHOLE, required=False, metavar="[编号]")
@click.option("--approve", "decision", flag_value="approve", help="批准联系人变更")
@click.option("--reject", "decision", flag_value="reject", help="不批准联系人变更")
@click.option("--by", "decided_by", default="", help="审核人")
@click.option("--comment", default="", help="审核意见")
@common
def contacts_cmd(ctx: Ctx, change_id: int | None, decision: str | None, decided_by: str, comment: str) -> None:
    """联系人变更：不带编号列出待审核的申请；带编号和 --approve/--reject 审核一项
    （原有的和新的组长、联络员都会收到通知）。"""
    from tasks.contacts import (
        STATUS_LABELS,
        ContactChangeError,
        added_addresses,
        answer,
        pending,
    )

    app = ctx.app
    if change_id is None or decision is None:
        with app.store.session() as s:
            rows = [
                {
                    "id": c.id,
                    "unit": c.unit.name,
                    "requested_at": c.requested_at.isoformat(sep=" "),
                    "old": sorted(p["email"] for p in c.old if p["role"] in ("liaison", "head") and p.get("email")),
                    "new": sorted(p["email"] for p in c.new if p["role"] in ("liaison", "head") and p.get("email")),
                    "added": sorted(added_addresses(c.old, c.new)),
                }
                for c in pending(s, app.campaign.id)
                if change_id in (None, c.id)
            ]
        emit(
            rows,
            ctx.as_json,
            lambda: (
                [
                    click.echo(
                        f"#{r['id']} {r['unit']} {r['requested_at']}  "
                        f"{'、'.join(r['old']) or '—'} → {'、'.join(r['new']) or '—'}"
                        + (f"  新增邮箱：{'、'.join(r['added'])}" if r["added"] else "")
                    )
                    for r in rows
                ]
                or click.echo("没有待审核的联系人变更")
            ),
        )
        return
    if not decided_by.strip():
        raise click.BadParameter("请填写审核人", param_hint="--by")
    try:
        status, sent = answer(
            app, change_id, approve=decision == "approve", by=decided_by, comment=comment, now=app.now()
        )
    except ContactChangeError as e:
        raise _refused(e) from None
    out = {"id": change_id, "status": status, "sent": sent}
    emit(
        out, ctx.as_json, lambda: click.echo(f"联系人变更 #{change_id}：{STATUS_LABELS[status]}（通知发出 {sent} 封）")
    )


@main.command("schedule")
@common
def schedule_cmd(ctx: Ctx) -> None:
    """把活动日程（每个截止日和催报、督办节点）同步为 Prefect 中即将运行的检查点。"""
    from tasks.prefect_api import server_configured, sync_calendar

    if not server_configured():
        raise click.ClickException("未设置 PREFECT_API_URL：请先启动 Prefect 服务器（make serve）")
    out = sync_calendar(ctx.app)
    if out.get("missing_deployment"):
        raise click.ClickException(
            "Prefect 服务器上没有 campaign-checkpoint 部署：请先运行 prefect deploy --all（make serve 会执行）"
        )
    emit(
        out,
        ctx.as_json,
        lambda: click.echo(
            f"督办日程已同步：新增 {out['created']} 个检查点，移除 {out['removed']} 个，保留 {out['kept']} 个"
        ),
    )


@main.command("brief")
@as_of_option
@click.option("--out", "out_dir", type=FOLDER, default=None, help="输出目录（默认 DUBAN_HOME/briefings/）")
@click.option("--final", is_flag=True, help="总结评比通报（含排名）")
@common
def brief_cmd(ctx: Ctx, as_of: date | None, out_dir: Path | None, final: bool) -> None:
    """生成督查简报：HTML、PDF 和图表文件（不发送；发送经 Prefect 审核后进行）。"""
    from tasks.briefing import compile_briefing

    c = compile_briefing(ctx.app, _day(ctx, as_of), kind="final" if final else "monthly", out=out_dir)
    out = {"title": c.data.title, "html": str(c.html), "pdf": str(c.pdf), "folder": str(c.folder)}
    emit(out, ctx.as_json, lambda: click.echo(f"《{out['title']}》\n  {out['html']}\n  {out['pdf']}"))


def _refused(e: Exception) -> click.ClickException:
    """An ops request that cannot be done, said in one line: exit 2 when what was typed names
    nothing (a usage mistake, as everywhere), else 1."""
    refused = click.ClickException(str(e))
    refused.exit_code = 2 if getattr(e, "usage", False) else 1
    return refused
