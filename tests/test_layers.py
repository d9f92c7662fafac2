"""Imports point one way: flows → tasks → notifications → schemas and config (issue 14).

Every import of the engine's own packages is read from the source (module level and inside
functions alike); one that points back up, e.g. notifications importing tasks, fails."""

import ast
from pathlib import Path

import pytest

pytestmark = [pytest.mark.unit]
ROOT = Path(__file__).resolve().parent.parent
RANK = {"flows": 3, "tasks": 2, "notifications": 1, "schemas": 0, "config": 0}


def imports(path: Path):  # type: ignore[no-untyped-def]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def test_imports_point_one_way():
    wrong = []
    for layer, rank in RANK.items():
        for path in sorted((ROOT / layer).rglob("*.py")):
            for line, name in imports(path):
                top = name.split(".")[0]
                if top in RANK and RANK[top] > rank:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name} ({layer} may not import {top})")
    assert not wrong, "\n".join(wrong)
