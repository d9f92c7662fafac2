"""What a send run is given and what it reports: the domain's `Freshness` check, passed in, and
the `DeliveryReport` of what went, what did not, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from notifications.message import Rendered
from schemas.campaign import Campaign


@dataclass(frozen=True)
class Freshness:
    """What the sender asks the domain right before sending, passed in: which queued rows carry
    items that no longer apply (an SQL test over a notification id, and the items themselves),
    and the message of a digest rebuilt without them."""

    has_stale: Callable[[Any, datetime], Any]
    stale_items: Callable[[Session, list[int], datetime], dict[int, set[int]]]
    rebuild: Callable[[Campaign, str, list[dict], date], Rendered]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    stale: int = 0
    uncertain: int = 0
    deferred: int = 0
    recovered: int = 0
    problem: str | None = None  # why the server could not be reached, in words

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.uncertain + self.deferred

    @property
    def all_failed(self) -> bool:
        """Mail was tried and none of it went: the run is a failure, whatever else it did."""
        return self.attempted > 0 and self.sent == 0

    def as_json(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "uncertain": self.uncertain,
            "deferred": self.deferred,
            "stale": self.stale,
            "problem": self.problem,
        }

    def summary(self) -> str:
        """One line for ops: what went, what did not, and why."""
        text = (
            f"邮件：发出 {self.sent} 封，失败 {self.failed}，存疑 {self.uncertain}，待重试 {self.deferred}，"
            f"已无需发送 {self.stale}"
        )
        return text + (f"。{self.problem}" if self.problem else "")
