"""Normalisers for the fields that record deduplication compares.

Every function here is pure (no state, no I/O) and cheap, so that a search export of
100,000 records is normalised in a few seconds.  Each one accepts the field exactly as a
reader produced it (``None`` when absent) and returns a canonical form, or ``None`` when the
value carries no usable information (``"NA"``, ``"no pagination"``, a page range that a
spreadsheet turned into a date, ...).  A missing value never counts as a disagreement in the
duplicate rules, so turning garbage into ``None`` is the conservative choice.

=================  =====================================================================
field              canonical form
=================  =====================================================================
DOI                ``10.<registrant>/<suffix>``, lower case, URL prefixes (``https://doi.org/``,
                   ``dx.doi.org``), ``doi:`` labels, percent-escapes, HTML entities and
                   trailing punctuation removed
PMID               the digits (1-9 of them); ``PMID:`` labels and ``[pmid]`` tags removed
title              NFKD, diacritics removed, HTML entities and tags removed, case-folded,
                   punctuation -> space; database annotations (``[Review]``, ``[33 refs]``,
                   ``[Chinese]``, ``LA: Chi``, ``[Erratum appears in ...]``), surrounding
                   brackets of translated titles and a leading ``Re:`` removed
title markers      what kind of item the title announces: erratum, retraction, reply,
                   comment, protocol, part N, phase N, volume N (from the raw title)
authors            :class:`Author` (surname key, initials, first given name) from
                   ``"Last, F. M."``, ``"F. M. Last"``, ``"Last FM"``, ``"Last F.M."``;
                   name particles (von, de, van ...) and suffixes (Jr, III) dropped from
                   the surname key; corporate authors (``... Group``, ``Investigators``),
                   ``et al.`` and ``Anonymous`` dropped
journal            words, case-folded, ``&`` -> ``and``, stop words in several languages
                   dropped, British spellings (``ae``, leading ``oe``) folded; compared
                   abbreviation-aware by :func:`journals_compatible`
pages              ``(first, last)`` with the last page expanded (``457-68`` -> ``457-468``);
                   en dashes, ``pp.``, ``--`` and e-locators (``e70933``) handled;
                   compared by :func:`pages_agree`
volume / issue     the leading number or number+letter (``30a``); supplement and part
                   suffixes dropped; broken fragments (``2)``) -> ``None``
year               a plausible 4-digit year (1500-2100) or ``None``
=================  =====================================================================
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import NamedTuple
from urllib.parse import unquote

__all__ = [
    "Author",
    "PageRange",
    "author_key",
    "clean_title",
    "is_translated_title",
    "journal_words",
    "journals_compatible",
    "normalize_authors",
    "normalize_doi",
    "normalize_issue",
    "normalize_journal",
    "normalize_pages",
    "normalize_pmid",
    "normalize_title",
    "normalize_volume",
    "normalize_year",
    "page_number",
    "pages_agree",
    "parse_author",
    "title_alternates",
    "title_markers",
    "title_numbers",
]

# --------------------------------------------------------------------------- helpers

_TAG_RE = re.compile(r"<[^<>]{0,200}>")
_NONWORD_RE = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """Unicode NFKD, drop combining marks (diacritics), case-fold."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed.casefold()
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def _unescape(text: str) -> str:
    """Decode HTML entities (twice, for ``&amp;lt;``) and drop markup tags."""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = _TAG_RE.sub("", text)
    return text


_LOST_CHAR_RE = re.compile(r"(?<=[^\W\d_])[?\ufffd](?=[^\W\d_])")


def _words(text: str) -> str:
    """Folded text with every run of non-word characters turned into one space.

    A ``?`` or replacement character between two letters is a character lost to an
    encoding error (``"fran?aises"``) and is dropped rather than splitting the word.
    """
    if "?" in text or "\ufffd" in text:
        text = _LOST_CHAR_RE.sub("", text)
    return _NONWORD_RE.sub(" ", _fold(text)).strip()


_MISSING = frozenset(
    {"", "na", "n a", "nan", "none", "null", "unknown", "no pagination", "n p", "np", "xx"}
)


# --------------------------------------------------------------------------- identifiers

_DOI_RE = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)


def normalize_doi(value: str | None) -> str | None:
    """Canonical DOI: ``10.1016/j.x.2018.02.028`` from any of its usual spellings.

    Accepts ``https://doi.org/...``, ``http://dx.doi.org/...``, ``doi: 10...``, percent
    escapes (``%28`` -> ``(``) and HTML entities; lower-cases (DOIs are case-insensitive) and
    strips trailing punctuation (``.``, ``,``, ``;`` and an unbalanced ``)`` or ``]``).  Returns
    ``None`` when the value does not contain a DOI.
    """
    if not value:
        return None
    text = value.strip()
    if "%" in text:
        text = unquote(text)
    if "&" in text:
        text = html.unescape(text)
    match = _DOI_RE.search(text)
    if match is None:
        return None
    doi = match.group(0).lower()
    while doi and doi[-1] in ".,;:'\"":
        doi = doi[:-1]
    for closing, opening in ((")", "("), ("]", "[")):
        while doi.endswith(closing) and doi.count(closing) > doi.count(opening):
            doi = doi[:-1]
    return doi if "/" in doi and len(doi) > doi.index("/") + 1 else None


_PMID_RE = re.compile(r"\d{1,9}")


def normalize_pmid(value: str | int | None) -> str | None:
    """The PubMed identifier as a digit string without leading zeros, or ``None``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    text = re.sub(r"(?i)^\s*pmid\s*:?\s*|\s*\[pmid\]\s*$|\s*\[pubmed[^\]]*\]\s*$", "", text)
    if not _PMID_RE.fullmatch(text):
        return None
    digits = text.lstrip("0")
    return digits or None


# --------------------------------------------------------------------------- titles

_LANGUAGES = (
    "afrikaans|arabic|bulgarian|catalan|chinese|croatian|czech|danish|dutch|english|"
    "estonian|finnish|french|german|greek|hebrew|hungarian|icelandic|indonesian|italian|"
    "japanese|korean|latvian|lithuanian|malay|norwegian|persian|polish|portuguese|romanian|"
    "russian|serbian|slovak|slovenian|spanish|swedish|thai|turkish|ukrainian|vietnamese"
)
# Annotations that bibliographic databases append to titles (Ovid/MEDLINE style).  They
# describe the record, not the work, so they are removed before comparing titles.
_TRAILING_ANNOTATION_RE = re.compile(
    r"\s*(?:"
    r"\[(?:review|\d+\s*refs?\.?|english abstract|abstract|editorial|letter|corrected|"
    r"see comments?|"
    r"(?:article|text) in [a-z ,]+|in [a-z]+|(?:" + _LANGUAGES + r")(?:,\s*[a-z]+)*)\]"
    r"|\[(?:(?:published )?erratum (?:appears )?in|comments? (?:in|on)|comment:|"
    r"retraction in|retracted in|"
    r"update (?:in|of)|republished (?:in|from)|corrected and republished).*"
    r"|\bla:\s*[a-z]{2,4}"
    r")\s*\.?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_LEADING_RE = re.compile(r"^\s*(?:re\s*:\s*)+", re.IGNORECASE)
_WHOLE_BRACKET_RE = re.compile(r"^\s*\[(.+)\]\s*\.?\s*$", re.DOTALL)


@lru_cache(maxsize=4096)
def _base_title(title: str) -> str:
    """The title with HTML and trailing database annotations removed (cached: the title
    functions below are called one after the other on the same title)."""
    return _strip_annotations(_unescape(title))


def _strip_annotations(title: str) -> str:
    """Remove trailing database annotations (repeatedly) and surrounding brackets."""
    previous = None
    text = title.strip()
    while previous != text:
        previous = text
        text = _TRAILING_ANNOTATION_RE.sub("", text).rstrip(" .")
        whole = _WHOLE_BRACKET_RE.match(text)
        if whole and "[" not in whole.group(1) and "]" not in whole.group(1):
            text = whole.group(1).strip()
    return text


_TRANSLATION_RE = re.compile(
    r"^\s*\[.+\]\s*\.?|\[(?:" + _LANGUAGES + r")\]|\bla:\s*[a-z]{2,4}\s*$", re.IGNORECASE
)


def is_translated_title(title: str | None) -> bool:
    """Whether a title is marked as a translation: wholly in square brackets (MEDLINE's
    convention for an English translation of a non-English title), or tagged with a
    language (``"[Chinese]"``, ``"LA: Chi"``)."""
    return bool(title and _TRANSLATION_RE.search(title))


def clean_title(title: str | None) -> str | None:
    """The title with entities, tags and database annotations removed, case kept."""
    if not title:
        return None
    text = _LEADING_RE.sub("", _base_title(title))
    return text or None


def normalize_title(title: str | None) -> str:
    """Comparison form of a title: folded words separated by single spaces.

    ``"[Étude randomisée &amp; contrôlée].  [French]"`` -> ``"etude randomisee controlee"``.
    Non-Latin scripts are kept (case-folded), so Cyrillic or CJK titles still compare.
    Returns ``""`` for a missing title.
    """
    cleaned = clean_title(title)
    if cleaned is None:
        return ""
    return _words(cleaned)


def title_alternates(title: str | None) -> list[str]:
    """Normalised alternative titles embedded in one title field.

    Databases often put the original-language title and its translation in one field:
    ``"English title [Titre original]"`` or ``"Titulo original; English title"``.  Returns
    the normalised bracketed parts and the parts around ``" ; "``/``" = "`` (only parts of
    at least three words); used for blocking, never for the decision itself.
    """
    if not title:
        return []
    text = _base_title(title)
    if "[" not in text and ";" not in text and "=" not in text:
        return []
    parts: list[str] = []
    for inner in re.findall(r"\[([^\[\]]{15,})\]", text):
        parts.append(inner)
    outside = re.sub(r"\[[^\[\]]*\]", " ", text)
    if outside.strip() and outside.strip() != text:
        parts.append(outside)
    for piece in re.split(r"\s*;\s+|\s+=\s+", text):
        if piece != text:
            parts.append(piece)
    result = []
    for part in parts:
        norm = _words(part)
        if norm.count(" ") >= 2 and norm not in result:
            result.append(norm)
    return result


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_MARKER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "erratum",
        re.compile(
            r"\b(?:errat(?:um|a)|corrigend(?:um|a)|publisher'?s? (?:correction|note))\b"
            # "Correction: ...", "Correction to ...", "Correction for Smith et al., ..."
            # (PNAS), "Corrections" - not "Correction of severe hyponatremia" or
            # "Correction for multiple testing" (articles) or "Corrections officers ..."
            r"|^\s*corrections?\s*"
            r"(?:$|[:.(\[\-\u2013\u2014]|to\b|notice\b|for\s+[^,]{1,40}\bet al\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "retraction",
        re.compile(
            r"^\s*(?:retract(?:ion|ed)|withdrawn|notice of retraction)\b"
            r"|\bexpression of concern\b|\bretraction notice\b",
            re.IGNORECASE,
        ),
    ),
    (
        "reply",
        re.compile(
            r"^\s*(?:reply|replies|response)\b|\breply\b"
            r"|\b(?:author'?s'?|authors'?) (?:reply|response)\b|\brebuttal\b"
            r"|[-:(]\s*(?:reply|response)\s*\)?\s*$",
            re.IGNORECASE,
        ),
    ),
    (
        "comment",
        re.compile(
            r"^\s*(?:re\s*:|comment(?:ary)? on\b|comments? to\b)|\bcomment(?:ary)? on\b"
            r"|\(\s*comment\s*\)\s*$|\bletter to the editor\b|^\s*letter\s*:",
            re.IGNORECASE,
        ),
    ),
    ("protocol", re.compile(r"\b(?:study|trial|review) protocol\b|^\s*protocol\b", re.I)),
)
# cheap pre-filter: a title without any of these stems has no marker of _MARKER_PATTERNS
_MARKER_HINT_RE = re.compile(
    r"errat|corrig|correction|publisher|retract|withdrawn|concern|repl|respon|rebuttal|"
    r"comment|re\s*:|letter|protocol",
    re.IGNORECASE,
)
_CORRECTION_CITATION_RE = re.compile(
    r"\(\s*vol\.?\s*\d+\s*,\s*(?:pg|p|pp)\.?\s*[a-z]?\d+[^()]*\)\s*$"
    r"|\(\s*[a-z][^()]*\(\s*(?:1[89]|20)\d{2}\s*\)\s*\d+[^()]*\(\s*[a-z]?\d+[^()]*\)\s*\)\s*$",
    re.IGNORECASE,
)
_PART_WORDS = ("part", "phase", "stage", "section", "vol", "series", "study")
_PART_RE = re.compile(
    r"\b(part|phase|stage|section|volume|vol|series|study)\s+"
    r"(\d+|[ivx]{1,4}|one|two|three|four|five|six)(?:\s*(?:/|and|-|&)\s*(\d+|[ivx]{1,4}))?\b",
    re.IGNORECASE,
)


def _ordinal(token: str) -> int | None:
    token = token.lower()
    if token.isdigit():
        return int(token)
    return _ROMAN.get(token, _NUMBER_WORDS.get(token))


def title_markers(title: str | None) -> frozenset[str]:
    """Kinds of item a title announces, as comparable tags.

    ``erratum``, ``retraction``, ``reply``, ``comment``, ``protocol`` and numbered parts
    such as ``part:2`` or ``phase:3`` (``"Part II"`` and ``"part 2"`` give the same tag;
    ``"phase I/II"`` gives ``phase:1`` and ``phase:2``).  Database annotations such as
    ``"[Erratum appears in ...]"`` are removed first: they say that an erratum exists, not
    that this record is one.  Two records whose marker sets differ are never merged
    automatically (an article and its erratum, part 1 and part 2, a paper and a reply).
    """
    if not title:
        return frozenset()
    text = _base_title(title)
    tags = (
        {name for name, pattern in _MARKER_PATTERNS if pattern.search(text)}
        if _MARKER_HINT_RE.search(text)
        else set()
    )
    # a correction notice cites the article it corrects after the title: Web of Science
    # "Title (vol 142, pg 310, 2003)", Embase "Title (Journal (2009) 360 (542-544))"
    cited = _CORRECTION_CITATION_RE.search(text)
    if cited is not None:
        tags.add("erratum")
        text = text[: cited.start()]
    lowered = text.lower()
    if not any(word in lowered for word in _PART_WORDS):
        return frozenset(tags)
    for match in _PART_RE.finditer(text):
        kind = match.group(1).lower()
        if kind == "vol":
            kind = "volume"
        if kind == "study" and not match.group(2).isdigit():
            continue
        for token in (match.group(2), match.group(3)):
            if token:
                number = _ordinal(token)
                if number is not None:
                    tags.add(f"{kind}:{number}")
    return frozenset(tags)


_DIGITS_RE = re.compile(r"\d+")


def title_numbers(normalized_title: str) -> frozenset[str]:
    """The numbers written in a normalised title (``"type 2"`` -> ``{"2"}``), as strings.

    Digit groups separated only by spaces are read as one number, so that ``"10 000"``
    and ``"10000"`` (thousands separators) give the same set.
    """
    compact = normalized_title.replace(" ", "")
    return frozenset(n.lstrip("0") or "0" for n in _DIGITS_RE.findall(compact))


# --------------------------------------------------------------------------- authors


class Author(NamedTuple):
    """A parsed author name, folded: ``Author("pawel", "j", "joachim")``.

    ``surname`` is the comparison key of the surname (particles such as *von* and suffixes
    such as *Jr* removed, no spaces), ``initials`` the initials of the given names, and
    ``given`` the first given name written out (``""`` when only initials were given).
    """

    surname: str
    initials: str
    given: str = ""


_PARTICLES = frozenset(
    {"von", "van", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "le"}
    | {"la", "les", "ten", "ter", "af", "zu", "vander"}
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "2nd", "3rd", "jnr", "snr"})
_CORPORATE_RE = re.compile(
    r"\b(?:group|groups|consortium|investigators?|collaborat\w*|committee|society|"
    r"association|network|team|council|organi[sz]ation|institute|trialists|working|"
    r"writing|study|members|on behalf)\b",
    re.IGNORECASE,
)
_ANONYMOUS = frozenset({"anonymous", "anon", "et al", "etal", "and others", "others", "unknown"})
_INITIALS_RE = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_MEDLINE_NAME_RE = re.compile(r"^[^\d,]+\s[A-Z]{1,3}\.?$")
_SPLIT_AUTHORS_RE = re.compile(r"\s*;\s*|\s+and\s+|\s+&\s+|\s*\|\s*")


def _initials(given: str) -> str:
    """Initials of given names: ``"Anja-Kristin"`` -> ``"ak"``, ``"F. M."`` -> ``"fm"``."""
    letters: list[str] = []
    for part in re.split(r"[\s.\-]+", given):
        part = part.strip("'")
        if not part:
            continue
        if part.isupper() and len(part) <= 3 and part.isalpha():
            letters.extend(part)  # "FM" written as initials
        else:
            letters.append(part[0])
    return _fold("".join(letters))


def _given(given: str) -> str:
    """The first given name written out, folded (``""`` for initials only)."""
    for part in re.split(r"[\s.\-]+", given):
        part = part.strip("'")
        if len(part) >= 2 and not (part.isupper() and len(part) <= 3):
            return _fold(part)
        if part:
            return ""
    return ""


def _surname_key(surname: str) -> str:
    """Comparison key of a surname: folded, particles and punctuation removed."""
    words = [w for w in _NONWORD_RE.split(_fold(surname)) if w]
    kept = [w for w in words if w not in _PARTICLES and w not in _SUFFIXES]
    return "".join(kept or words)


@lru_cache(maxsize=262144)
def parse_author(name: str) -> Author | None:
    """Parse one author name into an :class:`Author` (surname key, initials, given name).

    Understands ``"Last, First M."``, ``"Last, F. M."``, ``"Last FM"`` (MEDLINE),
    ``"Last F. M."`` (Embase), ``"F. M. Last"`` and ``"First Last"``.  Returns ``None`` for
    ``et al.``, ``Anonymous`` and corporate authors (``"ALTS Group"``), which are left out of
    author comparisons because databases include or omit them inconsistently.
    """
    text = _unescape(name).strip().strip(".,;")
    if not text:
        return None
    folded = _fold(text).strip(" .[]()")
    if folded in _ANONYMOUS or folded.startswith("et al"):
        return None
    if _CORPORATE_RE.search(text):
        return None
    if "," in text:
        surname, _, given = text.partition(",")
        given_parts = [g for g in re.split(r"[\s,]+", given.strip()) if g]
        given_parts = [g for g in given_parts if _fold(g.strip(".,")) not in _SUFFIXES]
        key = _surname_key(surname)
        if not key and given_parts:  # "Jr., T C": the comma was misplaced
            return None
        given_text = " ".join(given_parts)
        return Author(key, _initials(given_text), _given(given_text))
    tokens = [t for t in text.split() if t]
    tokens = [t for t in tokens if _fold(t.strip(".,")) not in _SUFFIXES] or tokens
    if len(tokens) == 1:
        return Author(_surname_key(tokens[0]), "")
    # "Last F. M." / "Last FM": initials at the end
    tail = len(tokens)
    while tail > 1 and _INITIALS_RE.match(tokens[tail - 1]):
        tail -= 1
    if tail < len(tokens):
        return Author(_surname_key(" ".join(tokens[:tail])), _initials(" ".join(tokens[tail:])))
    # "F. M. Last" / "First Middle Last": the last word (plus particles) is the surname
    start = len(tokens) - 1
    while start > 1 and _fold(tokens[start - 1]) in _PARTICLES:
        start -= 1
    given_text = " ".join(tokens[:start])
    return Author(_surname_key(" ".join(tokens[start:])), _initials(given_text), _given(given_text))


def normalize_authors(authors: Iterable[str] | str | None) -> list[Author]:
    """Parse an author list into :class:`Author` tuples, in order.

    Accepts a list of names or a single string; each element may itself hold several
    names separated by ``";"``, ``" and "``, ``"&"`` or ``"|"`` (BibTeX style), or by
    commas when every part is a MEDLINE-style name (``"Smith AB, Jones C"``).  Empty
    surname keys and the names :func:`parse_author` drops are left out.
    """
    if authors is None:
        return []
    if isinstance(authors, str):
        authors = [authors]
    parsed: list[Author] = []
    for entry in authors:
        if not entry:
            continue
        names = _SPLIT_AUTHORS_RE.split(entry)
        if len(names) == 1 and entry.count(",") >= 2:
            parts = [p.strip() for p in entry.split(",")]
            if all(_MEDLINE_NAME_RE.match(p) for p in parts if p):
                names = parts  # "Smith AB, Jones C, Brown DE": a list in one field
        for name in names:
            author = parse_author(name)
            if author is not None and author.surname:
                parsed.append(author)
    return parsed


def author_key(authors: Sequence[Author], limit: int = 12) -> str:
    """The author list as one comparison string: ``"pawel j roemeling r"``."""
    return " ".join(f"{a.surname} {a.initials[:1]}".strip() for a in authors[:limit])


# --------------------------------------------------------------------------- journals

# Words left out of journal names (articles and prepositions in the languages common in
# biomedical titles, "official", "publication") and a few abbreviations written out.
# Abbreviations that keep the first letter and are a subsequence of the word ("J" ->
# journal, "Dtsch" -> deutsche, "Wkly" -> weekly) need no table: see _is_abbreviation.
_JOURNAL_WORDS = {
    "and": "",
    "the": "",
    "of": "",
    "for": "",
    "in": "",
    "on": "",
    "und": "",
    "et": "",
    "de": "",
    "des": "",
    "der": "",
    "die": "",
    "du": "",
    "la": "",
    "le": "",
    "les": "",
    "y": "",
    "e": "",
    "d": "",
    "di": "",
    "del": "",
    "della": "",
    "fur": "",
    "official": "",
    "publication": "",
    "intl": "international",
    "natl": "national",
}
_JOURNAL_CUT_RE = re.compile(
    r"\.\s*(?:conference|congress|meeting|symposium|abstracts?)\b.*$"
    r"|\s*:\s*(?:official journal|an official|the official|journal of the)\b.*$"
    r"|\s*\((?:[^()]{1,40})\)\s*"
    r"|\[\s*electronic resource\s*\]",
    re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def journal_words(journal: str) -> tuple[str, ...]:
    """Significant folded words of a journal name, with spelling variants unified.

    ``"Journal of the American Medical Association"`` -> ``("journal", "american",
    "medical", "association")``; ``"Annales Françaises d'Anesthésie"`` -> ``("annales",
    "francaises", "anesthesie")``; ``"Haematologica"`` -> ``("hematologica",)``.
    Parenthesised place names or ISSNs (``"(Lond)"``), ``"[Electronic Resource]"``, a
    conference suffix (``"Stroke. Conference: ..."``) and a subtitle introduced by
    ``": official journal of"`` are dropped.
    """
    text = _JOURNAL_CUT_RE.sub(" ", _unescape(journal))
    words = []
    for word in _words(text.replace("&", " and ")).split():
        word = _JOURNAL_WORDS.get(word, word)
        if not word:
            continue
        word = word.replace("ae", "e")  # haematology, paediatric, anaesthesia
        if word.startswith("oe"):  # oesophagus, oedema
            word = word[1:]
        words.append(word)
    return tuple(words)


def normalize_journal(journal: str | None) -> str | None:
    """Journal name as a space-joined string of :func:`journal_words`, or ``None``."""
    if not journal:
        return None
    words = journal_words(journal)
    return " ".join(words) if words else None


def _is_abbreviation(short: str, full: str) -> bool:
    """``short`` abbreviates ``full``: same first letter and a subsequence of it."""
    if short == full:
        return True
    if len(short) >= len(full) or short[0] != full[0]:
        return False
    position = 1
    for char in short[1:]:
        position = full.find(char, position) + 1
        if position == 0:
            return False
    return True


def _abbreviates(x: str, y: str) -> bool:
    return _is_abbreviation(x, y) or _is_abbreviation(y, x)


def _words_abbreviate(wa: Sequence[str], wb: Sequence[str]) -> bool:
    """The two word sequences abbreviate each other word by word.

    Words are aligned in order; one word may also stand for two adjacent words of the
    other name, compared joined (``"Neuro Endocrinol"`` ~ ``"Neuroendocrinology"``,
    ``"Cardiothorac"`` ~ ``"Cardio-thoracic"``).
    """
    m, k = len(wa), len(wb)
    if not m or not k or wa[0][0] != wb[0][0]:
        return False
    if m == k and all(_abbreviates(x, y) for x, y in zip(wa, wb, strict=True)):
        return True
    if abs(m - k) > max(m, k) // 2:
        return False

    @cache
    def align(i: int, j: int) -> bool:
        if i == m or j == k:
            return i == m and j == k
        if _abbreviates(wa[i], wb[j]) and align(i + 1, j + 1):
            return True
        if i + 1 < m and _split_abbreviates(wb[j], wa[i], wa[i + 1]) and align(i + 2, j + 1):
            return True
        return j + 1 < k and _split_abbreviates(wa[i], wb[j], wb[j + 1]) and align(i + 1, j + 2)

    return align(0, 0)


def _split_abbreviates(single: str, first: str, second: str) -> bool:
    """``single`` is a compound of two words: it splits into two parts of three letters or
    more that abbreviate (or are abbreviated by) ``first`` and ``second``."""
    return any(
        _abbreviates(single[:cut], first) and _abbreviates(single[cut:], second)
        for cut in range(3, len(single) - 2)
    )


def _contains_run(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(tuple(longer[k : k + n]) == tuple(shorter) for k in range(len(longer) - n + 1))


def _longest_common_run(wa: Sequence[str], wb: Sequence[str]) -> int:
    best = 0
    previous = [0] * (len(wb) + 1)
    for x in wa:
        current = [0] * (len(wb) + 1)
        for j, y in enumerate(wb, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


_GENERIC_VENUE_WORDS = frozenset(
    {"proceedings", "proc", "conference", "conf", "annual", "meeting", "international"}
    | {"symposium", "workshop", "congress", "abstracts", "abstract", "supplement", "suppl"}
    | {"vol", "volume", "edition", "ed", "joint"}
)
_VENUE_WORDS = frozenset({"conference", "proceedings", "symposium", "congress", "workshop"})
_ORDINAL_RE = re.compile(r"^\d+(?:st|nd|rd|th)?$")


def _acronym_of(acronym: str, words: Sequence[str]) -> bool:
    """``acronym`` spells ``words``: consecutive non-empty prefixes of every word in turn.

    ``"jama"`` ~ journal american medical association; ``"amcis"`` ~ *am*ericas
    *c*onference *i*nformation *s*ystems.
    """
    if not words:
        return not acronym
    if not acronym:
        return False
    word = words[0]
    return any(
        acronym[:k] == word[:k] and _acronym_of(acronym[k:], words[1:])
        for k in range(1, min(len(word), len(acronym) - len(words) + 2))
    )


@lru_cache(maxsize=65536)
def _variants(journal: str) -> tuple[tuple[str, ...], ...]:
    """Word tuples of a journal name and of its parallel titles and subtitles.

    Parts are split at ``" = "``, ``":"``, ``";"``, ``" - "``, ``"/"``, ``", "``, ``". "``
    and square brackets (``"Chung-Hua Chung Liu Tsa Chih [Chinese Journal of Oncology]"``).
    """
    variants = [journal_words(journal)]
    for part in re.split(
        r"\s*=\s*|\s*:\s*|\s*;\s*|\s+-\s+|\s*/\s*|\s*,\s+|\s*\.\s+(?=[A-Z])|\s*[\[\]]\s*",
        journal,
    ):
        words = journal_words(part)
        if words and words not in variants:
            variants.append(words)
    return tuple(v for v in variants if v)


def _venue_core(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in _GENERIC_VENUE_WORDS and not _ORDINAL_RE.match(w))


def _words_compatible(wa: tuple[str, ...], wb: tuple[str, ...]) -> bool:
    if wa == wb or "".join(wa) == "".join(wb):
        return True
    if _words_abbreviate(wa, wb):
        return True
    for one, other in ((wa, wb), (wb, wa)):
        rest = _venue_core(one)
        if (
            len(rest) == 1
            and len(rest[0]) >= 3
            and len(other) >= 2
            and rest[0] not in other
            and _acronym_of(rest[0], other)
        ):
            return True
    for one, other in ((wa, wb), (wb, wa)):
        if len(one) >= 4 and len(other) > len(one) and _contains_run(other, one):
            return True
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) >= 3 and _words_abbreviate(short, long_[: len(short)]):
        return True
    if _VENUE_WORDS.intersection(wa) or _VENUE_WORDS.intersection(wb):
        # proceedings: ignore "Proceedings of the 12th Annual ... Conference" wording
        ca, cb = _venue_core(wa), _venue_core(wb)
        if ca and ca == cb:
            return True
        shorter = min(len(ca), len(cb))
        run = _longest_common_run(ca, cb)
        return run >= 4 and run >= 0.8 * shorter
    return False


@lru_cache(maxsize=262144)
def journals_compatible(a: str, b: str) -> bool:
    """Whether two journal (or proceedings) names can name the same venue.

    Abbreviation-aware, word by word, after :func:`journal_words`; the whole name and its
    parallel titles and subtitles (parts around ``=``, ``:``, ``;``, ``-``, ``/``, commas
    and square brackets) are tried, and two names are compatible when any pair of variants
    is:

    1. equal word sequences (or equal once the spaces are removed);
    2. word-by-word abbreviations of each other: an abbreviation keeps the first letter and
       is a subsequence of the word, and one word may stand for two adjacent words
       (``"J Am Med Assoc"`` ~ ``"Journal of the American Medical Association"``,
       ``"Dtsch Med Wochenschr"`` ~ ``"Deutsche Medizinische Wochenschrift"``,
       ``"Neuro Endocrinol Lett"`` ~ ``"Neuroendocrinology Letters"``);
    3. an acronym spelling the other's significant words by their leading letters
       (``"JAMA"``, ``"BMJ"``, ``"AMCIS 2017 Proceedings"`` ~ ``"Americas Conference on
       Information Systems"``; years, ordinals and words such as *proceedings* or
       *annual* next to the acronym are ignored);
    4. one name contained in the other as a run of at least four words;
    5. the shorter name (three words or more) abbreviating the start of the longer one;
    6. for proceedings and conferences only: the names without generic words
       (*proceedings*, *annual*, *international*, *conference*, ordinals, years) are equal
       or share a run of at least four words covering 80 % of the shorter one.

    Deliberately permissive: journal agreement only corroborates other evidence in the
    duplicate rules, it never merges records by itself.
    """
    if a == b:
        return True
    va, vb = _variants(a), _variants(b)
    return any(_words_compatible(x, y) for x in va for y in vb)


# --------------------------------------------------------------------------- numbers

PageRange = tuple[str, str | None]
"""Normalised pages: ``(first, last)``; ``last`` is ``None`` for a single page."""

_MONTHS = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b")
_EXTENT_RE = re.compile(r"^(?:[ivxlc]+\s*,\s*)?\d+\s*(?:p|pp|pages?|leaves)\.?$")
_PAGE_TOKEN_RE = re.compile(r"^([a-z]{0,2})(\d+)([a-z]{0,2})$")


def _page_token(token: str) -> tuple[str, str] | None:
    match = _PAGE_TOKEN_RE.match(token)
    if match is None:
        return None
    prefix, digits, suffix = match.groups()
    digits = digits.lstrip("0") or "0"
    return prefix or suffix, digits


@lru_cache(maxsize=65536)
def normalize_pages(pages: str | None) -> PageRange | None:
    """Parse a page field into ``(first, last)``.

    ``"457-68"``, ``"457-468"``, ``"457–468"``, ``"pp. 457-68"`` and ``"457--468"`` all give
    ``("457", "468")``; ``"945"`` and ``"945-945"`` give ``("945", None)``; e-locators and
    supplement pages keep their letter (``"e70933"`` -> ``("e70933", None)``,
    ``"S385-9"`` -> ``("s385", "s389")``).  Values a spreadsheet turned into dates
    (``"01-Jul"``) or numbers (``"2.05031E+15"``), ``"no pagination"``, fields without a
    digit and impossible ranges (``"2297-2108"``: a mistyped number) give ``None``.
    """
    if not pages:
        return None
    text = _fold(_unescape(pages)).strip()
    if text in _MISSING or _MONTHS.search(text) or re.search(r"\d[.,]\d+e\+\d", text):
        return None
    if _EXTENT_RE.match(text):
        return None  # "215 p.": the number of pages of a book or thesis, not a page
    text = re.sub(r"^(?:pp?\.?|pages?|page)\s*", "", text)
    text = re.sub(r"\s*(?:-{1,2}|–|—|‒|−|\bto\b)\s*", "-", text)
    text = text.strip(" .;,")
    first_raw, _, rest = text.partition("-")
    first_raw = first_raw.strip().split()[0] if first_raw.strip() else ""
    first = _page_token(first_raw)
    if first is None:
        return None
    letter, first_digits = first
    first_page = letter + first_digits
    last_raw = rest.strip().split()[0] if rest.strip() else ""
    last = _page_token(last_raw) if last_raw else None
    if last is None:
        return first_page, None
    last_letter, last_digits = last
    if len(last_digits) < len(first_digits):  # 457-68 -> 468
        last_digits = first_digits[: len(first_digits) - len(last_digits)] + last_digits
    if int(last_digits) < int(first_digits):
        # an impossible range ("2297-2108"): one of the numbers is mistyped and nothing
        # says which, so the field gives no evidence either way
        return None
    last_page = (last_letter or letter) + last_digits
    return first_page, None if last_page == first_page else last_page


def _page_parts(page: str) -> tuple[str, int]:
    letters = len(page) - len(page.lstrip("abcdefghijklmnopqrstuvwxyz"))
    return page[:letters], int(page[letters:] or 0)


def pages_agree(a: PageRange | None, b: PageRange | None) -> bool | None:
    """Whether two parsed page fields name the same pages; ``None`` when not comparable.

    * either missing -> ``None``;
    * an e-locator or lettered page (``e12724``, ``a1754``, ``S27``, ``c37``) against a
      plain page number: the same digits -> ``True`` (``"c37-c42"`` vs ``"37-42"``), other
      digits -> ``None``: the same article is often cited by its print pages in one
      database and by its electronic article number in another;
    * two lettered pages: the same letter and number -> ``True``, else ``False``
      (``"S334"`` vs ``"A254"``);
    * plain pages: the same first page, or a single page lying
      inside the other record's range (``"488"`` vs ``"487-488"``: some databases give the
      last page only) -> ``True``; different first pages -> ``False``; the same first page
      with last pages further apart than two pages or one mistyped digit (``5-6`` vs
      ``5-12``: two editorials opening different issues, or ``1-150`` vs ``1-126``: a
      monograph paginated differently) -> ``None``; different first pages one mistyped
      digit apart with the same last page (``2297-2108`` vs ``2097-2108``) -> ``None``.
    """
    if a is None or b is None:
        return None
    (pa, na), (pb, nb) = _page_parts(a[0]), _page_parts(b[0])
    if bool(pa) != bool(pb):
        return True if na == nb else None
    if pa:
        return a[0] == b[0]
    if na == nb:
        return True if _last_pages_agree(a[1], b[1]) else None
    for single, ranged in ((a, b), (b, a)):
        if single[1] is None and ranged[1] is not None:
            low, high = _page_parts(ranged[0])[1], _page_parts(ranged[1])[1]
            if low <= _page_parts(single[0])[1] <= high:
                return True
    if (
        a[1] is not None
        and a[1] == b[1]
        and len(a[0]) == len(b[0])
        and sum(c != d for c, d in zip(a[0], b[0], strict=True)) == 1
    ):
        return None  # same last page, first pages one mistyped digit apart: no evidence
    return False


def _last_pages_agree(x: str | None, y: str | None) -> bool:
    """Last pages of two ranges with the same first page: missing, equal, at most two
    apart, or one mistyped digit apart (``1015`` / ``1115``)."""
    if x is None or y is None or x == y:
        return True
    (_, nx), (_, ny) = _page_parts(x), _page_parts(y)
    if abs(nx - ny) <= 2:
        return True
    return len(x) == len(y) and sum(c != d for c, d in zip(x, y, strict=True)) == 1


def page_number(page: str) -> str:
    """The digits of a normalised page (``"s385"`` -> ``"385"``)."""
    return page.lstrip("abcdefghijklmnopqrstuvwxyz") or page


_VOLUME_RE = re.compile(
    r"^(?:vol(?:ume)?\.?\s*|v\.?\s*|no\.?\s*|issue\s*|nr\.?\s*|n\s*°\s*)?"
    r"(\d{1,5}[a-z]?|[ivxlc]{1,6})"
    r"(?:\s*(?:\(.*\)|suppl\w*.*|supplement.*|pt\.?.*|part.*|s\d.*|special.*|[,:;].*|"
    r"-\s*\d+[a-z]?|/\s*\d+[a-z]?|\s+\d+.*|\s+[a-z]+.*))?$"
)


def _leading_number(value: str | int | None) -> str | None:
    if value is None:
        return None
    text = _fold(str(value)).strip().strip(".")
    if text in _MISSING:
        return None
    if text.count("(") != text.count(")"):
        return None  # a broken fragment such as "2)" from "65 (Suppl 2)"
    match = _VOLUME_RE.match(text)
    if match is None:
        return None
    token = match.group(1)
    if token.isalpha():  # a roman numeral volume
        return str(_roman_to_int(token)) if _roman_to_int(token) else None
    digits = token.rstrip("abcdefghijklmnopqrstuvwxyz")
    return (digits.lstrip("0") or "0") + token[len(digits) :]


def _roman_to_int(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for k, char in enumerate(text):
        value = values[char]
        if k + 1 < len(text) and values[text[k + 1]] > value:
            total -= value
        else:
            total += value
    return total


@lru_cache(maxsize=65536)
def normalize_volume(volume: str | int | None) -> str | None:
    """Volume number: ``"Vol. 12"``, ``"12 (Suppl 1)"``, ``"012"`` -> ``"12"``; ``"30a"`` kept.

    Values without a leading number and broken fragments with unbalanced parentheses
    (``"2)"``) give ``None``.
    """
    return _leading_number(volume)


@lru_cache(maxsize=65536)
def normalize_issue(issue: str | int | None) -> str | None:
    """Issue number, normalised like :func:`normalize_volume`; a supplement gives ``"s"``
    plus its number (``"Suppl. 2"`` -> ``"s2"``, ``"SUPPL. 1"`` -> ``"s1"``)."""
    if issue is None:
        return None
    text = _fold(str(issue)).strip()
    supplement = re.match(r"^(?:\d+\s+)?(?:suppl\w*|supplement|s(?=[\d.\s]|$))\.?\s*(\d+)?", text)
    if supplement and not text.isdigit():
        return "s" + (supplement.group(1) or "")
    return _leading_number(text)


def normalize_year(year: int | str | None) -> int | None:
    """A publication year between 1500 and 2100, from an int or the first 4-digit run."""
    if year is None:
        return None
    if isinstance(year, int):
        return year if 1500 <= year <= 2100 else None
    match = re.search(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)", str(year))
    return int(match.group(1)) if match else None
