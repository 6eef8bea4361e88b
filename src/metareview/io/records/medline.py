"""PubMed MEDLINE ("nbib", MEDLARS) reader.

The format: a tag of up to four characters in columns 1-4 (padded with spaces),
``"- "`` in columns 5-6, the value after; continuation lines are indented (six
spaces); a blank line ends a record.  ``raw`` keeps each tag's value with its
continuation lines joined by a line break (the indent removed); the canonical
title, abstract and journal join the wrapped lines with single spaces.

Canonical fields: title ``TI`` (``BTI`` for a book), authors ``FAU`` (full names;
``AU`` when a record has no ``FAU``), year from ``DP``, journal ``JT`` (``TA``
when absent), ``VI``, ``IP``, ``PG``, DOI from ``LID`` / ``AID`` values marked
``[doi]``, ``PMID``, ISSN from the first ``IS``, ``ISBN``, abstract ``AB`` (an
empty ``AB`` stays ``None``; ``OAB`` stays in ``raw``), keywords ``MH`` then
``OT``, ``LA``; type ``JOUR`` (``BOOK``/``CHAP`` for PubMed Bookshelf records).
"""

from __future__ import annotations

from pathlib import Path

from metareview.io.records._common import (
    add_raw,
    build_records,
    first,
    normalize_doi,
    parse_year,
    read_text_file,
    split_isbn_issn,
    split_lines,
    squash,
)
from metareview.io.records.model import ReadResult, ReadWarning, Record

__all__ = ["DATABASE", "parse_medline", "read_medline", "split_medline_tag"]

DATABASE = "MEDLINE (PubMed)"
_TAG_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def split_medline_tag(line: str) -> tuple[str, str] | None:
    """``("PMID", "30042925")`` for ``PMID- 30042925``, else ``None``."""
    if len(line) < 5 or line[4] != "-" or (len(line) > 5 and line[5] != " "):
        return None
    tag = line[:4].rstrip()
    if not tag or line[0] not in _TAG_CHARS or line[0].isdigit():
        return None
    for char in tag:
        if char not in _TAG_CHARS:
            return None
    return tag, line[6:].rstrip()


def _doi(raw: dict[str, list[str]]) -> str | None:
    for tag in ("LID", "AID"):
        for value in raw.get(tag, ()):
            if value.rstrip().endswith("[doi]"):
                return normalize_doi(value.rstrip()[: -len("[doi]")])
    return None


def medline_canonical(raw: dict[str, list[str]], record: Record) -> None:
    """Fill a record's canonical fields from its MEDLINE tags."""
    title = first(raw.get("TI", ()))
    book_title = first(raw.get("BTI", ()))
    record.title = squash(title or book_title)
    if book_title:
        record.type = "CHAP" if title else "BOOK"
    else:
        record.type = "JOUR"
    authors = raw.get("FAU") or raw.get("AU") or []
    record.authors = [a for a in (squash(v) for v in authors) if a]
    record.year = parse_year(first(raw.get("DP", ())))
    record.journal = squash(first(raw.get("JT", ())) or first(raw.get("TA", ())))
    record.volume = first(raw.get("VI", ()))
    record.issue = first(raw.get("IP", ()))
    record.pages = first(raw.get("PG", ()))
    record.doi = _doi(raw)
    record.pmid = first(raw.get("PMID", ()))
    issn = None
    for value in raw.get("IS", ()):
        issn, _ = split_isbn_issn(value)
        if issn:
            break
    record.issn = issn
    record.isbn = first(raw.get("ISBN", ()))
    record.abstract = squash(first(raw.get("AB", ())))
    record.keywords = [k for k in (squash(v) for v in raw.get("MH", []) + raw.get("OT", [])) if k]
    record.language = first(raw.get("LA", ()))


def parse_medline(
    text: str, name: str, *, database: str | None = None
) -> tuple[list[Record], list[ReadWarning]]:
    """Parse MEDLINE text (already decoded) into records and warnings."""
    raws: list[tuple[dict[str, list[str]], int]] = []
    warnings: list[ReadWarning] = []
    raw: dict[str, list[str]] | None = None
    last_tag: str | None = None
    junk_first = junk_count = 0
    odd_first = odd_count = 0

    def flush_junk() -> None:
        nonlocal junk_count
        if junk_count:
            warnings.append(
                ReadWarning(
                    name,
                    junk_first,
                    f"skipped {junk_count} line(s) from line {junk_first} that are "
                    "neither MEDLINE tag lines nor indented continuation lines",
                )
            )
            junk_count = 0

    def flush_odd() -> None:
        nonlocal odd_count
        if odd_count:
            warnings.append(
                ReadWarning(
                    name,
                    odd_first,
                    f"{odd_count} line(s) from line {odd_first} have no tag and no indent; "
                    f"kept as continuation of the {last_tag} field",
                )
            )
            odd_count = 0

    for number, line in enumerate(split_lines(text), 1):
        if line and line[0] == "\ufeff":
            line = line.lstrip("\ufeff")
        if not line.strip():
            flush_odd()
            raw = None
            last_tag = None
            continue
        tagged = split_medline_tag(line)
        if tagged is not None:
            flush_odd()
            flush_junk()
            tag, value = tagged
            if raw is None:
                raw = {}
                raws.append((raw, number))
            add_raw(raw, tag, value)
            last_tag = tag
            continue
        if raw is not None and last_tag is not None:
            if not line[0].isspace():
                if not odd_count:
                    odd_first = number
                odd_count += 1
            values = raw[last_tag]
            part = line.strip()
            values[-1] = f"{values[-1]}\n{part}" if values[-1] else part
            continue
        if not junk_count:
            junk_first = number
        junk_count += 1
    flush_odd()
    flush_junk()
    records = build_records(raws, medline_canonical, name, database or DATABASE)
    warnings.sort(key=lambda w: w.line or 0)
    return records, warnings


def read_medline(path: str | Path, *, database: str | None = None) -> ReadResult:
    """Read a PubMed MEDLINE / ``.nbib`` file."""
    return read_text_file(path, parse_medline, "medline", database)
