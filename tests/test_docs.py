"""docs/architecture.md stays true: every path it names exists, and every function or class it names
right after a module is defined there."""

from __future__ import annotations

import re

import pytest

from tests import ROOT

pytestmark = [pytest.mark.unit]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
# `path/to/module.py` `name`: a module, then what it defines
NAMED = re.compile(r"`((?:flows|tasks|schemas|notifications|config|tests)/[\w/]+\.py)`\s+`(\w+)`")
PATHS = re.compile(r"`((?:flows|tasks|schemas|notifications|config|tests|docs)/[\w/.-]*)`")


def test_every_path_exists():
    missing = [p for p in PATHS.findall(DOC) if not (ROOT / p.split(" ")[0]).exists() and "<" not in p]
    assert not missing, missing


def test_every_name_after_a_module_is_defined_there():
    wrong = []
    for path, name in NAMED.findall(DOC):
        src = (ROOT / path).read_text(encoding="utf-8")
        if not re.search(rf"^\s*(def|class|async def) {name}\b|^{name}\s*[:=]", src, re.M):
            wrong.append(f"{path} {name}")
    assert not wrong, wrong
