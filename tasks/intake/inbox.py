"""The inbox: files dropped into DUBAN_HOME/inbox/ are claimed by atomic rename, so two intake
runs started together never process the same file; each ends in processed/ or failed/.

A claim is `.claimed/<uuid>`, whatever the original name (a long Chinese name must not block
the inbox), with `<uuid>.json` beside it holding the original name and Duban's own clock at
the claim: that is when the file was received. A file's modification time is never trusted
(a sender sets it; a copy onto a share keeps the old one). Nothing here opens a file, so a
symlink or a FIFO is claimed like any entry and refused later by `receive.open_received`.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

CLAIMED = ".claimed"
STALE_AFTER = timedelta(hours=6)  # a run takes seconds; a claim this old belongs to a run that died
NAME_BYTES = 255  # a file name's limit on common file systems
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    path: Path  # .claimed/<uuid>
    name: str  # the name the file arrived with
    claimed_at: datetime  # aware: when Duban took it, i.e. when it was received
    retaken: bool = False  # a claim a dead run left behind: it may have been recorded already


def claim_all(inbox: Path, *, now: datetime | None = None, stale_after: timedelta = STALE_AFTER,
              limit: int | None = None) -> list[Claim]:
    """Claim every waiting entry (files, links, anything but folders and hidden names), and
    claims a dead run left behind for longer than `stale_after`. Losing a race is not an error;
    an entry that cannot be claimed is logged and left, never stopping the others. With `limit`,
    at most that many: runs that claim a batch at a time share a large inbox between them."""
    now = now or datetime.now(UTC)
    claimed_dir = inbox / CLAIMED
    claimed_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for entry in sorted(os.scandir(inbox), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.is_dir(follow_symlinks=False):
            continue
        c = _take(Path(entry.path), claimed_dir, entry.name, now)
        if c:
            out.append(c)
            if limit is not None and len(out) >= limit:
                return out
    for left in _stale(claimed_dir, now, stale_after):
        c = _take(left.path, claimed_dir, left.name, left.claimed_at, old=left.path)
        if c:
            out.append(c)
    return out


def _take(source: Path, claimed_dir: Path, name: str, at: datetime, *, old: Path | None = None) -> Claim | None:
    target = claimed_dir / uuid.uuid4().hex
    sidecar = target.with_suffix(".json")
    try:
        sidecar.write_text(json.dumps({"name": name, "claimed_at": at.isoformat()}, ensure_ascii=False), "utf-8")
        os.rename(source, target)  # atomic: exactly one claimer wins
    except FileNotFoundError:  # another run claimed it first
        sidecar.unlink(missing_ok=True)
        return None
    except OSError as e:
        sidecar.unlink(missing_ok=True)
        log.error("could not claim %r: %s", name, e)
        return None
    if old is not None:
        old.with_suffix(".json").unlink(missing_ok=True)
    return Claim(target, name, at, retaken=old is not None)


def _stale(claimed_dir: Path, now: datetime, stale_after: timedelta) -> list[Claim]:
    """Claims left by a run that died, file by file; orphaned sidecars are removed."""
    out = []
    for p in claimed_dir.iterdir():
        if p.suffix == ".json":
            if not p.with_suffix("").exists() and _age(p, now) > stale_after:
                p.unlink(missing_ok=True)
            continue
        name, at = _sidecar(p)
        if now - at > stale_after:
            out.append(Claim(p, name, at))
    return out


def _sidecar(p: Path) -> tuple[str, datetime]:
    try:
        meta = json.loads(p.with_suffix(".json").read_text("utf-8"))
        return str(meta["name"]), datetime.fromisoformat(meta["claimed_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return p.name, datetime.fromtimestamp(os.lstat(p).st_ctime, tz=UTC)


def _age(p: Path, now: datetime) -> timedelta:
    try:
        return now - datetime.fromtimestamp(os.lstat(p).st_ctime, tz=UTC)
    except FileNotFoundError:
        return timedelta(0)


def settle(claim: Claim, home: Path, *, failed: bool, submission_id: int | None) -> Path:
    """Move a processed entry out of the inbox (the kept copy under files/ is the record)."""
    folder = home / ("failed" if failed else "processed")
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{submission_id}-" if submission_id else f"{uuid.uuid4().hex[:8]}-"
    target = folder / (prefix + fit_name(claim.name, NAME_BYTES - len(prefix.encode())))
    os.replace(claim.path, target)
    claim.path.with_suffix(".json").unlink(missing_ok=True)
    return target


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
