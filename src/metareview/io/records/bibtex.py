"""BibTeX reader (bibtexparser 2.x for the syntax, our own LaTeX decoding).

bibtexparser splits the file into blocks (entries, ``@string``, comments, failed
blocks) and resolves ``@string`` macros; blocks it cannot parse become warnings
with their line number, and entries with a duplicate key or a duplicate field
are still read (with a warning), since merged search exports often have them.
Text between entries is reported as skipped.

``raw`` keeps each field as written (outer braces or quotes removed, LaTeX and
inner braces kept), plus ``ENTRYTYPE`` and ``ID`` (the citation key).  The
canonical fields are decoded: accents (``{\\"u}``, ``\\'e``, ``\\c{c}`` ...) and
the usual symbol commands become Unicode, font commands (``\\emph{x}``) keep
their argument, protective braces go.  bibtexparser's own LaTeX middleware
(pylatexenc) would do this too but takes about 5 s per 1,000 entries; the small
decoder here covers what bibliographic exports contain and leaves an unknown
command as written.  Authors are split at ``and`` outside braces; pages
``134--137`` become ``134-137``; keywords are split at ``;`` (or ``,`` when there
is no ``;``).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from metareview.io.records._common import (
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

__all__ = ["latex_to_unicode", "parse_bibtex", "read_bibtex", "split_bibtex_authors"]

_COMBINING = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
    "t": "\u0361",
}
_SYMBOLS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "th": "þ",
    "TH": "Þ",
    "dh": "ð",
    "DH": "Ð",
    "dj": "đ",
    "DJ": "Đ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "textendash": "–",
    "textemdash": "—",
    "textquoteright": "’",
    "textquoteleft": "‘",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "ldots": "…",
    "dots": "…",
    "textregistered": "®",
    "texttrademark": "™",
    "copyright": "©",
    "textcopyright": "©",
    "textdegree": "°",
    "textgreater": ">",
    "textless": "<",
    "textbar": "|",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbackslash": "\\",
    "textunderscore": "_",
    "textperiodcentered": "·",
    "textmu": "µ",
    "textpm": "±",
    "textquotedbl": '"',
    "textquotesingle": "'",
    "degree": "°",
    "pounds": "£",
    "euro": "€",
    "texteuro": "€",
    "S": "§",
    "P": "¶",
    "dag": "†",
    "textbullet": "•",
    "pm": "±",
    "times": "×",
    "div": "÷",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "infty": "∞",
    "cdot": "·",
    "rightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "mu": "µ",
}
_SYMBOLS.update(
    {
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
        "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ",
        "iota": "ι", "kappa": "κ", "lambda": "λ", "nu": "ν", "xi": "ξ", "pi": "π",
        "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
        "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
        "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ",
        "Psi": "Ψ", "Omega": "Ω",
    }
)  # fmt: skip
# commands whose argument is kept and the command dropped
_FONT = frozenset(
    [
        "emph",
        "textit",
        "textbf",
        "textsc",
        "textrm",
        "textsf",
        "texttt",
        "textup",
        "textmd",
        "textsl",
        "textnormal",
        "mathrm",
        "mathit",
        "mathbf",
        "mathsf",
        "mathtt",
        "mathcal",
        "text",
        "mbox",
        "hbox",
        "url",
        "textsuperscript",
        "textsubscript",
        "uppercase",
        "lowercase",
        "MakeUppercase",
        "MakeLowercase",
        "ensuremath",
    ]
)

_I_OR_LETTER = r"(?:(\\[ij])(?![A-Za-z])\s?|([A-Za-z]))"
_ACCENT_BRACED = re.compile(
    r"\\([\"'`^~=.uvHckrdbt])\s*\{\s*(?:(\\[ij])(?![A-Za-z])\s*|([A-Za-z])?)\s*\}"
)
_ACCENT_SYMBOL = re.compile(r"\\([\"'`^~=.])\s*" + _I_OR_LETTER)
_ACCENT_LETTER = re.compile(r"\\([uvHckrdbt])\s+" + _I_OR_LETTER)
_ESCAPED = re.compile(r"\\([&%$#_{} ])")
_ESCAPED_LATE = re.compile(r"\\([~^])")
_COMMAND = re.compile(r"\\([A-Za-z]+)(?:\{\}|\s)?")
_NEEDS_DECODING = re.compile(r"[\\{}$~]")
_LB, _RB, _DOLLAR, _TILDE, _CARET = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
_ESCAPE_TO = {"{": _LB, "}": _RB, "$": _DOLLAR, "~": _TILDE, "^": _CARET, " ": " "}


def _accent(match: re.Match[str]) -> str:
    mark = match.group(1)
    dotless = match.group(2)
    letter = dotless[1] if dotless else (match.group(3) or "")
    if not letter:
        return _COMBINING[mark]
    return unicodedata.normalize("NFC", letter + _COMBINING[mark])


def _command(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    if name in _FONT:
        return ""
    return match.group(0)


def latex_to_unicode(value: str) -> str:
    """Decode the LaTeX of a BibTeX field value to plain Unicode text."""
    if not _NEEDS_DECODING.search(value):
        return value
    text = _ESCAPED.sub(lambda m: _ESCAPE_TO.get(m.group(1), m.group(1)), value)
    text = _ACCENT_BRACED.sub(_accent, text)
    text = _ACCENT_SYMBOL.sub(_accent, text)
    text = _ACCENT_LETTER.sub(_accent, text)
    text = _ESCAPED_LATE.sub(lambda m: _ESCAPE_TO[m.group(1)], text)
    text = text.replace("\\\\", "\n")
    text = _COMMAND.sub(_command, text)
    text = text.replace("{", "").replace("}", "").replace("$", "").replace("~", " ")
    text = (
        text.replace(_LB, "{")
        .replace(_RB, "}")
        .replace(_DOLLAR, "$")
        .replace(_TILDE, "~")
        .replace(_CARET, "^")
    )
    return unicodedata.normalize("NFC", text)


def split_bibtex_authors(value: str) -> list[str]:
    """Split a BibTeX name list at `` and `` outside braces (``{Barnes and Noble}`` stays)."""
    names: list[str] = []
    depth = 0
    start = 0
    index = 0
    length = len(value)
    lower = value.lower()
    while index < length:
        char = value[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif (
            depth == 0
            and char.isspace()
            and lower.startswith("and", index + 1)
            and index + 4 < length
            and value[index + 4].isspace()
        ):
            names.append(value[start:index])
            index += 4
            start = index
            continue
        index += 1
    names.append(value[start:])
    return [n for n in (squash(latex_to_unicode(name)) for name in names) if n]


_DASHES = re.compile(r"\s*(?:-{1,3}|–|—)\s*")
_DB_FIELDS = ("database", "source")


def bibtex_canonical(raw: dict[str, list[str]], record: Record) -> None:
    """Fill a record's canonical fields from a BibTeX entry's fields (lower-cased keys)."""
    fields = {key.lower(): values for key, values in raw.items()}

    def get(*keys: str) -> str | None:
        for key in keys:
            value = first(fields.get(key, ()))
            if value is not None:
                return clean(latex_to_unicode(value))
        return None

    rtype = normalize_type(first(raw.get("ENTRYTYPE", ())))
    record.type = rtype
    record.title = squash(get("title"))
    authors = first(fields.get("author", ()))
    record.authors = split_bibtex_authors(authors) if authors else []
    year = parse_year(get("year"))
    if year is None:
        year = parse_year(get("date"))
    record.year = year
    record.journal = squash(get("journal", "journaltitle", "booktitle", "series"))
    record.volume = get("volume")
    record.issue = get("number", "issue")
    pages = get("pages")
    record.pages = _DASHES.sub("-", pages) if pages else None
    record.doi = normalize_doi(get("doi"))
    record.pmid = get("pmid")
    issn, _ = split_isbn_issn(get("issn"))
    record.issn = issn or get("issn")
    isbn_field = get("isbn")
    isbn_issn, isbn = split_isbn_issn(isbn_field)
    record.isbn = isbn or (None if isbn_issn else isbn_field)
    if record.issn is None and isbn_issn:
        record.issn = isbn_issn
    abstract = get("abstract")
    record.abstract = abstract
    keywords = get("keywords", "keyword", "mesh")
    if keywords:
        sep = ";" if ";" in keywords else ","
        record.keywords = [k for k in (squash(part) for part in keywords.split(sep)) if k]
    else:
        record.keywords = []
    record.language = get("language", "langid")


def _bibtex_database(raw: dict[str, list[str]]) -> str | None:
    fields = {key.lower(): values for key, values in raw.items()}
    for value in fields.get("unique-id", ()):
        if value.strip().upper().startswith("WOS:"):
            return "Web of Science"
    for key in _DB_FIELDS:
        for value in fields.get(key, ()):
            name = normalize_database(value, known_only=True)
            if name:
                return name
    return None


def _entry_raw(entry: Any) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {
        "ENTRYTYPE": [str(entry.entry_type)],
        "ID": [str(entry.key)],
    }
    for one in entry.fields:
        raw.setdefault(str(one.key), []).append(str(one.value))
    return raw


def parse_bibtex(
    text: str, name: str, *, database: str | None = None
) -> tuple[list[Record], list[ReadWarning]]:
    """Parse BibTeX text (already decoded) into records and warnings."""
    import bibtexparser  # lazy: keeps the package import light
    from bibtexparser import model

    warnings: list[ReadWarning] = []
    entries: list[tuple[Any, int | None]] = []
    try:
        library = bibtexparser.parse_string(text)
    except Exception as error:
        warnings.append(
            ReadWarning(name, None, f"the BibTeX parser failed ({error}); no records read")
        )
        return [], warnings

    def line_of(block: Any) -> int | None:
        start = getattr(block, "start_line", None)
        return start + 1 if isinstance(start, int) else None

    for block in library.blocks:
        line = line_of(block)
        if isinstance(block, model.Entry):
            entries.append((block, line))
        elif isinstance(block, model.ParsingFailedBlock):
            inner = getattr(block, "ignore_error_block", None)
            if isinstance(block, model.DuplicateBlockKeyBlock) and isinstance(inner, model.Entry):
                warnings.append(
                    ReadWarning(
                        name,
                        line,
                        f"entry key '{block.key}' is used by an earlier entry too; "
                        "both entries were read",
                    )
                )
                entries.append((inner, line))
            elif isinstance(inner, model.Entry):
                warnings.append(
                    ReadWarning(name, line, f"entry read with a problem: {block.error}")
                )
                entries.append((inner, line))
            else:
                raw_text = (getattr(block, "raw", "") or "").strip().splitlines()
                head = raw_text[0][:60] if raw_text else ""
                warnings.append(
                    ReadWarning(
                        name,
                        line,
                        f"skipped a block that is not valid BibTeX ({block.error}): {head!r}",
                    )
                )
        elif isinstance(block, model.ImplicitComment):
            comment = block.comment.strip()
            if comment:
                count = len([ln for ln in comment.splitlines() if ln.strip()])
                warnings.append(
                    ReadWarning(
                        name,
                        line,
                        f"skipped {count} line(s) of text outside the entries from line {line}",
                    )
                )
    entries.sort(key=lambda item: item[1] or 0)
    records: list[Record] = []
    for index, (entry, line) in enumerate(entries, 1):
        raw = _entry_raw(entry)
        record = Record(raw=raw)
        bibtex_canonical(raw, record)
        record.provenance = provenance(name, database or _bibtex_database(raw), index, line)
        records.append(record)
    warnings.sort(key=lambda w: w.line or 0)
    return records, warnings


def read_bibtex(path: str | Path, *, database: str | None = None) -> ReadResult:
    """Read a BibTeX (``.bib``) file."""
    text, encoding = decode_bytes(Path(path).read_bytes())
    records, warnings = parse_bibtex(text, str(path), database=database)
    return ReadResult(records=records, warnings=warnings, format="bibtex", encoding=encoding)
