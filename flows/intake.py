"""Intake: every file in DUBAN_HOME/inbox/ validated, kept, recorded and answered, once."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.app import App, open_app
from tasks.clock import to_local
from tasks.intake.inbox import claim_all, received_at, settle
from tasks.intake.service import submit_file

STATUS = {"accepted": "通过", "rejected": "退回更正", "unreadable": "无法读取", "duplicate": "重复文件"}


@task(name="process-file", task_run_name="{name}", cache_policy=NO_CACHE)
def process_file(app: App, path_str: str, name: str) -> dict[str, object]:
    """Validate, keep and record one claimed file; move it to processed/ or failed/."""
    from pathlib import Path

    path = Path(path_str)
    when = to_local(received_at(path), app.campaign.timezone)
    try:
        result = submit_file(app, path, received_at=when, filename=name)
    except Exception as e:  # one bad file must not strand the others in .claimed/
        get_run_logger().exception("intake of %s crashed", name)
        settle(path, name, app.settings.home, failed=True, submission_id=None)
        return {"文件": name, "单位": "—", "表单": "—", "期次": "—", "结果": f"内部错误：{type(e).__name__}",
                "行数": 0, "错误": 0, "提示": 0, "收到时间": when.isoformat(sep=" ")}
    settle(path, name, app.settings.home, failed=result.verdict.unreadable, submission_id=result.submission_id)
    v = result.verdict
    return {
        "文件": name, "单位": v.unit or "—", "表单": v.form or "—", "期次": v.period or "—",
        "结果": STATUS.get(result.status, result.status), "行数": len(v.records),
        "错误": len(v.errors), "提示": len(v.warnings), "收到时间": when.isoformat(sep=" "),
    }


@flow(name="intake", log_prints=True)
def intake(campaign: str | None = None) -> list[dict[str, object]]:
    """Process every file waiting in the inbox exactly once and publish the verdicts."""
    app = open_app(campaign)
    claimed = claim_all(app.settings.inbox_dir)
    rows = [process_file(app, str(p), name) for p, name in claimed]
    if rows:
        create_table_artifact(key="intake-verdicts", table=rows, description=f"本次收到 {len(rows)} 个文件的校验结果")
    print(f"收到 {len(rows)} 个文件：" + "，".join(f"{r['单位']} {r['表单']} {r['结果']}" for r in rows))
    crashed = [str(r["文件"]) for r in rows if str(r["结果"]).startswith("内部错误")]
    if crashed:  # every other file was processed; the run still fails so ops look at these
        raise RuntimeError(f"{len(crashed)} 个文件处理时出现内部错误（已移入 failed/）：{'、'.join(crashed)}")
    return rows
