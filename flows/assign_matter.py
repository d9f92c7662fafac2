"""Assign a matter (交办督办事项) from the Prefect UI: ops fill in the units (names as people
write them), the title, the deadline, who assigns it, the instruction and where it comes from;
each unit gets a matter of its own and a 交办通知 by mail; the matters created are listed in an
artifact."""

from __future__ import annotations

from datetime import date

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.states import Failed

from schemas.text import md
from tasks.app import open_app
from tasks.matters import Assignment, HandedOut, UnknownUnit, hand_out


@flow(name="assign-matter", log_prints=True)
def assign_matter(
    units: list[str],
    title: str,
    due: date,
    by: str,
    instruction: str = "",
    source: str | None = None,
    responsible: str = "",
    campaign: str | None = None,
):  # type: ignore[no-untyped-def]
    """Give each of `units` the matter `title`, due `due`, assigned by `by` (`source`: one of the
    campaign's `matters.sources`, default the first), and tell the units by mail."""
    app = open_app(campaign)
    sources = app.campaign.matters.sources
    source = source or sources[0]
    if source not in sources:
        return Failed(message=f"事项来源“{source}”不在活动设置的来源中（可选：{'、'.join(sources)}）。未交办任何事项。")
    a = Assignment(list(units), title, due, by, instruction, source, responsible)
    try:
        done = hand_out(app, a, now=app.now())
    except (UnknownUnit, ValueError) as e:
        return Failed(message=f"{e}\n未交办任何事项。")
    create_markdown_artifact(key="assign-matter", markdown=listing(done, a), description=f"交办：{done.title}")
    print(f"已交办“{done.title}”给 {len(done.matters)} 个单位。交办通知{done.delivery.summary()}")
    return done.as_json()


def listing(done: HandedOut, a: Assignment) -> str:
    """The matters created, as markdown (every value escaped)."""
    head = [
        f"## 已交办：{md(done.title)}",
        "",
        f"办理时限 {done.due} · 来源 {md(a.source)} · 交办人 {md(a.by)}"
        + (f" · 责任人 {md(a.responsible)}" if a.responsible else ""),
    ]
    if a.instruction:
        head += ["", f"交办要求：{md(a.instruction)}"]
    rows = ["", "| 编号 | 单位 |", "|---|---|", *(f"| {i} | {md(unit)} |" for i, unit in done.matters)]
    return "\n".join([*head, *rows, "", f"已排队交办通知 {done.queued} 封，发出 {done.delivery.sent} 封。"]) + "\n"
