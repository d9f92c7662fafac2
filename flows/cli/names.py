"""Names as a person types them on the command line (a unit's beginning, a form's label...),
resolved by `tasks.ops`; an unknown or ambiguous name is a usage error listing the candidates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from tasks.ops import UnknownName


def named(option: str, resolve: Callable[[Any, str], str], campaign: Any, text: str | None) -> str | None:
    """What a person typed for `option`, resolved by `resolve` (None stays None)."""
    if text is None:
        return None
    try:
        return resolve(campaign, text)
    except UnknownName as e:
        raise click.BadParameter(str(e), param_hint=option) from None
