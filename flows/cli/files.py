"""Commands about files and the campaign file: calendar, schema, check, validate, submit,
intake, templates, backfill."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from flows.cli.common import DATETIME, FILE, FOLDER, WHOLE, Ctx, common, emit, named, table
from flows.cli.group import main


@main.command("calendar")
@common
def calendar_cmd(ctx: Ctx) -> None:
    """列出全部报送任务：单位、任务、表单、期次、截止日期（已延期的显示现行截止日期，原截止日期附后）。"""
    from schemas.period import period_label
    from tasks.calendar import build_calendar, extended_dues

    campaign = ctx.campaign
    rows = build_calendar(campaign)
    extended: dict = {}
    if ctx.has_store():  # the extensions granted; never makes a store to find none
        with ctx.app.store.session() as s:
            extended = extended_dues(s, campaign.id)
    in_force = {r: extended.get((r.unit, r.obligation, r.period), r.due) for r in rows}
    rows.sort(key=lambda r: in_force[r])

    def human() -> None:
        click.echo(
            f"{campaign.name}（{campaign.start} ～ {campaign.end}）共 {len(rows)} 项报送任务"
            + (f"，其中 {len(extended)} 项已延期" if extended else "")
        )
        for line in table(
            [
                [
                    str(in_force[r]) + (f"（原 {r.due:%m-%d}，已延期）" if in_force[r] != r.due else ""),
                    campaign.obligation_name(r.obligation),
                    period_label(r.period),
                    r.unit,
                ]
                for r in rows
            ]
        ):
            click.echo(line)

    emit([{**r.as_json(), "due_in_force": in_force[r].isoformat()} for r in rows], ctx.as_json, human)


@main.command("schema")
def schema_cmd() -> None:
    """打印活动配置文件的 JSON Schema（供编辑器校验和补全）。"""
    from schemas.loading import json_schema

    click.echo("活动配置文件格式（JSON Schema，不涉及数据目录和活动）", err=True)
    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@main.command("check")
@click.argument("file", type=FILE, metavar="活动文件")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def check_cmd(file: Path, as_json: bool) -> None:
    """检查一个活动配置文件：一次列出所有问题和行号。退出码：0 没有问题，1 有问题。"""
    from schemas.loading import CampaignError, check_campaign

    click.echo(f"检查活动文件 {file.resolve()}（不读写数据目录）", err=as_json)
    try:
        c, notes = check_campaign(file)
    except CampaignError as e:
        message = str(e)
        emit({"ok": False, "problems": e.problems, "warnings": e.notes}, as_json, lambda: click.echo(message, err=True))
        sys.exit(1)
    summary = {
        "ok": True,
        "problems": [],
        "warnings": notes,
        "id": c.id,
        "units": len(c.units),
        "forms": len(c.forms),
        "obligations": len(c.obligations),
        "targets": len(c.targets),
    }
    emit(
        summary,
        as_json,
        lambda: click.echo(
            f"{file}：没有问题（{c.name}：{len(c.units)} 个单位，{len(c.forms)} 张表单，{len(c.obligations)} 项任务，"
            f"{len(c.targets)} 项目标）" + "".join(f"\n提醒：{n}" for n in notes)
        ),
    )


def _file_options(f: Any) -> Any:
    for opt in (
        click.option("--unit", default=None, help="填报单位，可只写名称的开头（不填则从标题、“填报单位”或文件名识别）"),
        click.option("--form", default=None, help="表单：标签或代码（不填则从标题或表头识别）"),
        click.option("--period", default=None, help="期次，如 2010-08、2010年8月 或 第1批"),
    ):
        f = opt(f)
    return click.argument("file", type=FILE, metavar="文件")(f)


def _names(ctx: Ctx, unit: str | None, form: str | None) -> tuple[str | None, str | None]:
    """--unit and --form as the campaign names them, checked before anything is read or stored."""
    return named("--unit", "unit", ctx.campaign, unit), named("--form", "form", ctx.campaign, form)


def _print_verdict(data: dict[str, Any], extra: str = "", *, status: str, campaign: Any, verdict: Any = None) -> None:
    from tasks.intake import STATUS_LABELS as labels
    from tasks.intake import refusal

    form = next((f.name for f in campaign.forms if f.code == data.get("form")), data.get("form"))
    head = " ".join(str(x) for x in (data.get("unit"), form, data.get("period")) if x) or "文件"
    said = refusal(verdict) if verdict is not None and verdict.unreadable else labels.get(status, status)
    click.echo(f"{head}：{said}，{data['rows']} 行{extra}")
    for kind, word in (("error", "需要更正的错误"), ("warning", "请核对的提示（不影响受理）")):
        shown = [i for i in data["issues"] if i["severity"] == kind]
        if shown:
            click.echo(f"{word}（{len(shown)}）：")
            for n, i in enumerate(shown, 1):
                click.echo(f"  {n}. {i['message']}")


@main.command("validate")
@_file_options
@click.option(
    "--received-at",
    type=DATETIME,
    default=None,
    help="按此收到时间校验（期次推断和以 as_of 比较的规则；默认现在），如 2010-07-16 10:30",
)
@common
def validate_cmd(
    ctx: Ctx, file: Path, unit: str | None, form: str | None, period: str | None, received_at: Any
) -> None:
    """校验一个报送文件（不保存）。退出码：0 通过，1 未通过，2 无法读取或无法识别。"""
    from tasks.calendar import to_local
    from tasks.intake import validate_file

    unit, form = _names(ctx, unit, form)
    when = to_local(received_at, ctx.campaign.timezone) if received_at else None
    v = validate_file(ctx.settings, ctx.campaign, file, unit=unit, form=form, period=period, received_at=when)
    data = v.as_json()
    emit(data, ctx.as_json, lambda: _print_verdict(data, status=v.status, campaign=ctx.campaign, verdict=v))
    sys.exit(v.exit_code)


@main.command("submit")
@_file_options
@click.option(
    "--received-at", type=DATETIME, default=None, help="收到时间，如 2010-07-16 10:30 或 2010年7月16日（默认现在）"
)
@click.option(
    "--force-unit",
    is_flag=True,
    help="文件中填写的是其他单位时，仍作为 --unit 的报送（须用 --by 写明决定人，记入审计）",
)
@click.option("--by", "decided_by", default=None, help="--force-unit 的决定人")
@common
def submit_cmd(
    ctx: Ctx,
    file: Path,
    unit: str | None,
    form: str | None,
    period: str | None,
    received_at: Any,
    force_unit: bool,
    decided_by: str | None,
) -> None:
    """校验并保存一个报送文件，生成回执。--unit 写明报送单位时，文件中填写的是其他单位则不予受理（与单位页面相同）。
    退出码同 validate。"""
    from tasks.calendar import to_local
    from tasks.intake import submit_file

    if force_unit and not (unit and (decided_by or "").strip()):
        raise click.BadParameter("--force-unit 须同时写明 --unit 和 --by（决定人）", param_hint="--force-unit")
    unit, form = _names(ctx, unit, form)  # every argument is checked before anything is stored
    when = to_local(received_at, ctx.campaign.timezone) if received_at else None
    forced, expected = (unit, None) if force_unit else (None, unit)
    result = submit_file(ctx.app, file, unit=forced, expect_unit=expected, form=form, period=period, received_at=when)
    if force_unit and result.submission_id:
        _audit_forced(ctx, result.submission_id, unit or "", decided_by or "", file.name)
    from tasks.outbox import send_queued

    report = send_queued(ctx.app, now=ctx.app.now())  # the receipt goes now, as intake sends its own
    data = result.as_json()
    note = "（与已收到的文件完全相同，不重复计数）" if result.status == "duplicate" else ""
    emit(
        data,
        ctx.as_json,
        lambda: _print_verdict(data, note, status=result.verdict.status, campaign=ctx.campaign, verdict=result.verdict),
    )
    if report.attempted:
        click.echo(f"回执：{report.summary()}", err=ctx.as_json or report.all_failed)
    elif result.submission_id:
        click.echo("回执：没有要发的回执（单位不明，或该单位没有登记联系人邮箱）", err=ctx.as_json)
    sys.exit(result.exit_code)


def _audit_forced(ctx: Ctx, submission_id: int, unit: str, by: str, name: str) -> None:
    from tasks.app import audit

    with ctx.app.store.session(write=True) as s:
        audit(
            s,
            at=ctx.app.now(),
            actor=by.strip(),
            action="submission.force-unit",
            subject=f"{unit}/{submission_id}",
            file=name,
            submission_id=submission_id,
        )


@main.command("intake")
@click.option("--received-at", type=DATETIME, default=None, help="收到时间（回放和测试用；默认为领取文件时的时间）")
@click.option(
    "--batch",
    type=WHOLE,
    default=200,
    show_default=True,
    help="每批一起校验的文件数（同一报表的文件一次校验；1 为逐个校验）",
)
@common
def intake_cmd(ctx: Ctx, received_at: Any, batch: int) -> None:
    """处理收件箱（DUBAN_HOME/inbox）中的每个文件一次：校验、保存、回执。退出码：0 正常，1 有文件出现内部错误。"""
    from tasks.calendar import to_local
    from tasks.intake import STATUS_LABELS, intake_inbox
    from tasks.outbox import send_queued

    app = ctx.app
    when = to_local(received_at, app.campaign.timezone) if received_at else None
    results = intake_inbox(app, received_at=when, batch=batch)
    report = send_queued(app, now=app.now())

    def human() -> None:
        from schemas.period import period_label
        from schemas.text import printable

        click.echo(f"收件箱 {app.settings.inbox_dir}：处理 {len(results)} 个文件")
        for r in results:
            form = next((f.label for f in app.campaign.forms if f.code == r.form), r.form)
            what = " ".join(x for x in (r.unit, form, period_label(r.period) if r.period else None) if x) or "—"
            click.echo(
                f"  {STATUS_LABELS.get(r.status, r.status)}  {printable(r.file)}  {what}  错误{r.errors} "
                f"提示{r.warnings}" + (f"  {r.reason}" if r.status in ("unreadable", "refused", "crashed") else "")
            )
        held = [r.contact_change for r in results if r.contact_change]
        if held:
            click.echo(
                f"联系人变更待审核：{'、'.join(map(str, held))}（duban contacts 查看，duban contacts 编号 "
                f"--approve --by 姓名 批准）"
            )

    emit([r.as_json() for r in results], ctx.as_json, human)
    if report.attempted:
        click.echo("回执" + report.summary(), err=True)
    sys.exit(1 if any(r.crashed for r in results) else 0)


@main.command("templates")
@click.option("--out", "out_dir", type=FOLDER, required=True, help="输出目录")
@common
def templates_cmd(ctx: Ctx, out_dir: Path) -> None:
    """为每张报表生成空白 Excel 模板（含下拉列表和填表说明）。"""
    from tasks.intake import write_templates

    paths = write_templates(ctx.campaign, out_dir)
    emit([str(p) for p in paths], ctx.as_json, lambda: [click.echo(str(p)) for p in paths])


@main.command("backfill")
@click.argument("file", type=FILE, metavar="登记表")
@click.option("--by", "recorded_by", required=True, help="登记人")
@click.option("--dry-run", is_flag=True, help="只检查，不登记")
@common
def backfill_cmd(ctx: Ctx, file: Path, recorded_by: str, dry_run: bool) -> None:
    """登记 Duban 启用前各单位已在系统外报送的材料（Excel 或 CSV：单位、任务、期次、收到日期、说明）。
    任何一行有问题则一行也不登记。退出码：0 已登记，1 有问题。"""
    from tasks.intake import limits_of
    from tasks.ops import read, record

    if not recorded_by.strip():
        raise click.BadParameter("请填写登记人", param_hint="--by")
    lines = read(file.read_bytes(), file.name, ctx.campaign, limits_of(ctx.settings))
    if not dry_run:
        app = ctx.app
        lines = record(app, lines, by=recorded_by, now=app.now())
    problems = [x for x in lines if x.problem]
    done = [x for x in lines if x.submission_id]
    already = [x for x in lines if x.already]

    def human() -> None:
        from schemas.period import period_label

        for p in problems:
            click.echo(p.problem, err=True)
        rows = [
            [x.unit or "", ctx.campaign.obligation_name(x.obligation), period_label(x.period or ""), str(x.received)]
            for x in (lines if dry_run else done)
            if x.obligation and not x.problem
        ]
        for line in table(rows, indent="  "):
            click.echo(line)
        if dry_run:
            click.echo(f"检查 {len(lines)} 行：{len(problems)} 行有问题（未登记）")
        elif done:
            click.echo(
                f"已登记 {len(done)} 项系统外报送（登记人 {recorded_by}，已写入审计日志）"
                + (f"；另有 {len(already)} 项此前已登记，未重复登记" if already else "")
            )
        elif already and not problems:
            click.echo(f"登记表中的 {len(already)} 项此前均已登记（没有新内容），未重复登记")
        else:
            click.echo("未登记任何一项：请改正以上问题后重新运行" if problems else "登记表是空的", err=True)

    emit([x.as_json() for x in lines], ctx.as_json, human)
    sys.exit(1 if problems and not done else 0)
