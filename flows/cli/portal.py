"""The units' pages: serving them, and their links."""

from __future__ import annotations

import click

from flows.cli.common import WHOLE, Ctx, common, emit, named
from flows.cli.group import main


@main.command("portal")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（生产环境放在 TLS 反向代理之后）")
@click.option("--port", type=WHOLE, default=8400, show_default=True, help="端口")
@click.option("--workers", type=WHOLE, default=1, show_default=True, help="进程数")
@common
def portal_cmd(ctx: Ctx, host: str, port: int, workers: int) -> None:
    """各单位的报送页面：查看任务和截止日期、在线报送并立即看到校验结果、下载模板、申请延期。"""
    import os

    import uvicorn

    _ = ctx.app  # opened once here: a bad store or campaign is said now, not on the first request
    if ctx.campaign_id:
        os.environ["DUBAN_CAMPAIGN"] = ctx.campaign_id  # the workers open the same campaign
    ctx.say(f"单位页面运行在 http://{host}:{port}（邮件中的链接指向 {ctx.settings.portal_url}；Ctrl-C 退出）")
    uvicorn.run(
        "flows.portal.serve:app",
        host=host,
        port=port,
        workers=workers,
        factory=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="warning",
        server_header=False,
    )


@main.command("link")
@click.argument("unit", metavar="单位")
@click.option("--revoke", is_flag=True, help="停用这个单位此前发出的全部链接（此后的邮件带新链接）")
@common
def link_cmd(ctx: Ctx, unit: str, revoke: bool) -> None:
    """打印一个单位报送页面的链接（签名、有有效期，过期前可反复打开），或用 --revoke 停用它的全部链接。"""
    from tasks.portal import link_for
    from tasks.portal import revoke as revoke_links

    name = named("参数 单位", "unit", ctx.campaign, unit)
    app = ctx.app
    with app.store.session(write=True) as s:
        if revoke:
            version = revoke_links(s, app.campaign, name)
            from tasks.app import audit

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
