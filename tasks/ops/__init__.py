"""What ops do by hand: extensions (延期), resends, backfill of earlier deliveries, and names as typed."""

from tasks.ops.backfill import read, record
from tasks.ops.extensions import (
    OpsError,
    answer_request,
    decide_extension,
    expire_request,
    grant_extension,
    request_extension,
    resend_now,
)
from tasks.ops.names import UnknownName

__all__ = [
    "OpsError",
    "UnknownName",
    "answer_request",
    "decide_extension",
    "expire_request",
    "grant_extension",
    "read",
    "record",
    "request_extension",
    "resend_now",
]
