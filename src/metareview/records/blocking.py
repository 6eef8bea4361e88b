"""Candidate pairs for deduplication: records that share at least one cheap blocking key.

Comparing every pair of 100,000 records (5 x 10^9 pairs) is out of the question, so only
records that share a *blocking key* are compared.  Several independent keys keep recall
high: a pair is a candidate when any key matches.

=========  ==========================================================  =====================
key        value                                                       catches
=========  ==========================================================  =====================
``doi``    normalised DOI                                              any title variation
``pmid``   PMID                                                        any title variation
``tpre``   first 25 characters of the title without spaces             typos at the end,
                                                                       dropped subtitles
``tsuf``   last 25 characters of the title without spaces (titles of   typos at the start,
           50 characters or more)                                      translated prefixes
``twords`` the three longest title words, sorted                       word order, typos in
                                                                       the short words
(same)     ``tpre``/``tsuf`` of embedded alternative titles            bracketed
                                                                       translations
``auyr``   first author's surname + year                               retitled records
``cite``   year + volume + first page                                  missing/translated
                                                                       titles
``aupg``   first author's surname + first page                         wrong year or volume
=========  ==========================================================  =====================

Blocks larger than :data:`LARGE_BLOCK` (a common surname in a busy year, an issue DOI
shared by a whole supplement) are not expanded into all their pairs: their titles are
compared in one vectorised :func:`rapidfuzz.process.cdist` call and only pairs with a title
similarity of at least :data:`LARGE_BLOCK_TITLE_CUTOFF` are kept.  Records of the same
search set (``search_sets``) are never paired.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from metareview.records.compare import Prepared

__all__ = ["LARGE_BLOCK", "LARGE_BLOCK_TITLE_CUTOFF", "blocking_keys", "candidate_pairs"]

LARGE_BLOCK = 40
LARGE_BLOCK_TITLE_CUTOFF = 75.0
_AFFIX = 25


def blocking_keys(p: Prepared) -> Iterator[str]:
    """The blocking keys of one prepared record (see the module table)."""
    if p.doi:
        yield "doi:" + p.doi
    if p.pmid:
        yield "pmid:" + p.pmid
    compact = p.compact
    if len(compact) >= 12:
        yield "tpre:" + compact[:_AFFIX]
        if len(compact) >= 2 * _AFFIX:
            yield "tsuf:" + compact[-_AFFIX:]
    words = [w for w in p.title.split() if len(w) >= 4]
    if len(words) >= 3:
        longest = sorted(sorted(set(words)), key=len, reverse=True)[:3]
        yield "twords:" + " ".join(sorted(longest))
    for alt in p.alternates:
        alt_compact = alt.replace(" ", "")
        if len(alt_compact) >= 12:
            yield "tpre:" + alt_compact[:_AFFIX]
            yield "tsuf:" + alt_compact[-_AFFIX:]
    surname = p.surnames[0] if p.surnames else None
    if surname and p.year is not None:
        yield f"auyr:{surname}:{p.year}"
    if p.page_num:
        if p.volume and p.year is not None:
            yield f"cite:{p.year}:{p.volume}:{p.page_num}"
        if surname:
            yield f"aupg:{surname}:{p.page_num}"


def candidate_pairs(
    prepared: Sequence[Prepared], search_sets: Sequence[str | None] | None = None
) -> list[tuple[int, int]]:
    """Sorted list of the distinct candidate pairs ``(i, j)``, ``i < j``."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, p in enumerate(prepared):
        for key in blocking_keys(p):
            members = blocks[key]
            if not members or members[-1] != index:
                members.append(index)
    n = len(prepared)
    pairs: set[int] = set()
    large: list[list[int]] = []
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) > LARGE_BLOCK:
            large.append(members)
            continue
        for x in range(len(members)):
            i = members[x]
            base = i * n
            for y in range(x + 1, len(members)):
                pairs.add(base + members[y])
    if large:
        _expand_large_blocks(prepared, large, pairs)
    result = []
    for code in sorted(pairs):
        i, j = divmod(code, n)
        if search_sets is not None:
            si, sj = search_sets[i], search_sets[j]
            if si is not None and si == sj:
                continue
        result.append((i, j))
    return result


def _expand_large_blocks(
    prepared: Sequence[Prepared], blocks: list[list[int]], pairs: set[int]
) -> None:
    """Add the pairs of large blocks whose titles are similar (vectorised)."""
    import numpy as np
    from rapidfuzz.fuzz import ratio
    from rapidfuzz.process import cdist

    n = len(prepared)
    seen: set[tuple[int, ...]] = set()
    for members in blocks:
        key = tuple(members)
        if key in seen:
            continue
        seen.add(key)
        titles = [prepared[m].compact for m in members]
        scores = cdist(
            titles,
            titles,
            scorer=ratio,
            score_cutoff=LARGE_BLOCK_TITLE_CUTOFF,
            dtype=np.uint8,
            workers=-1,
        )
        rows, cols = np.nonzero(np.triu(scores, k=1))
        index = np.asarray(members, dtype=np.int64)
        codes = index[rows] * n + index[cols]
        pairs.update(codes.tolist())
