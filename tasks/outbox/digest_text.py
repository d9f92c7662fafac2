"""A digest's text: the subject, the first line and the body of one recipient's mail of the day.

Here, below the sender, because a queued digest is rebuilt from these when an item has gone
stale (`tasks.outbox.send`); the reminders queue them (`tasks.reminders.digest`)."""

from __future__ import annotations

from datetime import date

from notifications.message import Rendered
from notifications.render import compose
from schemas.campaign import Campaign


def render_digest(
    campaign: Campaign,
    name: str,
    items: list[dict],
    as_of: date,
    links: list[tuple[str, str]] | None = None,
    *,
    supervisor: bool = False,
) -> Rendered:
    """One email listing every item of one recipient for the day. `supervisor`: the recipient is
    one of the campaign's own groups, told whom to urge, not how to file."""
    late = [i for i in items if i["late"]]
    subject, lead = headline(campaign, items, as_of, supervisor=supervisor)
    where = (
        f"回复本邮件并附上报表文件（或发送至 {campaign.office.email}）"
        if campaign.office.email
        else f"按{campaign.organiser}指定的方式"
    )
    if supervisor:
        todo = (
            f"请督促以上单位尽快报送。各单位的联络员和负责人已收到本日的督办通知及本单位报送页面链接；"
            f"报送情况以{campaign.organiser}收到的文件为准。"
        )
    elif late:
        todo = f"逾期事项请立即组织报送：{where}，或在本单位报送页面上传；已报送但被退回的，请按回执修改后重新报送。"
    else:
        todo = f"请在截止日期前{where}报送，或在本单位报送页面上传；如已报送请忽略本提醒。"
    return compose(
        campaign,
        "digest",
        subject,
        name=name,
        items=items,
        todo=todo,
        lead=lead,
        supervisor=supervisor,
        as_of_text=f"{as_of.year}年{as_of.month}月{as_of.day}日",
        links=links or [],
    )


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
        return (
            f"【{'督办通报' if supervisor else '督办'}】{len(late)}项报送已逾期（截止{when}，已逾期{days}天）",
            f"以下 {len(late)} 项报送任务已过截止日期（{earliest}{first.year}年{when}），"
            + ("请督促有关单位报送：" if supervisor else "请立即报送："),
        )
    left = campaign.work_calendar.count_between(as_of, first) if first > as_of else 0
    remaining = f"还有{left}个工作日" if left else "今天截止"
    several = len({i["due"] for i in items}) > 1
    return (
        f"【催报提醒】{len(items)}项报送{'最早' if several else ''}于{when}截止（{remaining}）",
        f"以下 {len(items)} 项报送任务{'最早' if several else ''}于 {first.year}年{when} 截止（{remaining}）：",
    )
