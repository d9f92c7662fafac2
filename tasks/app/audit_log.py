"""The audit log: who did what, when, and why — append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from schemas.tables import AuditLog


def audit(session: Session, *, at: datetime, actor: str, action: str, subject: str = "", **detail: Any) -> None:
    """Record one action (e.g. `extension.grant`, `mail.resend`) in the caller's transaction."""
    session.add(AuditLog(at=at, actor=actor, action=action, subject=subject, detail=detail))
