"""`duban link`: a unit's page link, printed, or all its links revoked."""

from __future__ import annotations

import click

from flows.cli.common import Ctx, command, common, emit
from flows.cli.names import named
from tasks.app import audit
from tasks.ops import unit_named
from tasks.portal import link_for
from tasks.portal import revoke as revoke_links


@command("link")
@click.argument("unit", metavar="单位")
@click.option("--revoke", is_flag=True, help="停用这个单位此前发出的全部链接（此后的邮件带新链接）")
@common
def link_cmd(ctx: Ctx, unit: str, revoke: bool) -> None:
    """打印一个单位报送页面的链接（签名、有有效期，过期前可反复打开），或用 --revoke 停用它的全部链接。"""
    name = named("参数 单位", unit_named, ctx.campaign, unit)
    app = ctx.app
    with app.store.session(write=True) as s:
        if revoke:
            version = revoke_links(s, app.campaign, name)
            audit(s, at=app.now(), actor="duban link", action="link.revoke", subject=name, version=version)
        link = link_for(s, app.settings, app.campaign, name)
    assert link is not None
    out = {**link.as_json(), **({"revoked": True} if revoke else {})}

    def human() -> None:
        if revoke:
            click.echo(f"已停用{name}此前的全部链接。新链接：")
        click.echo(link.url)
        click.echo(f"有效期至 {link.expires_at:%Y-%m-%d %H:%M}")

    emit(out, ctx.as_json, human)
