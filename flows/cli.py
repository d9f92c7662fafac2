"""The `duban` command line. Heavy imports (Prefect, Great Expectations) stay inside the
commands that need them, so `duban calendar` or `duban validate` start fast."""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from config.settings import BadCampaignId
from schemas.loading import CampaignError
from schemas.workdays import CalendarError


def emit(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    """Print `data` as JSON, or call `human` to print it for a person."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        human()


def common(f: Callable) -> Callable:
    """`--campaign` and `--json` on every command; user errors become a message, never a traceback."""

    @click.option("--campaign", "campaign_id", default=None, help="活动编号（默认取 DUBAN_CAMPAIGN）")
    @click.option("--json", "as_json", is_flag=True, help="输出 JSON")
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except (CampaignError, CalendarError, BadCampaignId) as e:
            click.echo(str(e), err=True)
            sys.exit(2)
        except ValidationError as e:  # settings from the environment or .env
            click.echo("配置有误（环境变量 DUBAN_* 或 .env）：\n" + "\n".join(
                f"  - DUBAN_{'_'.join(map(str, err['loc'])).upper()}：{err['msg'].removeprefix('Value error, ')}"
                if err["loc"] else f"  - {err['msg'].removeprefix('Value error, ')}" for err in e.errors()), err=True)
            sys.exit(2)
        except BrokenPipeError:  # `duban calendar | head`
            sys.stderr.close()
            sys.exit(0)
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except Exception as e:  # the last line of defence: log it, tell the user where
            log = _log_crash()
            click.echo(f"内部错误：{type(e).__name__}: {e}\n详细信息已写入 {log}", err=True)
            sys.exit(3)

    return wrapper


def _log_crash() -> Path:
    from config.settings import get_settings

    log = get_settings().home / "logs" / "duban-errors.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(traceback.format_exc() + "\n")
    return log


def as_of_option(f: Callable) -> Callable:
    return click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="按此日期计算（YYYY-MM-DD，默认今天，Asia/Shanghai）",
    )(f)


def _as_of(value: Any, app: Any) -> date:
    return value.date() if value else app.now().date()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """督办 Duban — 工作计划的截止日期编排：校验报送、催报督办、督查简报。"""


@main.command("calendar")
@common
def calendar_cmd(campaign_id: str | None, as_json: bool) -> None:
    """列出全部报送任务：单位、任务、表单、期次、截止日期。"""
    from config.settings import get_settings
    from schemas.loading import load_campaign
    from tasks.calendar import build_calendar

    campaign = load_campaign(get_settings().campaign_path(campaign_id))
    rows = build_calendar(campaign)

    def human() -> None:
        click.echo(f"{campaign.name}（{campaign.start} ～ {campaign.end}）共 {len(rows)} 项报送任务")
        for r in rows:
            ob = campaign.obligation(r.obligation)
            click.echo(f"{r.due}  {r.obligation:<4} {ob.title:<16} {r.period:<8} {r.unit}")

    emit([r.as_json() for r in rows], as_json, human)


@main.command("schema")
def schema_cmd() -> None:
    """打印活动配置文件的 JSON Schema（供编辑器校验和补全）。"""
    from schemas.loading import json_schema

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@main.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def check_cmd(file: Path, as_json: bool) -> None:
    """检查一个活动配置文件：一次列出所有问题和行号。退出码：0 没有问题，1 有问题。"""
    from schemas.loading import CampaignError, load_campaign

    try:
        c = load_campaign(file)
    except CampaignError as e:
        message = str(e)
        emit({"ok": False, "problems": e.problems}, as_json, lambda: click.echo(message, err=True))
        sys.exit(1)
    summary = {"ok": True, "problems": [], "id": c.id, "units": len(c.units), "forms": len(c.forms),
               "obligations": len(c.obligations), "targets": len(c.targets)}
    emit(summary, as_json, lambda: click.echo(
        f"{file}：没有问题（{c.name}：{len(c.units)} 个单位，{len(c.forms)} 张表单，{len(c.obligations)} 项任务，"
        f"{len(c.targets)} 项目标）"))


@main.command("status")
@as_of_option
@common
def status_cmd(campaign_id: str | None, as_json: bool, as_of: Any) -> None:
    """每个单位每项任务每期的状态（按时、逾期、待更正……）。"""
    from tasks.app import open_app
    from tasks.status import status_rows

    app = open_app(campaign_id)
    day = _as_of(as_of, app)
    with app.store.session() as s:
        rows = status_rows(s, app.campaign, day)

    def human() -> None:
        click.echo(f"{app.campaign.name} 截至 {day} 的报送状态")
        for r in rows:
            late = f"  逾期{r.days_late}天" if r.days_late else ""
            due = r.effective_due
            click.echo(f"{r.state.badge} {due}  {r.obligation:<4} {r.period:<8} {r.unit:<12} {r.state.label}{late}")

    emit([r.as_json() for r in rows], as_json, human)


def _file_options(f: Callable) -> Callable:
    for opt in (
        click.option("--unit", default=None, help="填报单位（不填则从标题、“填报单位”或文件名识别）"),
        click.option("--form", default=None, help="表单代码，如 tech-needs"),
        click.option("--period", default=None, help="期次，如 2010-08 或 第1批"),
    ):
        f = opt(f)
    return click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(f)


def _print_verdict(data: dict[str, Any], extra: str = "", *, status: str) -> None:
    from tasks.intake.verdict import STATUS_LABELS as names
    head = " ".join(str(data.get(k) or "") for k in ("unit", "form", "period")).strip() or "文件"
    click.echo(f"{head}：{names.get(status, status)}，{data['rows']} 行{extra}")
    for i in data["issues"]:
        click.echo(f"  [{'错误' if i['severity'] == 'error' else '提示'}] {i['message']}")


@main.command("validate")
@_file_options
@common
def validate_cmd(campaign_id: str | None, as_json: bool, file: Path, unit: str | None, form: str | None,
                 period: str | None) -> None:
    """校验一个报送文件（不保存）。退出码：0 通过，1 未通过，2 无法读取或无法识别。"""
    from config.settings import get_settings
    from schemas.loading import load_campaign
    from tasks.intake.service import validate_file

    settings = get_settings()
    campaign = load_campaign(settings.campaign_path(campaign_id))
    v = validate_file(settings, campaign, file, unit=unit, form=form, period=period)
    data = v.as_json()
    emit(data, as_json, lambda: _print_verdict(data, status=v.status))
    sys.exit(v.exit_code)


@main.command("submit")
@_file_options
@click.option("--received-at", default=None, help="收到时间（ISO 格式，默认现在）")
@common
def submit_cmd(campaign_id: str | None, as_json: bool, file: Path, unit: str | None, form: str | None,
               period: str | None, received_at: str | None) -> None:
    """校验并保存一个报送文件，生成回执。退出码同 validate。"""
    from tasks.app import open_app
    from tasks.intake.service import submit_file

    app = open_app(campaign_id)
    when = _received_at(received_at, app)  # checked before anything is stored
    result = submit_file(app, file, unit=unit, form=form, period=period, received_at=when)
    data = result.as_json()
    note = "（与已收到的文件完全相同，不重复计数）" if result.status == "duplicate" else ""
    emit(data, as_json, lambda: _print_verdict(data, note, status=result.verdict.status))
    sys.exit(result.exit_code)


@main.command("intake")
@click.option("--received-at", default=None, help="收到时间（回放和测试用；默认为领取文件时的时间）")
@common
def intake_cmd(campaign_id: str | None, as_json: bool, received_at: str | None) -> None:
    """处理收件箱（DUBAN_HOME/inbox）中的每个文件一次：校验、保存、回执。退出码：0 正常，1 有文件出现内部错误。"""
    from tasks.app import open_app
    from tasks.intake.run import intake_inbox
    from tasks.intake.verdict import STATUS_LABELS
    from tasks.mail import send_queued

    app = open_app(campaign_id)
    when = _received_at(received_at, app)
    results = intake_inbox(app, received_at=when)
    report = send_queued(app, now=app.now())

    def human() -> None:
        click.echo(f"收件箱 {app.settings.inbox_dir}：处理 {len(results)} 个文件，回执发出 {report.sent} 封")
        for r in results:
            what = " ".join(x for x in (r.unit, r.form, r.period) if x) or "—"
            click.echo(f"  {STATUS_LABELS.get(r.status, r.status)}  {r.file}  {what}  错误{r.errors} 提示{r.warnings}"
                       + (f"  {r.reason}" if r.status in ("unreadable", "refused", "crashed") else ""))
        held = [r.contact_change for r in results if r.contact_change]
        if held:
            click.echo(f"联系人变更待审核：{'、'.join(map(str, held))}（duban contacts 查看，duban contacts 编号 --approve --by 姓名 批准）")

    emit([r.as_json() for r in results], as_json, human)
    sys.exit(1 if any(r.crashed for r in results) else 0)


def _received_at(value: str | None, app: Any) -> Any:
    if not value:
        return None
    from datetime import datetime

    from tasks.clock import to_local

    try:
        return to_local(datetime.fromisoformat(value), app.campaign.timezone)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效的时间，请写成 2010-07-16 或 2010-07-16T10:30", param_hint="--received-at") from None


@main.command("contacts")
@click.argument("change_id", type=int, required=False)
@click.option("--approve", "decision", flag_value="approve", help="批准联系人变更")
@click.option("--reject", "decision", flag_value="reject", help="不批准联系人变更")
@click.option("--by", "decided_by", default="", help="审核人")
@click.option("--comment", default="", help="审核意见")
@common
def contacts_cmd(campaign_id: str | None, as_json: bool, change_id: int | None, decision: str | None,
                 decided_by: str, comment: str) -> None:
    """联系人变更：不带编号列出待审核的申请；带编号和 --approve/--reject 审核一项（新旧联系人都会收到通知）。"""
    from tasks.app import open_app
    from tasks.contacts import STATUS_LABELS, ContactChangeError, answer, pending

    app = open_app(campaign_id)
    if change_id is None or decision is None:
        with app.store.session() as s:
            rows = [{"id": c.id, "unit": c.unit.name, "requested_at": c.requested_at.isoformat(sep=" "),
                     "old": sorted(p["email"] for p in c.old if p["role"] in ("liaison", "head") and p.get("email")),
                     "new": sorted(p["email"] for p in c.new if p["role"] in ("liaison", "head") and p.get("email"))}
                    for c in pending(s, app.campaign.id) if change_id in (None, c.id)]
        emit(rows, as_json, lambda: [click.echo(f"#{r['id']} {r['unit']} {r['requested_at']}  "
                                                f"{'、'.join(r['old']) or '—'} → {'、'.join(r['new']) or '—'}")
                                     for r in rows] or click.echo("没有待审核的联系人变更"))
        return
    if not decided_by.strip():
        raise click.UsageError("请用 --by 填写审核人")
    try:
        status, sent = answer(app, change_id, approve=decision == "approve", by=decided_by, comment=comment,
                              now=app.now())
    except ContactChangeError as e:
        raise click.ClickException(str(e)) from None
    out = {"id": change_id, "status": status, "sent": sent}
    emit(out, as_json, lambda: click.echo(f"联系人变更 #{change_id}：{STATUS_LABELS[status]}（通知发出 {sent} 封）"))


@main.command("templates")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@common
def templates_cmd(campaign_id: str | None, as_json: bool, out_dir: Path) -> None:
    """为每张报表生成空白 Excel 模板（含下拉列表和填表说明）。"""
    from config.settings import get_settings
    from schemas.loading import load_campaign
    from tasks.intake.templates import write_templates

    paths = write_templates(load_campaign(get_settings().campaign_path(campaign_id)), out_dir)
    emit([str(p) for p in paths], as_json, lambda: [click.echo(str(p)) for p in paths])


@main.command("sweep")
@as_of_option
@click.option("--dry-run", is_flag=True, help="只计算，不排队、不发送")
@common
def sweep_cmd(campaign_id: str | None, as_json: bool, as_of: Any, dry_run: bool) -> None:
    """当天应发的催报和督办（工作日 9:00 的那一轮）。"""
    from tasks.app import open_app
    from tasks.sweep_run import sweep_day

    app = open_app(campaign_id)
    day = _as_of(as_of, app)
    result = sweep_day(app, day, dry_run=dry_run)
    data = [d.as_json() for d in result.decisions]

    def human() -> None:
        if not result.working_day:
            click.echo(f"{day} 不是工作日，不发送催报")
            return
        click.echo(f"{day}：{len(data)} 项{'（演练，未发送）' if dry_run else ''}")
        for d in result.decisions:
            click.echo(f"  {d.step.label} {d.unit} {d.obligation} {d.period} 截止{d.due} → {'、'.join(r.email for r in d.recipients)}")
        if result.delivery:
            r = result.delivery
            click.echo(f"发出 {r.sent} 封，失败 {r.failed}，存疑 {r.uncertain}，稍后重试 {r.deferred}，已无需发送 {r.stale}")
        for a in result.needs_attention:
            click.echo(f"  需处理 #{a['id']} {a['status']} {a['to']} {a['error']}", err=True)

    emit(data, as_json, human)


@main.command("extend")
@click.argument("unit")
@click.argument("obligation")
@click.option("--to", "new_due", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="新的截止日期")
@click.option("--reason", required=True, help="延期理由")
@click.option("--by", "granted_by", required=True, help="批准人")
@click.option("--period", default=None, help="期次（多期任务必填）")
@common
def extend_cmd(campaign_id: str | None, as_json: bool, unit: str, obligation: str, new_due: Any, reason: str,
               granted_by: str, period: str | None) -> None:
    """批准延期：催报和督办按新的截止日期执行，审计日志记录批准人和理由。"""
    from tasks.app import open_app
    from tasks.extensions import OpsError, extend

    app = open_app(campaign_id)
    try:
        ob, calendar_problem = extend(app, unit=unit, obligation=obligation, period=period, new_due=new_due.date(),
                                      reason=reason, granted_by=granted_by, now=app.now())
    except OpsError as e:
        raise click.ClickException(str(e)) from None
    out = {"unit": unit, "obligation": obligation, "period": ob.period, "due": new_due.date().isoformat()}
    if calendar_problem:
        click.echo(f"延期已记录；Prefect 中的督办日程将在下次催报时更新（{calendar_problem}）", err=True)
    emit(out, as_json, lambda: click.echo(f"已批准：{unit} {obligation} {out['period']} 延期至 {out['due']}"))


@main.command("schedule")
@common
def schedule_cmd(campaign_id: str | None, as_json: bool) -> None:
    """把活动日程（每个截止日和催报、督办节点）同步为 Prefect 中即将运行的检查点。"""
    from tasks.app import open_app
    from tasks.prefect_api import server_configured, sync_calendar

    if not server_configured():
        raise click.ClickException("未设置 PREFECT_API_URL：请先启动 Prefect 服务器（make serve）")
    app = open_app(campaign_id)
    out = sync_calendar(app)
    if out.get("missing_deployment"):
        raise click.ClickException("Prefect 服务器上没有 campaign-checkpoint 部署：请先运行 prefect deploy --all（make serve 会执行）")
    emit(out, as_json, lambda: click.echo(
        f"督办日程已同步：新增 {out['created']} 个检查点，移除 {out['removed']} 个，保留 {out['kept']} 个"))


@main.command("resend")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--by", "requested_by", required=True, help="操作人")
@common
def resend_cmd(campaign_id: str | None, as_json: bool, ids: tuple[int, ...], requested_by: str) -> None:
    """把发送失败或状态存疑的邮件重新排队并发送。"""
    from tasks.app import open_app
    from tasks.extensions import OpsError, resend_now

    app = open_app(campaign_id)
    try:
        requeued, report = resend_now(app, list(ids), by=requested_by, now=app.now())
    except OpsError as e:
        raise click.ClickException(str(e)) from None
    out = {"requeued": requeued, "sent": report.sent, "failed": report.failed}
    emit(out, as_json, lambda: click.echo(f"重新排队 {len(requeued)} 封，发出 {report.sent}，失败 {report.failed}"))


@main.command("mail-capture")
@click.option("--port", default=None, type=int, help="端口（默认取 DUBAN_SMTP_PORT）")
@common
def mail_capture_cmd(campaign_id: str | None, as_json: bool, port: int | None) -> None:
    """本地邮件收集服务器：收到的每封邮件保存为 DUBAN_HOME/mail/*.eml（演示和测试用）。"""
    import time

    from config.settings import get_settings
    from notifications.capture import start_capture

    settings = get_settings()
    ctl = start_capture(settings.mail_dir, host=settings.smtp_host, port=port or settings.smtp_port)
    click.echo(f"邮件收集服务器运行在 {settings.smtp_host}:{port or settings.smtp_port}，邮件保存在 {settings.mail_dir}（Ctrl-C 退出）")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        ctl.stop()


@main.command("brief")
@as_of_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出目录（默认 DUBAN_HOME/briefings/）")
@click.option("--final", is_flag=True, help="总结评比通报（含排名）")
@common
def brief_cmd(campaign_id: str | None, as_json: bool, as_of: Any, out_dir: Path | None, final: bool) -> None:
    """生成督查简报：HTML、PDF 和图表文件（不发送；发送经 Prefect 审核后进行）。"""
    from tasks.app import open_app
    from tasks.briefing.job import compile_briefing

    app = open_app(campaign_id)
    c = compile_briefing(app, _as_of(as_of, app), kind="final" if final else "monthly", out=out_dir)
    out = {"title": c.data.title, "html": str(c.html), "pdf": str(c.pdf), "folder": str(c.folder)}
    emit(out, as_json, lambda: click.echo(f"《{out['title']}》\n  {out['html']}\n  {out['pdf']}"))


@main.command("demo")
@click.option("--exit", "exit_after", is_flag=True, help="回放结束后退出（供脚本和测试使用）")
@click.option("--port", type=int, default=None, help="Prefect 界面端口（默认 4200，被占用时自动另选）")
@common
def demo_cmd(campaign_id: str | None, as_json: bool, exit_after: bool, port: int | None) -> None:
    """演示：启动本地 Prefect 服务器和邮件收集，逐日回放一个活动（默认 DUBAN_CAMPAIGN）。"""
    import signal

    from config.settings import get_settings
    from flows.demo import run_demo

    if not exit_after:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # waited for at the end
    try:
        out = run_demo(get_settings(), exit_after=exit_after, campaign=campaign_id, port=port,
                       echo=lambda m: click.echo(m, err=as_json))
    except RuntimeError as e:
        raise click.ClickException(str(e)) from None
    emit(out, as_json, lambda: None)


if __name__ == "__main__":
    main()
