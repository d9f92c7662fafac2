"""One file in, one verdict out: read, locate, identify, validate. Writes nothing."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from schemas.campaign import Campaign
from tasks.intake.identify import (
    unit_in_name,
)
from tasks.intake.judge import Pending, identify_file
from tasks.intake.suites import run_suite, run_suites
from tasks.intake.verdict import Issue, Verdict, cap_issues
from tasks.reader import Limits, Sheet, is_document, read_sheets

DEFAULT_LIMITS = Limits()


def inspect_file(
    data: bytes,
    filename: str,
    campaign: Campaign,
    *,
    received: date,
    limits: Limits = DEFAULT_LIMITS,
    unit: str | None = None,
    form: str | None = None,
    period: str | None = None,
    expect_unit: str | None = None,
) -> Verdict:
    """The verdict on one received file (never raises for bad input).

    `unit` files it for that unit whatever it says; `expect_unit` (the sender is known: a unit's
    page) files it for that unit unless the file names another one, which is refused as a mismatch."""
    with _no_cyclic_gc():
        got = identify_file(data, filename, campaign, received, limits, unit, form, period, expect_unit)
        if isinstance(got, Pending):
            with got.budget:
                gx = run_suite(got.table, got.frame, campaign)
            got = got.finish(gx, campaign)
    return _answered(got, campaign, expect_unit)


# A batch's files are read ahead, in reader children of their own (tasks/reader/read.py), while
# the file before is judged: reading and judging use a core each. The window bounds what waits.
READERS, READ_AHEAD = 2, 4


@dataclass(frozen=True)
class Received:
    """One file of a batch, with what is known of it."""

    data: bytes
    filename: str
    received: date
    unit: str | None = None
    form: str | None = None
    period: str | None = None
    expect_unit: str | None = None


def inspect_files(files: list[Received], campaign: Campaign, *, limits: Limits = DEFAULT_LIMITS) -> list[Verdict]:
    """The verdicts on many files, identical to `inspect_file` on each: the tables of one form
    with the same columns are validated by Great Expectations in one call over one frame (its
    fixed cost, ~70% of a small file's, is paid once per group), and its failures are mapped back
    to each file's rows. A group that fails as a whole is validated file by file, so one file
    never spoils the others. Each file is judged within its own time budget (a group's time is
    shared by its files' rows): a file past it is answered as too complex, the others as usual."""
    with _no_cyclic_gc(), ThreadPoolExecutor(READERS, thread_name_prefix="read-ahead") as pool:
        got: list[Verdict | Pending] = []
        ahead: dict[int, Future[list[Sheet]]] = {}
        for i, f in enumerate(files):
            for j in range(i, min(i + READ_AHEAD, len(files))):  # the next files are read while this one is judged
                if j not in ahead and not is_document(files[j].filename, files[j].data):
                    ahead[j] = pool.submit(read_sheets, files[j].data, files[j].filename, limits)
            try:
                got.append(
                    identify_file(
                        f.data,
                        f.filename,
                        campaign,
                        f.received,
                        limits,
                        f.unit,
                        f.form,
                        f.period,
                        f.expect_unit,
                        read=ahead.pop(i, None),
                    )
                )
            except Exception as e:  # judged alone again by the caller's per-file path
                got.append(_crashed(f.filename, e))
        found = _validate_groups(got, campaign)
        out = []
        for i, (f, g) in enumerate(zip(files, got, strict=True)):
            if isinstance(g, Pending):
                gx = found[i]
                g = g.finish(gx, campaign) if isinstance(gx, list) else _crashed(f.filename, gx)
            out.append(_answered(g, campaign, f.expect_unit))
    return out


class Crashed(Verdict):
    """A file whose judging raised: the caller judges it again on its own, or records the crash."""

    error: Exception | None = None


def _validate_groups(got: list[Verdict | Pending], campaign: Campaign) -> dict[int, list[Issue] | Exception]:
    """Great Expectations' issues for each pending file of a batch, one call per group of files of
    one form and columns (a group that fails as a whole: file by file)."""
    groups: dict[tuple, list[int]] = {}
    for i, g in enumerate(got):
        if isinstance(g, Pending):
            groups.setdefault((g.table.form.code, tuple(g.table.columns), tuple(g.frame.columns)), []).append(i)
    found: dict[int, list[Issue] | Exception] = {}
    for members in groups.values():
        pend: list[Pending] = [got[i] for i in members]  # type: ignore[misc]
        started = time.monotonic()
        try:
            per: list[list[Issue] | Exception] = list(run_suites([(p.table, p.frame) for p in pend], campaign))
        except Exception:
            per = []
            for p in pend:
                try:
                    per.append(run_suite(p.table, p.frame, campaign))
                except Exception as e:
                    per.append(e)
        _share(pend, time.monotonic() - started)
        found.update(zip(members, per, strict=True))
    return found


def _share(pend: list[Pending], seconds: float) -> None:
    """A group's validation time, charged to its files by their rows."""
    rows = sum(len(p.frame) for p in pend) or 1
    for p in pend:
        p.budget.charge(seconds * len(p.frame) / rows)


def _crashed(filename: str, e: Exception) -> Verdict:
    v = Crashed(filename=PurePath(filename).name)
    v.error = e
    return v


def _answered(v: Verdict, campaign: Campaign, expect_unit: str | None) -> Verdict:
    if v.unreadable and v.unit is None:  # answered all the same when its name names a unit
        v.unit = expect_unit or unit_in_name(v.filename, campaign)
    return cap_issues(v)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A 20,000-row file makes ~10⁶ small acyclic objects (cells, rows, records); the cyclic
    collector would walk them again and again for nothing (0.2–0.5 s of pauses, measured).
    Reference counting still frees everything; the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
