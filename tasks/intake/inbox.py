"""The inbox: files dropped into DUBAN_HOME/inbox/ are claimed by atomic rename, so two
intake runs started together never process the same file; each ends in processed/ or failed/."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

CLAIMED = ".claimed"


def claim_all(inbox: Path) -> list[tuple[Path, str]]:
    """Claim every waiting file; return (claimed path, original name). Losing a race is not an error."""
    claimed_dir = inbox / CLAIMED
    claimed_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for p in sorted(inbox.iterdir(), key=lambda p: (p.stat().st_mtime, p.name)):
        if not p.is_file() or p.name.startswith("."):
            continue
        target = claimed_dir / f"{uuid.uuid4().hex}__{p.name}"
        try:
            os.rename(p, target)  # atomic: exactly one claimer wins
        except FileNotFoundError:
            continue
        out.append((target, p.name))
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
