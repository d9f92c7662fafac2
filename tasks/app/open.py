"""Opening Duban at the edge (CLI, flow entry, test): settings, campaign, store — once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.settings import Settings, get_settings
from schemas.campaign import Campaign
from schemas.loading import load_campaign
from schemas.store import Store, open_store
from schemas.workdays import WorkCalendar
from tasks.calendar import now_local, sync_campaign


@dataclass
class App:
    settings: Settings
    campaign: Campaign
    store: Store

    @property
    def workdays(self) -> WorkCalendar:
        return self.campaign.work_calendar

    def now(self) -> datetime:
        return now_local(self.campaign.timezone)


def open_app(
    campaign_id: str | None = None, *, settings: Settings | None = None, campaign: Campaign | None = None
) -> App:
    """Load the campaign (unless given, loaded), open (create, migrate) the store under
    DUBAN_HOME and sync the campaign."""
    settings = settings or get_settings()
    campaign = campaign or load_campaign(settings.campaign_path(campaign_id))
    if not settings.mail_from:  # the campaign mails in its own name unless DUBAN_MAIL_FROM says otherwise
        settings = settings.model_copy(update={"mail_from": campaign.sender})
    for d in (settings.home, settings.files_dir, settings.inbox_dir, settings.mail_dir):
        d.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.db_url, home=settings.home)
    with store.session(write=True) as s:
        sync_campaign(s, campaign, now=now_local(campaign.timezone))
    return App(settings, campaign, store)
