"""What ops do by hand: extensions (延期), resends, backfill of earlier deliveries, and names as typed."""

from tasks.ops.backfill import read, record
from tasks.ops.extensions import (
    Decided,
    OpsError,
    answer_request,
    decide_extension,
    expire_request,
    grant_extension,
    request_extension,
    resend_now,
)
from tasks.ops.names import UnknownName
from tasks.ops.names import form as form_named
from tasks.ops.names import obligation as obligation_named
from tasks.ops.names import unit as unit_named

__all__ = [
    "Decided",
    "OpsError",
    "UnknownName",
    "answer_request",
    "decide_extension",
    "expire_request",
    "form_named",
    "grant_extension",
    "obligation_named",
    "read",
    "record",
    "request_extension",
    "resend_now",
    "unit_named",
]
