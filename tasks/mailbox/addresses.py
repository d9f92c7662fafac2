"""Who may file by mail: the units' current liaisons and heads; and the bureau's own addresses."""

from __future__ import annotations

from email.utils import parseaddr

from sqlalchemy.orm import Session

from schemas.tables import current_contacts
from tasks.app import App
from tasks.contacts import MAIL_ROLES


def senders(session: Session, campaign_id: str) -> dict[str, str | None]:
    """Every current liaison's and head's address -> its unit (None: units share it, so it is
    nobody's). Other roles' addresses are not senders: their mail is held like a stranger's."""
    out: dict[str, str | None] = {}
    for unit, c in current_contacts(session, campaign_id, roles=MAIL_ROLES):
        e = c.email.lower()
        out[e] = unit if out.get(e, unit) == unit else None
    return out


def own_addresses(app: App) -> set[str]:
    """The bureau's own addresses: mail from them is its own, looped back, and never answered."""
    own = {parseaddr(app.settings.mail_from)[1].lower(), (app.campaign.office.email or "").lower()}
    if app.settings.imap_username and "@" in app.settings.imap_username:
        own.add(app.settings.imap_username.lower())
    return {a for a in own if a}
