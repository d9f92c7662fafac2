"""The inbox: files dropped into DUBAN_HOME/inbox/ are claimed by atomic rename, so two intake
runs started together never process the same file; each ends in processed/ or failed/.

A claim is `.claimed/<uuid>`, whatever the original name (a long Chinese name must not block
the inbox), with `<uuid>.json` beside it holding the original name and Duban's own clock at
the claim: that is when the file was received. A file's modification time is never trusted
(a sender sets it; a copy onto a share keeps the old one). Nothing here opens a file, so a
symlink or a FIFO is claimed like any entry and refused later by `receive.open_received`.

The inbox, `.claimed`, `processed/` and `failed/` are opened as folders without following a
link, `.claimed` and the others only when they are Duban's own (`folders.opened`), and every
rename goes through those descriptors: a `.claimed` planted as a link to another folder is
refused before anything moves, and a path swapped mid-run redirects nothing. Only an entry
with its own record (`<uuid>.json`) beside it is ever taken again as a dead run's claim.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tasks.intake.folders import UnsafeFolder, opened, unlink

CLAIMED = ".claimed"
STALE_AFTER = timedelta(hours=6)  # a run takes seconds; a claim this old belongs to a run that died
NAME_BYTES = 255  # a file name's limit on common file systems
OURS = re.compile(r"[0-9a-f]{32}")  # a claim's name: uuid4().hex
RECORD_BYTES = 64 * 1024  # a claim's record is a name and a time
__all__ = ["CLAIMED", "Claim", "UnsafeFolder", "claim_all", "fit_name", "settle"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    path: Path  # .claimed/<uuid>
    name: str  # the name the file arrived with
    claimed_at: datetime  # aware: when Duban took it, i.e. when it was received
    retaken: bool = False  # a claim a dead run left behind: it may have been recorded already


def claim_all(
    inbox: Path, *, now: datetime | None = None, stale_after: timedelta = STALE_AFTER, limit: int | None = None
) -> list[Claim]:
    """Claim every waiting entry (files, links, anything but folders and hidden names), and
    claims a dead run left behind for longer than `stale_after`. Losing a race is not an error;
    an entry that cannot be claimed is logged and left, never stopping the others. With `limit`,
    at most that many: runs that claim a batch at a time share a large inbox between them.
    `UnsafeFolder` (nothing claimed) when the inbox or `.claimed` is not Duban's own."""
    now = now or datetime.now(UTC)
    with claim_folders(inbox) as (box, claimed):
        return _claim(box, claimed, inbox / CLAIMED, now, stale_after, limit)


@contextmanager
def claim_folders(inbox: Path) -> Iterator[tuple[int, int]]:
    """The inbox and its `.claimed`, open as folders (`folders.opened`)."""
    with opened(inbox, owned=False) as box, opened(inbox / CLAIMED, parent=box) as claimed:
        yield box, claimed


def _claim(
    box: int, claimed: int, claimed_dir: Path, now: datetime, stale_after: timedelta, limit: int | None
) -> list[Claim]:
    out = []
    with os.scandir(box) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith(".") or entry.is_dir(follow_symlinks=False):
            continue
        c = _take(box, entry.name, claimed, claimed_dir, entry.name, now)
        if c:
            out.append(c)
            if limit is not None and len(out) >= limit:
                return out
    for left, name, at in _stale(claimed, now, stale_after):
        c = _take(claimed, left, claimed, claimed_dir, name, at, old=left)
        if c:
            out.append(c)
    return out


def _take(
    src: int, entry: str, claimed: int, claimed_dir: Path, name: str, at: datetime, *, old: str | None = None
) -> Claim | None:
    """Rename `entry` of the folder `src` to a new `<uuid>` in `.claimed`, its record written first."""
    target = uuid.uuid4().hex
    try:
        _write_record(claimed, f"{target}.json", {"name": name, "claimed_at": at.isoformat()})
        os.rename(entry, target, src_dir_fd=src, dst_dir_fd=claimed)  # atomic: exactly one claimer wins
    except FileNotFoundError:  # another run claimed it first
        unlink(f"{target}.json", claimed)
        return None
    except OSError as e:
        unlink(f"{target}.json", claimed)
        log.error("could not claim %r: %s", name, e)
        return None
    if old is not None:
        unlink(f"{old}.json", claimed)
    return Claim(claimed_dir / target, name, at, retaken=old is not None)


def _write_record(folder: int, name: str, meta: dict[str, str]) -> None:
    fd = os.open(
        name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644, dir_fd=folder
    )
    with os.fdopen(fd, "wb") as f:
        f.write(json.dumps(meta, ensure_ascii=False).encode("utf-8"))


def _stale(claimed: int, now: datetime, stale_after: timedelta) -> list[tuple[str, str, datetime]]:
    """(entry, original name, claimed at) of each claim a run that died left for longer than
    `stale_after`. An entry without its own record beside it is never taken: it is not a claim
    Duban made (it is logged and left). Orphaned records are removed."""
    with os.scandir(claimed) as it:
        names = {e.name for e in it}
    out = []
    for n in sorted(names):
        if n.endswith(".json"):
            if n.removesuffix(".json") not in names and _age(claimed, n, now) > stale_after:
                unlink(n, claimed)
            continue
        meta = _record(claimed, n) if OURS.fullmatch(n) and f"{n}.json" in names else None
        if meta is None:
            log.warning(
                "%s/%s has no claim record (%s.json) beside it: not a claim of Duban's, left where it is", CLAIMED, n, n
            )
        elif now - meta[1] > stale_after:
            out.append((n, *meta))
    return out


def _record(claimed: int, entry: str) -> tuple[str, datetime] | None:
    """(original name, claimed at) from `<entry>.json`, or None when it cannot be read as one."""
    try:
        fd = os.open(
            f"{entry}.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), dir_fd=claimed
        )
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            meta = json.loads(f.read(RECORD_BYTES).decode("utf-8"))
        at = datetime.fromisoformat(meta["claimed_at"])
        return (str(meta["name"]), at) if at.tzinfo is not None else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _age(folder: int, name: str, now: datetime) -> timedelta:
    try:
        return now - datetime.fromtimestamp(os.stat(name, dir_fd=folder, follow_symlinks=False).st_ctime, tz=UTC)
    except FileNotFoundError:
        return timedelta(0)


def settle(claim: Claim, home: Path, *, failed: bool, submission_id: int | None) -> Path:
    """Move a processed entry out of the inbox (the kept copy under files/ is the record), through
    the descriptors of `.claimed` and of `processed/` or `failed/` (`UnsafeFolder` if not ours)."""
    folder = home / ("failed" if failed else "processed")
    prefix = f"{submission_id}-" if submission_id else f"{uuid.uuid4().hex[:8]}-"
    target = prefix + fit_name(claim.name, NAME_BYTES - len(prefix.encode()))
    with claim_folders(claim.path.parent.parent) as (_, claimed), opened(folder) as dst:
        os.replace(claim.path.name, target, src_dir_fd=claimed, dst_dir_fd=dst)
        unlink(f"{claim.path.name}.json", claimed)
    return folder / target


def fit_name(name: str, limit: int) -> str:
    """`name` cut to `limit` bytes of UTF-8, keeping its extension; path separators removed."""
    name = name.replace("/", "_").replace("\x00", "_") or "_"
    if len(name.encode()) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = f".{ext}" if dot and len(ext.encode()) < 16 else ""
    stem = stem if ext else name
    room = limit - len(ext.encode())
    return stem.encode()[:room].decode("utf-8", "ignore") + ext
