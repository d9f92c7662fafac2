"""Matters followed to closure (督办事项): assigned by ops or read from a tracked ledger, each
with its own deadline, ladder, 签收, progress, 申请办结 and 销号, and an audited history."""

from tasks.matters.assign import Assignment, UnknownUnit, assign, matter_ladder, resolve_units
from tasks.matters.ledger import LedgerChange, is_done, ledger_key, sync_ledger
from tasks.matters.lifecycle import MatterRefused, act, next_state
from tasks.matters.standing import MatterRow, Standing, matter_rows, standing, state_on

__all__ = [
    "Assignment",
    "LedgerChange",
    "MatterRefused",
    "MatterRow",
    "Standing",
    "UnknownUnit",
    "act",
    "assign",
    "is_done",
    "ledger_key",
    "matter_ladder",
    "matter_rows",
    "next_state",
    "resolve_units",
    "standing",
    "state_on",
    "sync_ledger",
]
