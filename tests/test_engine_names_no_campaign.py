"""The engine knows no campaign: no string in flows/, tasks/, schemas/ or notifications/ (docstrings
and templates included) names a unit, a form, a group, a target, a kind of unit or a date window
of any campaign file, nor the words that belong to the 2010 fair (淮安, 科洽会, 附表N, 县区, 签约 …).
Wording that differs between campaigns comes from the campaign file."""

import ast
from pathlib import Path

import pytest

from config.settings import CAMPAIGNS_DIR
from schemas.loading import load_campaign

pytestmark = [pytest.mark.unit]
ROOT = Path(__file__).resolve().parent.parent
ENGINE = ("flows", "tasks", "schemas", "notifications")
CAMPAIGN_FILES = [*CAMPAIGNS_DIR.glob("*.yaml"), *(ROOT / "tests" / "data" / "campaigns").glob("*.yaml")]
FAIR = ["淮安", "淮阴", "科洽", "附表", "县区", "签约", "洽谈", "四套班子", "组委会"]


def banned() -> set[str]:
    words = set(FAIR)
    for path in CAMPAIGN_FILES:
        c = load_campaign(path)
        words |= {u.name for u in c.units} | {g.name for g in c.groups} | set(c.kinds.values())
        words |= {f.title for f in c.forms} | {f.label for f in c.forms} | {t.label for t in c.targets}
        words |= {o.title for o in c.obligations} | {c.name, c.organiser} | {e.title for e in c.events}
        words |= {i.label for i in c.indicators}
        words |= {f"{d.month}月{d.day}日" for w in c.windows.values() for d in (w.start, w.end)}  # 8月1日
    return {w for w in words if len(w) >= 2}


def strings(path: Path):  # type: ignore[no-untyped-def]
    if path.suffix == ".py":
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.lineno, node.value
    else:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.lstrip().startswith("{#"):
                yield i, line


def test_no_string_of_the_engine_names_a_campaign():
    words = banned()
    found = []
    for top in ENGINE:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in (".py", ".j2") or "__pycache__" in path.parts:
                continue
            for line, text in strings(path):
                hits = sorted(w for w in words if w in text)
                if hits:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {'、'.join(hits)}")
    assert not found, "the engine names a campaign:\n" + "\n".join(found)
