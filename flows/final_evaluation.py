"""Final evaluation (总结评比): the ranking of units with each one's breakdown, to leaders."""

from __future__ import annotations

from datetime import date

from prefect import flow

from flows.supervision_briefing import supervision_briefing


@flow(name="final-evaluation", log_prints=True)
def final_evaluation(as_of: date | None = None, campaign: str | None = None) -> dict:
    """The campaign's closing briefing: figures plus the weighted ranking."""
    return supervision_briefing(as_of=as_of, campaign=campaign, kind="final")
