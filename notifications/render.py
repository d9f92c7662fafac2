"""The one Jinja2 environment for every email and briefing template (autoescape on).

`select_autoescape()` matches by extension and would miss `*.html.j2`; the explicit rule
below escapes every HTML template, whatever its suffix.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from notifications.message import Rendered
from schemas.campaign import Campaign

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


def office_contact(campaign: Campaign) -> str:
    """Whom to ask, as every mail ends: the campaign's office, its phone and address."""
    o = campaign.office
    parts = [f"电话 {o.phone}" if o.phone else "", f"邮箱 {o.email}" if o.email else ""]
    detail = "，".join(p for p in parts if p)
    return (o.name or campaign.organiser) + (f"（{detail}）" if detail else "")


def compose(
    campaign: Campaign,
    template: str,
    subject: str,
    *,
    attachments: list[tuple[str, str, bytes]] | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    **context: Any,
) -> Rendered:
    """One mail from `template`.txt.j2 and .html.j2, ending with the organiser and the office's contact."""
    ctx = {
        "link": None,
        "links": [],
        **context,
        "title": subject,
        "organiser": campaign.organiser,
        "contact": office_contact(campaign),
        "reply_to": campaign.office.email or "",
    }
    if ctx["link"] and not ctx["links"]:
        ctx["links"] = [(context.get("unit") or "", ctx["link"])]
    return Rendered(
        subject,
        render(f"{template}.txt.j2", **ctx),
        render(f"{template}.html.j2", **ctx),
        attachments or [],
        in_reply_to=in_reply_to,
        references=references,
    )
