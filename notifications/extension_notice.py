"""Telling a unit the answer to its request for more time: granted (with the new date) or
refused (the old date stands), to its liaisons and its responsible head."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from notifications.unit_notice import tell_unit
from schemas.campaign import Campaign


def queue_extension_notice(
    session: Session,
    *,
    campaign: Campaign,
    unit_id: int,
    unit: str,
    what: str,
    due: date,
    new_due: date | None,
    reason: str,
    key: str,
    now: datetime,
    mail_from: str,
    link: str | None = None,
) -> int:
    """Queue the notice once per address (`key` names the decision); return how many.
    `what` is the obligation as people read it, with its period; `new_due` None means refused."""
    granted = new_due is not None
    subject = f"【延期{'已批准' if granted else '未批准'}】{unit}：{what}"
    context = {
        "unit": unit,
        "what": what,
        "granted": granted,
        "due": f"{due:%Y年%m月%d日}",
        "new_due": f"{new_due:%Y年%m月%d日}" if new_due else "",
        "reason": reason,
        "link": link,
    }
    return tell_unit(
        session,
        campaign,
        unit_id,
        template="extension",
        subject=subject,
        key=key,
        now=now,
        mail_from=mail_from,
        **context,
    )
