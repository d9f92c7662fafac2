"""`duban brief`: a supervision briefing compiled (HTML, PDF, the .docx in the official layout); with
`--approve`, approved and sent (the office's edited .docx with `--file`), as ops do in Prefect."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from flows.cli.common import FOLDER, Ctx, command, common, emit, refused
from flows.cli.dates import as_of_option
from tasks.briefing import BriefingRefused, compile_briefing, deliver_briefing


@command("brief")
@as_of_option
@click.option("--out", "out_dir", type=FOLDER, default=None, help="输出目录（默认 DUBAN_HOME/briefings/）")
@click.option("--final", is_flag=True, help="总结评比通报（含排名）")
@click.option("--approve", is_flag=True, help="审核通过并发送（须同时给出 --by）")
@click.option(
    "--file",
    "edited",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="修改后的 Word 文件（.docx）",
)
@click.option("--by", default="", help="审核人姓名")
@common
def brief_cmd(
    ctx: Ctx, as_of: date | None, out_dir: Path | None, final: bool, approve: bool, edited: Path | None, by: str
) -> None:
    """生成督查简报：HTML、PDF、Word（公文格式，可修改）和图表文件。加 --approve --by 姓名 则审核通过并发送
    （--file 给出修改后的 .docx，发送的即是修改版）。"""
    if (edited or by) and not approve:
        raise refused(ValueError("--file 和 --by 只在审核发送（--approve）时使用"))
    if approve and not by.strip():
        raise refused(ValueError("审核发送须写明审核人：--by 姓名"))
    app = ctx.app
    c = compile_briefing(app, as_of or app.now().date(), kind="final" if final else "monthly", out=out_dir)
    out = {
        "title": c.data.title,
        "html": str(c.html),
        "pdf": str(c.pdf),
        "docx": str(c.docx),
        "folder": str(c.folder),
    }
    if approve:
        try:
            queued, sent = deliver_briefing(app, c, by=by.strip(), comment="", now=app.now(), edited=edited)
        except BriefingRefused as e:
            raise refused(e) from None
        out |= {"approved_by": by.strip(), "queued": queued, "sent": sent, "sent_file": str(edited or c.pdf)}
    emit(out, ctx.as_json, lambda: click.echo(_text(out)))


def _text(out: dict) -> str:
    lines = [f"《{out['title']}》", f"  {out['html']}", f"  {out['pdf']}", f"  {out['docx']}"]
    if "approved_by" in out:
        lines.append(f"已由{out['approved_by']}审核通过，发送 {out['queued']} 位收件人：{out['sent_file']}")
    return "\n".join(lines)
