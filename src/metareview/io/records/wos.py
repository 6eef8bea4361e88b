"""Web of Science tagged ("plain text", field-tagged) reader.

The format: a file header ``FN Clarivate Analytics Web of Science`` and
``VR 1.0``; each field a two-character tag in columns 1-2, a space, the value;
continuation lines indented three spaces; ``ER`` ends a record and ``EF`` the
file.  In this format a continuation line is a further value of a list field
(one author, address or cited reference per line) or the wrapped rest of a text
field, so ``raw`` keeps one entry per physical line; the canonical title, journal
and abstract join them (title and journal with spaces, abstract with line breaks).

Canonical fields: title ``TI``, authors ``AU`` (``AF`` full names when there is no
``AU``), year ``PY`` (``EA`` / ``PD`` when absent), journal ``SO``, ``VL``, ``IS``,
pages ``BP``-``EP``, DOI ``DI``, PMID ``PM``, ISSN ``SN`` (``EI`` when absent),
ISBN ``BN``, abstract ``AB``, keywords ``DE`` then ``ID`` split at ``;``, ``LA``;
type from ``PT`` refined by ``DT`` (proceedings papers -> ``CONF``, book chapters
-> ``CHAP``).  Database: Web of Science.
"""

from __future__ import annotations

from pathlib import Path

from metareview.io.records._common import (
    add_raw,
    build_records,
    clean,
    first,
    make_pages,
    normalize_doi,
    parse_year,
    read_text_file,
    split_isbn_issn,
    split_lines,
)
from metareview.io.records.model import ReadResult, ReadWarning, Record

__all__ = ["DATABASE", "parse_wos", "read_wos", "split_wos_tag"]

DATABASE = "Web of Science"
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SECOND = _UPPER | frozenset("0123456789")
_FILE_TAGS = frozenset({"FN", "VR", "EF"})


def split_wos_tag(line: str) -> tuple[str, str] | None:
    """``("AU", "Smith, J")`` for ``AU Smith, J``, else ``None``."""
    if len(line) < 2 or line[0] not in _UPPER or line[1] not in _SECOND:
        return None
    if len(line) == 2:
        return line, ""
    if line[2] != " ":
        return None
    return line[:2], line[3:].rstrip()


def _joined(raw: dict[str, list[str]], tag: str, sep: str) -> str | None:
    values = [v.strip() for v in raw.get(tag, ()) if v.strip()]
    return sep.join(values) if values else None


def _wos_type(raw: dict[str, list[str]]) -> str | None:
    pt = (first(raw.get("PT", ())) or "").upper()
    dt = (_joined(raw, "DT", " ") or "").lower()
    if "proceedings paper" in dt:
        return "CONF"
    if "chapter" in dt:
        return "CHAP"
    if pt == "J":
        return "JOUR"
    if pt in ("B", "S"):
        return "BOOK" if pt == "B" else "SER"
    if pt == "C":
        return "CONF"
    if pt == "P":
        return "PAT"
    return "GEN" if pt else None


def wos_canonical(raw: dict[str, list[str]], record: Record) -> None:
    """Fill a record's canonical fields from its Web of Science tags."""
    record.type = _wos_type(raw)
    record.title = _joined(raw, "TI", " ")
    authors = raw.get("AU") or raw.get("AF") or []
    record.authors = [a for a in (clean(v) for v in authors) if a]
    year = None
    for tag in ("PY", "EA", "PD"):
        year = parse_year(first(raw.get(tag, ())))
        if year is not None:
            break
    record.year = year
    record.journal = _joined(raw, "SO", " ")
    record.volume = first(raw.get("VL", ()))
    record.issue = first(raw.get("IS", ()))
    record.pages = make_pages(first(raw.get("BP", ())), first(raw.get("EP", ())))
    record.doi = normalize_doi(first(raw.get("DI", ())))
    record.pmid = first(raw.get("PM", ()))
    issn = None
    for tag in ("SN", "EI"):
        issn, _ = split_isbn_issn(first(raw.get(tag, ())))
        if issn:
            break
    record.issn = issn
    record.isbn = first(raw.get("BN", ()))
    record.abstract = _joined(raw, "AB", "\n")
    keywords: list[str] = []
    for tag in ("DE", "ID"):
        text = _joined(raw, tag, " ")
        if text:
            keywords.extend(k.strip() for k in text.split(";") if k.strip())
    record.keywords = keywords
    record.language = first(raw.get("LA", ()))


def parse_wos(
    text: str, name: str, *, database: str | None = None
) -> tuple[list[Record], list[ReadWarning]]:
    """Parse Web of Science tagged text (already decoded) into records and warnings."""
    raws: list[tuple[dict[str, list[str]], int]] = []
    warnings: list[ReadWarning] = []
    raw: dict[str, list[str]] | None = None
    last_tag: str | None = None
    junk_first = junk_count = 0
    start = 0

    def flush_junk() -> None:
        nonlocal junk_count
        if junk_count:
            warnings.append(
                ReadWarning(
                    name,
                    junk_first,
                    f"skipped {junk_count} line(s) of text outside a record from line {junk_first}",
                )
            )
            junk_count = 0

    for number, line in enumerate(split_lines(text), 1):
        if line and line[0] == "\ufeff":
            line = line.lstrip("\ufeff")
        tagged = split_wos_tag(line)
        if tagged is not None:
            tag, value = tagged
            if tag == "ER":
                if raw is None:
                    if not junk_count:
                        junk_first = number
                    junk_count += 1
                raw = None
                last_tag = None
                continue
            if raw is not None and tag == "PT" and "PT" in raw:
                warnings.append(
                    ReadWarning(
                        name,
                        start,
                        f"record starting on line {start} has no ER line; it ends before "
                        f"the next PT line on line {number}",
                    )
                )
                raw = None
            if raw is None:
                if tag in _FILE_TAGS:
                    continue
                flush_junk()
                raw = {}
                start = number
                raws.append((raw, number))
            elif tag in _FILE_TAGS and tag != "VR":
                warnings.append(
                    ReadWarning(name, start, f"record starting on line {start} has no ER line")
                )
                raw = None
                last_tag = None
                continue
            add_raw(raw, tag, value)
            last_tag = tag
            continue
        if not line.strip():
            continue
        if raw is not None and last_tag is not None and line[0].isspace():
            add_raw(raw, last_tag, line.strip())
            continue
        if raw is not None and last_tag is not None:
            warnings.append(
                ReadWarning(
                    name,
                    number,
                    f"line {number} has no tag and is not indented; kept as a further "
                    f"{last_tag} value",
                )
            )
            add_raw(raw, last_tag, line.strip())
            continue
        if not junk_count:
            junk_first = number
        junk_count += 1
    if raw is not None:
        warnings.append(
            ReadWarning(
                name, start, f"record starting on line {start} has no ER line (the file ends)"
            )
        )
    flush_junk()
    records = build_records(raws, wos_canonical, name, database or DATABASE)
    warnings.sort(key=lambda w: w.line or 0)
    return records, warnings


def read_wos(path: str | Path, *, database: str | None = None) -> ReadResult:
    """Read a Web of Science tagged ("plain text") export."""
    return read_text_file(path, parse_wos, "wos", database)
