"""Formulas with no computed value: a workbook written by a program (a report system, a script)
and never opened in Excel carries the formula but no result, so the cell reads empty. The clerk
sees a number in Excel and must be told why we see none: "empty" would be wrong.

`scan_cells` runs in the reader child on an .xlsx (it finds cells showing an Excel error value
too); `tasks.intake.formulas.explain` says so on the issues of a validated table.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

from tasks.reader.sheet import column_number

NO_VALUE = "是公式，但文件中没有计算结果，请在 Excel 中打开后保存再发送"
# a formula immediately followed by the end of its cell (no value, or an empty one): only a
# sheet where this matches is parsed at all; a sheet with no "<f" at all is not even searched
# (a 20,000-row sheet: ~25 ms to inflate and look, against ~350 ms to read it)
_CANDIDATE = re.compile(
    rb"<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})$")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*\st="e"')


def scan_cells(
    data: bytes, sheet_names: list[str]
) -> dict[str, tuple[list[tuple[int, int]], list[tuple[int, int, str]]]]:
    """Sheet name -> (formula cells with no cached value; cells showing an Excel error value
    such as #DIV/0!, with that value), 0-based. The workbook reader reads an error cell as
    empty, which would tell the clerk the cell is blank. The zip's sizes were checked before
    (`parse._check_zip`); XML is read with defusedxml. Anything odd means "none found": the
    workbook reader has already judged the file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = _sheet_parts(zf)
            out = {}
            for name in sheet_names:
                part = parts.get(name)
                if part is None:
                    continue
                raw = zf.read(part)
                formulas = (b"<f" in raw or b":f" in raw) and _CANDIDATE.search(raw) is not None
                if formulas or _ERROR_CELL.search(raw):
                    out[name] = _cells(raw)
            return out
    except (KeyError, zipfile.BadZipFile, ParseError, DefusedXmlException, ValueError, OSError):
        return {}


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    rels = {
        r.get("Id"): r.get("Target") or ""
        for r in fromstring(zf.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True).iter(_PKG_REL + "Relationship")
    }
    out = {}
    for s in fromstring(zf.read("xl/workbook.xml"), forbid_dtd=True).iter(_MAIN + "sheet"):
        target = rels.get(s.get(_REL + "id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if path in names:
            out[s.get("name") or ""] = path
    return out


def _cells(raw: bytes) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]]]:
    found: list[tuple[int, int]] = []
    errors: list[tuple[int, int, str]] = []
    r, c = -1, -1
    for event, el in iterparse(io.BytesIO(raw), events=("start", "end"), forbid_dtd=True):
        if event == "start":
            if el.tag == _MAIN + "row":
                r = int(el.get("r") or r + 2) - 1
                c = -1
            continue
        if el.tag == _MAIN + "c":
            m = _REF.match(el.get("r") or "")
            r, c = (int(m[2]) - 1, column_number(m[1]) - 1) if m else (r, c + 1)
            f, v = el.find(_MAIN + "f"), el.find(_MAIN + "v")
            if el.get("t") == "e" and v is not None and (v.text or "").strip():
                errors.append((r, c, v.text.strip()[:16]))
            elif f is not None and (v is None or not (v.text or "").strip()) and el.find(_MAIN + "is") is None:
                found.append((r, c))
            el.clear()
        elif el.tag == _MAIN + "row":
            el.clear()
    return found, errors
