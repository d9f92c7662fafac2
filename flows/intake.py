"""Intake: every file in DUBAN_HOME/inbox/ taken, kept, judged, recorded and answered, once."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from schemas.text import md_rows
from tasks.app import App, open_app
from tasks.intake import Claim, FileResult, intake_inbox, process_batch, process_claim
from tasks.outbox import send_queued
from tasks.prefect_api import ask_for_contact_decisions, ask_for_pending_closures, fan_out


@task(name="process-file", task_run_name="{claim.name}", cache_policy=NO_CACHE)
def process_file(app: App, claim: Claim, received_at: datetime | None = None) -> FileResult:
    """Take, judge, record and answer one claimed file; move it to processed/ or failed/."""
    return process_claim(app, claim, received_at)


@task(name="process-batch", task_run_name="{claims[0].name} 等 {n} 个文件", cache_policy=NO_CACHE)
def process_files(app: App, claims: list[Claim], received_at: datetime | None = None, n: int = 0) -> list[FileResult]:
    """Take, judge (together), record and answer a batch of claimed files; settle each."""
    return process_batch(app, claims, received_at)


@flow(name="intake", log_prints=True)
def intake(
    campaign: str | None = None, received_at: datetime | None = None, batch_size: int = 0, workers: int = 1
) -> list[dict[str, object]]:
    """Process every file waiting in the inbox exactly once, answer each, and publish the verdicts.

    `received_at` stamps every file (replays, tests); by default a file is received when claimed.
    `batch_size` > 1 judges that many files together (one task each batch): for the 20th, when
    every county's monthly forms arrive at once. `workers` > 1 (with `batch_size`) starts that many
    runs in all, which any workers of the pool pick up: each claims a batch at a time by atomic
    rename, so they share the inbox and no file is processed twice."""
    app = open_app(campaign)
    if workers > 1 and batch_size > 1:
        started = fan_out(
            "intake/intake",
            {"campaign": campaign, "received_at": received_at, "batch_size": batch_size, "workers": 1},
            workers - 1,
        )
        print(f"另启动 {started} 个收件运行，分担收件箱")
    results = intake_inbox(
        app,
        received_at=received_at,
        each=process_file,
        batch=batch_size,
        each_batch=lambda a, cs, r: process_files(a, cs, r, n=len(cs)),
    )
    report = send_queued(app, now=app.now())  # the receipts, now
    held = [r.contact_change for r in results if r.contact_change]
    ask_for_contact_decisions(app.campaign.id, held)
    ask_for_pending_closures(app)  # a ledger row marked done asks to close its matter
    if results:
        create_table_artifact(
            key="intake-verdicts",
            table=md_rows([r.as_row() for r in results]),
            description=f"本次收到 {len(results)} 个文件的校验结果",
        )
    print(
        f"收到 {len(results)} 个文件："
        + "，".join(f"{r.unit or '—'} {r.form or '—'} {r.as_row()['结果']}" for r in results)
        + f"；回执发出 {report.sent} 封"
        + (f"；联系人变更待审核 {len(held)} 项" if held else "")
    )
    crashed = [r.file for r in results if r.crashed]
    if crashed:  # every other file was processed; the run still fails so ops look at these
        raise RuntimeError(f"{len(crashed)} 个文件处理时出现内部错误（已移入 failed/）：{'、'.join(crashed)}")
    return [r.as_json() for r in results]
