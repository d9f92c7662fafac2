"""One file by hand: `duban validate` judges it, `duban submit` judges and keeps it (with its receipt)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from flows.cli.common import FILE, Ctx, command, common, emit
from flows.cli.dates import DATETIME
from flows.cli.names import named
from schemas.verdicts import SubmissionStatus
from tasks.app import audit
from tasks.calendar import to_local
from tasks.intake import STATUS_LABELS, Origin, refusal, submit_file, validate_file
from tasks.ops import form_named, unit_named
from tasks.outbox import send_queued


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
    return named("--unit", unit_named, ctx.campaign, unit), named("--form", form_named, ctx.campaign, form)


def _print_verdict(data: dict[str, Any], extra: str = "", *, status: str, campaign: Any, verdict: Any = None) -> None:
    form = next((f.name for f in campaign.forms if f.code == data.get("form")), data.get("form"))
    head = " ".join(str(x) for x in (data.get("unit"), form, data.get("period")) if x) or "文件"
    said = refusal(verdict) if verdict is not None and verdict.unreadable else STATUS_LABELS.get(status, status)
    click.echo(f"{head}：{said}，{data['rows']} 行{extra}")
    for kind, word in (("error", "需要更正的错误"), ("warning", "请核对的提示（不影响受理）")):
        shown = [i for i in data["issues"] if i["severity"] == kind]
        if shown:
            click.echo(f"{word}（{len(shown)}）：")
            for n, i in enumerate(shown, 1):
                click.echo(f"  {n}. {i['message']}")


@command("validate")
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
    unit, form = _names(ctx, unit, form)
    when = to_local(received_at, ctx.campaign.timezone) if received_at else None
    v = validate_file(ctx.settings, ctx.campaign, file, unit=unit, form=form, period=period, received_at=when)
    data = v.as_json()
    emit(data, ctx.as_json, lambda: _print_verdict(data, status=v.status, campaign=ctx.campaign, verdict=v))
    sys.exit(v.exit_code)


@command("submit")
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
    if force_unit and not (unit and (decided_by or "").strip()):
        raise click.BadParameter("--force-unit 须同时写明 --unit 和 --by（决定人）", param_hint="--force-unit")
    unit, form = _names(ctx, unit, form)  # every argument is checked before anything is stored
    when = to_local(received_at, ctx.campaign.timezone) if received_at else None
    forced, expected = (unit, None) if force_unit else (None, unit)
    origin = Origin(unit=expected)
    result = submit_file(ctx.app, file, unit=forced, form=form, period=period, received_at=when, origin=origin)
    if force_unit and result.submission_id:
        _audit_forced(ctx, result.submission_id, unit or "", decided_by or "", file.name)
    report = send_queued(ctx.app, now=ctx.app.now())  # the receipt goes now, as intake sends its own
    data = result.as_json()
    note = "（与已收到的文件完全相同，不重复计数）" if result.status == SubmissionStatus.DUPLICATE else ""
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
