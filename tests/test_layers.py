"""Imports point one way at every level (issues 14 and 25).

- The layers: flows → tasks → notifications → schemas and config.
- Inside tasks/, the feature packages are ranked: a package imports only from itself and from the
  packages below it, and another package only through its `__init__`.
- No import of the engine's own modules inside a function: the import graph is the one at the top
  of each module, and it has no cycle, between modules or between packages at any level.

Every import is read from the source, not from a running interpreter."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.unit]
ROOT = Path(__file__).resolve().parent.parent
RANK = {"flows": 3, "tasks": 2, "notifications": 1, "schemas": 0, "config": 0}
# tasks/ packages, lowest first: each may import only those before it (and itself).
TASKS = [
    "reader",
    "calendar",
    "app",
    "outbox",
    "portal",
    "contacts",
    "matters",
    "prefect_api",
    "intake",
    "mailbox",
    "reminders",
    "briefing",
    "ops",
    "demo",
]


def modules() -> dict[str, Path]:
    out = {}
    for layer in RANK:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = modules()


def offered(package: str) -> set[str]:
    """What a package's `__init__` names in `__all__` (a module listed there is offered whole)."""
    path = MODULES.get(package)
    if path is None or path.name != "__init__.py":
        return set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def imports(path: Path, *, nested: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) of each import of the engine's own modules: at module level (`nested`:
    inside functions only). `from a.b import c` names a.b.c when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(f)
        if isinstance(n, ast.Import | ast.ImportFrom)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or (id(node) in inner) != nested:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif node.module and node.level == 0:
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names
            ]
        else:
            continue
        for name in dict.fromkeys(names):
            if name.split(".")[0] in RANK:
                yield node.lineno, name


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_imports_point_one_way():
    wrong = []
    for name, path in MODULES.items():
        layer = name.split(".")[0]
        for line, target in imports(path):
            top = target.split(".")[0]
            if RANK[top] > RANK[layer]:
                wrong.append(f"{where(path, line)} imports {target} ({layer} may not import {top})")
    assert not wrong, "\n".join(wrong)


def test_task_packages_are_ranked_and_entered_by_their_init():
    assert sorted(TASKS) == sorted(p.name for p in (ROOT / "tasks").iterdir() if (p / "__init__.py").exists())
    wrong = []
    for name, path in MODULES.items():
        parts = name.split(".")
        here = parts[1] if parts[0] == "tasks" and len(parts) > 1 else None
        for line, target in imports(path):
            t = target.split(".")
            if t[0] != "tasks" or len(t) < 2 or t[1] == here:
                continue
            if here is not None and TASKS.index(t[1]) > TASKS.index(here):
                wrong.append(f"{where(path, line)}: tasks.{here} imports {target}, a package above it")
            if len(t) > 2:
                wrong.append(f"{where(path, line)} imports {target}: import tasks.{t[1]} (its __init__) instead")
    assert not wrong, "\n".join(wrong)


def test_no_engine_import_inside_a_function():
    """Deferring a heavy third-party library is allowed (with a comment); the engine's own modules
    are imported at the top, where the import graph can see them."""
    wrong = [
        f"{where(path, line)} imports {target}"
        for path in MODULES.values()
        for line, target in imports(path, nested=True)
    ]
    assert not wrong, "\n".join(wrong)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph`, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_no_cycle_at_any_level():
    """Between modules, and between the packages at each depth (tasks.intake ⇄ tasks would be one).
    A package's `__init__` importing its own modules is how it names what it offers, not a cycle."""
    edges = {
        (name, _module(target))
        for name, path in MODULES.items()
        for _, target in imports(path)
        if _module(target) != name
    }
    found = []
    for depth in range(1, 5):
        graph: dict[str, set[str]] = defaultdict(set)
        for a, b in edges:
            pa, pb = a.split(".")[:depth], b.split(".")[:depth]
            if pa == pb or pa == b.split(".") or pb == a.split("."):
                continue  # the same unit at this depth, or a package and its own __init__
            graph[".".join(pa)].add(".".join(pb))
        if cycle := _cycle(graph):
            found.append(f"depth {depth}: " + " → ".join(cycle))
    module_graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        if not (MODULES[a].name == "__init__.py" and b.startswith(a + ".")):
            module_graph[a].add(b)
    if cycle := _cycle(module_graph):
        found.append("modules: " + " → ".join(cycle))
    assert not found, "\n".join(found)


def _module(name: str) -> str:
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def test_a_deferred_import_says_why():
    """A third-party library imported inside a function (to keep start-up fast) carries a comment,
    on the import or just above it, saying why; the standard library is imported at the top."""
    wrong = []
    for path in MODULES.values():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = [n for n in node.body if isinstance(n, ast.Import | ast.ImportFrom)]
            for n in body:
                said = lines[n.lineno - 1 : n.end_lineno] + [lines[n.lineno - 2]]
                block = [m for m in body if abs(m.lineno - n.lineno) <= 4]  # its neighbours say it once
                said += [line for m in block for line in lines[m.lineno - 1 : m.end_lineno]]
                if not any("#" in line for line in said):
                    wrong.append(f"{where(path, n.lineno)}: {lines[n.lineno - 1].strip()}")
    assert not wrong, "\n".join(wrong)
