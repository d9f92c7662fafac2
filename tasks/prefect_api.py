"""The one place Duban talks to the Prefect API outside a flow's own run: finding the server,
and starting runs of other deployments. Flows and the CLI call these; nothing else imports
the Prefect client."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)
CONTACT_CHANGE = "contact-change/contact-change"


def server_configured() -> bool:
    """Is a Prefect server configured (environment or Prefect profile)?"""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def has_deployment(name: str) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(name)
            return True
        except ObjectNotFound:
            return False


def ask_for_contact_decisions(campaign_id: str, change_ids: list[int]) -> int:
    """A `contact-change` run per held change, which a worker starts and which then waits for
    ops in the UI; returns how many were started (0 without a server or that deployment)."""
    if not change_ids or not server_configured():
        return 0
    from prefect.deployments import run_deployment

    try:
        if not has_deployment(CONTACT_CHANGE):
            return 0
        for cid in change_ids:
            run_deployment(CONTACT_CHANGE, parameters={"change_id": cid, "campaign": campaign_id}, timeout=0,
                           as_subflow=False, idempotency_key=f"contact-change:{campaign_id}:{cid}",
                           flow_run_name=f"contact-change-{cid}")
    except Exception as e:  # the change is held either way; ops also see it in `duban contacts`
        log.warning("could not start contact-change runs: %s", e)
        return 0
    return len(change_ids)
