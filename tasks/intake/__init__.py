"""Submission intake: a received file claimed, kept, read, identified, validated, recorded and answered by a receipt."""

from tasks.intake.annotate import sheet_title
from tasks.intake.cells import CellError, a_date, a_datetime, check_char, fold, header_key, org_check_char
from tasks.intake.folders import UnsafeFolder
from tasks.intake.gx import import_gx
from tasks.intake.inbox import Claim
from tasks.intake.keep import keep_bytes, kept_path, record_refused
from tasks.intake.mailparse import Incoming, read_message
from tasks.intake.origin import Origin
from tasks.intake.receive import Refused, too_large
from tasks.intake.record import Kept, Submitted, annotated_path, page_link, record_in
from tasks.intake.rules import holds
from tasks.intake.run import FileResult, intake_inbox, process_batch, process_claim
from tasks.intake.service import limits_of, refused_in, refused_verdict, submit_bytes, submit_file, validate_file
from tasks.intake.templates import file_name, template, write_templates
from tasks.intake.validate import inspect_file
from tasks.intake.verdict import STATUS_LABELS, refusal
from tasks.reader import Limits, Unreadable, read_sheets

__all__ = [
    "CellError",
    "Claim",
    "FileResult",
    "Incoming",
    "Kept",
    "Limits",
    "Origin",
    "Refused",
    "STATUS_LABELS",
    "Submitted",
    "Unreadable",
    "UnsafeFolder",
    "a_date",
    "a_datetime",
    "annotated_path",
    "check_char",
    "file_name",
    "fold",
    "header_key",
    "holds",
    "import_gx",
    "inspect_file",
    "intake_inbox",
    "keep_bytes",
    "kept_path",
    "limits_of",
    "org_check_char",
    "page_link",
    "process_batch",
    "process_claim",
    "read_message",
    "read_sheets",
    "record_in",
    "record_refused",
    "refusal",
    "refused_in",
    "refused_verdict",
    "sheet_title",
    "submit_bytes",
    "submit_file",
    "template",
    "too_large",
    "validate_file",
    "write_templates",
]
