"""The daily digest: one mail per person carrying all of that person's ladder steps of the day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifications.message import Rendered
from notifications.outbox import enqueue
from notifications.render import compose
from schemas.campaign import Campaign
from schemas.outbox import Notification, NotificationItem
from schemas.period import period_label
from tasks.ladder import days_phrase
from tasks.sweep import Decision


def render_digest(campaign: Campaign, name: str, items: list[dict], as_of: date,
                  links: list[tuple[str, str]] | None = None, *, supervisor: bool = False) -> Rendered:
    """One email listing every item of one recipient for the day. `supervisor`: the recipient is
    one of the campaign's own groups, told whom to urge, not how to file."""
    late = [i for i in items if i["late"]]
    subject, lead = headline(campaign, items, as_of, supervisor=supervisor)
    where = (f"回复本邮件并附上报表文件（或发送至 {campaign.office.email}）" if campaign.office.email
             else f"按{campaign.organiser}指定的方式")
    if supervisor:
        todo = (f"请督促以上单位尽快报送。各单位的联络员和负责人已收到本日的督办通知及本单位报送页面链接；"
                f"报送情况以{campaign.organiser}收到的文件为准。")
    elif late:
        todo = f"逾期事项请立即组织报送：{where}，或在本单位报送页面上传；已报送但被退回的，请按回执修改后重新报送。"
    else:
        todo = f"请在截止日期前{where}报送，或在本单位报送页面上传；如已报送请忽略本提醒。"
    return compose(campaign, "digest", subject, name=name, items=items, todo=todo, lead=lead, supervisor=supervisor,
                   as_of_text=f"{as_of.year}年{as_of.month}月{as_of.day}日", links=links or [])


def headline(campaign: Campaign, items: list[dict], as_of: date, *, supervisor: bool = False) -> tuple[str, str]:
    """(subject, first line): the due date and the working days left, never the day it is sent.
    With several due dates, the earliest one (the most urgent); late items first. `supervisor`:
    one of the campaign's own groups, asked to urge the units, not to file."""
    late = [i for i in items if i["late"]]
    first = min(date.fromisoformat(i["due"]) for i in (late or items))
    when = f"{first.month}月{first.day}日"
    if late:
        days = (as_of - first).days
        earliest = "最早" if len({i["due"] for i in late}) > 1 else ""
        return (f"【{'督办通报' if supervisor else '督办'}】{len(late)}项报送已逾期（截止{when}，已逾期{days}天）",
                f"以下 {len(late)} 项报送任务已过截止日期（{earliest}{first.year}年{when}），"
                + ("请督促有关单位报送：" if supervisor else "请立即报送："))
    left = campaign.work_calendar.count_between(as_of, first) if first > as_of else 0
    remaining = f"还有{left}个工作日" if left else "今天截止"
    several = len({i["due"] for i in items}) > 1
    return (f"【催报提醒】{len(items)}项报送{'最早' if several else ''}于{when}截止（{remaining}）",
            f"以下 {len(items)} 项报送任务{'最早' if several else ''}于 {first.year}年{when} 截止（{remaining}）：")


def item_view(d: Decision, as_of: date) -> dict:
    return dict(unit=d.unit, name=d.name, period=period_label(d.period), due=d.due.isoformat(),
                phrase=days_phrase(d.due, as_of), late=as_of > d.due, escalation=d.step.kind == "escalation",
                level=d.step.level)


def queue_digests(session: Session, campaign: Campaign, decisions: list[Decision], *, as_of: date,
                  now: datetime, mail_from: str, links: Callable[[str], str | None] | None = None) -> list[Notification]:
    """One digest per recipient per day carrying all of that person's new items; a unit's own
    people (not the committee's groups) get the link to their unit's page."""
    per: dict[str, list[tuple[Decision, str]]] = defaultdict(list)
    names: dict[str, str] = {}
    own: dict[str, dict[str, None]] = defaultdict(dict)  # recipient -> the units whose contact they are
    for d in decisions:
        for r in d.recipients:
            per[r.email.lower()].append((d, r.email))
            names.setdefault(r.email.lower(), r.name)
            if r.role != "group":
                own[r.email.lower()][d.unit] = None
    out = []
    for email, pairs in per.items():
        base = f"digest:{campaign.id}:{as_of.isoformat()}:{email}"
        earlier = session.scalar(select(func.count()).select_from(Notification).where(Notification.key.like(base + "%")))
        key = base if not earlier else f"{base}:{earlier + 1}"
        items = [item_view(d, as_of) for d, _ in pairs]
        n = enqueue(session, key=key, kind="digest", campaign=campaign.id, to_email=pairs[0][1],
                    to_name=names[email],
                    message=render_digest(campaign, names[email], items, as_of, _links(own[email], links),
                                          supervisor=not own[email]),
                    now=now, as_of=as_of, mail_from=mail_from, tz=campaign.timezone)
        if n is None:
            continue
        session.add_all(
            NotificationItem(key=d.item_key(email), notification_id=n.id, obligation_id=d.obligation_id,
                             kind=d.step.kind, level=d.step.level, step_date=d.step.date, recipient_email=email,
                             view=view)
            for (d, _), view in zip(pairs, items, strict=True)
        )
        out.append(n)
    session.flush()
    return out


def _links(units: dict[str, None], links: Callable[[str], str | None] | None) -> list[tuple[str, str]]:
    if links is None:
        return []
    return [(u, url) for u in units if (url := links(u))]
