"""Sending what is queued, with the domain's own check of what is still worth sending: a
reminder for an obligation accepted since it was queued is dropped, and a digest is rebuilt
without it. The one way tasks and flows send; the sender itself knows no business rule."""

from __future__ import annotations

from datetime import datetime

from notifications.sender import DeliveryReport, Freshness, deliver_sync
from tasks.app import App
from tasks.digest import render_digest
from tasks.stale import has_stale_items, stale_items

FRESHNESS = Freshness(has_stale=has_stale_items, stale_items=stale_items, rebuild=render_digest)


def send_queued(app: App, *, now: datetime, limit: int | None = None) -> DeliveryReport:
    """Send every queued mail of the campaign (up to `limit`) as of `now`."""
    return deliver_sync(app.store, app.settings, app.campaign, now=now, limit=limit, freshness=FRESHNESS)
