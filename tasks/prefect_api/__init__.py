"""The one place Duban talks to the Prefect API outside a flow's own run: what it needs of the
API (`PrefectApi`), the adapter over Prefect's client (`PrefectServer`) and the calendar and
run-starting logic over them."""

from tasks.prefect_api.api import (
    ask_for_closure_decision,
    ask_for_contact_decisions,
    ask_for_extension_decision,
    ask_for_matter_extension_decision,
    ask_for_pending_closures,
    complete_day,
    fan_out,
    register_deployment,
    replay_may_schedule,
    sync_calendar,
)
from tasks.prefect_api.client import PrefectServer, server_configured
from tasks.prefect_api.port import Deployment, PrefectApi, ScheduledRun

__all__ = [
    "Deployment",
    "PrefectApi",
    "PrefectServer",
    "ScheduledRun",
    "ask_for_closure_decision",
    "ask_for_contact_decisions",
    "ask_for_extension_decision",
    "ask_for_matter_extension_decision",
    "ask_for_pending_closures",
    "complete_day",
    "fan_out",
    "register_deployment",
    "replay_may_schedule",
    "server_configured",
    "sync_calendar",
]
