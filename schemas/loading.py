"""Loading a campaign file: YAML (with included form files) into the model, every mistake
reported at once with its file, its line and the fix (`duban check FILE` prints them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.campaign import Campaign
from schemas.campaign_checks import comparison_problem, cross_reference_problems
from schemas.campaign_errors import CampaignError, Lines, describe, pydantic_message, untagged
from schemas.campaign_warnings import warnings
from schemas.campaign_yaml import SHARED_FORMS, include_forms, read_yaml

__all__ = [
    "SHARED_FORMS",
    "CampaignError",
    "check_campaign",
    "comparison_problem",
    "json_schema",
    "load_campaign",
    "warnings",
]


def json_schema() -> dict[str, Any]:
    """The campaign file's JSON Schema (for editors): the model's, with `{include: FILE}` allowed
    among the forms."""
    schema = Campaign.model_json_schema()
    include = {
        "type": "object",
        "required": ["include"],
        "properties": {
            "include": {
                "type": "string",
                "description": "a form file, relative to this file; other keys override the form's",
            }
        },
        "additionalProperties": True,
    }
    forms = schema["properties"]["forms"]
    forms["items"] = {"anyOf": [forms["items"], include]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "督办活动配置 (Duban campaign file)"
    return schema


def load_campaign(path: Path) -> Campaign:
    """Load and check a campaign YAML (and the form files it includes); raise `CampaignError`
    listing every problem with its file and line."""
    return _load(path)[0]


def check_campaign(path: Path) -> tuple[Campaign, list[str]]:
    """`load_campaign`, and what is allowed but probably not meant, each with its file and line."""
    campaign, lines = _load(path)
    return campaign, [describe(path, lines, loc, msg) for loc, msg in warnings(campaign)]


def _load(path: Path) -> tuple[Campaign, Lines]:
    data, lines = read_yaml(path, root_problem=True)
    data, lines, problems = include_forms(data, lines, path)
    try:  # an include that failed is said with the file's other mistakes, not instead of them
        campaign = Campaign.model_validate(data)
    except ValidationError as e:
        raise CampaignError(
            path, problems + [describe(path, lines, untagged(err["loc"]), pydantic_message(err)) for err in e.errors()]
        ) from None
    problems += [describe(path, lines, loc, msg) for loc, msg in cross_reference_problems(campaign)]
    if problems:  # with what would be pointed out anyway: one run says it all
        raise CampaignError(path, problems, [describe(path, lines, loc, msg) for loc, msg in _safe_warnings(campaign)])
    return campaign, lines


def _safe_warnings(c: Campaign) -> list[tuple[tuple, str]]:
    try:
        return list(warnings(c))
    except Exception:  # a campaign with problems may not even make its calendar: its problems come first
        return []
