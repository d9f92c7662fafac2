"""How a unit's contact list changes: contacts forms proposed, held for ops, approved or rejected, and told."""

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
