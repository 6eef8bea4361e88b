"""Deduplication of bibliographic records: blocking, pair rules, clusters, merged records.

Pipeline of :func:`deduplicate`:

1. every record is normalised once (:func:`metareview.records.compare.prepare`);
2. candidate pairs come from several blocking keys (:mod:`metareview.records.blocking`);
   records of the same *search set* are never paired;
3. each candidate pair is decided ``duplicate`` / ``maybe`` / ``distinct`` by the explicit
   rules of :mod:`metareview.records.compare`; the decision names its rule and keeps the
   field similarities;
4. clusters are the connected components of the ``duplicate`` pairs, built greedily from
   the strongest pair down (same identifier, then same title and source, then same
   citation; higher title similarity first), with a **guard against chaining**: two groups
   are not joined when that would put into one cluster two records that *cannot* be the
   same (table below), however they are connected; the pair that would have joined them
   is downgraded to ``maybe`` (``source="guard"``, the reason in ``PairDecision.guard``) so
   that a person sees it;
5. each cluster gives one merged :class:`~metareview.io.records.model.Record` that keeps
   the most complete value of every field, plus the provenance of every source record and
   the pair decisions that explain the merge (:class:`MergedRecord`).

``maybe`` pairs are never merged automatically.  A person's decisions on them (or on any
pair) are applied with :func:`apply_decisions` (or ``deduplicate(..., decisions=...)``),
which re-clusters without recomputing the pair rules.

Records that cannot share a cluster ("cannot-link"):

=====================  ======================================================================
reason                 condition
=====================  ======================================================================
same search set        both records belong to the same already-deduplicated search set
human distinct         a person decided the pair is distinct
different DOIs         both have a DOI and they differ (an item DOI below an issue DOI is not
                       a difference), unless one DOI is wrong on an identical citation
                       (:func:`~.compare.wrong_doi`)
different PMIDs        both have a PMID and they differ
title markers          the title marker sets differ (erratum, retraction, reply, comment,
                       protocol, part N, phase N)
distant years          publication years more than one year apart
different pages        different first pages (:func:`~.normalize.pages_agree` is ``False``),
                       unless both records have the same DOI, the pages vary on an identical
                       citation (:func:`~.compare.other_pages`), or the cluster was joined by
                       a shared DOI across these very two first pages (its copies without
                       the DOI differ in the same way)
=====================  ======================================================================

None of these holds for an erratum printed with its article or an article printed twice
(:func:`~.compare.appended_erratum`, :func:`~.compare.reprinted`): there the differing DOIs,
markers and pages are what the rule describes.

How a merged record is assembled (ties go to the record that comes first in the input):

=====================  ======================================================================
field                  value kept
=====================  ======================================================================
title                  the longest title that is not wholly in square brackets (a bracketed
                       title is an English translation of a non-English original), else the
                       longest
authors                the list with most names; among equally long lists the one with most
                       characters (full given names over initials)
year                   the most frequent year; ties: the earliest (print years trail e-pub)
journal                the longest name (full names over abbreviations)
volume, issue          the most frequent value (compared normalised)
pages                  a full range over a single page; then the longest text
doi                    the most frequent normalised DOI (``10.xxx/...``, lower case)
pmid, issn, isbn       the first present
abstract               the longest
keywords               union of all records' keywords, first spelling kept
language, type         the most frequent
raw                    the raw fields of the record the title came from
provenance             the title record's provenance; all of them in ``MergedRecord.provenance``
=====================  ======================================================================

An erratum in a cluster with its article (rule ``appended_erratum``, or a person's decision)
contributes no value: the merged record is the article's, the erratum is kept in the
provenance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from metareview.records import normalize as nz
from metareview.records.blocking import candidate_pairs
from metareview.records.compare import (
    Decision,
    PairDecision,
    Prepared,
    appended_erratum,
    compare,
    other_pages,
    prepare,
    reprinted,
    shifted,
    wrong_doi,
)

if TYPE_CHECKING:
    from metareview.io.records.model import Provenance, Record

__all__ = [
    "DedupResult",
    "MergedRecord",
    "apply_decisions",
    "cannot_link",
    "deduplicate",
    "merge_records",
]

SearchSets = Sequence[str | None] | Mapping[int, str | None] | Callable[["Record"], str | None]

# Strength of the duplicate rules, strongest first: decides the order in which clusters are
# grown, so that the anti-chaining guard drops the weakest link.
_RULE_RANK = {
    "human_review": 0,
    "same_identifier": 1,
    "same_title_and_source": 2,
    "same_citation": 3,
    # one locator garbled on an otherwise identical citation
    "wrong_identifier": 4,
    "other_pages": 4,
    "proceedings_year": 4,
    # metadata that differ by design
    "reprinted": 5,
    "appended_erratum": 5,
}


@dataclass(frozen=True, slots=True)
class MergedRecord:
    """One deduplicated record: the merged metadata and where it came from.

    ``members`` are the input indices of the cluster (ascending; the first is the record
    that a PRISMA count *retains*, the others are *removed*); ``provenance`` is the
    provenance of every member in the same order; ``field_sources`` says from which input
    index each merged field was taken; ``explanation`` lists the pair decisions that joined
    the cluster (empty for a record without duplicates).
    """

    record: Record
    members: tuple[int, ...]
    provenance: tuple[Provenance | None, ...]
    field_sources: dict[str, int]
    explanation: tuple[PairDecision, ...]

    def explain(self) -> str:
        """A readable account of why the members were merged."""
        if len(self.members) == 1:
            return f"record {self.members[0]}: no duplicates"
        lines = [f"records {', '.join(map(str, self.members))} merged:"]
        for pair in self.explanation:
            sims = ", ".join(f"{k}={v:g}" for k, v in sorted(pair.similarities.items()))
            lines.append(f"  {pair.i} ~ {pair.j}: {pair.rule} ({pair.reason}) [{sims}]")
        return "\n".join(lines)


@dataclass(slots=True)
class DedupResult:
    """The outcome of :func:`deduplicate`.

    ``clusters`` holds every input index exactly once (singletons included), each cluster
    sorted, the clusters ordered by their first index; ``merged[k]`` is the merged record of
    ``clusters[k]``.  ``pairs`` are the recorded pair decisions (every ``duplicate`` and
    ``maybe`` pair and the ``distinct`` pairs that a specific rule, not mere dissimilarity,
    decided), sorted by ``(i, j)``.
    """

    records: Sequence[Record]
    pairs: list[PairDecision]
    clusters: list[list[int]]
    merged: list[MergedRecord]
    search_sets: tuple[str | None, ...] | None = None
    _prepared: list[Prepared] = field(default_factory=list, repr=False)
    _owners: dict[int, int] | None = field(default=None, repr=False)
    _pair_index: dict[tuple[int, int], PairDecision] | None = field(default=None, repr=False)

    @property
    def maybe(self) -> list[PairDecision]:
        """The questions for a person: one ``maybe`` pair per two clusters, sorted by
        ``(i, j)``.  Never merged automatically.

        A ``maybe`` pair inside one cluster is already settled by ``duplicate`` pairs; of
        several ``maybe`` pairs between the same two clusters only the one with the most
        similar titles (then the lowest indices) is asked, since one answer decides for
        the clusters; clusters a person already kept apart are not asked again.  All
        ``maybe`` decisions stay in :attr:`pairs`.
        """
        owner = self._owner()
        settled = {
            frozenset((owner[p.i], owner[p.j]))
            for p in self.pairs
            if p.source == "human" and p.decision == "distinct"
        }
        best: dict[frozenset[int], PairDecision] = {}
        for p in self.pairs:
            if p.decision != "maybe" or owner[p.i] == owner[p.j]:
                continue
            key = frozenset((owner[p.i], owner[p.j]))
            if key in settled:
                continue
            held = best.get(key)
            if held is None or p.similarities.get("title", 0.0) > held.similarities.get(
                "title", 0.0
            ):
                best[key] = p
        return sorted(best.values(), key=lambda p: (p.i, p.j))

    def _owner(self) -> dict[int, int]:
        """Input index -> position of its cluster in ``clusters`` (built once)."""
        if self._owners is None:
            self._owners = {m: k for k, cluster in enumerate(self.clusters) for m in cluster}
        return self._owners

    @property
    def duplicates(self) -> list[PairDecision]:
        """The pairs that joined clusters."""
        return [p for p in self.pairs if p.decision == "duplicate"]

    @property
    def duplicate_clusters(self) -> list[list[int]]:
        """The clusters with more than one record."""
        return [c for c in self.clusters if len(c) > 1]

    @property
    def removed(self) -> list[int]:
        """Indices of the records a deduplication removes (all but the first per cluster)."""
        return sorted(i for c in self.clusters for i in c[1:])

    @property
    def retained(self) -> list[int]:
        """Indices of the first record of every cluster."""
        return [c[0] for c in self.clusters]

    def cluster_of(self, index: int) -> list[int]:
        """The cluster that contains input record ``index``."""
        return self.clusters[self._owner()[index]]

    def pair(self, i: int, j: int) -> PairDecision | None:
        """The recorded decision about records ``i`` and ``j`` (either order), if any."""
        if self._pair_index is None:
            self._pair_index = {(p.i, p.j): p for p in self.pairs}
        return self._pair_index.get((min(i, j), max(i, j)))


# --------------------------------------------------------------------------- search sets


def _resolve_search_sets(
    records: Sequence[Record], search_sets: SearchSets | None
) -> tuple[str | None, ...] | None:
    if search_sets is None:
        return None
    if callable(search_sets):
        return tuple(search_sets(r) for r in records)
    if isinstance(search_sets, Mapping):
        return tuple(search_sets.get(k) for k in range(len(records)))
    labels = tuple(search_sets)
    if len(labels) != len(records):
        raise ValueError(f"search_sets has {len(labels)} labels for {len(records)} records")
    return labels


# --------------------------------------------------------------------------- cannot-link


def cannot_link(
    a: Prepared,
    b: Prepared,
    set_a: str | None = None,
    set_b: str | None = None,
    settled_pages: Collection[frozenset[str]] = (),
) -> str | None:
    """Why two records can never be in one cluster (see the module table), or ``None``.

    ``settled_pages`` holds pairs of first pages that a shared DOI has already shown to be
    one item's (see :func:`_cluster`): they are no conflict.
    """
    if set_a is not None and set_a == set_b:
        return "same search set"
    if appended_erratum(a, b) or reprinted(a, b):
        return None
    if (
        a.doi
        and b.doi
        and a.doi != b.doi
        and not (a.doi.startswith(b.doi + ".") or b.doi.startswith(a.doi + "."))
        and not wrong_doi(a, b)
    ):
        return "different DOIs"
    if a.pmid and b.pmid and a.pmid != b.pmid:
        return "different PMIDs"
    if a.markers != b.markers:
        return "title markers differ"
    if a.year is not None and b.year is not None and abs(a.year - b.year) > 1:
        return "distant years"
    if (
        nz.pages_agree(a.pages, b.pages) is False
        and not (a.doi and a.doi == b.doi)
        and not (shifted(a, b) or shifted(b, a))
        and not other_pages(a, b)
        and frozenset((a.page_first or "", b.page_first or "")) not in settled_pages
    ):
        return "different first pages"
    return None


# --------------------------------------------------------------------------- clustering


class _Groups:
    """Union-find whose groups also keep their member lists (for the guard)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {k: [k] for k in range(n)}
        # per group: pairs of first pages that a shared DOI showed to be one item's
        self.settled: dict[int, set[frozenset[str]]] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        if len(self.members[rx]) < len(self.members[ry]):
            rx, ry = ry, rx
        self.parent[ry] = rx
        self.members[rx].extend(self.members.pop(ry))
        moved = self.settled.pop(ry, None)
        if moved:
            self.settled.setdefault(rx, set()).update(moved)


def _edge_order(pair: PairDecision) -> tuple[int, float, int, int]:
    rank = 0 if pair.source == "human" else _RULE_RANK.get(pair.rule, 9)
    return rank, -pair.similarities.get("title", 0.0), pair.i, pair.j


def _cluster(
    n: int,
    pairs: list[PairDecision],
    prepared: Sequence[Prepared],
    search_sets: tuple[str | None, ...] | None,
    human_distinct: set[tuple[int, int]],
) -> tuple[list[list[int]], list[PairDecision]]:
    """Greedy guarded connected components; returns (clusters, pairs with downgrades)."""
    groups = _Groups(n)
    downgraded: dict[tuple[int, int], PairDecision] = {}
    edges = sorted((p for p in pairs if p.decision == "duplicate"), key=_edge_order)
    for pair in edges:
        ri, rj = groups.find(pair.i), groups.find(pair.j)
        if ri == rj:
            continue
        settled = groups.settled.get(ri, set()) | groups.settled.get(rj, set())
        a, b = prepared[pair.i], prepared[pair.j]
        if (
            pair.rule == "same_identifier"
            and pair.source == "rules"
            and a.doi is not None
            and a.doi == b.doi
            and a.page_first
            and b.page_first
            and nz.pages_agree(a.pages, b.pages) is False
        ):
            # the DOI says these two first pages are one item's: copies of the two records
            # without it differ in the same way, which is no conflict (a PMID does not
            # settle pages: a wrong PMID is a common export error)
            settled = settled | {frozenset((a.page_first, b.page_first))}
        blocker = _blocking_reason(
            groups.members[ri],
            groups.members[rj],
            prepared,
            search_sets,
            human_distinct,
            human_only=pair.source == "human",
            settled_pages=settled,
        )
        if blocker is None:
            groups.union(ri, rj)
            if settled:
                groups.settled[groups.find(ri)] = settled
        else:
            x, y, why = blocker
            downgraded[(pair.i, pair.j)] = replace(
                pair,
                decision="maybe",
                source="guard",
                guard=f"not merged: records {x} and {y} would share a cluster but {why}",
            )
    clusters = sorted(sorted(m) for m in groups.members.values())
    out = [downgraded.get((p.i, p.j), p) for p in pairs]
    return clusters, out


def _blocking_reason(
    left: list[int],
    right: list[int],
    prepared: Sequence[Prepared],
    search_sets: tuple[str | None, ...] | None,
    human_distinct: set[tuple[int, int]],
    *,
    human_only: bool = False,
    settled_pages: Collection[frozenset[str]] = (),
) -> tuple[int, int, str] | None:
    """A pair (left x right) that cannot share a cluster, with the reason; else ``None``.

    For a person's ``duplicate`` decision (``human_only``) only the person's own
    ``distinct`` decisions count: a person may overrule the rules, not themselves.
    """
    for x in left:
        for y in right:
            a, b = min(x, y), max(x, y)
            if (a, b) in human_distinct:
                return a, b, "a person decided they are distinct"
            if human_only:
                continue
            why = cannot_link(
                prepared[a],
                prepared[b],
                search_sets[a] if search_sets else None,
                search_sets[b] if search_sets else None,
                settled_pages,
            )
            if why is not None:
                return a, b, why
    return None


# --------------------------------------------------------------------------- merging


def _most_common_first(values: Sequence[tuple[int, object]]) -> int | None:
    """Input index of the first member holding the most frequent (non-``None``) key."""
    present = [(m, key) for m, key in values if key is not None]
    if not present:
        return None
    counts = Counter(key for _, key in present)
    best = max(counts.values())
    return next(m for m, key in present if counts[key] == best)


def _longest_first(values: Sequence[tuple[int, tuple[int, ...]]]) -> int | None:
    """Input index of the member with the largest key; ties go to the first member."""
    if not values:
        return None
    best = max(key for _, key in values)
    return next(m for m, key in values if key == best)


def merge_records(
    records: Sequence[Record],
    members: Sequence[int],
    prepared: Sequence[Prepared] | None = None,
) -> tuple[Record, dict[str, int]]:
    """Merge the records ``members`` (input indices, in order) into one record.

    Returns the merged record and, per field, the input index the value came from.  The
    rule per field is the table in the module docstring.  ``prepared`` (parallel to
    ``records``) saves normalising the fields again.
    """
    from metareview.io.records.model import Record

    prep = {m: prepared[m] if prepared is not None else prepare(records[m]) for m in members}
    # an erratum merged with its article (``appended_erratum``) gives no field values: the
    # merged record describes the article; the erratum stays in the provenance
    articles = [m for m in members if "erratum" not in prep[m].markers]
    if articles:
        members = articles
    recs = [(m, records[m]) for m in members]
    chosen: dict[str, int | None] = {}

    def bracketed(title: str) -> bool:
        text = title.strip().rstrip(".")
        return text.startswith("[") and text.endswith("]")

    chosen["title"] = _longest_first(
        [(m, (not bracketed(r.title), len(prep[m].title))) for m, r in recs if r.title]
    )
    chosen["authors"] = _longest_first(
        [(m, (len(r.authors), sum(map(len, r.authors)))) for m, r in recs if r.authors]
    )
    chosen["journal"] = _longest_first([(m, (len(r.journal),)) for m, r in recs if r.journal])
    chosen["pages"] = _longest_first(
        [
            (m, (int(prep[m].page_last is not None), len(r.pages or "")))
            for m, r in recs
            if prep[m].pages is not None
        ]
    )
    chosen["abstract"] = _longest_first([(m, (len(r.abstract),)) for m, r in recs if r.abstract])
    years = Counter(r.year for _, r in recs if r.year is not None)
    if years:
        top = max(years.values())
        year = min(y for y, c in years.items() if c == top)
        chosen["year"] = next(m for m, r in recs if r.year == year)
    chosen["volume"] = _most_common_first([(m, prep[m].volume) for m in members])
    chosen["issue"] = _most_common_first([(m, prep[m].issue) for m in members])
    chosen["doi"] = _most_common_first([(m, prep[m].doi) for m in members])
    chosen["language"] = _most_common_first([(m, r.language) for m, r in recs])
    chosen["type"] = _most_common_first([(m, r.type) for m, r in recs])
    chosen["pmid"] = next((m for m in members if prep[m].pmid), None)
    chosen["issn"] = next((m for m, r in recs if r.issn), None)
    chosen["isbn"] = next((m for m, r in recs if r.isbn), None)

    def value(name: str) -> object:
        source = chosen.get(name)
        return getattr(records[source], name) if source is not None else None

    keywords: list[str] = []
    seen: set[str] = set()
    for _, r in recs:
        for keyword in r.keywords:
            folded = keyword.casefold().strip()
            if folded and folded not in seen:
                seen.add(folded)
                keywords.append(keyword)
    base_index = chosen["title"] if chosen["title"] is not None else members[0]
    base = records[base_index]
    doi_source, pmid_source = chosen["doi"], chosen["pmid"]
    merged = Record(
        title=base.title,
        authors=list(value("authors") or []),  # type: ignore[call-overload]
        year=value("year"),  # type: ignore[arg-type]
        journal=value("journal"),  # type: ignore[arg-type]
        volume=value("volume"),  # type: ignore[arg-type]
        issue=value("issue"),  # type: ignore[arg-type]
        pages=value("pages"),  # type: ignore[arg-type]
        doi=prep[doi_source].doi if doi_source is not None else None,
        pmid=prep[pmid_source].pmid if pmid_source is not None else None,
        issn=value("issn"),  # type: ignore[arg-type]
        isbn=value("isbn"),  # type: ignore[arg-type]
        abstract=value("abstract"),  # type: ignore[arg-type]
        keywords=keywords,
        language=value("language"),  # type: ignore[arg-type]
        type=value("type"),  # type: ignore[arg-type]
        raw={k: list(v) for k, v in base.raw.items()},
        provenance=base.provenance,
    )
    sources = {name: m for name, m in chosen.items() if m is not None}
    sources["raw"] = base_index
    return merged, sources


def _merge_all(
    records: Sequence[Record],
    clusters: list[list[int]],
    pairs: list[PairDecision],
    prepared: Sequence[Prepared],
) -> list[MergedRecord]:
    owner: dict[int, int] = {}
    for k, cluster in enumerate(clusters):
        for m in cluster:
            owner[m] = k
    explanation: dict[int, list[PairDecision]] = {}
    for p in pairs:
        if p.decision == "duplicate" and owner[p.i] == owner[p.j]:
            explanation.setdefault(owner[p.i], []).append(p)
    out = []
    for k, cluster in enumerate(clusters):
        if len(cluster) == 1:
            record = records[cluster[0]]
            out.append(MergedRecord(record, (cluster[0],), (record.provenance,), {}, ()))
            continue
        merged, sources = merge_records(records, cluster, prepared)
        out.append(
            MergedRecord(
                merged,
                tuple(cluster),
                tuple(records[m].provenance for m in cluster),
                sources,
                tuple(explanation.get(k, ())),
            )
        )
    return out


# --------------------------------------------------------------------------- public API


def _normalise_decisions(
    decisions: Mapping[tuple[int, int], str], n: int
) -> dict[tuple[int, int], Decision]:
    out: dict[tuple[int, int], Decision] = {}
    for (i, j), decision in decisions.items():
        if decision not in ("duplicate", "distinct"):
            raise ValueError(f"decision for ({i}, {j}) must be 'duplicate' or 'distinct'")
        if i == j or not (0 <= i < n and 0 <= j < n):
            raise ValueError(f"invalid pair ({i}, {j}) for {n} records")
        out[(min(i, j), max(i, j))] = decision  # type: ignore[assignment]
    return out


def _with_human(
    pairs: list[PairDecision], human: dict[tuple[int, int], Decision]
) -> list[PairDecision]:
    """Replace the decisions of the pairs a person decided; add the pairs not yet present."""
    if not human:
        return pairs
    out = []
    seen = set()
    for p in pairs:
        key = (p.i, p.j)
        if key in human:
            seen.add(key)
            reason = (
                p.reason
                if p.source == "human"
                else f"decided by a person; the rules said {p.decision} ({p.rule}: {p.reason})"
            )
            out.append(
                replace(
                    p,
                    decision=human[key],
                    rule="human_review",
                    reason=reason,
                    source="human",
                    guard=None,
                )
            )
        else:
            out.append(p)
    for key in sorted(set(human) - seen):
        out.append(
            PairDecision(
                key[0], key[1], human[key], "human_review", "decided by a person", {}, "human"
            )
        )
    out.sort(key=lambda p: (p.i, p.j))
    return out


def deduplicate(
    records: Sequence[Record],
    *,
    search_sets: SearchSets | None = None,
    decisions: Mapping[tuple[int, int], str] | None = None,
    keep_distinct: bool = True,
) -> DedupResult:
    """Find and merge duplicate records.

    ``records``: the records of all searches, in any order; indices in the result refer to
    this sequence.  ``search_sets``: optional label per record (a sequence parallel to
    ``records``, a mapping index -> label, or a function of the record, e.g.
    ``lambda r: r.provenance.file``); records with the same non-``None`` label come from one
    already-deduplicated search and are never merged with each other.  ``decisions``:
    a person's decisions ``{(i, j): "duplicate" | "distinct"}``, applied as in
    :func:`apply_decisions`.  ``keep_distinct``: also record the ``distinct`` decisions
    made by a specific rule (conflicting DOIs, an erratum ...), for explanations.

    The output is deterministic: it depends only on the records and the arguments.
    """
    labels = _resolve_search_sets(records, search_sets)
    prepared = [prepare(r) for r in records]
    pairs: list[PairDecision] = []
    for i, j in candidate_pairs(prepared, labels):
        decision = compare(i, j, prepared[i], prepared[j])
        if decision.decision != "distinct" or (keep_distinct and decision.rule != "dissimilar"):
            pairs.append(decision)
    human = _normalise_decisions(decisions, len(records)) if decisions else {}
    return _finish(records, prepared, pairs, labels, human)


def _finish(
    records: Sequence[Record],
    prepared: list[Prepared],
    pairs: list[PairDecision],
    labels: tuple[str | None, ...] | None,
    human: dict[tuple[int, int], Decision],
) -> DedupResult:
    pairs = _with_human(pairs, human)
    human_distinct = {k for k, v in human.items() if v == "distinct"}
    clusters, pairs = _cluster(len(records), pairs, prepared, labels, human_distinct)
    merged = _merge_all(records, clusters, pairs, prepared)
    return DedupResult(list(records), pairs, clusters, merged, labels, prepared)


def apply_decisions(result: DedupResult, decisions: Mapping[tuple[int, int], str]) -> DedupResult:
    """Apply a person's decisions to a result and re-cluster (the rules are not re-run).

    ``decisions`` maps a pair of input indices (either order) to ``"duplicate"`` or
    ``"distinct"``; any pair may be decided, not only ``maybe`` pairs.  A person's
    ``duplicate`` joins the two clusters first, even against the rules' cannot-link
    reasons (but not against the same person's ``distinct`` decisions); a ``distinct``
    becomes a cannot-link: the two records never share a cluster.  Earlier
    human decisions in ``result`` are kept unless decided again.  Returns a new result.
    """
    human = {(p.i, p.j): p.decision for p in result.pairs if p.source == "human"}
    human.update(_normalise_decisions(decisions, len(result.records)))
    # undo the guard's downgrades: with the new decisions the guard judges them afresh
    base = [
        replace(p, decision="duplicate", source="rules", guard=None) if p.source == "guard" else p
        for p in result.pairs
    ]
    prepared = result._prepared or [prepare(r) for r in result.records]
    return _finish(result.records, prepared, base, result.search_sets, human)
