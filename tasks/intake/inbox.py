"""The inbox: files dropped into DUBAN_HOME/inbox/ are claimed by atomic rename, so two
intake runs started together never process the same file; each ends in processed/ or failed/."""

from __future__ import annotations

import os
import stat
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

CLAIMED = ".claimed"
STALE_AFTER = 6 * 3600.0  # a run takes seconds; a claim this old belongs to a run that died


def claim_all(inbox: Path, *, now: float | None = None, stale_after: float = STALE_AFTER) -> list[tuple[Path, str]]:
    """Claim every waiting file; return (claimed path, original name). Losing a race is not an error.

    Files a dead run claimed but never settled (still in .claimed/ `stale_after` seconds after
    their claim, judged by the rename's ctime at `now`) are claimed again, so none is lost."""
    claimed_dir = inbox / CLAIMED
    claimed_dir.mkdir(parents=True, exist_ok=True)
    now = time.time() if now is None else now
    waiting = [(mtime, p, p.name) for p, mtime, _ in _files(inbox) if not p.name.startswith(".")]
    waiting += [
        (mtime, p, p.name.split("__", 1)[-1]) for p, mtime, ctime in _files(claimed_dir) if now - ctime > stale_after
    ]
    out = []
    for _, p, name in sorted(waiting, key=lambda w: (w[0], w[2])):
        target = claimed_dir / f"{uuid.uuid4().hex}__{name}"
        try:
            os.rename(p, target)  # atomic: exactly one claimer wins
        except FileNotFoundError:
            continue
        out.append((target, name))
    return out


def _files(folder: Path) -> list[tuple[Path, float, float]]:
    """(path, mtime, ctime) of the regular files in `folder`; one moved away meanwhile is skipped."""
    out = []
    for p in folder.iterdir():
        try:
            st = p.stat()
        except FileNotFoundError:  # another run claimed it between listing and looking
            continue
        if stat.S_ISREG(st.st_mode):
            out.append((p, st.st_mtime, st.st_ctime))
    return out


def received_at(path: Path) -> datetime:
    """When the file landed in the inbox (its modification time), as an aware datetime.

    Aware on purpose: the server's own time zone (often UTC) is not the campaign's; the
    caller converts it to campaign wall-clock time with `tasks.clock.to_local`."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)


def settle(claimed: Path, name: str, home: Path, *, failed: bool, submission_id: int | None) -> Path:
    """Move a processed file out of the inbox (the kept copy under files/ is the record)."""
    folder = home / ("failed" if failed else "processed")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (f"{submission_id}-{name}" if submission_id else f"{uuid.uuid4().hex[:8]}-{name}")
    os.replace(claimed, target)
    return target
