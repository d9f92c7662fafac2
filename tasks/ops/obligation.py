"""The obligation ops mean, found from what they typed and named as people read it; the error
every ops action raises; and the unit's notice of an extension granted or refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.extension_notice import queue_extension_notice
from schemas.campaign import Campaign, periods
from schemas.period import period_label
from schemas.tables import Obligation, Unit
from tasks.ops import names


class OpsError(ValueError):
    """A request ops made that cannot be done; `str()` says why. `usage`: what was typed names
    nothing (an unknown unit, task or period), a usage mistake (exit 2 on the command line)."""

    def __init__(self, message: str, *, usage: bool = False):
        super().__init__(message)
        self.usage = usage


def find_obligation(session: Session, campaign: Campaign, unit: str, obligation: str, period: str | None) -> Obligation:
    """The one obligation meant by what ops typed (names, titles, labels, period labels)."""
    try:
        unit = names.unit(campaign, unit)
        code = names.obligation(campaign, obligation)
        period = names.period(campaign, code, period)
    except names.UnknownName as e:
        raise OpsError(str(e), usage=True) from None
    ob = session.scalar(
        select(Obligation)
        .join(Unit, Obligation.unit_id == Unit.id)
        .where(
            Obligation.campaign == campaign.id, Unit.name == unit, Obligation.code == code, Obligation.period == period
        )
    )
    if ob is None:
        raise OpsError(f"{unit}不需要报送“{campaign.obligation_name(code)}”")
    return ob


def obligation_words(campaign: Campaign, ob: Obligation) -> str:
    """The obligation as people read it, with its period when it is owed more than once."""
    name = campaign.obligation_name(ob.code)
    return f"{name} {period_label(ob.period)}" if len(periods(campaign.obligation(ob.code))) > 1 else name


def notify_unit(
    session: Session,
    campaign: Campaign,
    ob: Obligation,
    unit_name: str,
    due: date,
    new_due: date | None,
    reason: str,
    key: str,
    now: datetime,
    mail_from: str,
    link: Callable[[str], str | None] | None,
) -> None:
    """Queue the unit's notice of an extension granted (`new_due`) or refused (None)."""
    queue_extension_notice(
        session,
        campaign=campaign,
        unit_id=ob.unit_id,
        unit=unit_name,
        what=obligation_words(campaign, ob),
        due=due,
        new_due=new_due,
        reason=reason,
        key=key,
        now=now,
        mail_from=mail_from,
        link=link(unit_name) if link else None,
    )
