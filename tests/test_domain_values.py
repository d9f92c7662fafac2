"""Each domain value has one home (issue 25.3): a state, a verdict, an outbox status or a mailbox
action is a member of its StrEnum, never a bare string in the engine's code.

Read from the source: a string that is the value of one of these enums, compared with or given
to a `status`, `action` or `state` (an attribute, a keyword, an assignment), fails outside the
module that defines the enum."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import pytest

from schemas.briefings import BriefingStatus
from schemas.mailbox import AttachmentStatus, MailAction
from schemas.outbox import OutboxStatus
from schemas.tables import ChangeStatus, ExtensionStatus
from schemas.verdicts import SubmissionStatus
from tasks.calendar import State

pytestmark = [pytest.mark.unit]
ROOT = Path(__file__).resolve().parent.parent
ENUMS: list[type[StrEnum]] = [
    SubmissionStatus,
    OutboxStatus,
    State,
    MailAction,
    AttachmentStatus,
    ExtensionStatus,
    ChangeStatus,
    BriefingStatus,
]
VALUES: dict[str, list[str]] = {}
for e in ENUMS:
    for m in e:
        VALUES.setdefault(m.value, []).append(e.__name__)
FIELDS = {"status", "action", "state", "previous_status"}
HOMES = {Path(__import__(e.__module__, fromlist=["_"]).__file__).resolve() for e in ENUMS}


def _strings(node: ast.AST | None) -> list[ast.Constant]:
    """The string literals a value can be: itself, either branch of `a if c else b`, or the items
    of a tuple, list or set."""
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [c for n in node.elts for c in _strings(n)]
    return [node] if isinstance(node, ast.Constant) and isinstance(node.value, str) else []


def _named(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in FIELDS) or (
        isinstance(node, ast.Name) and node.id in FIELDS
    )


def bare(tree: ast.AST) -> list[ast.Constant]:
    found: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(_named(n) for n in [node.left, *node.comparators]):
            for side in [node.left, *node.comparators]:
                found += _strings(side)
        elif isinstance(node, ast.keyword) and node.arg in FIELDS:
            found += _strings(node.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if _named(t):
                    found += _strings(node.value)
                elif isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple):  # a.status, b = "x", y
                    found += [
                        c for x, v in zip(t.elts, node.value.elts, strict=False) if _named(x) for c in _strings(v)
                    ]
        elif isinstance(node, ast.Dict):  # {"status": "sent"}
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value in FIELDS:
                    found += _strings(v)
    return [c for c in found if c.value in VALUES]


def test_no_bare_state_string_outside_its_enum():
    wrong = []
    for layer in ("flows", "tasks", "schemas", "notifications"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            if path.resolve() in HOMES:
                continue
            for c in bare(ast.parse(path.read_text(encoding="utf-8"))):
                wrong.append(f"{path.relative_to(ROOT)}:{c.lineno} {c.value!r}: use {' or '.join(VALUES[c.value])}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_bare_string():
    """The test above would catch one (so its silence means something)."""
    code = 'if sub.status == "accepted" or n.status in ("queued", "sent"): row.action = "held"'
    assert sorted(c.value for c in bare(ast.parse(code))) == ["accepted", "held", "queued", "sent"]
    code = 'r.status, r.at = "expired", now\nc.status = "approved" if ok else "rejected"\nx = {"status": "granted"}'
    assert sorted(c.value for c in bare(ast.parse(code))) == ["approved", "expired", "granted", "rejected"]
    assert not bare(ast.parse('if sub.status == SubmissionStatus.ACCEPTED: print("accepted")'))


def test_values_stay_what_the_store_holds():
    """Members compare equal to the text in the store (no migration needed)."""
    assert (
        SubmissionStatus.ACCEPTED == "accepted"
        and OutboxStatus.SENT == "sent"
        and f"{SubmissionStatus.DUPLICATE}" == "duplicate"
    )
