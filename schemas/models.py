"""Every table of the store, imported in one place so `Base.metadata` is complete
(for Alembic and for `tests/schemas/test_migrations.py`)."""

from schemas.briefings import Briefing, BriefingVersion  # noqa: F401, E402
from schemas.matters import Matter, MatterEvent  # noqa: F401, E402
from schemas.outbox import Attachment, Notification, NotificationItem  # noqa: F401, E402
from schemas.rows import FormRow  # noqa: F401, E402
from schemas.tables import (  # noqa: F401
    AuditLog,
    Base,
    Contact,
    ContactChange,
    ContactList,
    Extension,
    Obligation,
    Submission,
    Unit,
    ValidationIssue,
)

metadata = Base.metadata
