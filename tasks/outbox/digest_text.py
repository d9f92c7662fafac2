"""A digest's text: the subject, the first line and the body of one recipient's mail of the day.

Here, below the sender, because a queued digest is rebuilt from these when an item has gone
stale (`tasks.outbox.send`); the reminders queue them (`tasks.reminders.digest`)."""

from __future__ import annotations

from datetime import date

from notifications.message import Rendered
from notifications.render import compose
from schemas.campaign import Campaign

PAGE_WITH_MATTERS = "查看任务和截止日期、在线报送、签收督办事项、报告进展、申请办结"


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
    subject, lead = headline(campaign, items, as_of, supervisor=supervisor)
    todo = _todo(campaign, items, supervisor=supervisor)
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
        page_does=PAGE_WITH_MATTERS if any(i.get("matter") for i in items) else None,
    )


def headline(campaign: Campaign, items: list[dict], as_of: date, *, supervisor: bool = False) -> tuple[str, str]:
    """(subject, first line): the due date and the working days left, never the day it is sent.
    With several due dates, the earliest one (the most urgent); late items first. `supervisor`:
    one of the campaign's own groups, asked to urge the units, not to file. Items are reports
    (报送任务), matters (督办事项, `matter` in their view), or both, and are named so."""
    late = [i for i in items if i["late"]]
    first = min(date.fromisoformat(i["due"]) for i in (late or items))
    when = f"{first.month}月{first.day}日"
    if late:
        short, long, verb = _words(late)
        days = (as_of - first).days
        earliest = "最早" if len({i["due"] for i in late}) > 1 else ""
        return (
            f"【{'督办通报' if supervisor else '督办'}】{len(late)}项{short}已逾期（截止{when}，已逾期{days}天）",
            f"以下 {len(late)} 项{long}已过截止日期（{earliest}{first.year}年{when}），"
            + (f"请督促有关单位{verb}：" if supervisor else f"请立即{verb}："),
        )
    short, long, _ = _words(items)
    left = campaign.work_calendar.count_between(as_of, first) if first > as_of else 0
    remaining = f"还有{left}个工作日" if left else "今天截止"
    several = "最早" if len({i["due"] for i in items}) > 1 else ""
    tag = "催办提醒" if all(i.get("matter") for i in items) else "催报提醒"
    return (
        f"【{tag}】{len(items)}项{short}{several}于{when}截止（{remaining}）",
        f"以下 {len(items)} 项{long}{several}于 {first.year}年{when} 截止（{remaining}）：",
    )


def _words(items: list[dict]) -> tuple[str, str, str]:
    """(short noun, long noun, verb) for these items: reports, matters, or both."""
    matters = sum(1 for i in items if i.get("matter"))
    if not matters:
        return "报送", "报送任务", "报送"
    if matters == len(items):
        return "督办事项", "督办事项", "办理"
    return "报送和督办事项", "报送任务和督办事项", "报送或办理"


def _todo(campaign: Campaign, items: list[dict], *, supervisor: bool) -> str:
    """What the recipient is asked to do: file the reports, move the matters on, or urge the units."""
    reports = [i for i in items if not i.get("matter")]
    matters = [i for i in items if i.get("matter")]
    if supervisor:
        basis = ([f"报送情况以{campaign.organiser}收到的文件为准"] if reports else []) + (
            [f"督办事项以{campaign.organiser}审核销号为准"] if matters else []
        )
        return (
            f"请督促以上单位尽快{_words(items)[2]}。各单位的联络员和负责人已收到本日的督办通知及本单位报送页面链接；"
            + "；".join(basis)
            + "。"
        )
    where = (
        f"回复本邮件并附上报表文件（或发送至 {campaign.office.email}）"
        if campaign.office.email
        else f"按{campaign.organiser}指定的方式"
    )
    out = []
    if any(i["late"] for i in reports):
        out.append(
            f"逾期事项请立即组织报送：{where}，或在本单位报送页面上传；已报送但被退回的，请按回执修改后重新报送。"
        )
    elif reports:
        out.append(f"请在截止日期前{where}报送，或在本单位报送页面上传；如已报送请忽略本提醒。")
    if matters:
        out.append(
            ("逾期的督办事项请立即办理" if any(i["late"] for i in matters) else "督办事项请在截止日期前办理")
            + f"，在本单位报送页面报告进展；办结后在页面申请办结，由{campaign.organiser}审核销号。"
        )
    return "".join(out)
