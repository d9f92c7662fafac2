"""`duban contacts`: contact changes held for review, listed or decided."""

from __future__ import annotations

import click

from flows.cli.common import WHOLE, Ctx, command, common, emit, refused
from tasks.app import App
from tasks.contacts import STATUS_LABELS, ContactChangeError, added_addresses, answer, pending

ROLES = ("liaison", "head")  # the addresses shown: the units' liaisons and heads


@command("contacts")
@click.argument("change_id", type=WHOLE, required=False, metavar="[编号]")
@click.option("--approve", "decision", flag_value="approve", help="批准联系人变更")
@click.option("--reject", "decision", flag_value="reject", help="不批准联系人变更")
@click.option("--by", "decided_by", default="", help="审核人")
@click.option("--comment", default="", help="审核意见")
@common
def contacts_cmd(ctx: Ctx, change_id: int | None, decision: str | None, decided_by: str, comment: str) -> None:
    """联系人变更：不带编号列出待审核的申请；带编号和 --approve/--reject 审核一项
    （原有的和新的组长、联络员都会收到通知）。"""
    app = ctx.app
    if change_id is None or decision is None:
        _list_changes(ctx, app, change_id)
        return
    if not decided_by.strip():
        raise click.BadParameter("请填写审核人", param_hint="--by")
    try:
        status, sent = answer(
            app, change_id, approve=decision == "approve", by=decided_by, comment=comment, now=app.now()
        )
    except ContactChangeError as e:
        raise refused(e) from None
    out = {"id": change_id, "status": status, "sent": sent}
    emit(
        out, ctx.as_json, lambda: click.echo(f"联系人变更 #{change_id}：{STATUS_LABELS[status]}（通知发出 {sent} 封）")
    )


def _list_changes(ctx: Ctx, app: App, change_id: int | None) -> None:
    """The changes held for review (only `change_id`, when given)."""
    with app.store.session() as s:
        rows = [
            {
                "id": c.id,
                "unit": c.unit.name,
                "requested_at": c.requested_at.isoformat(sep=" "),
                "old": sorted(p["email"] for p in c.old if p["role"] in ROLES and p.get("email")),
                "new": sorted(p["email"] for p in c.new if p["role"] in ROLES and p.get("email")),
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
