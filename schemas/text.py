"""Text from the wild made safe for where Duban writes it, and for a Prefect markdown artifact.

Received bytes are always kept as received (`tasks.intake.keep`); these functions clean only
what Duban writes: a workbook (XML 1.0 forbids most C0 controls: openpyxl raises
`IllegalCharacterError`), a PostgreSQL text column (no NUL), a mail or a page. Writers store
controls pasted from Word or web systems in .xlsx as `_x000B_` and the like; they arrive here as
the characters themselves.
"""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; the two non-characters XML forbids; lone surrogates
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# what a markdown table or paragraph reads as syntax (GFM), and HTML's angle brackets
_MARKDOWN = re.compile(r"([\\`*_\[\]()!<>|#~])")
_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")


def forbidden_characters(text: str) -> bool:
    """Does `text` hold a character no workbook, database column or mail may carry?"""
    return _FORBIDDEN.search(text) is not None


def clean_text(text: str, replacement: str = "") -> str:
    """`text` without the characters that XML 1.0 and PostgreSQL forbid (C0 controls but tab,
    line feed and carriage return; U+FFFE, U+FFFF; lone surrogates)."""
    return _FORBIDDEN.sub(replacement, text) if _FORBIDDEN.search(text) else text


def md(value: object) -> str:
    """Any value as literal text in a Prefect markdown artifact, in a table cell or a paragraph:
    every character markdown reads as syntax (| [ ] ( ) ! * _ < > \\ ` # ~) is escaped and line
    breaks become spaces, so a name like `何静 | x@y.cn` or `[点此](http://…)` reads as typed and
    can add no cell, link, image or HTML. The one helper every artifact's data goes through."""
    text = "" if value is None else str(value)
    return _MARKDOWN.sub(r"\\\1", clean_text(_BREAKS.sub(" ", text)))


def md_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """A Prefect table artifact's rows with every text escaped by `md`: the UI renders each
    string cell as markdown (its ArtifactDataTable uses the markdown renderer). Numbers stay numbers."""
    return [
        {md(k): (v if v is None or isinstance(v, bool | int | float) else md(v)) for k, v in row.items()}
        for row in rows
    ]


def printable(text: str) -> str:
    """`text` safe on a terminal or in a log line: every character that is not printable (escape
    sequences, line breaks, bidi controls) as “?”. File names come from whoever dropped the file."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
