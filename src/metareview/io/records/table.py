"""CSV / TSV / XLSX reader, and EndNote's tab-delimited export.

Columns are recognised by name, ignoring case, spaces and punctuation
(``Article Title`` = ``article_title`` = ``ARTICLE TITLE``); when several
columns could give a field, the first name in the alias list below wins (so
Scopus' ``Authors`` beats ``Author full names``).  Every non-empty cell goes to
``raw`` under its column name as written in the header.

* delimiter: ``,`` ``;`` or tab, whichever the header line has most of;
* authors: split at ``;``; else at `` and `` (BibTeX style, ``"Last, F and Last, F"``);
  else at ``,`` only when every part has a space in it (Embase / Scopus
  ``"Liu R., Adler D.G."``); otherwise one author as exported;
* keywords: every keyword column (author keywords, index keywords, Zotero tags),
  split at ``;``;
* pages: a pages column, or start page + end page columns;
* ISSN / ISBN columns are told apart by content (EndNote's ``ISBN/ISSN``).

Each record's line is the line its row starts on (rows may span lines inside
quotes); XLSX rows have no line (``None``).
"""

from __future__ import annotations

import ast
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from metareview.io.records._common import (
    add_raw,
    clean,
    decode_bytes,
    make_pages,
    no_gc,
    normalize_database,
    normalize_doi,
    normalize_type,
    parse_year,
    provenance,
    split_isbn_issn,
    split_lines,
    squash,
)
from metareview.io.records.model import ReadResult, ReadWarning, Record

__all__ = [
    "ALIASES",
    "header_key",
    "is_record_header",
    "parse_table_rows",
    "parse_table_text",
    "read_table",
    "read_xlsx",
    "sniff_delimiter",
    "split_author_cell",
    "split_keyword_cell",
]

_NON_ALNUM = re.compile(r"[^0-9a-z]")


def header_key(name: str) -> str:
    """A column name reduced to lower-case letters and digits (``"Author(s)"`` -> ``"authors"``)."""
    return _NON_ALNUM.sub("", name.lower())


# field -> column names (as header keys), best first
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "articletitle", "documenttitle", "primarytitle", "ti", "t1"),
    "authors": (
        "authors",
        "author",
        "authornames",
        "au",
        "authorsfullname",
        "authorfullnames",
        "af",
        "a1",
    ),
    "year": ("year", "publicationyear", "py", "pubyear", "date", "publicationdate", "dp"),
    "journal": (
        "journal",
        "sourcetitle",
        "secondarytitle",
        "publicationtitle",
        "journaltitle",
        "publicationname",
        "journalname",
        "journalbook",
        "so",
        "t2",
        "jo",
        "jf",
        "booktitle",
    ),
    "volume": ("volume", "vl", "vol"),
    "issue": ("issue", "number", "is", "no", "ip"),
    "pages": ("pages", "page", "pg", "pagerange"),
    "start_page": ("startpage", "pagestart", "bp", "sp", "beginningpage", "firstpage"),
    "end_page": ("endpage", "pageend", "ep", "lastpage"),
    "doi": ("doi", "di", "do", "digitalobjectidentifier"),
    "pmid": ("pmid", "pubmedid", "pm", "pubmed"),
    "issn": ("issn", "sn", "eissn", "ei"),
    "isbn": ("isbn", "isbnissn", "bn"),
    "abstract": ("abstract", "abstractnote", "ab", "n2"),
    "language": ("language", "languageoforiginaldocument", "la", "lang"),
    "type": (
        "itemtype",
        "entrytype",
        "referencetype",
        "typeofreference",
        "documenttype",
        "publicationtype",
        "type",
        "ty",
        "dt",
        "pt",
    ),
    "database": ("nameofdatabase", "database", "databasename", "db"),
}
KEYWORD_COLUMNS = (
    "keywords",
    "authorkeywords",
    "indexkeywords",
    "keyword",
    "kw",
    "de",
    "manualtags",
    "automatictags",
)
# columns that name the database only when they hold a well-known database name
_DATABASE_HINTS = ("source", "librarycatalog")
_RECOGNISED = frozenset(
    key for keys in ALIASES.values() for key in keys if len(key) > 2
) | frozenset(KEYWORD_COLUMNS)
_KEY_FIELDS = frozenset({"title", "authors", "doi", "abstract", "pmid", "journal", "year"})
_SPACE_AND = re.compile(r"\s+and\s+")


def is_record_header(names: Sequence[str]) -> bool:
    """True when a header row names at least one bibliographic column we know."""
    keys = {header_key(name) for name in names}
    for field in _KEY_FIELDS:
        if keys.intersection(ALIASES[field]):
            return True
    return bool(keys & _RECOGNISED)


def sniff_delimiter(line: str) -> str:
    """The delimiter a header line uses most: ``,`` ``;`` or tab (``,`` on ties)."""
    counts = {",": line.count(","), ";": line.count(";"), "\t": line.count("\t")}
    best = max(counts.values())
    if best == 0:
        return ","
    for delimiter in ("\t", ",", ";"):
        if counts[delimiter] == best:
            return delimiter
    return ","


def split_author_cell(value: str) -> list[str]:
    """Split an author cell into authors (see the module docstring for the rules)."""
    if ";" in value:
        parts = value.split(";")
    elif " and " in value or "\tand " in value or "\nand " in value:
        parts = _SPACE_AND.split(value)
    elif "," in value:
        parts = value.split(",")
        if len(parts) < 2 or not all(" " in part.strip() for part in parts):
            parts = [value]
    else:
        parts = [value]
    return [p for p in (squash(part) for part in parts) if p]


def split_keyword_cell(value: str) -> list[str]:
    """Split a keyword cell at ``;``, or at commas outside parentheses when it has no ``;``.

    Embase writes ``"article, cyst (diagnosis, surgery), colonoscopy"``.
    """
    if ";" in value:
        parts = value.split(";")
    else:
        parts = []
        depth = 0
        start = 0
        for index, char in enumerate(value):
            if char in "([":
                depth += 1
            elif char in ")]":
                depth = max(0, depth - 1)
            elif char == "," and depth == 0:
                parts.append(value[start:index])
                start = index + 1
        parts.append(value[start:])
    return [p for p in (squash(part) for part in parts) if p]


def _python_list(value: str | None) -> list[str] | None:
    """The items of a cell written as a Python list (``"['Marx, Karl', 'Lindgren, A']"``).

    ASReview and pandas-based tools write list columns that way; anything that is
    not a flat list of strings gives ``None``.
    """
    if not value or len(value) > 100_000 or value[0] != "[" or value[-1] != "]":
        return None
    if "'" not in value and '"' not in value:
        return None
    try:
        items = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None
    return [i for i in (squash(item) for item in items) if i]


class _Columns:
    """Which column index gives which canonical field, for one header."""

    def __init__(self, header: Sequence[str]) -> None:
        self.header = [name.strip().lstrip("\ufeff") for name in header]
        keys = [header_key(name) for name in self.header]
        position: dict[str, int] = {}
        for index, key in enumerate(keys):
            position.setdefault(key, index)
        self.field: dict[str, int] = {}
        for field, aliases in ALIASES.items():
            for alias in aliases:
                if alias in position:
                    self.field[field] = position[alias]
                    break
        self.keywords = [position[k] for k in KEYWORD_COLUMNS if k in position]
        self.database_hints = [position[k] for k in _DATABASE_HINTS if k in position]
        self.scopus = "eid" in position
        self.wos = any(k in position for k in ("ut", "uniquewosid", "utuniquewosid"))
        self.endnote = "referencetype" in position or "secondarytitle" in position

    def record(self, cells: Sequence[str]) -> Record:
        raw: dict[str, list[str]] = {}
        width = len(self.header)
        for index, cell in enumerate(cells):
            if cell is None or not cell.strip():
                continue
            name = self.header[index] if index < width else f"#{index + 1}"
            add_raw(raw, name, cell)

        def get(field: str) -> str | None:
            index = self.field.get(field)
            if index is None or index >= len(cells):
                return None
            return clean(cells[index])

        record = Record(raw=raw)
        record.title = squash(get("title"))
        authors = get("authors")
        listed = _python_list(authors)
        if listed is not None:
            record.authors = listed
        else:
            record.authors = split_author_cell(authors) if authors else []
        record.year = parse_year(get("year"))
        record.journal = squash(get("journal"))
        record.volume = get("volume")
        record.issue = get("issue")
        pages = get("pages")
        record.pages = pages or make_pages(get("start_page"), get("end_page"))
        record.doi = normalize_doi(get("doi"))
        record.pmid = get("pmid")
        issn_cell, isbn_cell = get("issn"), get("isbn")
        issn, isbn = split_isbn_issn(issn_cell)
        if issn is None and isbn is None and issn_cell is not None:
            if "isbn" in issn_cell.lower():
                isbn = issn_cell
            else:
                issn = issn_cell
        isbn_issn, isbn_isbn = split_isbn_issn(isbn_cell)
        record.issn = issn or isbn_issn
        record.isbn = isbn or isbn_isbn or (None if isbn_issn else isbn_cell)
        record.abstract = get("abstract")
        keywords: list[str] = []
        for index in self.keywords:
            if index < len(cells) and cells[index].strip():
                listed = _python_list(cells[index].strip())
                if listed is None:
                    listed = split_keyword_cell(cells[index])
                keywords.extend(listed)
        record.keywords = keywords
        record.language = get("language")
        record.type = normalize_type(get("type"))
        return record

    def database(self, cells: Sequence[str]) -> str | None:
        index = self.field.get("database")
        if index is not None and index < len(cells):
            name = normalize_database(cells[index])
            if name:
                return name
        for index in self.database_hints:
            if index < len(cells):
                name = normalize_database(cells[index], known_only=True)
                if name:
                    return name
        if self.scopus:
            return "Scopus"
        if self.wos:
            return "Web of Science"
        return None


def parse_table_rows(
    rows: Iterable[tuple[Sequence[str], int | None]],
    name: str,
    *,
    database: str | None = None,
) -> tuple[list[Record], list[ReadWarning], bool]:
    """Records from ``(cells, line)`` rows whose first non-blank row is the header.

    Returns the records, the warnings and whether the header looked like an
    EndNote tab-delimited export.
    """
    records: list[Record] = []
    warnings: list[ReadWarning] = []
    columns: _Columns | None = None
    for cells, line in rows:
        if not any(cell and cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _Columns(cells)
            if not is_record_header(columns.header):
                warnings.append(
                    ReadWarning(
                        name,
                        line,
                        "the header row names no known bibliographic column (title, author, "
                        "year, journal, DOI, abstract ...); records have only raw fields",
                    )
                )
            continue
        if len(cells) > len(columns.header):
            extra = cells[len(columns.header) :]
            if any(cell and cell.strip() for cell in extra):
                where = f"line {line}" if line is not None else f"row {len(records) + 2}"
                warnings.append(
                    ReadWarning(
                        name,
                        line,
                        f"{where} has {len(cells)} cells but the header has "
                        f"{len(columns.header)}; the extra cells are kept in raw as "
                        f"'#{len(columns.header) + 1}'...",
                    )
                )
        record = columns.record(cells)
        record.provenance = provenance(
            name, database or columns.database(cells), len(records) + 1, line
        )
        records.append(record)
    if columns is None:
        warnings.append(ReadWarning(name, None, "the file has no header row and no records"))
    return records, warnings, bool(columns and columns.endnote)


def _csv_rows(
    text: str, delimiter: str, name: str, warnings: list[ReadWarning]
) -> Iterator[tuple[list[str], int]]:
    source = io.StringIO(text, newline="")
    reader = csv.reader(source, delimiter=delimiter)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            warnings.append(
                ReadWarning(
                    name, previous + 1, f"row from line {previous + 1} could not be read: {error}"
                )
            )
            if reader.line_num == previous:
                return
            previous = reader.line_num
            continue
        yield cells, previous + 1
        previous = reader.line_num


def parse_table_text(
    text: str, name: str, *, database: str | None = None, delimiter: str | None = None
) -> tuple[list[Record], list[ReadWarning], str]:
    """Parse delimited text; returns records, warnings and the format name.

    The format name is ``"endnote-tab"`` for EndNote's tab-delimited export,
    else ``"tsv"`` or ``"csv"``.
    """
    header_line = next((line for line in split_lines(text[:65536]) if line.strip()), "")
    delimiter = delimiter or sniff_delimiter(header_line)
    warnings: list[ReadWarning] = []
    limit = csv.field_size_limit()
    if limit < 1 << 27:
        csv.field_size_limit(1 << 27)  # whole abstracts and reference lists in one cell
    records, more, endnote = parse_table_rows(
        _csv_rows(text, delimiter, name, warnings), name, database=database
    )
    warnings.extend(more)
    warnings.sort(key=lambda w: w.line or 0)
    kind = "csv"
    if delimiter == "\t":
        kind = "endnote-tab" if endnote else "tsv"
    return records, warnings, kind


def read_table(
    path: str | Path, *, database: str | None = None, delimiter: str | None = None
) -> ReadResult:
    """Read a CSV or TSV export (delimiter sniffed unless given)."""
    text, encoding = decode_bytes(Path(path).read_bytes())
    with no_gc():
        records, warnings, kind = parse_table_text(
            text, str(path), database=database, delimiter=delimiter
        )
    return ReadResult(records=records, warnings=warnings, format=kind, encoding=encoding)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def read_xlsx(path: str | Path, *, database: str | None = None) -> ReadResult:
    """Read the first worksheet of an XLSX workbook (header in the first non-blank row)."""
    import openpyxl  # type: ignore[import-untyped]  # lazy: slow to import

    name = str(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        warning = ReadWarning(name, None, f"not a readable XLSX workbook: {error}")
        return ReadResult(records=[], warnings=[warning], format="xlsx", encoding="utf-8")
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        rows: list[tuple[list[str], int | None]] = []
        if sheet is not None:
            for values in sheet.iter_rows(values_only=True):
                rows.append(([_cell_text(v) for v in values], None))
    finally:
        workbook.close()
    records, warnings, _ = parse_table_rows(rows, name, database=database)
    return ReadResult(records=records, warnings=warnings, format="xlsx", encoding="utf-8")
