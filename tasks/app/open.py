"""Opening Duban at the edge (CLI, flow entry, test): settings, campaign, store — once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.settings import Settings, get_settings
from schemas.campaign import Campaign
from schemas.loading import load_campaign
from schemas.store import Store, open_store
from schemas.workdays import WorkCalendar
from tasks.calendar import Clock, SystemClock, sync_campaign


@dataclass
class App:
    settings: Settings
    campaign: Campaign
    store: Store
    clock: Clock = None  # type: ignore[assignment]  # the system clock in the campaign's zone

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = SystemClock(self.campaign.timezone)

    @property
    def workdays(self) -> WorkCalendar:
        return self.campaign.work_calendar

    def now(self) -> datetime:
        """Now, by the App's clock (naive, in the campaign's zone)."""
        return self.clock.now()


def open_app(
    campaign_id: str | None = None,
    *,
    settings: Settings | None = None,
    campaign: Campaign | None = None,
    clock: Clock | None = None,
) -> App:
    """Load the campaign (unless given, loaded), open (create, migrate) the store under
    DUBAN_HOME and sync the campaign. `clock`: the system clock unless a test gives one."""
    settings = settings or get_settings()
    campaign = campaign or load_campaign(settings.campaign_path(campaign_id))
    if not settings.mail_from:  # the campaign mails in its own name unless DUBAN_MAIL_FROM says otherwise
        settings = settings.model_copy(update={"mail_from": campaign.sender})
    for d in (settings.home, settings.files_dir, settings.inbox_dir, settings.mail_dir):
        d.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.db_url, home=settings.home)
    clock = clock or SystemClock(campaign.timezone)
    with store.session(write=True) as s:
        sync_campaign(s, campaign, now=clock.now())
    return App(settings, campaign, store, clock)
