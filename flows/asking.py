"""Asking ops in the Prefect UI until an answer applies: a run paused for input, the answer
applied, and one the path refuses said in the run's artifact and asked again (never stuck
without an answer). The requests units make (延期, 办结) are answered this way."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from prefect import pause_flow_run
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import FlowPauseTimeout

from schemas.text import md

T = TypeVar("T")


def ask_until_applied(
    form: Any,
    apply: Callable[[Any], T],
    *,
    refused: type[Exception],
    key: str,
    description: str,
    markdown: str,
    said: str,
    word: str = "答复",
    deadline: float,
    poll: int,
    still_open: Callable[[], bool] | None = None,
) -> T | None:
    """Pause with `form` (a RunInput) until ops answer and `apply` takes the answer: what it
    returns, or None when nobody answered before `deadline` (a monotonic time), or when the
    request was settled meanwhile another way (`still_open` says no). An answer `apply` refuses
    is said ("{said}{word}未生效：…") in the log and in artifact `key`, and asked again."""
    while True:
        try:
            answer = pause_flow_run(
                wait_for_input=form, timeout=max(1, int(deadline - time.monotonic())), poll_interval=poll
            )
        except FlowPauseTimeout:
            return None
        try:
            return apply(answer)
        except refused as e:
            if still_open is not None and not still_open():
                return None
            print(f"{said}{word}未生效：{e}。请重新答复")
            create_markdown_artifact(
                key=key, description=description, markdown=f"{markdown}\n\n**上次{word}未生效：{md(e)}。请重新答复。**"
            )
