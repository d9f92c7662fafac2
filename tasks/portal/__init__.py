"""A unit's own page: signed, expiring, revocable links, and what the page shows of one unit."""

from tasks.portal.links import (
    COOKIE_SALT,
    CSRF_SALT,
    LinkError,
    LinkMaker,
    link_for,
    make_link,
    open_token,
    open_token_payload,
    revoke,
    serializer,
)
from tasks.portal.page import owned_submission, page_uploads_since, take_upload_slot, unit_page

__all__ = [
    "COOKIE_SALT",
    "CSRF_SALT",
    "LinkError",
    "LinkMaker",
    "link_for",
    "make_link",
    "open_token",
    "open_token_payload",
    "owned_submission",
    "page_uploads_since",
    "revoke",
    "serializer",
    "take_upload_slot",
    "unit_page",
]
