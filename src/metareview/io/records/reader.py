"""``read_records``: find out a search export's format and read it.

The format is told from the content; the file extension only breaks ties (an
empty file, or content that fits no format).  Checks, in order, on the first
64 KiB (first 500 lines):

* ``PK`` zip signature -> XLSX; an OLE2 signature -> old ``.xls`` (refused);
* ``<?xml`` / ``<xml>`` / ``<records>`` with a ``<record`` -> EndNote XML;
* a ``TY  - `` line anywhere (even after junk such as Ovid's ``1.``) -> RIS;
* ``FN `` / ``VR `` header, or ``PT `` with ``UT ``/``ER`` lines -> Web of Science;
* a ``PMID- `` line (or MEDLINE's four-character tags such as ``FAU -``) -> MEDLINE;
* a line starting with ``@type{`` -> BibTeX;
* a header row (``,`` ``;`` or tab separated) naming a known bibliographic column
  -> CSV / TSV (EndNote's tab-delimited export when it has EndNote column names).

Anything else raises :class:`~metareview.exceptions.DataError` (a ``ValueError``)
naming the file and listing the formats that can be read.
"""

from __future__ import annotations

import re
from pathlib import Path

from metareview.exceptions import DataError, Problem
from metareview.io.records._common import decode_bytes, no_gc, split_lines
from metareview.io.records.bibtex import parse_bibtex
from metareview.io.records.endnote_xml import parse_endnote_xml
from metareview.io.records.medline import parse_medline, split_medline_tag
from metareview.io.records.model import ReadResult, ReadWarning, Record
from metareview.io.records.ris import parse_ris, split_tag
from metareview.io.records.table import (
    header_key,
    is_record_header,
    parse_table_text,
    read_xlsx,
    sniff_delimiter,
)
from metareview.io.records.wos import parse_wos, split_wos_tag

__all__ = [
    "FORMATS",
    "detect_format",
    "read_records",
    "read_records_text",
]

#: format name -> what it is
FORMATS: dict[str, str] = {
    "ris": "RIS (Ovid, Embase, Scopus, Web of Science, ProQuest, Zotero, EndNote, Rayyan ...)",
    "medline": "PubMed MEDLINE / .nbib",
    "wos": "Web of Science tagged plain text",
    "endnote-xml": "EndNote XML (EndNote, Zotero, Mendeley)",
    "bibtex": "BibTeX",
    "csv": "CSV (comma or semicolon separated)",
    "tsv": "TSV (tab separated)",
    "endnote-tab": "EndNote tab-delimited export",
    "xlsx": "Excel workbook (.xlsx)",
}
_EXTENSIONS = {
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "endnote-xml",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]")
_MEDLINE_TAGS = frozenset({"PMID", "PMC", "FAU", "OWN", "STAT", "DCOM", "LR", "JID", "MH", "EDAT"})
_XML_START = re.compile(r"^\s*<(?:\?xml|xml\b|records\b|record\b)", re.IGNORECASE)
_PROBE_CHARS = 65536
_PROBE_LINES = 500


def _supported() -> str:
    return "; ".join(f"{name} ({what})" for name, what in FORMATS.items())


def _unrecognised(name: str, why: str) -> DataError:
    return DataError(
        [
            Problem(
                message=f"not a recognised search-export format: {why}",
                fix=(
                    "export the records from the database in one of these formats, or give "
                    f"format= explicitly: {_supported()}"
                ),
                source=name,
            )
        ]
    )


def detect_format(text: str, name: str = "") -> str | None:
    """The format of decoded text, or ``None`` when no format fits (see the module docstring)."""
    probe = text[:_PROBE_CHARS]
    stripped = probe.lstrip("\ufeff \t\r\n")
    if _XML_START.match(stripped) and "<record" in probe.lower():
        return "endnote-xml"
    lines = split_lines(probe)[:_PROBE_LINES]
    wos_header = False
    wos_pt = wos_tail = False
    medline = False
    bibtex = False
    for line in lines:
        if line.startswith("\ufeff"):
            line = line.lstrip("\ufeff")
        tagged = split_tag(line)
        if tagged is not None and tagged[0] == "TY":
            return "ris"
        if line.startswith(("FN ", "VR ")):
            wos_header = True
        elif line.startswith("PT ") and split_wos_tag(line):
            wos_pt = True
        elif line.startswith(("UT ", "ER")) and (line == "ER" or line.startswith("UT ")):
            wos_tail = True
        medline_tag = split_medline_tag(line)
        if medline_tag is not None and medline_tag[0] in _MEDLINE_TAGS:
            medline = True
        if _BIBTEX_START.match(line):
            bibtex = True
    if wos_header or (wos_pt and wos_tail):
        return "wos"
    if medline:
        return "medline"
    if bibtex:
        return "bibtex"
    header = next((line for line in lines if line.strip()), "")
    delimiter = sniff_delimiter(header)
    cells = header.split(delimiter)
    if len(cells) >= 1 and is_record_header(cells):
        if delimiter == "\t":
            keys = {header_key(cell) for cell in cells}
            if "referencetype" in keys or "secondarytitle" in keys:
                return "endnote-tab"
            return "tsv"
        return "csv"
    return None


def _parse(
    text: str, name: str, kind: str, database: str | None
) -> tuple[list[Record], list[ReadWarning], str]:
    if kind == "ris":
        records, warnings = parse_ris(text, name, database=database)
    elif kind == "medline":
        records, warnings = parse_medline(text, name, database=database)
    elif kind == "wos":
        records, warnings = parse_wos(text, name, database=database)
    elif kind == "endnote-xml":
        records, warnings = parse_endnote_xml(text, name, database=database)
    elif kind == "bibtex":
        records, warnings = parse_bibtex(text, name, database=database)
    elif kind in ("csv", "tsv", "endnote-tab"):
        delimiter = "\t" if kind in ("tsv", "endnote-tab") else None
        records, warnings, found = parse_table_text(
            text, name, database=database, delimiter=delimiter
        )
        if kind == "csv":
            kind = found  # the delimiter was sniffed: say what it was
    else:  # pragma: no cover - callers check the name first
        raise ValueError(kind)
    if not records and not any("no records" in w.message for w in warnings):
        warnings.append(ReadWarning(name, None, f"no records found in this {kind} file"))
    return records, warnings, kind


def _check_format(format: str | None, name: str) -> str | None:
    if format is None:
        return None
    kind = format.lower().strip().lstrip(".")
    kind = {"nbib": "medline", "pubmed": "medline", "bib": "bibtex", "xml": "endnote-xml"}.get(
        kind, kind
    )
    if kind not in FORMATS:
        raise DataError(
            [
                Problem(
                    message=f"unknown format {format!r}",
                    fix=f"use one of: {', '.join(FORMATS)}",
                    source=name,
                )
            ]
        )
    return kind


def read_records_text(
    text: str,
    name: str = "<text>",
    *,
    database: str | None = None,
    format: str | None = None,
) -> ReadResult:
    """Read records from text already in memory (``name`` is used in provenance and warnings).

    The format is detected from the content unless ``format`` is given (one of
    :data:`FORMATS`, but not ``xlsx``).  ``ReadResult.encoding`` is ``"str"``.
    """
    kind = _check_format(format, name)
    if kind == "xlsx":
        raise DataError([Problem(message="XLSX cannot be read from text", source=name)])
    if text.startswith("\ufeff"):
        text = text[1:]
    if kind is None:
        kind = detect_format(text, name)
        if kind is None:
            raise _unrecognised(name, "the text matches none of the formats")
    with no_gc():
        records, warnings, kind = _parse(text, name, kind, database)
    return ReadResult(records=records, warnings=warnings, format=kind, encoding="str")


def read_records(
    path: str | Path, *, database: str | None = None, format: str | None = None
) -> ReadResult:
    """Read a bibliographic search export, whatever its format.

    ``database`` (e.g. ``"Embase"``) is put in every record's provenance; without
    it, each record's database is detected from its content where the format
    says (``DB  - Scopus``, ``UT WOS:...``, MEDLINE files ...), else ``None``.
    ``format`` skips detection (one of :data:`FORMATS`).  Readers are lenient:
    anything they skip or cannot interpret is in ``ReadResult.warnings`` with
    its line.  A file that is no known format raises
    :class:`~metareview.exceptions.DataError` (a ``ValueError``).
    """
    path = Path(path)
    name = str(path)
    kind = _check_format(format, name)
    data = path.read_bytes()
    if kind is None and data.startswith(b"PK\x03\x04"):
        kind = "xlsx"
    if kind == "xlsx":
        return read_xlsx(path, database=database)
    if kind is None and data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _unrecognised(
            name, "an old Excel .xls (or other OLE2) file; save it as .xlsx or .csv"
        )
    text, encoding = decode_bytes(data)
    if kind is None:
        kind = detect_format(text, name)
    if kind is None:
        hint = _EXTENSIONS.get(path.suffix.lower())
        if hint is not None and hint != "xlsx" and not text.strip():
            kind = hint
        elif hint is not None and hint != "xlsx":
            raise _unrecognised(
                name,
                f"the extension says {hint} but the content does not look like {FORMATS[hint]}",
            )
        else:
            raise _unrecognised(name, "the content matches none of the formats")
    with no_gc():
        records, warnings, kind = _parse(text, name, kind, database)
    return ReadResult(records=records, warnings=warnings, format=kind, encoding=encoding)
