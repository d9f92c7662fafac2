"""Opening Duban once at the edge (settings, campaign, store) and the audit log every feature writes to."""

from tasks.app.audit_log import audit
from tasks.app.open import App, open_app

__all__ = ["App", "audit", "open_app"]
