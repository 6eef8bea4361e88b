"""Field-by-field comparison of two records and the rules that decide duplicate / maybe / distinct.

A record is first reduced to a :class:`Prepared` record (every field normalised once by
:mod:`metareview.records.normalize`).  :func:`compare` measures each field pair and applies
the rules of the table below in order; the first rule that applies decides.  The decision
names its rule, says in words what agreed or conflicted, and keeps the measurements, so
every merge can be explained.  A missing field is never a disagreement.

Field measurements:

* **title**: rapidfuzz ``ratio`` (normalised Indel similarity, 0-1) of the normalised titles,
  of the titles without spaces, and of embedded alternative titles (a translation in
  brackets or after ``;``); *contained* when the shorter title (four words, 20 letters or
  more) occurs inside the longer one (a dropped subtitle).  *same* >= 0.97 (or a title of
  eight words or more contained in the other: a subtitle or a column heading added),
  *close* >= 0.90 or contained, *similar* >= 0.80, *related* >= 0.60.  A title is
  *informative* with three words and 20 letters (or 30 letters); shorter titles
  ("Editorial", "Editor's comments") recur and need their own locator.
* **authors**: surnames match when equal, one contains the other (compound names),
  Jaro-Winkler >= 0.92, one or two edits apart (typos, OCR), or surname and given name are
  swapped in one record.  *share* = part of the shorter list (first 10 names) found in the
  other.  *agree*: same first author and share >= 0.75 (>= 0.6 from three authors), or
  share 1.0 in another order, or share >= 0.8 from three authors.  *full author list*: the
  same first author and all of at least three names.
* **year** difference; **journal**: :func:`~.normalize.journals_compatible`; **volume**,
  **issue** (a supplement without a number matches any supplement); **pages**:
  :func:`~.normalize.pages_agree`; **DOI** (an item DOI below its issue DOI is neither
  equal nor different), **PMID**; **abstract** ratio of the first 500 characters (>= 0.90
  agrees, needs 100 characters on both sides).
* **shifted locator**: a record without a volume whose issue is the other's volume and
  whose first page is the other's issue (an export that moved each value one field over)
  has its volume, issue and pages ignored for that pair (and by the clustering guard).
* **kind**: journal article vs conference paper / proceedings chapter (record type, or a
  venue name with *conference*, *proceedings*, *congress* ...).
* **markers**: :func:`~.normalize.title_markers`; **numbers**: the numbers in the titles.

Rules, in order:

=================================  =========  =================================================
rule                               decision   condition
=================================  =========  =================================================
``dissimilar`` (shortcut)          distinct   titles not even *related*, not contained, and no
                                              shared DOI, PMID or volume + pages
``appended_erratum``               duplicate  an erratum printed in the same issue on the
                                              page after its article (or on its last page):
                                              the article's title with the erratum wording,
                                              the same list of at least two authors, journal,
                                              year, volume and issue
                                              (:func:`appended_erratum`)
``title_marker``                   distinct   the title markers differ: an article and its
                                              erratum, a reply, a comment, a retraction, part 1
                                              vs part 2.  *maybe* when only one title names a
                                              part/phase and the titles are close and the
                                              authors agree
``reprinted``                      duplicate  different DOIs or pages, but one journal article
                                              printed twice (:func:`reprinted`: the same
                                              title and author list, compatible journal, years
                                              at most one apart, different volumes and
                                              first pages, page ranges of the same length
                                              of three pages or more)
``wrong_identifier``               duplicate  different DOIs on an *identical citation* (the
                                              same informative title, list of at least three
                                              authors, year and compatible journal) with the
                                              same first page: one DOI is wrong
                                              (:func:`wrong_doi`)
``hard_conflict``                  distinct   different DOIs, different PMIDs, or years more
                                              than one apart.  *maybe* when it is the only
                                              conflict, the informative titles are the same,
                                              the authors agree, the years are at most one
                                              apart and volume, pages and issue do not differ
``same_identifier``                duplicate  the same DOI or PMID and titles *similar*,
                                              contained or missing on one side; decided before
                                              the locator conflicts below (an identifier beats
                                              a mistyped page)
``identifier_title_mismatch``      maybe      the same DOI or PMID but dissimilar titles;
                                              *distinct* when pages or authors differ too (an
                                              issue DOI given to every abstract of a
                                              supplement)
``author_conflict``                distinct   different first authors and share < 0.5
``other_pages``                    duplicate  different first pages on an *identical
                                              citation* in the same volume, issues and DOIs
                                              not different, page ranges of the same length
                                              (or e-locators in the same issue): Rathbone et
                                              al. (2015) count "variations in page numbers"
                                              as the same record (:func:`other_pages`)
``locator_conflict``               distinct   different first pages, different volumes,
                                              different numbers in the titles (without agreeing
                                              pages), journal vs conference with incompatible
                                              venues, or different plain issues (without
                                              agreeing pages).  *maybe* when the titles are
                                              close and informative and the authors agree
``proceedings_year``               duplicate  two conference papers (not book chapters) a
                                              year apart with the same informative title
                                              (similarity >= 0.97), agreeing authors,
                                              compatible conference names that do not name
                                              different meetings (years, ordinals), abstracts
                                              not different, no locator conflict: one
                                              database dates the meeting, the other the
                                              proceedings
``same_title_and_source``          duplicate  title close (or same/contained), years at most one
                                              apart, authors agree (or are missing on one
                                              side), and at least *n* corroborating fields
                                              among journal, volume, pages, issue, abstract and
                                              full author list, where *n* = 1, plus 1 for each
                                              of: a title that is not informative, not *same*,
                                              years not equal, authors missing on one side, an
                                              incompatible journal name.  A title that is not
                                              informative also needs the same pages, abstract,
                                              or volume and issue (and, a year apart, the same
                                              volume and pages); a year apart needs the same
                                              volume, pages or abstract
``same_citation``                  duplicate  titles present, authors agree, the same year,
                                              compatible journal, the same volume and pages,
                                              issues not different, and either close titles or
                                              the same page range with titles at least
                                              *related* or one marked as a translation, or two
                                              correction notices with related titles;
                                              otherwise *maybe*
``similar_title_uncorroborated``   maybe      title close, authors agree or missing, years at
                                              most one apart, too little corroboration
``dissimilar``                     distinct   none of the above
=================================  =========  =================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from metareview.records import normalize as nz

if TYPE_CHECKING:
    from metareview.io.records.model import Record

__all__ = ["Decision", "PairDecision", "Prepared", "compare", "prepare"]

Decision = Literal["duplicate", "maybe", "distinct"]

TITLE_SAME = 0.97
TITLE_CLOSE = 0.90
TITLE_SIMILAR = 0.80
TITLE_RELATED = 0.60
ABSTRACT_SAME = 0.90
AUTHOR_SURNAME_JW = 0.92
MAX_AUTHORS = 10

_CONFERENCE_TYPES = frozenset({"CONF", "CPAPER", "ABST", "INPR", "PROCEEDINGS"})
_BOOK_TYPES = frozenset({"BOOK", "CHAP", "EBOOK", "ECHAP", "EDBOOK", "SER"})
_JOURNAL_TYPES = frozenset({"JOUR", "JFULL", "EJOUR", "MGZN", "NEWS"})
_VENUE_CONFERENCE_RE = re.compile(
    r"\b(?:conference|congress|symposium|proceedings|workshop|colloquium|meeting)\b", re.I
)


@dataclass(slots=True)
class Prepared:
    """A record with every compared field normalised once (see :func:`prepare`)."""

    title: str
    compact: str
    alternates: tuple[str, ...]
    markers: frozenset[str]
    numbers: frozenset[str]
    authors: tuple[nz.Author, ...]
    surnames: tuple[str, ...]
    year: int | None
    journal: str | None
    kind: str | None
    volume: str | None
    issue: str | None
    pages: nz.PageRange | None
    page_first: str | None
    page_last: str | None
    page_num: str | None
    doi: str | None
    pmid: str | None
    abstract: str
    supplement: bool
    translated: bool
    book: bool = False


def _kind(record: Record) -> str | None:
    """``"journal"``, ``"conference"`` (conference papers, proceedings and book chapters,
    which are usually proceedings volumes) or ``None`` when the type is unknown."""
    rtype = (record.type or "").upper()
    venue = record.journal or ""
    if rtype in _CONFERENCE_TYPES or rtype in _BOOK_TYPES:
        return "conference"
    if venue and _VENUE_CONFERENCE_RE.search(venue):
        return "conference"
    if rtype in _JOURNAL_TYPES:
        return "journal"
    return None


def prepare(record: Record) -> Prepared:
    """Normalise the fields of one record that the rules compare."""
    title = nz.normalize_title(record.title)
    authors = tuple(nz.normalize_authors(record.authors))
    pages = nz.normalize_pages(record.pages)
    page_first = pages[0] if pages else None
    pmid = nz.normalize_pmid(record.pmid)
    issue = nz.normalize_issue(record.issue)
    volume_raw = (record.volume or "").lower()
    year = nz.normalize_year(record.year)
    volume = nz.normalize_volume(record.volume)
    if volume is not None and len(volume) == 4 and volume.isdigit() and 1800 <= int(volume) <= 2100:
        volume = None  # a year written in the volume field ("2016"), not a volume number
    abstract = nz.normalize_title(record.abstract[:600]) if record.abstract else ""
    return Prepared(
        title=title,
        compact=title.replace(" ", ""),
        alternates=tuple(nz.title_alternates(record.title)),
        markers=nz.title_markers(record.title),
        numbers=nz.title_numbers(title),
        authors=authors,
        surnames=tuple(a.surname for a in authors[:MAX_AUTHORS]),
        year=year,
        journal=record.journal.strip()
        if record.journal and nz.normalize_journal(record.journal)
        else None,
        kind=_kind(record),
        volume=volume,
        issue=issue,
        pages=pages,
        page_first=page_first,
        page_last=pages[1] if pages else None,
        page_num=nz.page_number(page_first) if page_first else None,
        doi=nz.normalize_doi(record.doi),
        pmid=pmid,
        abstract=abstract[:500],
        translated=nz.is_translated_title(record.title),
        book=(record.type or "").upper() in _BOOK_TYPES
        and not _VENUE_CONFERENCE_RE.search(record.journal or ""),
        supplement=bool(
            (issue and issue.startswith("s"))
            or "suppl" in volume_raw
            or (page_first and page_first[0] == "s")
        ),
    )


@dataclass(frozen=True, slots=True)
class PairDecision:
    """The decision about one candidate pair of records.

    ``i < j`` are indices into the input list; ``decision`` is ``"duplicate"``, ``"maybe"``
    or ``"distinct"``; ``rule`` names the rule that decided (see the module table) and
    ``reason`` says in words which fields agreed or conflicted.  ``similarities`` holds the
    field measurements: ``title`` and ``authors`` (0-1), ``year_diff``, and 1.0/0.0 for
    equal/different ``journal``, ``volume``, ``pages``, ``issue``, ``doi``, ``pmid``
    (absent when a side is missing), ``abstract`` (0-1) when both have one.
    ``source`` is ``"rules"``, ``"human"`` (a person's decision, see
    :func:`~metareview.records.dedup.apply_decisions`) or ``"guard"``: the rules said
    ``duplicate`` (``rule`` and ``reason`` are theirs) but the anti-chaining guard kept the
    two clusters apart and downgraded the pair to ``maybe``; ``guard`` then says why.
    """

    i: int
    j: int
    decision: Decision
    rule: str
    reason: str
    similarities: dict[str, float] = field(default_factory=dict, compare=False)
    source: str = "rules"
    guard: str | None = None


# --------------------------------------------------------------------------- field measures


def title_similarity(a: Prepared, b: Prepared) -> tuple[float, bool]:
    """(best similarity 0-1, one title contained in the other) for two prepared titles."""
    from rapidfuzz.fuzz import partial_ratio, ratio

    if not a.title or not b.title:
        return 0.0, False
    if a.compact == b.compact:
        return 1.0, False
    best = ratio(a.title, b.title) / 100.0
    if best < TITLE_SAME:
        best = max(best, ratio(a.compact, b.compact) / 100.0)
    if best < TITLE_SAME and (a.alternates or b.alternates):
        for x in (a.title, *a.alternates):
            for y in (b.title, *b.alternates):
                if x is a.title and y is b.title:
                    continue
                best = max(best, ratio(x, y) / 100.0)
    contained = False
    if best < TITLE_SAME:
        short, long_ = (a, b) if len(a.title) <= len(b.title) else (b, a)
        if short.title.count(" ") >= 3 and len(short.compact) >= 20:
            if f" {short.title} " in f" {long_.title} ":
                contained = True
            elif len(short.title) < 0.9 * len(long_.title):
                contained = partial_ratio(short.title, long_.title) >= 97.0
    return best, contained


def _surname_match(x: str, y: str) -> bool:
    """Surname keys match: equal, one containing the other (compound names, four letters
    or more), Jaro-Winkler >= 0.92, or one edit apart (five letters or more; two edits
    from seven letters: OCR errors such as "rn" -> "m")."""
    from rapidfuzz.distance import JaroWinkler, Levenshtein

    if x == y:
        return True
    shorter = min(len(x), len(y))
    if shorter >= 4 and (x in y or y in x):
        return True
    if JaroWinkler.similarity(x, y) >= AUTHOR_SURNAME_JW:
        return True
    if shorter >= 5:
        return Levenshtein.distance(x, y, score_cutoff=2) <= (2 if shorter >= 7 else 1)
    return False


def _swapped(x: nz.Author, y: nz.Author) -> bool:
    """The same person with surname and given name swapped, or split differently, in one
    record (``"Andrea, C."`` for Carignani Andrea, ``"Xiaoguang, Wang"`` for Wang Xiaoguang,
    ``"Giorgi, Rossi P"`` for Giorgi Rossi P; with initials only: ``"Hua, T"`` for Tong
    Hua)."""
    if (x.given and x.given == y.surname) or (y.given and y.given == x.surname):
        return True
    return bool(
        not x.given
        and not y.given
        and x.initials[:1] == y.surname[:1]
        and y.initials[:1] == x.surname[:1]
        and x.surname[:1] != y.surname[:1]
    )


def _same_author(x: nz.Author, y: nz.Author) -> bool:
    return _surname_match(x.surname, y.surname) or _swapped(x, y)


def author_similarity(a: Prepared, b: Prepared) -> tuple[bool | None, float | None]:
    """(first authors match, share of the shorter list found in the other); ``None`` if a
    side has no authors.  Surnames match as in :func:`_surname_match`, or when one record
    swapped surname and given name."""
    if not a.authors or not b.authors:
        return None, None
    first = _same_author(a.authors[0], b.authors[0])
    xs, ys = a.authors[:MAX_AUTHORS], b.authors[:MAX_AUTHORS]
    short, long_ = (xs, ys) if len(xs) <= len(ys) else (ys, xs)
    pool = {y.surname for y in long_}
    found = 0
    for x in short:
        if x.surname in pool or any(_same_author(x, y) for y in long_):
            found += 1
    return first, found / len(short)


def _informative(p: Prepared) -> bool:
    """Whether a title can identify a work: three words and 20 characters or more (or 30
    characters), unlike short recurring titles such as "Editorial introduction" or
    "Editor's comments"."""
    return (p.title.count(" ") >= 2 and len(p.compact) >= 20) or len(p.compact) >= 30


def _doi_relation(x: str | None, y: str | None) -> bool | None:
    if x is None or y is None:
        return None
    if x == y:
        return True
    if x.startswith(y + ".") or y.startswith(x + "."):
        return None  # an item DOI below an issue/supplement DOI
    return False


def _issue_relation(x: str | None, y: str | None) -> bool | None:
    """Equal issues; a supplement without a number (``"s"``) matches any supplement."""
    if x is None or y is None:
        return None
    if x == y:
        return True
    if (x == "s" and y.startswith("s")) or (y == "s" and x.startswith("s")):
        return None
    return False


def _eq(x: str | None, y: str | None) -> bool | None:
    return None if x is None or y is None else x == y


def _same_author_list(a: Prepared, b: Prepared, least: int = 3) -> bool:
    """The same names in the same order, at least ``least`` of them (typos and initials as
    in :func:`_same_author`)."""
    xs, ys = a.authors[:MAX_AUTHORS], b.authors[:MAX_AUTHORS]
    return (
        len(xs) >= least
        and len(xs) == len(ys)
        and all(_same_author(x, y) for x, y in zip(xs, ys, strict=True))
    )


def _identical_citation_but(a: Prepared, b: Prepared, tsim: float) -> bool:
    """The same informative title (with the same numbers: "type 1" / "type 2", "cohort 1" /
    "cohort 2" are companion studies), the same list of at least three authors, the same
    year, a compatible journal and abstracts that do not differ: what two records of one
    item share even when an export garbled one of its locators (a page, a DOI)."""
    return (
        tsim >= TITLE_SAME
        and a.numbers == b.numbers
        and _abstracts_compatible(a, b)
        and _informative(a)
        and _informative(b)
        and a.year is not None
        and a.year == b.year
        and a.journal is not None
        and b.journal is not None
        and nz.journals_compatible(a.journal, b.journal)
        and _same_author_list(a, b)
    )


def _same_length(a: Prepared, b: Prepared) -> bool:
    """Two page ranges of the same length (a shifted or mistyped range); a single page
    is a range of length one."""
    x, y = _span(a), _span(b)
    return x is not None and y is not None and x[1] - x[0] == y[1] - y[0]


def _near_pages(a: Prepared, b: Prepared) -> bool:
    """First pages at most ten apart, or one mistyped digit apart (``22`` / ``52``)."""
    x, y = a.page_first or "", b.page_first or ""
    if not (x.isdigit() and y.isdigit()):
        return False
    if abs(int(x) - int(y)) <= 10:
        return True
    return len(x) == len(y) and sum(c != d for c, d in zip(x, y, strict=True)) == 1


def _sibling_dois(x: str, y: str) -> bool:
    """DOIs that differ only after their last dot: versions or items of one series
    (Cochrane ``CD013600.pub2`` / ``.pub3``, supplement abstracts ``mdz253.001`` /
    ``.002``), never one item's DOI mistyped."""
    return "." in x and "." in y and x.rsplit(".", 1)[0] == y.rsplit(".", 1)[0]


def other_pages(a: Prepared, b: Prepared, tsim: float | None = None) -> bool:
    """One item printed with two different first pages: an identical citation (see
    :func:`_identical_citation_but`) in the same volume, issues not different, and either
    printed page ranges of the same length (a shifted or mistyped range; the next
    instalment of a column, an erratum repeating the title or a second article of a series
    in the issue have other lengths) that, when an issue is missing, also lie close
    together (:func:`_near_pages`: a column repeated in another issue of the volume has
    the same length too), or e-locators / lettered pages in the same issue; the same DOI or
    no DOI on one side.
    Rathbone et al. (2015) count records that differ only in "variations in page numbers"
    as duplicates; e-locators ("e8" / "e3") and abstract numbers are the usual cause."""
    if tsim is None:
        tsim = title_similarity(a, b)[0]
    issue = _issue_relation(a.issue, b.issue)
    plain = _plain_page(a.page_first) is not None and _plain_page(b.page_first) is not None
    return (
        a.markers == b.markers
        and a.volume is not None
        and a.volume == b.volume
        and issue is not False
        and (
            _same_length(a, b) and (issue is True or _near_pages(a, b)) if plain else issue is True
        )
        and _doi_relation(a.doi, b.doi) is not False
        and _identical_citation_but(a, b, tsim)
    )


def wrong_doi(a: Prepared, b: Prepared, tsim: float | None = None) -> bool:
    """Two DOIs on one item: an identical citation (see :func:`_identical_citation_but`)
    with the same first page, issues not different: one export carries a wrong DOI
    (another item's, often of a parallel supplement; its volume is then often garbled
    too).  DOIs that differ only after their last dot are versions or siblings (see
    :func:`_sibling_dois`), not a mistake."""
    if tsim is None:
        tsim = title_similarity(a, b)[0]
    return (
        a.markers == b.markers
        and a.page_first is not None
        and nz.pages_agree(a.pages, b.pages) is True
        and _issue_relation(a.issue, b.issue) is not False
        and not (a.doi and b.doi and _sibling_dois(a.doi, b.doi))
        and _identical_citation_but(a, b, tsim)
    )


_MEETING_RE = re.compile(r"\b(?:(?:19|20)\d{2}|\d+(?:st|nd|rd|th))\b", re.IGNORECASE)


def _different_meetings(x: str | None, y: str | None) -> bool:
    """Venue names that both number their meeting (a year, an ordinal) and differ in it:
    "ASCO 2019" / "ASCO 2020", "40th" / "41st" annual meeting."""
    if not x or not y:
        return False
    mx, my = set(_MEETING_RE.findall(x.lower())), set(_MEETING_RE.findall(y.lower()))
    return bool(mx) and bool(my) and not (mx & my)


def _plain_page(page: str | None) -> int | None:
    return int(page) if page is not None and page.isdigit() else None


def _span(p: Prepared) -> tuple[int, int] | None:
    """(first, last) printed page numbers; a single page is its own last page; ``None``
    for e-locators, lettered or missing pages."""
    first, last = _plain_page(p.page_first), _plain_page(p.page_last or p.page_first)
    return None if first is None or last is None else (first, last)


def _abstracts_compatible(a: Prepared, b: Prepared) -> bool:
    """Not two different abstracts: one is missing or short, or they agree."""
    from rapidfuzz.fuzz import ratio

    if len(a.abstract) < 100 or len(b.abstract) < 100:
        return True
    return ratio(a.abstract, b.abstract) / 100.0 >= ABSTRACT_SAME


def reprinted(a: Prepared, b: Prepared, tsim: float | None = None) -> bool:
    """One article printed twice by its journal (a reprint after a production error gets a
    new DOI, volume and pages): the same informative title without different numbers, the
    same list of at least two authors, a compatible journal, years at most one apart,
    different volumes and first pages, and page ranges of the same length, at least
    three pages.

    The length keeps apart what else repeats a title and its authors in one journal a year
    later: a recurring column or special-section preface (other lengths), an abstract
    submitted to the next meeting (one or two pages).  Abstracts that do not agree say two
    articles; two PMIDs are two MEDLINE citations, which the rule does not overrule (a
    series article split across volumes could otherwise pass)."""
    if a.volume is None or b.volume is None or a.volume == b.volume:
        return False
    if a.kind == "conference" or b.kind == "conference":
        return False  # proceedings series (LNCS) print same-titled papers of fixed length
    x, y = _span(a), _span(b)
    if x is None or y is None or x[0] == y[0] or not x[1] - x[0] == y[1] - y[0] >= 2:
        return False
    if a.pmid and b.pmid and a.pmid != b.pmid:
        return False  # two MEDLINE citations: not decided without a person
    if not _abstracts_compatible(a, b):
        return False
    if tsim is None:
        tsim = title_similarity(a, b)[0]
    return (
        a.markers == b.markers
        and a.numbers == b.numbers
        and tsim >= TITLE_SAME
        and _informative(a)
        and _informative(b)
        and a.year is not None
        and b.year is not None
        and abs(a.year - b.year) <= 1
        and a.journal is not None
        and b.journal is not None
        and nz.journals_compatible(a.journal, b.journal)
        and _same_author_list(a, b, least=2)
    )


def appended_erratum(a: Prepared, b: Prepared) -> bool:
    """A correction printed in the same issue straight after the article it corrects (on
    the page after its last page, or on that page): the erratum's title is the article's
    with the erratum wording, the same list of at least two authors, the same journal,
    year, volume and issue.  Printed with the article, it belongs to the article's record;
    errata published later stay records of their own."""
    if ("erratum" in a.markers) == ("erratum" in b.markers):
        return False
    erratum, article = (a, b) if "erratum" in a.markers else (b, a)
    if erratum.markers - {"erratum"} != article.markers:
        return False
    corrected, pages = _plain_page(erratum.page_first), _span(article)
    if corrected is None or pages is None or corrected not in (pages[1], pages[1] + 1):
        return False
    tsim, contained = title_similarity(a, b)
    return (
        (tsim >= TITLE_SAME or (contained and len(article.title) < len(erratum.title)))
        and _informative(article)
        and a.year is not None
        and a.year == b.year
        and a.volume is not None
        and a.volume == b.volume
        and a.issue is not None
        and a.issue == b.issue
        and a.journal is not None
        and b.journal is not None
        and nz.journals_compatible(a.journal, b.journal)
        and _same_author_list(a, b, least=2)
    )


# --------------------------------------------------------------------------- the rules

_NEVER = 99  # "needed" corroborations that no pair can reach


def _unrelated(a: Prepared, b: Prepared, tsim: float, contained: bool) -> bool:
    """Titles unrelated (< 0.60, not contained) and no shared DOI, PMID or citation (same
    volume and pages): then no rule can find a duplicate or a maybe."""
    return (
        bool(a.title and b.title)
        and tsim < TITLE_RELATED
        and not contained
        and not (a.doi and a.doi == b.doi)
        and not (a.pmid and a.pmid == b.pmid)
        and not (a.volume and a.volume == b.volume and nz.pages_agree(a.pages, b.pages))
    )


def shifted(a: Prepared, b: Prepared) -> bool:
    """``a`` has no volume, its issue is ``b``'s volume and its first page ``b``'s issue
    ("vol -, issue 26, page 9" for volume 26, issue 9): a field shift in the export."""
    return (
        a.volume is None
        and a.issue is not None
        and b.volume is not None
        and b.issue is not None
        and a.issue == b.volume
        and a.page_first is not None
        and a.page_first == b.issue
    )


def compare(i: int, j: int, a: Prepared, b: Prepared) -> PairDecision:
    """Compare two prepared records and decide by the rules of the module table.

    ``i`` and ``j`` are only carried into the returned :class:`PairDecision`.
    """
    from rapidfuzz.fuzz import ratio

    tsim, contained = title_similarity(a, b)
    if _unrelated(a, b, tsim, contained):
        return PairDecision(i, j, "distinct", "dissimilar", f"title similarity {tsim:.2f}")

    # ------------------------------------------------------------ field measurements
    sims: dict[str, float] = {}
    has_titles = bool(a.title and b.title)
    if has_titles:
        sims["title"] = round(tsim, 4)
    if contained:
        sims["title_contained"] = 1.0
    first, share = author_similarity(a, b)
    if share is not None:
        sims["authors"] = round(share, 4)
        sims["first_author"] = 1.0 if first else 0.0
    year_diff = abs(a.year - b.year) if a.year is not None and b.year is not None else None
    if year_diff is not None:
        sims["year_diff"] = float(year_diff)
    journal = nz.journals_compatible(a.journal, b.journal) if a.journal and b.journal else None
    volume = _eq(a.volume, b.volume)
    pages = nz.pages_agree(a.pages, b.pages)
    issue = _issue_relation(a.issue, b.issue)
    if shifted(a, b) or shifted(b, a):
        # one record's locator is shifted by one field (volume empty, the volume in the
        # issue field, the issue in the pages field): its locator says nothing
        volume = pages = issue = None
    doi = _doi_relation(a.doi, b.doi)
    pmid = _eq(a.pmid, b.pmid)
    for name, value in (
        ("journal", journal),
        ("volume", volume),
        ("pages", pages),
        ("issue", issue),
        ("doi", doi),
        ("pmid", pmid),
    ):
        if value is not None:
            sims[name] = 1.0 if value else 0.0
    abstract: float | None = None
    if len(a.abstract) >= 100 and len(b.abstract) >= 100:
        abstract = ratio(a.abstract, b.abstract) / 100.0
        sims["abstract"] = round(abstract, 4)
    abstract_agrees = abstract is not None and abstract >= ABSTRACT_SAME

    # a long title (eight words or more) that ends the other is as good as the same title:
    # the other only puts a column heading in front ("How I did it ... <title>"); words
    # after it ("...: executive summary", "...: updated results") may make another item
    short_title, long_title = sorted((a.title, b.title), key=len)
    long_contained = (
        contained and short_title.count(" ") >= 7 and long_title.endswith(" " + short_title)
    )
    title_same = has_titles and (tsim >= TITLE_SAME or long_contained)
    title_close = has_titles and (tsim >= TITLE_CLOSE or contained)
    informative = _informative(a) and _informative(b)
    n_authors = min(len(a.authors), len(b.authors))
    authors_missing = share is None
    authors_agree = share is not None and (
        (bool(first) and (share >= 0.75 or (share >= 0.6 and n_authors >= 3)))
        or (share == 1.0 and n_authors >= 2)  # the same names in another order
        or (share >= 0.8 and n_authors >= 3)  # a garbled first name, the rest agrees
    )
    authors_full = bool(first) and share == 1.0 and n_authors >= 3
    year_ok = year_diff is None or year_diff <= 1

    def decide(decision: Decision, rule: str, reason: str) -> PairDecision:
        return PairDecision(i, j, decision, rule, reason, sims)

    # ------------------------------------------------------------ 1. title markers
    if a.markers != b.markers and appended_erratum(a, b):
        return decide(
            "duplicate",
            "appended_erratum",
            "an erratum printed in the same issue straight after the article it corrects",
        )
    if a.markers != b.markers:
        differing = sorted(a.markers ^ b.markers)
        only_parts = all(":" in m for m in differing)
        one_sided = not any(":" in m for m in a.markers) or not any(":" in m for m in b.markers)
        if only_parts and one_sided and title_close and authors_agree:
            return decide("maybe", "title_marker", f"only one title names {', '.join(differing)}")
        return decide("distinct", "title_marker", f"titles differ in {', '.join(differing)}")

    # ------------------------------------------------------------ 2. hard conflicts
    if (doi is False or pages is False) and reprinted(a, b, tsim):
        return decide(
            "duplicate",
            "reprinted",
            f"the same title, author list and journal, pages {a.page_first}-{a.page_last} "
            f"and {b.page_first}-{b.page_last} of the same length: one article printed twice",
        )
    hard = []
    if doi is False and wrong_doi(a, b, tsim):
        return decide(
            "duplicate",
            "wrong_identifier",
            "different DOIs, but the same title, author list, year, journal and first page",
        )
    if doi is False:
        hard.append("different DOIs")
    if pmid is False:
        hard.append("different PMIDs")
    if year_diff is not None and year_diff > 1:
        hard.append(f"years {year_diff} apart")
    if hard:
        worth_a_look = (
            len(hard) == 1
            and title_same
            and informative
            and authors_agree
            and year_ok
            and volume is not False
            and pages is not False
            and issue is not False
        )
        return decide("maybe" if worth_a_look else "distinct", "hard_conflict", "; ".join(hard))

    # ------------------------------------------------------------ 3. same identifier
    if doi or pmid:
        what = "DOI" if doi else "PMID"
        if not has_titles or tsim >= TITLE_SIMILAR or contained:
            return decide(
                "duplicate",
                "same_identifier",
                f"same {what}, title similarity {tsim:.2f}" if has_titles else f"same {what}",
            )
        # a DOI shared by different titles is often an issue or supplement DOI given to
        # every abstract in it: with different pages or authors the records are distinct
        shared = pages is False or (first is False and (share or 0.0) < 0.5)
        return decide(
            "distinct" if shared else "maybe",
            "identifier_title_mismatch",
            f"same {what} but title similarity only {tsim:.2f}"
            + ("; pages or authors differ too" if shared else ""),
        )

    # ------------------------------------------------------------ 4. different authors
    if first is False and share is not None and share < 0.5:
        return decide(
            "distinct", "author_conflict", f"different first authors, author overlap {share:.2f}"
        )

    # ------------------------------------------------------------ 5. locator conflicts
    if pages is False and other_pages(a, b, tsim):
        return decide(
            "duplicate",
            "other_pages",
            f"first page {a.page_first} vs {b.page_first}, but the same title, author list, "
            "year, journal, volume and issue",
        )
    locator = []
    if pages is False:
        locator.append(f"first page {a.page_first} vs {b.page_first}")
    if volume is False:
        locator.append(f"volume {a.volume} vs {b.volume}")
    if has_titles and not pages and not (a.numbers <= b.numbers or b.numbers <= a.numbers):
        locator.append("different numbers in the titles")
    if a.kind and b.kind and a.kind != b.kind and journal is False:
        locator.append(f"{a.kind} vs {b.kind}")
    if issue is False and not pages and not a.supplement and not b.supplement:
        locator.append(f"issue {a.issue} vs {b.issue}")
    if locator:
        worth_a_look = title_close and authors_agree and informative
        return decide(
            "maybe" if worth_a_look else "distinct", "locator_conflict", "; ".join(locator)
        )

    # ------------------------------------------------------------ 6. proceedings dated twice
    if (
        a.kind == "conference"
        and b.kind == "conference"
        and not a.book  # a chapter of a yearly book (an edition a year) is not a paper
        and not b.book
        and year_diff == 1
        and tsim >= TITLE_SAME
        and informative
        and authors_agree
        and journal
        and not _different_meetings(a.journal, b.journal)
        and not (abstract is not None and not abstract_agrees)
    ):
        return decide(
            "duplicate",
            "proceedings_year",
            f"conference papers a year apart ({a.year} / {b.year}) with the same title, "
            "authors and conference: one database dates the meeting, the other its "
            "proceedings",
        )

    # ------------------------------------------------------------ 7. same title and source
    corroborating = [
        name
        for name, value in (
            ("journal", journal),
            ("volume", volume),
            ("first page", pages),
            ("issue", issue),
            ("abstract", abstract_agrees),
            ("full author list", authors_full),
        )
        if value
    ]
    if title_close and year_ok and (authors_agree or authors_missing):
        needed = (
            (1 if informative else 2)
            + (0 if title_same else 1)
            + (0 if year_diff == 0 else 1)
            + (1 if authors_missing else 0)
            + (1 if journal is False else 0)
        )
        if not informative and (
            not (pages or abstract_agrees or (volume and issue))
            or (year_diff and not (volume and pages))
        ):
            needed = _NEVER  # a short recurring title needs its own locator
        if year_diff == 1 and not (volume or pages or abstract_agrees):
            needed = _NEVER  # journal and authors alone do not bridge a year
        if len(corroborating) >= needed:
            how = "same" if title_same else ("contained" if contained else "close")
            return decide(
                "duplicate",
                "same_title_and_source",
                f"title {how} ({tsim:.2f}), "
                + ("authors agree" if authors_agree else "authors missing on one side")
                + f", year diff {year_diff}, agreeing: {', '.join(corroborating)}",
            )

    # ------------------------------------------------------------ 8. same citation
    if authors_agree and year_diff == 0 and journal and volume and pages and issue is not False:
        same_range = a.page_last is not None and a.page_last == b.page_last
        related = tsim >= TITLE_RELATED or a.translated or b.translated
        # two correction notices (both marked erratum) of one article at one page: the
        # databases word them differently ("Erratum: Title" / "Title (vol 142, pg 310)")
        notice = "erratum" in a.markers and related
        if has_titles and (title_close or (same_range and related) or notice):
            return decide(
                "duplicate",
                "same_citation",
                f"same first author, year, journal, volume and pages; title similarity "
                f"{tsim:.2f}" + ("; a translated title" if a.translated or b.translated else ""),
            )
        return decide(
            "maybe",
            "same_citation",
            "same first author, year, journal, volume and first page, but "
            + ("the titles differ" if has_titles else "a title is missing"),
        )

    # ------------------------------------------------------------ 9. the rest
    if title_close and (authors_agree or authors_missing) and year_ok:
        return decide(
            "maybe",
            "similar_title_uncorroborated",
            f"title similarity {tsim:.2f} but only {len(corroborating)} corroborating field(s)"
            + (f": {', '.join(corroborating)}" if corroborating else ""),
        )
    return decide("distinct", "dissimilar", f"title similarity {tsim:.2f}")
