"""Matters followed to closure (督办事项): assigned by ops or read from a tracked ledger, each
with its own deadline, ladder, 签收, progress, 申请办结 and 销号, and an audited history."""

from tasks.matters.assignment import Assignment, UnknownUnit, assign, matter_ladder, resolve_units
from tasks.matters.decide import Closure, decide_closure, pending_closures
from tasks.matters.extend import (
    ExtensionDecision,
    ExtensionRefused,
    answer_extension,
    extend_and_tell,
    extend_matter,
    pending_extension,
    request_extension,
)
from tasks.matters.handout import HandedOut, hand_out
from tasks.matters.ledger import LedgerChange, is_done, ledger_key, sync_ledger
from tasks.matters.lifecycle import MatterRefused, act, next_state
from tasks.matters.notices import Notice, NoticeRefused, escalation_notices, sign_notice, signed_notices
from tasks.matters.page import UnitMatter, unit_matters
from tasks.matters.report import daily_groups, daily_list
from tasks.matters.standing import MatterRow, Standing, matter_rows, standing, state_on

__all__ = [
    "Assignment",
    "Closure",
    "ExtensionDecision",
    "ExtensionRefused",
    "HandedOut",
    "LedgerChange",
    "MatterRefused",
    "MatterRow",
    "Notice",
    "NoticeRefused",
    "Standing",
    "UnitMatter",
    "UnknownUnit",
    "act",
    "answer_extension",
    "assign",
    "extend_and_tell",
    "extend_matter",
    "decide_closure",
    "escalation_notices",
    "daily_groups",
    "daily_list",
    "hand_out",
    "is_done",
    "ledger_key",
    "matter_ladder",
    "matter_rows",
    "next_state",
    "pending_closures",
    "pending_extension",
    "request_extension",
    "resolve_units",
    "sign_notice",
    "signed_notices",
    "standing",
    "state_on",
    "sync_ledger",
    "unit_matters",
]
