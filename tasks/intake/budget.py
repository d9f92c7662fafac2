"""A file's time budget in the intake process: judging, annotating and recording it.

The reader child has its own limits (`parse.Limits`: memory, CPU, wall clock); what the parent
then does with a file's cells is timed here. Each step charges the file the time it took, and
checks between steps and every so many rows raise `OverBudget` once the file has had its
`Limits.budget_seconds`: the file is answered as too complex (`too_slow`), and the next file is
judged as usual. No signals or threads: a check is a clock read.
"""

from __future__ import annotations

import time
from types import TracebackType

from tasks.intake.verdict import Issue, Verdict

TOO_SLOW = (
    "文件过于复杂，未能在规定时间内完成校验。请删除无关的工作表、空白行列和不必要的合并单元格，"
    "或拆分成几个文件后重新发送"
)


class OverBudget(Exception):
    """The file has had its time: it is answered as too complex."""


class Budget:
    """Seconds a file may cost; used as `with budget:` around each step it is charged for."""

    def __init__(self, seconds: float, spent: float = 0.0):
        self.seconds = seconds
        self.spent = spent
        self._since: float | None = None

    def __enter__(self) -> Budget:
        self._since = time.monotonic()
        return self

    def __exit__(self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self._since is not None:
            self.spent += time.monotonic() - self._since
            self._since = None

    def charge(self, seconds: float) -> None:
        """Time spent on this file outside `with` (its share of a batch's step)."""
        self.spent += seconds

    def elapsed(self) -> float:
        running = time.monotonic() - self._since if self._since is not None else 0.0
        return self.spent + running

    def check(self) -> None:
        if self.elapsed() > self.seconds:
            raise OverBudget


def too_slow(v: Verdict) -> Verdict:
    """`v` turned into the answer for a file past its budget: nothing of it is accepted or
    annotated; the unit, form and period found so far are kept, so the receipt reaches the unit."""
    v.unreadable = True
    v.issues = [Issue("error", "too-complex", TOO_SLOW)]
    v.records, v.sheets = [], []
    v.omitted_errors = v.omitted_warnings = 0
    return v
