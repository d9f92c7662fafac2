"""Reading files from the wild: every format parsed in a reader child (`child.py`) under a memory
and a CPU limit, into sheets of text. Knows no campaign and no form; the child imports only this package."""

from tasks.reader.formulas import NO_VALUE
from tasks.reader.parse import parse
from tasks.reader.read import DOCUMENT_SUFFIXES, ReaderPool, is_document, read_sheets
from tasks.reader.sheet import Limits, Sheet, Unreadable, text_of

__all__ = [
    "DOCUMENT_SUFFIXES",
    "Limits",
    "NO_VALUE",
    "ReaderPool",
    "Sheet",
    "Unreadable",
    "is_document",
    "parse",
    "read_sheets",
    "text_of",
]
