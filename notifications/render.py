"""The one Jinja2 environment for every email and briefing template (autoescape on).

`select_autoescape()` matches by extension and would miss `*.html.j2`; the explicit rule
below escapes every HTML template, whatever its suffix.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _escape(name: str | None) -> bool:
    return name is None or name.endswith((".html", ".htm", ".html.j2", ".xml"))


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=_escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, /, **context: Any) -> str:
    return environment().get_template(template).render(**context)
