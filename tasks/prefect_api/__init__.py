"""The one place Duban talks to the Prefect API outside a flow's own run."""

from tasks.prefect_api.api import (
    ask_for_contact_decisions,
    ask_for_extension_decision,
    complete_day,
    fan_out,
    register_deployment,
    replay_may_schedule,
    server_configured,
    sync_calendar,
)

__all__ = [
    "ask_for_contact_decisions",
    "ask_for_extension_decision",
    "complete_day",
    "fan_out",
    "register_deployment",
    "replay_may_schedule",
    "server_configured",
    "sync_calendar",
]
