"""Readers and writers of bibliographic search exports.

Read any supported export with :func:`read_records` (format detected from the
content) or one format with its own reader; every reader returns a
:class:`ReadResult` of canonical :class:`Record` objects that keep every field
of the file in ``Record.raw``.  Write records back with :func:`write_ris` or
:func:`write_csv`.

Formats: RIS (all the usual dialects), PubMed MEDLINE (``.nbib``), Web of
Science tagged text, EndNote XML, BibTeX, CSV / TSV (with EndNote's
tab-delimited export) and XLSX.  Only the standard library (and defusedxml) is
imported here; bibtexparser and openpyxl are imported when a BibTeX or XLSX
file is read.
"""

from __future__ import annotations

from metareview.io.records.bibtex import read_bibtex
from metareview.io.records.endnote_xml import read_endnote_xml
from metareview.io.records.medline import read_medline
from metareview.io.records.model import Provenance, ReadResult, ReadWarning, Record
from metareview.io.records.reader import FORMATS, detect_format, read_records, read_records_text
from metareview.io.records.ris import read_ris
from metareview.io.records.table import read_table, read_xlsx
from metareview.io.records.wos import read_wos
from metareview.io.records.writers import CSV_COLUMNS, write_csv, write_ris

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "Provenance",
    "ReadResult",
    "ReadWarning",
    "Record",
    "detect_format",
    "read_bibtex",
    "read_endnote_xml",
    "read_medline",
    "read_records",
    "read_records_text",
    "read_ris",
    "read_table",
    "read_wos",
    "read_xlsx",
    "write_csv",
    "write_ris",
]
