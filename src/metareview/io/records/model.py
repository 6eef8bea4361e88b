"""The canonical bibliographic record that every search-export reader produces.

One :class:`Record` per record in an export file.  The canonical fields are what
deduplication, screening and the PRISMA counts need; ``raw`` keeps every field
exactly as the file had it (tag or column name -> list of values, in file
order), so that nothing the database exported is lost and a record can be
written back out.  ``provenance`` says where the record came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Provenance", "ReadResult", "ReadWarning", "Record"]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from.

    ``file`` is the path as given to the reader (or a name for in-memory
    input), ``database`` the bibliographic database the search ran in
    (e.g. ``"MEDLINE"``; ``None`` when not known), ``record_number`` the
    1-based position of the record in the file, ``line`` the 1-based line on
    which the record starts (``None`` for formats without lines, such as XLSX).
    """

    file: str
    database: str | None
    record_number: int
    line: int | None = None


@dataclass(slots=True)
class Record:
    """One bibliographic record.

    Text fields are ``None`` when the export did not have them (never ``""``).
    ``authors`` are as exported, one string per author (``"Smith, J."``,
    ``"Smith J"``, ...); normalisation belongs to deduplication, not to the
    reader.  ``year`` is the 4-digit publication year when the export states
    one, else ``None`` (the raw date stays in ``raw``).  ``pages`` is the page
    range as exported (``"457-68"``).  ``type`` is the RIS reference type
    (``JOUR``, ``CONF``, ``BOOK``, ``CHAP``, ``THES``, ``RPRT``, ``GEN`` ...),
    mapped from the source format's own type names.
    """

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    issn: str | None = None
    isbn: str | None = None
    abstract: str | None = None
    keywords: list[str] = field(default_factory=list)
    language: str | None = None
    type: str | None = None
    raw: dict[str, list[str]] = field(default_factory=dict)
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class ReadWarning:
    """Something a reader skipped or could not interpret, with its location."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass(slots=True)
class ReadResult:
    """The records read from one file, the warnings, and what was detected."""

    records: list[Record]
    warnings: list[ReadWarning]
    format: str
    encoding: str
