"""`duban portal`: the units' pages, served."""

from __future__ import annotations

import os

import click
import uvicorn

from flows.cli.common import WHOLE, Ctx, command, common


@command("portal")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（生产环境放在 TLS 反向代理之后）")
@click.option("--port", type=WHOLE, default=8400, show_default=True, help="端口")
@click.option("--workers", type=WHOLE, default=1, show_default=True, help="进程数")
@common
def portal_cmd(ctx: Ctx, host: str, port: int, workers: int) -> None:
    """各单位的报送页面：查看任务和截止日期、在线报送并立即看到校验结果、下载模板、申请延期。"""
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
