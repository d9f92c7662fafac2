"""Who receives a unit's mail, and how that changes: contacts forms proposed, held, approved."""

from tasks.contacts.changes import (
    MAIL_ROLES,
    STATUS_LABELS,
    ContactChangeError,
    added_addresses,
    answer,
    pending,
    propose,
)

__all__ = ["ContactChangeError", "MAIL_ROLES", "STATUS_LABELS", "added_addresses", "answer", "pending", "propose"]
