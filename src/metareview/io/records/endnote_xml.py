"""EndNote XML reader (EndNote's own export and Zotero's "EndNote XML").

The file is parsed as a stream with :mod:`defusedxml.sax` (entity expansion and
external references are refused), so each record gets the line its ``<record>``
tag starts on and a malformed file still yields the records before the fault,
with a warning giving the line and column of the fault.

``raw`` keys are element paths below ``<record>`` (``titles/title``,
``contributors/authors/author``, ``dates/pub-dates/date``, ``caption``,
``custom1`` ...), attributes as ``path/@name`` (``ref-type/@name``); the text of
an element is the concatenation of all its text, including text split over
several ``<style>`` runs.  Canonical fields: ``titles/title``; authors
``contributors/authors/author``; year ``dates/year`` (else ``dates/pub-dates/date``);
journal ``periodical/full-title`` > ``titles/secondary-title`` >
``alt-periodical/full-title`` > ``periodical/abbr-1``; ``volume``; issue
``number`` > ``issue``; ``pages``; DOI ``electronic-resource-num``; PMID from a
numeric ``accession-num``; ISSN / ISBN told apart in ``isbn``; ``abstract``;
``keywords/keyword``; ``language``; type from ``ref-type/@name``.  Database from
``remote-database-name`` (or a ``WOS:`` accession number); the ``<database>``
element is the EndNote library's file name, not the searched database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from metareview.io.records._common import (
    add_raw,
    clean,
    decode_bytes,
    first,
    normalize_database,
    normalize_doi,
    normalize_type,
    parse_year,
    provenance,
    split_isbn_issn,
    squash,
)
from metareview.io.records.model import ReadResult, ReadWarning, Record

__all__ = ["parse_endnote_xml", "read_endnote_xml"]

_BOOK_TYPES = frozenset({"BOOK", "EBOOK", "EDBOOK", "CHAP", "ECHAP"})
_PMID = re.compile(r"^\d{1,8}$")
# characters XML 1.0 forbids (C0 controls other than tab, LF, CR)
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHUNK = 1 << 16

# EndNote's numeric reference-type codes, for files whose <ref-type> has no name
_REF_TYPE_CODES = {
    "0": "GEN",
    "2": "ART",
    "3": "ADVS",
    "5": "CHAP",
    "6": "BOOK",
    "7": "CASE",
    "10": "CONF",
    "12": "ELEC",
    "13": "GEN",
    "17": "JOUR",
    "19": "MGZN",
    "23": "NEWS",
    "25": "PAT",
    "27": "RPRT",
    "28": "EDBOOK",
    "31": "STAT",
    "32": "THES",
    "34": "UNPB",
    "43": "EJOUR",
    "47": "CPAPER",
}


def xml_canonical(raw: dict[str, list[str]], record: Record) -> None:
    """Fill a record's canonical fields from its EndNote XML element paths."""

    def get(*paths: str) -> str | None:
        for path in paths:
            value = first(raw.get(path, ()))
            if value is not None:
                return value
        return None

    type_name = get("ref-type/@name")
    rtype = normalize_type(type_name) if type_name else None
    if rtype is None:
        code = get("ref-type")
        rtype = _REF_TYPE_CODES.get(code, "GEN") if code else None
    record.type = rtype
    record.title = squash(get("titles/title"))
    record.authors = [
        a for a in (squash(v) for v in raw.get("contributors/authors/author", ())) if a
    ]
    year = parse_year(get("dates/year"))
    if year is None:
        year = parse_year(get("dates/pub-dates/date"))
    record.year = year
    record.journal = squash(
        get(
            "periodical/full-title",
            "titles/secondary-title",
            "alt-periodical/full-title",
            "periodical/abbr-1",
        )
    )
    record.volume = get("volume")
    record.issue = get("number", "issue")
    record.pages = get("pages")
    record.doi = normalize_doi(get("electronic-resource-num"))
    accession = get("accession-num")
    record.pmid = accession if accession and _PMID.match(accession) else None
    issn = isbn = None
    for value in raw.get("isbn", ()):
        one_issn, one_isbn = split_isbn_issn(value)
        if one_issn is None and one_isbn is None and clean(value):
            if rtype in _BOOK_TYPES or "isbn" in value.lower():
                one_isbn = clean(value)
            else:
                one_issn = clean(value)
        issn = issn or one_issn
        isbn = isbn or one_isbn
    record.issn, record.isbn = issn, isbn
    record.abstract = clean(get("abstract"))
    keywords: list[str] = []
    for value in raw.get("keywords/keyword", ()):
        keywords.extend(k for k in (squash(part) for part in value.split("\n")) if k)
    record.keywords = keywords
    record.language = get("language")


def _xml_database(raw: dict[str, list[str]]) -> str | None:
    for path in ("remote-database-name", "remote-database-provider"):
        for value in raw.get(path, ()):
            name = normalize_database(value, known_only=path.endswith("provider"))
            if name:
                return name
    for value in raw.get("accession-num", ()):
        if value.strip().upper().startswith("WOS:"):
            return "Web of Science"
    return None


class _Handler:
    """SAX content handler that collects EndNote ``<record>`` elements."""

    def __init__(self, locator: Any) -> None:
        self.locator = locator
        self.stack: list[str] = []  # element names from the root down
        self.texts: list[list[str]] = []  # text collected per open element
        self.has_children: list[bool] = []
        self.record_depth = -1
        self.raw: dict[str, list[str]] | None = None
        self.records: list[tuple[dict[str, list[str]], int]] = []

    # the xml.sax ContentHandler interface -------------------------------------------
    def setDocumentLocator(self, locator: Any) -> None:
        self.locator = locator

    def startDocument(self) -> None:
        return None

    def endDocument(self) -> None:
        return None

    def startPrefixMapping(self, prefix: str, uri: str) -> None:
        return None

    def endPrefixMapping(self, prefix: str) -> None:
        return None

    def ignorableWhitespace(self, whitespace: str) -> None:
        return None

    def processingInstruction(self, target: str, data: str) -> None:
        return None

    def skippedEntity(self, name: str) -> None:
        return None

    def startElement(self, name: str, attrs: Any) -> None:
        if self.has_children and name != "style":
            self.has_children[-1] = True
        self.stack.append(name)
        self.texts.append([])
        self.has_children.append(False)
        if name == "record" and self.raw is None:
            self.raw = {}
            self.record_depth = len(self.stack)
            self.records.append((self.raw, self.locator.getLineNumber()))
            return
        if self.raw is not None and name != "style":
            path = self._path()
            for key in attrs.getNames():
                add_raw(self.raw, f"{path}/@{key}", attrs.getValue(key))

    def endElement(self, name: str) -> None:
        text = "".join(self.texts.pop()) if self.texts else ""
        had_children = self.has_children.pop() if self.has_children else False
        if self.raw is not None:
            depth = len(self.stack)
            if depth == self.record_depth:
                self.raw = None
                self.record_depth = -1
            elif name == "style":
                if self.texts:
                    self.texts[-1].append(text)
            elif depth > self.record_depth and (not had_children or text.strip()):
                add_raw(self.raw, self._path(), text)
        if self.stack:
            self.stack.pop()

    def characters(self, content: str) -> None:
        if self.raw is not None and self.texts:
            self.texts[-1].append(content)

    def _path(self) -> str:
        return "/".join(name for name in self.stack[self.record_depth :] if name != "style")


def parse_endnote_xml(
    text: str, name: str, *, database: str | None = None
) -> tuple[list[Record], list[ReadWarning]]:
    """Parse EndNote XML text (already decoded) into records and warnings."""
    import defusedxml.sax  # lazy: keeps the package import light
    from defusedxml.common import DefusedXmlException

    warnings: list[ReadWarning] = []
    bad = _BAD_CHARS.search(text)
    if bad is not None:
        count = len(_BAD_CHARS.findall(text))
        line = text.count("\n", 0, bad.start()) + 1
        warnings.append(
            ReadWarning(
                name,
                line,
                f"{count} character(s) that XML does not allow (control characters, first "
                f"on line {line}) were replaced by U+FFFD",
            )
        )
        text = _BAD_CHARS.sub("\ufffd", text)
    parser = defusedxml.sax.make_parser()
    handler = _Handler(parser)
    parser.setContentHandler(handler)
    parser.setFeature("http://xml.org/sax/features/namespaces", False)
    try:
        for start in range(0, len(text), _CHUNK):
            parser.feed(text[start : start + _CHUNK])
        parser.close()
    except Exception as error:
        if isinstance(error, DefusedXmlException):
            message = f"refused XML construct ({type(error).__name__})"
        else:
            get_message = getattr(error, "getMessage", None)
            message = str(get_message()) if callable(get_message) else str(error)
        try:
            line = int(parser.getLineNumber())
            column = int(parser.getColumnNumber())
        except Exception:
            line, column = 0, 0
        where = f"line {line}, column {column + 1}" if line else "an unknown place"
        partial = ""
        if handler.raw is not None:
            partial = f"; record {len(handler.records)} (from line {handler.records[-1][1]}) "
            partial += "may be incomplete"
        warnings.append(
            ReadWarning(
                name,
                line or None,
                f"the XML is not well formed at {where} ({message}); "
                f"{len(handler.records)} record(s) read before it, the rest of the file "
                f"was not read{partial}",
            )
        )
    records: list[Record] = []
    for index, (raw, line) in enumerate(handler.records, 1):
        record = Record(raw=raw)
        xml_canonical(raw, record)
        record.provenance = provenance(name, database or _xml_database(raw), index, line)
        records.append(record)
    return records, warnings


def read_endnote_xml(path: str | Path, *, database: str | None = None) -> ReadResult:
    """Read an EndNote XML export (EndNote, Zotero, Mendeley ``<xml><records>`` files)."""
    text, encoding = decode_bytes(Path(path).read_bytes())
    records, warnings = parse_endnote_xml(text, str(path), database=database)
    return ReadResult(records=records, warnings=warnings, format="endnote-xml", encoding=encoding)
