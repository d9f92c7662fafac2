"""Every table of the store, imported in one place so `Base.metadata` is complete
(for Alembic and for `tests/test_migrations.py`)."""

from schemas.tables import (  # noqa: F401
    AuditLog,
    Base,
    Contact,
    ContactList,
    Extension,
    Obligation,
    Submission,
    Unit,
    ValidationIssue,
)

metadata = Base.metadata
