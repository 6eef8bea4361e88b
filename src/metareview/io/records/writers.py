"""Writers: RIS (in :mod:`.ris`) and CSV of the canonical fields with provenance."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from metareview.io.records.model import Record
from metareview.io.records.ris import write_ris

__all__ = ["CSV_COLUMNS", "write_csv", "write_ris"]

CSV_COLUMNS = (
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "issn",
    "isbn",
    "abstract",
    "keywords",
    "language",
    "type",
    "file",
    "database",
    "record_number",
    "line",
)


def _row(record: Record) -> list[str]:
    prov = record.provenance

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return [
        text(record.title),
        "; ".join(record.authors),
        text(record.year),
        text(record.journal),
        text(record.volume),
        text(record.issue),
        text(record.pages),
        text(record.doi),
        text(record.pmid),
        text(record.issn),
        text(record.isbn),
        text(record.abstract),
        "; ".join(record.keywords),
        text(record.language),
        text(record.type),
        text(prov.file if prov else None),
        text(prov.database if prov else None),
        text(prov.record_number if prov else None),
        text(prov.line if prov else None),
    ]


def write_csv(records: Iterable[Record], path_or_stream: str | Path | TextIO) -> None:
    """Write the canonical fields and the provenance as CSV (UTF-8, header row).

    Authors and keywords are joined with ``"; "``; empty cells stand for ``None``.
    :func:`metareview.io.records.read_records` reads the file back to the same
    canonical fields (the provenance columns become raw fields, and ``database``
    the record's database).
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(_row(record))
    text = buffer.getvalue()
    if isinstance(path_or_stream, str | Path):
        with open(path_or_stream, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        path_or_stream.write(text)
