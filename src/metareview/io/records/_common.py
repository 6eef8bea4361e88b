"""Helpers shared by the record readers: decoding, line splitting, field clean-up.

Everything here works on one value at a time and never raises on odd input: the
readers promise not to crash on any bytes, so the helpers return ``None`` (or the
value unchanged) when they cannot interpret something.  Every regular expression
is compiled once, at import.
"""

from __future__ import annotations

import codecs
import gc
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from metareview.io.records.model import Provenance, ReadResult, ReadWarning, Record

#: a tagged-format parser: (text, file name, database) -> (records, warnings)
Parser = Callable[..., tuple[list[Record], list[ReadWarning]]]

__all__ = [
    "TYPE_NAMES",
    "clean",
    "decode_bytes",
    "first",
    "normalize_database",
    "normalize_doi",
    "normalize_type",
    "parse_year",
    "split_isbn_issn",
    "split_lines",
]

# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a file's bytes and say which encoding was used.

    A byte-order mark decides first (UTF-8, UTF-16 LE/BE; the mark is removed);
    then strict UTF-8; then Windows-1252 (which leaves five bytes undefined); and
    latin-1 as the last resort, which decodes every byte, so this never fails.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE):
        return data[2:].decode("utf-16-le", errors="replace"), "utf-16-le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return data[2:].decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def split_lines(text: str) -> list[str]:
    """Split text into lines on LF, CRLF or lone CR (a mix of them too).

    Unlike ``str.splitlines`` this does not break on form feeds, vertical tabs or
    the Unicode line separators, which occur inside abstracts; line numbers then
    match what a text editor shows.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader builds millions of small objects.

    Parsing creates lists and dicts that are never garbage; the collector would
    rescan them again and again (it halves the time to read 100,000 records).
    The collector's previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- values


def clean(value: str | None) -> str | None:
    """Strip a value; ``None`` for missing or blank values (never ``""``)."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def first(values: Iterable[str | None]) -> str | None:
    """The first non-blank value, stripped, or ``None``."""
    for value in values:
        cleaned = clean(value)
        if cleaned is not None:
            return cleaned
    return None


_WS = re.compile(r"\s+")


def squash(value: str | None) -> str | None:
    """Collapse runs of whitespace (including line breaks) to one space."""
    if value is None:
        return None
    return clean(_WS.sub(" ", value))


# a year between 1500 and 2099 not glued to other digits
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def parse_year(value: str | None) -> int | None:
    """The first plausible 4-digit year (1500-2099) in a date string, else ``None``.

    ``"2019//"``, ``"1999/08//undefined"``, ``"2014 Nov"`` and ``"Spring 2001"``
    all give the year; ``"10 15"`` gives ``None``.
    """
    if not value:
        return None
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


_DOI_PREFIX = re.compile(
    r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi\s*:\s*|doi\s+(?=10\.))", re.IGNORECASE
)
_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/\S+")


def normalize_doi(value: str | None) -> str | None:
    """A DOI without its resolver or ``doi:`` prefix; case and the rest kept as exported.

    ``"http://dx.doi.org/10.1002/cpp.2398"`` -> ``"10.1002/cpp.2398"``.  A value
    that does not look like a DOI is returned stripped but otherwise unchanged.
    """
    value = clean(value)
    if value is None:
        return None
    stripped = _DOI_PREFIX.sub("", value, count=1).strip()
    if not stripped.startswith("10.") and "10." in stripped:
        match = _DOI_IN_TEXT.search(stripped)
        if match and ("doi" in value.lower() or stripped.startswith("http")):
            stripped = match.group(0)
    return stripped or None


_ISSN = re.compile(r"(?<![\dXx-])(\d{4})-?(\d{3}[\dXx])(?![\dXx]|-\d)")


def _isbn_digits(value: str) -> str | None:
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        return digits
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] in "Xx"):
        return digits
    return None


def split_isbn_issn(value: str | None) -> tuple[str | None, str | None]:
    """Tell an ISSN from an ISBN in a field that may hold either (RIS ``SN``, EndNote ``isbn``).

    Returns ``(issn, isbn)``.  An ISSN is returned as ``NNNN-NNNC`` (the first one
    when several are listed, as in ``"1939-1676 0891-6640"``); an ISBN as exported.
    Values that are neither give ``(None, None)``: the caller decides.
    """
    value = clean(value)
    if value is None:
        return None, None
    for token in re.split(r"[;,\s]+(?=\d)", value):
        token = token.strip()
        candidate = token.split(" ")[0].split("(")[0].strip()
        if _isbn_digits(candidate):
            return None, candidate
    match = _ISSN.search(value)
    if match:
        return f"{match.group(1)}-{match.group(2).upper()}", None
    return None, None


# --------------------------------------------------------------------------- databases

# (substring in lower case, canonical name); the first match wins
_DATABASES: tuple[tuple[str, str], ...] = (
    ("pubmed", "MEDLINE (PubMed)"),
    ("medline", "MEDLINE"),
    ("embase", "Embase"),
    ("scopus", "Scopus"),
    ("web of science", "Web of Science"),
    ("web of knowledge", "Web of Science"),
    ("psycinfo", "PsycINFO"),
    ("cinahl", "CINAHL"),
    ("cochrane", "Cochrane Library"),
    ("central", "Cochrane CENTRAL"),
    ("proquest", "ProQuest"),
    ("google scholar", "Google Scholar"),
    ("ieee", "IEEE Xplore"),
    ("lilacs", "LILACS"),
    ("clinicaltrials.gov", "ClinicalTrials.gov"),
)
_LETTER = re.compile(r"[^\W\d_]")


def normalize_database(value: str | None, *, known_only: bool = False) -> str | None:
    """A database name as the export gave it, with the well-known ones spelt one way.

    ``"Embase"``, ``"EMBASE"`` and ``"Ovid Embase"`` all give ``"Embase"``.  Values
    without a letter (ASySD writes ``DB  - 1``) are not database names: ``None``.
    With ``known_only`` a value that is not a well-known database gives ``None``
    (for columns such as ``Source`` that may hold a journal name instead).
    """
    value = clean(value)
    if value is None or not _LETTER.search(value):
        return None
    low = value.lower()
    for needle, name in _DATABASES:
        if needle in low:
            return name
    if low in ("wos", "wos core collection"):
        return "Web of Science"
    return None if known_only else value


# --------------------------------------------------------------------------- types

RIS_TYPES = frozenset(
    [
        "ABST",
        "ADVS",
        "AGGR",
        "ANCIENT",
        "ART",
        "BILL",
        "BLOG",
        "BOOK",
        "CASE",
        "CHAP",
        "CHART",
        "CLSWK",
        "COMP",
        "CONF",
        "CPAPER",
        "CTLG",
        "DATA",
        "DBASE",
        "DICT",
        "EBOOK",
        "ECHAP",
        "EDBOOK",
        "EJOUR",
        "ELEC",
        "ENCYC",
        "EQUA",
        "FIGURE",
        "GEN",
        "GOVDOC",
        "GRANT",
        "HEAR",
        "ICOMM",
        "INPR",
        "JFULL",
        "JOUR",
        "LEGAL",
        "MANSCPT",
        "MAP",
        "MGZN",
        "MPCT",
        "MULTI",
        "MUSIC",
        "NEWS",
        "PAMP",
        "PAT",
        "PCOMM",
        "RPRT",
        "SER",
        "SLIDE",
        "SOUND",
        "STAND",
        "STAT",
        "THES",
        "UNBILL",
        "UNPB",
        "UNPD",
        "VIDEO",
        "WEB",
    ]
)

# lower-case name with spaces, underscores and hyphens removed -> RIS type.  Covers
# EndNote reference-type names, Zotero item types, BibTeX entry types, Scopus/WoS
# document types and the RIS codes themselves.
TYPE_NAMES: dict[str, str] = {
    # EndNote
    "journalarticle": "JOUR",
    "book": "BOOK",
    "booksection": "CHAP",
    "bookchapter": "CHAP",
    "chapter": "CHAP",
    "editedbook": "EDBOOK",
    "conferenceproceedings": "CONF",
    "conferencepaper": "CPAPER",
    "conferencereview": "CONF",
    "proceedingspaper": "CONF",
    "thesis": "THES",
    "dissertation": "THES",
    "report": "RPRT",
    "generic": "GEN",
    "electronicarticle": "EJOUR",
    "electronicbook": "EBOOK",
    "electronicbooksection": "ECHAP",
    "webpage": "ELEC",
    "electronicsource": "ELEC",
    "magazinearticle": "MGZN",
    "newspaperarticle": "NEWS",
    "patent": "PAT",
    "dataset": "DATA",
    "manuscript": "MANSCPT",
    "unpublishedwork": "UNPB",
    "abstract": "ABST",
    "meetingabstract": "ABST",
    "case": "CASE",
    "statute": "STAT",
    "bill": "BILL",
    "hearing": "HEAR",
    "map": "MAP",
    "chart": "CHART",
    "computerprogram": "COMP",
    "filmorbroadcast": "VIDEO",
    "audiovisualmaterial": "ADVS",
    "governmentdocument": "GOVDOC",
    "serial": "SER",
    "standard": "STAND",
    "grant": "GRANT",
    "catalog": "CTLG",
    "pamphlet": "PAMP",
    "personalcommunication": "PCOMM",
    "legalruleorregulation": "LEGAL",
    "onlinedatabase": "DBASE",
    "aggregateddatabase": "AGGR",
    "ancienttext": "ANCIENT",
    "artwork": "ART",
    "blog": "BLOG",
    "dictionary": "DICT",
    "encyclopedia": "ENCYC",
    "equation": "EQUA",
    "figure": "FIGURE",
    "music": "MUSIC",
    "classicalwork": "CLSWK",
    "onlinemultimedia": "MPCT",
    "pressrelease": "PRESS",
    "interview": "INTV",
    # Zotero item types
    "encyclopediaarticle": "ENCYC",
    "dictionaryentry": "DICT",
    "blogpost": "BLOG",
    "forumpost": "ELEC",
    "presentation": "SLIDE",
    "letter": "JOUR",
    "email": "ICOMM",
    "film": "VIDEO",
    "videorecording": "VIDEO",
    "audiorecording": "SOUND",
    "podcast": "POD",
    "radiobroadcast": "SOUND",
    "tvbroadcast": "VIDEO",
    "preprint": "UNPB",
    "document": "GEN",
    "computerprogramme": "COMP",
    "software": "COMP",
    # BibTeX
    "article": "JOUR",
    "inbook": "CHAP",
    "incollection": "CHAP",
    "inproceedings": "CONF",
    "conference": "CONF",
    "proceedings": "CONF",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "techreport": "RPRT",
    "misc": "GEN",
    "unpublished": "UNPB",
    "manual": "GEN",
    "booklet": "PAMP",
    "online": "ELEC",
    "electronic": "ELEC",
    "www": "ELEC",
    # Scopus / WoS / PubMed document types that are journal items
    "review": "JOUR",
    "editorial": "JOUR",
    "note": "JOUR",
    "erratum": "JOUR",
    "shortsurvey": "JOUR",
    "datapaper": "JOUR",
    "comment": "JOUR",
    "articleinpress": "JOUR",
    "earlyaccess": "JOUR",
    "correction": "JOUR",
}


def normalize_type(value: str | None) -> str | None:
    """Map a format's own reference-type name to the RIS type; unknown non-blank -> ``GEN``."""
    value = clean(value)
    if value is None:
        return None
    upper = value.upper()
    if upper in RIS_TYPES:
        return upper
    key = value.lower()
    for char in " _-":
        key = key.replace(char, "")
    if key in TYPE_NAMES:
        return TYPE_NAMES[key]
    # "Article; Proceedings Paper" (WoS), "Journal Article, Review" (PubMed)
    for part in re.split(r"[;,]", value):
        part_key = part.strip().lower().replace(" ", "").replace("_", "").replace("-", "")
        if part_key in TYPE_NAMES:
            return TYPE_NAMES[part_key]
    return "GEN"


# --------------------------------------------------------------------------- records


def add_raw(raw: dict[str, list[str]], key: str, value: str) -> None:
    """Append a value to a raw field, keeping file order."""
    values = raw.get(key)
    if values is None:
        raw[key] = [value]
    else:
        values.append(value)


def make_pages(start: str | None, end: str | None) -> str | None:
    """Join a start and end page (``"457"``, ``"68"`` -> ``"457-68"``)."""
    start, end = clean(start), clean(end)
    if start and end:
        return f"{start}-{end}"
    return start or end


def provenance(file: str, database: str | None, record_number: int, line: int | None) -> Provenance:
    """Build a :class:`Provenance` (a shorthand used by every reader)."""
    return Provenance(file=file, database=database, record_number=record_number, line=line)


def build_records(
    raws: Sequence[tuple[dict[str, list[str]], int]],
    canonical: Callable[[dict[str, list[str]], Record], None],
    name: str,
    database: str | None,
) -> list[Record]:
    """One :class:`Record` per raw tag map (with the line it starts on): the canonical
    fields filled by ``canonical``, the provenance numbered from 1."""
    records: list[Record] = []
    for index, (one_raw, line_number) in enumerate(raws, 1):
        record = Record(raw=one_raw)
        canonical(one_raw, record)
        record.provenance = provenance(name, database, index, line_number)
        records.append(record)
    return records


def read_text_file(
    path: str | Path, parse: Parser, format: str, database: str | None
) -> ReadResult:
    """Decode a file and parse it with one format's parser (garbage collection paused)."""
    text, encoding = decode_bytes(Path(path).read_bytes())
    with no_gc():
        records, warnings = parse(text, str(path), database=database)
    return ReadResult(records=records, warnings=warnings, format=format, encoding=encoding)


def nfc(value: str) -> str:
    """Unicode NFC normal form."""
    return unicodedata.normalize("NFC", value)
