"""Telling a unit about one of its matters (督办事项): assigned to it (交办通知), its closure
approved (已销号), its closure request returned (退回, with the reason), its deadline moved (延期)
or its request for more time refused (with the reason); to its current liaisons
and its responsible head, each address once, each notice once (by its key)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from notifications.unit_notice import tell_unit
from schemas.campaign import Campaign
from schemas.matters import Matter


class MatterNotice(StrEnum):
    """Which notice a unit gets about a matter."""

    ASSIGNED = "assigned"  # 交办通知
    CLOSED = "closed"  # 已销号
    RETURNED = "returned"  # 退回
    EXTENDED = "extended"  # 延期
    EXTENSION_REFUSED = "extension_refused"  # the unit's 延期申请 refused, with the reason


SUBJECTS = {
    MatterNotice.ASSIGNED: "【交办通知】",
    MatterNotice.CLOSED: "【已销号】",
    MatterNotice.RETURNED: "【办结申请退回】",
    MatterNotice.EXTENDED: "【督办事项延期】",
    MatterNotice.EXTENSION_REFUSED: "【延期申请未获同意】",
}


def queue_matter_notice(
    session: Session,
    *,
    campaign: Campaign,
    matter: Matter,
    unit: str,
    notice: MatterNotice,
    key: str,
    now: datetime,
    mail_from: str,
    reason: str = "",
    link: str | None = None,
) -> int:
    """Queue `notice` about `matter` once per address (`key` names the occasion); return how many."""
    due = matter.effective_due
    context = {
        "unit": unit,
        "notice": notice.value,
        "matter": matter.title,
        "source": matter.source_label,
        "instruction": matter.instruction,
        "due": f"{due.year}年{due.month}月{due.day}日",
        "by": matter.assigned_by or "",
        "reason": reason,
        "link": link,
        "page_does": "查看督办事项、签收、报告进展、申请办结",
    }
    subject = f"{SUBJECTS[notice]}{unit}：{_short(matter.title)}"
    return tell_unit(
        session,
        campaign,
        matter.unit_id,
        template="matter",
        subject=subject,
        key=key,
        now=now,
        mail_from=mail_from,
        **context,
    )


def _short(title: str, limit: int = 40) -> str:
    """A title short enough for a subject line."""
    one = " ".join(title.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
