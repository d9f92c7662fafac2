"""The one e-mail address check, for campaign files, form cells and outgoing mail alike.

email-validator knows the RFCs' syntax (dots, quotes, internationalised domains, length
limits) far better than a pattern; no DNS lookup is made (an address is judged, not probed).
"""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

INVALID = "不是有效的电子邮箱地址"


class BadAddress(ValueError):
    """Not an e-mail address; `str()` says so in Chinese."""


@lru_cache(maxsize=4096)
def _validated(text: str) -> ValidatedEmail:
    try:
        return validate_email(text.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise BadAddress(INVALID) from None


def email_address(text: str) -> str:
    """`text` as a normalised address (domain lower-cased), or `BadAddress`."""
    return _validated(text).normalized


def ascii_address(text: str) -> str:
    """`text` as it goes into a header and an SMTP envelope: an internationalised domain in its
    ASCII (IDNA) form, e.g. 例子.cn -> xn--fsqu00a.cn; or `BadAddress`."""
    return _validated(text).ascii_email or ""
