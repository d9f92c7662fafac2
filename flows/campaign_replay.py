"""Campaign replay: a campaign day by day through the real pipeline (intake, sweeps,
extensions, briefings), with synthetic unit behaviour. One parent run, a task per day."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.contact_change import contact_change
from flows.supervision_briefing import publish
from schemas.campaign import periods
from tasks.app import App, open_app
from tasks.briefing import compile_briefing, deliver_briefing, schedule
from tasks.calendar import plan as checkpoints
from tasks.demo import (
    Author,
    Extension,
    Send,
    file_name,
    matter_plan,
    plan,
    play_matters,
    summary_text,
    window,
    workbook,
)
from tasks.intake import intake_inbox
from tasks.ops import grant_extension
from tasks.outbox import send_queued
from tasks.portal import LinkMaker
from tasks.prefect_api import complete_day, replay_may_schedule, sync_calendar
from tasks.reminders import sweep_day


def drop(app: App, author: Author, s: Send, rnd: random.Random) -> datetime:
    """Put one unit's file in the inbox; return when it 'arrives' (10:xx that day)."""
    form = app.campaign.form(s.form)
    if form.document:
        name, data = f"{form.label}_{s.unit}.txt", summary_text(app.campaign, s.unit)
    else:
        name = file_name(app.campaign, s.form, s.unit, s.period, broken=s.broken)
        data = workbook(
            app.campaign, s.form, s.unit, s.period, s.day, author.rows(s.form, s.unit, s.period, broken=s.broken)
        )
    (app.settings.inbox_dir / name).write_bytes(data)
    return datetime.combine(s.day, time(10, rnd.randint(0, 59)))


@task(name="replay-day", task_run_name="day-{day}", cache_policy=NO_CACHE)
def replay_day(app: App, author: Author, day: date, sends: list[Send], extensions: list[Extension], seed: int) -> dict:
    """One day: files arrive and are judged, extensions granted, the 09:00 sweep sent."""
    t0 = perf_counter()
    rnd = random.Random(f"{seed}-{day}")
    for e in extensions:
        periods_of = [p for p, due in periods(app.campaign.obligation(e.obligation)) if due >= e.day]
        with app.store.session(write=True) as s:
            grant_extension(
                s,
                app.campaign,
                unit=e.unit,
                obligation=e.obligation,
                period=periods_of[0] if periods_of else None,
                new_due=e.new_due,
                reason=e.reason,
                granted_by=app.campaign.group_of(e.obligation).name,
                now=datetime.combine(day, time(17)),
                mail_from=app.settings.mail_from,
                link=LinkMaker(s, app.settings, app.campaign),
            )  # every notice carries the unit's page
    swept = sweep_day(app, day, confirmed_by="演示回放")  # the replay's ops have seen the whole campaign
    verdicts = []
    for s in sends:  # each file is received at its own time, which the replay sets (never a file's mtime)
        verdicts += intake_inbox(app, received_at=drop(app, author, s, rnd))
    send_queued(app, now=datetime.combine(day, time(10, 30)))  # receipts
    return {
        "day": day.isoformat(),
        "files": len(verdicts),
        "reminders": len(swept.decisions),
        "held_contacts": [v.contact_change for v in verdicts if v.contact_change],
        "seconds": perf_counter() - t0,
    }


@task(name="replay-briefing", task_run_name="briefing-{day}", cache_policy=NO_CACHE)
def replay_briefing(app: App, day: date, kind: str) -> dict:
    """The briefing of that day, approved by the demo's ops and sent to leaders."""
    t0 = perf_counter()
    c = compile_briefing(app, day, kind=kind)
    publish(app, c)
    deliver_briefing(app, c, by="演示审核", comment="演示自动批准", now=datetime.combine(day, time(15)))
    return {"folder": str(c.folder), "seconds": perf_counter() - t0}


def calendar_from(app: App, now: datetime, until: datetime) -> set[date]:
    """The campaign calendar as checkpoint runs on the server (when it has the deployment);
    the days that have checkpoints."""
    if not replay_may_schedule():
        return set()
    r = sync_calendar(app, now=now, until=until)
    if r.get("missing_deployment"):
        return set()
    with app.store.session() as s:
        return {c.at.date() for c in checkpoints(s, app.campaign)}


def _run_name() -> str:
    p = flow_run.parameters
    dates = f"-{p['start']}--{p['end']}" if p.get("start") and p.get("end") else ""
    return f"replay-{p.get('campaign') or 'campaign'}{dates}"


class _Days:
    """The replay's days, one after another: held contact changes approved the next morning, the
    calendar's checkpoint runs completed around each day's work, and where the time went."""

    def __init__(self, app: App, seed: int, end: date):
        self.app, self.seed, self.end = app, seed, end
        self.author = Author(app.campaign, random.Random(seed))
        self.sends, self.extensions = plan(app.campaign, seed)
        self.matter_steps = matter_plan(app.campaign, seed)
        self.tz = ZoneInfo(app.campaign.timezone)
        self.took: Counter[str] = Counter()
        self.checkpoint_days: set[date] = set()
        self.held: list[int] = []

    @contextmanager
    def prefect_calls(self) -> Iterator[None]:
        """Prefect API calls for the UI's calendar, timed apart."""
        t0 = perf_counter()
        yield
        self.took["calendar"] += perf_counter() - t0

    def lay_out(self, since: datetime) -> None:
        """The calendar's checkpoint runs from `since` to the replay's end."""
        with self.prefect_calls():
            self.checkpoint_days = calendar_from(self.app, since, datetime.combine(self.end, time.max, self.tz))

    def replay(self, day: date) -> dict:
        """One day, as `replay_day` runs it, between the day's checkpoints."""
        app = self.app
        for change_id in self.held:  # ops approve yesterday's held contact change in the UI
            t0 = perf_counter()
            contact_change(
                change_id,
                campaign=app.campaign.id,
                decision="approve",
                decided_by=f"{app.campaign.groups[0].name}（演示）",
                comment="已电话核实新联络员（演示）",
                at=datetime.combine(day, time(8, 30)),
            )
            self.took["work"] += perf_counter() - t0
        todays = [e for e in self.extensions if e.day == day]
        if day in self.checkpoint_days:  # the 09:30 checkpoints, before the day's files come in at 10:xx
            with self.prefect_calls():
                complete_day(app, day, until=time(12))
        t0 = perf_counter()  # the day's matters: assigned at 09:30, answered later in the day
        play_matters(app, day, [m for m in self.matter_steps if m.day == day])
        self.took["work"] += perf_counter() - t0
        out = replay_day(app, self.author, day, [s for s in self.sends if s.day == day], todays, self.seed)
        self.took["work"] += out["seconds"]
        self.held = out["held_contacts"]
        if todays:  # the extended units' checkpoints move, as `grant-extension` does in production
            self.lay_out(datetime.combine(day, time(17), self.tz))
        if day in self.checkpoint_days:  # the due date's own checkpoint, at 18:00
            with self.prefect_calls():
                complete_day(app, day)
        return out


@flow(name="campaign-replay", flow_run_name=_run_name, log_prints=True)
def campaign_replay(
    start: date | None = None, end: date | None = None, campaign: str | None = None, seed: int | None = None
) -> dict:
    """Replay a campaign day by day through intake, sweeps and briefings (by default the days its
    `demo:` section names, or the whole campaign).

    Returns where the time went: `work` inside the day and briefing tasks (Duban's own), `calendar`
    syncing and completing checkpoint runs (Prefect API calls), the rest is Prefect's task runs."""
    t_start = perf_counter()
    app = open_app(campaign)
    first, last = window(app.campaign)
    start, end = start or first, end or last
    days = _Days(app, app.campaign.demo.seed if seed is None else seed, end)
    briefing_days = set(schedule(app.campaign))
    days.lay_out(datetime.combine(start, time(0), days.tz))
    briefings = []
    day, n = start, 0
    while day <= end:
        out = days.replay(day)
        if day in briefing_days:
            briefings.append(replay_briefing(app, day, "monthly"))
        n += 1
        if day.weekday() == 6 or day == end:
            print(f"{day}：已回放 {n} 天（当天收到 {out['files']} 个文件，催报 {out['reminders']} 项）")
        day += timedelta(days=1)
    briefings.append(replay_briefing(app, end, "final"))
    days.took["work"] += sum(b["seconds"] for b in briefings)
    days.took["total"] = perf_counter() - t_start
    return {
        "days": n,
        "briefings": [b["folder"] for b in briefings],
        "seconds": {k: round(v, 2) for k, v in days.took.items()},
    }
