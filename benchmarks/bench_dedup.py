"""Accuracy and speed of record deduplication: the labelled benchmark sets and 100,000 records.

Runs :func:`metareview.records.deduplicate` on every labelled set in
``../shared/refdata/dedup`` (Rathbone 2015 SRA-DM sets: respiratory, haematology, stroke,
cytology screening; ASySD diabetes; Wagner 2021 digital work; bib-dedupe special cases) and
scores the result with bib-dedupe's convention: per true cluster the first retained record
is a true negative, further retained records are false negatives, removed records are true
positives, and a cluster with no retained record counts one false positive; a removed
record that has no duplicate is a false positive.  ``maybe`` pairs count as not merged.
Sensitivity = TP / (TP + FN), specificity = TN / (TN + FP); "false merges" = FP.  The
published figures of bib-dedupe (``output/current_results.md`` at commit c66515a, as
tabulated in the data README) and ASySD (paper: sensitivity 0.95-0.99, specificity > 0.99)
are printed beside ours.

Then builds a synthetic set of 100,000 records from the real ones (seeded, deterministic):
distinct works are the de-duplicated real records plus new works derived from them (title
words replaced, other authors, another journal, year, volume and pages); every work appears
one to four times with the variations real exports show (typos, case, punctuation, journal
abbreviations, ``457-68`` vs ``457-468``, missing fields, initials vs full given names,
diacritics stripped, HTML entities, bracketed translated titles, trailing periods, DOI
spelled as a URL ...).  Prints the seconds :func:`deduplicate` takes and its sensitivity and
specificity against the known truth.

Usage::

    python benchmarks/bench_dedup.py [--records 100000] [--seed 20260501]
                                     [--skip-synthetic] [--json]

With ``--json`` the last line is one JSON object:
``{"sets": {NAME: {"sensitivity", "specificity", "false_merges", "records_per_s", ...}},
"synthetic": {...}, "synthetic_100k_seconds": ...}`` (the synthetic figures are for
``--records`` records; ``synthetic_100k_seconds`` is ``null`` with ``--skip-synthetic``).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from metareview.io.records.model import Provenance, Record
from metareview.records import DedupResult, deduplicate

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEDUP_DATA = SHARED / "refdata" / "dedup"

# name -> (folder, records file, encoding)
SETS: dict[str, tuple[str, str, str]] = {
    "respiratory": ("rathbone2015_sra/respiratory", "records_pre_merged.csv", "utf-8"),
    "haematology": ("rathbone2015_sra/haematology", "records_pre_merged.csv", "utf-8"),
    "stroke": ("rathbone2015_sra/stroke", "records_pre_merged.csv", "utf-8"),
    "cytology_screening": (
        "rathbone2015_sra/cytology_screening",
        "records_pre_merged.csv",
        "utf-8",
    ),
    "diabetes": ("hair2023_asysd/diabetes", "labelled_test_set.csv", "latin-1"),
    "digital_work": ("wagner2021_digital_work", "records_pre_merged.csv", "utf-8"),
    "special_cases": ("bibdedupe_special_cases", "records_pre_merged.csv", "utf-8"),
}
# bib-dedupe's published sensitivity / specificity (data README); None: not published
BIBDEDUPE = {
    "respiratory": (0.936, 1.000),
    "haematology": (0.889, 1.000),
    "stroke": (0.994, 1.000),
    "cytology_screening": (0.992, 1.000),
    "diabetes": (1.000, 1.000),
    "digital_work": (0.997, 1.000),
    "special_cases": (None, None),
}
ASYSD_PAPER = "0.95-0.99 / >0.99"

_ENTRY_TYPES = {
    "article": "JOUR",
    "inproceedings": "CONF",
    "proceedings": "CONF",
    "incollection": "CHAP",
    "inbook": "CHAP",
    "book": "BOOK",
    "techreport": "RPRT",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "misc": "GEN",
}


@dataclass
class LabelledSet:
    """Records of one benchmark set, their IDs and the true duplicate clusters (IDs)."""

    name: str
    records: list[Record]
    ids: list[str]
    clusters: list[list[str]]


def _value(row: dict[str, str], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _split_authors(text: str | None, asysd: bool) -> list[str]:
    if not text:
        return []
    if asysd:  # ASySD's file joins "Adeli K.Lewis G. F." without a separator
        parts = re.split(r"(?<=\.)(?=[A-Z\u00c0-\u024f])", text)
    else:  # BibTeX: "Last, F and Last, F"
        parts = re.split(r"\s+and\s+", text)
    return [p.strip() for p in parts if p.strip()]


def load_set(name: str, root: Path = DEDUP_DATA) -> LabelledSet:
    """Read one labelled set into :class:`Record` objects (a small CSV loader).

    Column mapping: ``title``, ``author``, ``year``, ``journal`` (else ``booktitle``),
    ``volume``, ``number`` (else ``issue``) -> issue, ``pages``, ``doi``, ``abstract``,
    ``isbn`` (an ISSN in the ASySD file), ``ENTRYTYPE`` -> RIS type.  The respiratory
    file's ``number`` column holds EndNote record numbers (all different), not issues, so a
    ``number`` column whose values never repeat is not read.
    """
    folder, filename, encoding = SETS[name]
    path = root / folder / filename
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.DictReader(handle))
    asysd = name == "diabetes"
    numbers = [r.get("number") for r in rows if r.get("number")]
    number_is_record_id = len(numbers) > 100 and len(set(numbers)) == len(numbers)
    records: list[Record] = []
    ids: list[str] = []
    for line_no, row in enumerate(rows, start=1):
        ids.append(f"id_{int(row['record_id']):07d}" if asysd else row["ID"])
        year = _value(row, "year")
        issue = None if number_is_record_id else _value(row, "number")
        records.append(
            Record(
                title=_value(row, "title"),
                authors=_split_authors(_value(row, "author"), asysd),
                year=int(year) if year and year.isdigit() else None,
                journal=_value(row, "journal") or _value(row, "booktitle"),
                volume=_value(row, "volume"),
                issue=issue or _value(row, "issue"),
                pages=_value(row, "pages"),
                doi=_value(row, "doi"),
                issn=_value(row, "isbn") if asysd else None,
                isbn=None if asysd else _value(row, "isbn"),
                abstract=_value(row, "abstract"),
                type=_ENTRY_TYPES.get((_value(row, "ENTRYTYPE") or "article").lower(), "GEN"),
                provenance=Provenance(str(path), None, line_no),
            )
        )
    with (root / folder / "merged_record_ids.csv").open(encoding="utf-8", newline="") as handle:
        clusters = [row["merged_ids"].split(";") for row in csv.DictReader(handle)]
    return LabelledSet(name, records, ids, clusters)


def load_maybe_pairs(root: Path = DEDUP_DATA) -> list[tuple[str, str]]:
    """The pairs of the special-case set that must not be merged automatically."""
    path = root / "bibdedupe_special_cases" / "maybe_pairs.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        cases = {row["case"] for row in csv.DictReader(handle)}
    out = []
    for case in sorted(cases):
        a, b = case.split(";")
        out.append((a, b))
    return out


@dataclass
class Score:
    """Confusion counts under bib-dedupe's convention."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def sensitivity(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 1.0


def score(clusters: Sequence[Sequence[int]], truth: Sequence[Sequence[int]], n: int) -> Score:
    """Score predicted clusters (input indices; the first of each is retained)."""
    removed = {i for c in clusters for i in sorted(c)[1:]}
    in_truth: set[int] = set()
    tp = fp = tn = fn = 0
    for cluster in truth:
        in_truth.update(cluster)
        kept = [i for i in cluster if i not in removed]
        tp += len(cluster) - len(kept)
        if kept:
            tn += 1
            fn += len(kept) - 1
        else:
            fp += 1
    for i in range(n):
        if i not in in_truth:
            if i in removed:
                fp += 1
            else:
                tn += 1
    return Score(tp, fp, tn, fn)


def truth_indices(data: LabelledSet) -> list[list[int]]:
    index = {x: k for k, x in enumerate(data.ids)}
    return [[index[x] for x in cluster] for cluster in data.clusters]


def mixed_clusters(clusters: Sequence[Sequence[int]], truth: Sequence[Sequence[int]]) -> int:
    """Clusters that join records of two different true works.

    Stricter than the convention's false positives, which miss a merge of two true clusters
    when each keeps a record.
    """
    label = {m: k for k, cluster in enumerate(truth) for m in cluster}
    return sum(1 for c in clusters if len({label.get(m, -1 - m) for m in c}) > 1)


def run_set(data: LabelledSet) -> tuple[DedupResult, Score, float]:
    t0 = time.perf_counter()
    result = deduplicate(data.records)
    seconds = time.perf_counter() - t0
    return result, score(result.clusters, truth_indices(data), len(data.records)), seconds


# --------------------------------------------------------------------------- synthetic set

_STOP = frozenset(
    {"of", "the", "and", "in", "for", "on", "a", "an", "to", "with", "by", "at", "from"}
    | {"de", "la", "et", "der", "und"}
)
_WORD_RE = re.compile(r"[A-Za-z]+")


def _strip_diacritics(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip in a word of four letters or more (swap, drop, double, replace)."""
    words = [m for m in _WORD_RE.finditer(text) if len(m.group()) >= 4]
    if not words:
        return text
    m = rng.choice(words)
    w = m.group()
    k = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    elif kind == 1:
        w = w[:k] + w[k + 1 :]
    elif kind == 2:
        w = w[:k] + w[k] + w[k:]
    else:
        w = w[:k] + rng.choice("aeioulnrst") + w[k + 1 :]
    return text[: m.start()] + w + text[m.end() :]


def _vary_title(rng: random.Random, title: str) -> str:
    if rng.random() < 0.25:
        title = title.rstrip(".") if title.endswith(".") else title + "."
    r = rng.random()
    if r < 0.08:
        title = title.upper()
    elif r < 0.25:
        title = title.lower()
    elif r < 0.35:
        title = " ".join(w[:1].upper() + w[1:] for w in title.split())
    if rng.random() < 0.2:
        title = title.replace(": ", " - ") if ": " in title else title.replace(",", "")
    if rng.random() < 0.15:
        title = _typo(rng, title)
    if rng.random() < 0.1:
        title = _strip_diacritics(title)
    if rng.random() < 0.06:
        title = title.replace("&", "&amp;").replace(" and ", " &amp; ", 1)
    r = rng.random()
    if r < 0.05:
        title = f"[{title.rstrip('.')}]"
    elif r < 0.08:
        title = title.rstrip(".") + ". [Review]"
    elif r < 0.10:
        title = title.rstrip(".") + ". [German]"
    return title


def _author_forms(name: str) -> tuple[str, str]:
    """(surname, given) of a ``"Last, First M."``, ``"Last F. M."`` or ``"Last FM"`` name."""
    if "," in name:
        last, _, given = name.partition(",")
        return last.strip(), given.strip()
    parts = name.split()
    tail = len(parts)
    while tail > 1 and re.fullmatch(r"(?:[A-Z]\.?)+", parts[tail - 1]):
        tail -= 1
    return " ".join(parts[:tail]), " ".join(parts[tail:])


def _vary_authors(rng: random.Random, authors: list[str]) -> list[str]:
    if not authors:
        return []
    style = rng.randrange(5)
    out = []
    for name in authors:
        last, given = _author_forms(name)
        initials = "".join(p[0] for p in re.split(r"[\s.\-]+", given) if p)
        if style == 0:
            out.append(name)
        elif style == 1:
            out.append(f"{last}, {'. '.join(initials)}." if initials else last)
        elif style == 2:
            out.append(f"{last} {initials}".strip())
        elif style == 3:
            out.append(f"{'. '.join(initials)}. {last}" if initials else last)
        else:
            out.append(_strip_diacritics(name))
    if len(out) > 4 and rng.random() < 0.15:
        out = [*out[:3], "et al."]
    return out


def _abbreviate_journal(journal: str) -> str:
    journal = re.split(r"[.:;=(\[]", journal)[0]  # the title proper, not its subtitle
    words = [w for w in re.split(r"[\s&,]+", journal) if w]
    out = []
    for w in words:
        if w.lower() in _STOP:
            continue
        out.append(w if len(w) <= 4 else w[: max(3, len(w) // 2)])
    return " ".join(out) or journal


def _vary_pages(rng: random.Random, pages: str | None) -> str | None:
    if not pages:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*[-–]+\s*(\d+)\s*", pages)
    if not m:
        return pages
    first, last = m.group(1), m.group(2)
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    r = rng.random()
    if r < 0.3 and len(first) == len(last):
        k = 0
        while k < len(first) - 1 and first[k] == last[k]:
            k += 1
        return f"{first}-{last[k:]}"
    if r < 0.45:
        return f"{first}–{last}"
    if r < 0.55:
        return f"pp. {first}-{last}"
    if r < 0.62:
        return f"{first}--{last}"
    return f"{first}-{last}"


def _vary_doi(rng: random.Random, doi: str | None) -> str | None:
    if not doi:
        return None
    r = rng.random()
    if r < 0.2:
        return "https://doi.org/" + doi
    if r < 0.3:
        return "doi:" + doi.upper()
    if r < 0.4:
        return "http://dx.doi.org/" + doi
    return doi


def _copy(rng: random.Random, base: Record, provenance: Provenance) -> Record:
    """A record of the same work as it might come from another database."""
    drop = rng.random
    return Record(
        title=_vary_title(rng, base.title or ""),
        authors=_vary_authors(rng, base.authors),
        year=base.year,
        journal=(
            None
            if base.journal is None or drop() < 0.05
            else _abbreviate_journal(base.journal)
            if drop() < 0.3
            else base.journal
        ),
        volume=None if drop() < 0.1 else base.volume,
        issue=None if drop() < 0.25 else base.issue,
        pages=None if drop() < 0.08 else _vary_pages(rng, base.pages),
        doi=None if drop() < 0.3 else _vary_doi(rng, base.doi),
        abstract=None if drop() < 0.5 else base.abstract,
        type=base.type,
        provenance=provenance,
    )


def _new_work(
    rng: random.Random,
    template: Record,
    vocabulary: list[str],
    names: list[str],
    journals: list[str],
    serial: int,
) -> Record:
    """A different work shaped like ``template``: half its title words replaced, other
    authors, journal, year, volume, pages and DOI."""
    words = (template.title or "").split()
    while len(words) < 6:
        words.append(rng.choice(vocabulary))
    for k in rng.sample(range(len(words)), (len(words) + 1) // 2):
        words[k] = rng.choice(vocabulary)
    if rng.random() < 0.5:
        rng.shuffle(words)
    first = rng.randrange(1, 3000)
    return Record(
        title=" ".join(words),
        authors=rng.sample(names, rng.randrange(1, 7)),
        year=rng.randrange(1985, 2024),
        journal=rng.choice(journals),
        volume=str(rng.randrange(1, 400)),
        issue=str(rng.randrange(1, 13)) if rng.random() < 0.7 else None,
        pages=f"{first}-{first + rng.randrange(0, 16)}",
        doi=f"10.{rng.randrange(1000, 9999)}/synth.{serial}" if rng.random() < 0.5 else None,
        abstract=None,
        type=template.type,
    )


def synthetic_set(
    sets: Sequence[LabelledSet], n_records: int, seed: int
) -> tuple[list[Record], list[int]]:
    """``n_records`` records and their work labels (records with one label are duplicates)."""
    rng = random.Random(seed)
    bases: list[Record] = []
    for data in sets:
        index = {x: k for k, x in enumerate(data.ids)}
        clustered = {x for c in data.clusters for x in c}
        for cluster in data.clusters:
            bases.append(data.records[index[cluster[0]]])
        bases.extend(r for x, r in zip(data.ids, data.records, strict=True) if x not in clustered)
    # one base per distinct (title, year): the sets overlap a little and their labels are
    # not perfect, so records that look the same are used once
    seen: set[tuple[str, int | None]] = set()
    unique = []
    for b in bases:
        key = (re.sub(r"\W+", "", (b.title or "").casefold()), b.year)
        if b.title and b.authors and key not in seen:
            seen.add(key)
            unique.append(b)
    bases = unique
    vocabulary = sorted({w for b in bases for w in (b.title or "").split() if len(w) > 3})
    names = sorted({a for b in bases for a in b.authors})
    journals = sorted({b.journal for b in bases if b.journal})
    copies_choice = [1] * 60 + [2] * 25 + [3] * 10 + [4] * 5
    records: list[Record] = []
    labels: list[int] = []
    work = 0
    while len(records) < n_records:
        if work < len(bases):
            base = bases[work]
        else:
            base = _new_work(rng, rng.choice(bases), vocabulary, names, journals, work)
        for c in range(rng.choice(copies_choice)):
            provenance = Provenance("synthetic", None, len(records) + 1)
            if c == 0:
                records.append(
                    Record(**{**_fields(base), "provenance": provenance})  # type: ignore[arg-type]
                )
            else:
                records.append(_copy(rng, base, provenance))
            labels.append(work)
        work += 1
    order = list(range(len(records)))
    rng.shuffle(order)
    return [records[k] for k in order][:n_records], [labels[k] for k in order][:n_records]


def _fields(record: Record) -> dict[str, object]:
    return {
        name: getattr(record, name)
        for name in (
            "title",
            "authors",
            "year",
            "journal",
            "volume",
            "issue",
            "pages",
            "doi",
            "pmid",
            "issn",
            "isbn",
            "abstract",
            "keywords",
            "language",
            "type",
        )
    }


def score_labels(clusters: Sequence[Sequence[int]], labels: Sequence[int]) -> Score:
    groups: dict[int, list[int]] = {}
    for k, label in enumerate(labels):
        groups.setdefault(label, []).append(k)
    truth = [g for g in groups.values() if len(g) > 1]
    return score(clusters, truth, len(labels))


# --------------------------------------------------------------------------- main


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000, help="size of the synthetic set")
    ap.add_argument("--seed", type=int, default=20260501)
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not DEDUP_DATA.is_dir():
        print(f"reference data absent: {DEDUP_DATA} not found; nothing to benchmark")
        if args.json:
            print(json.dumps({"sets": {}, "synthetic_100k_seconds": None}))
        sys.exit(0)

    loaded = [load_set(name) for name in SETS]
    deduplicate(loaded[-1].records)  # warm-up: imports and caches
    print("Deduplication on the labelled sets (bib-dedupe scoring; 'maybe' counts as not merged;")
    print("false = false merges (FP), mixed = clusters joining two true works)")
    header = (
        f"{'set':<20}{'records':>8}{'sens':>8}{'spec':>8}{'false':>7}{'mixed':>7}{'maybe':>7}"
        f"{'rec/s':>9}   {'bib-dedupe sens/spec':>20}   ASySD (paper)"
    )
    print(header)
    print("-" * len(header))
    out_sets: dict[str, dict[str, float | int]] = {}
    for data in loaded:
        result, sc, seconds = run_set(data)
        rate = len(data.records) / seconds if seconds > 0 else float("inf")
        bd_sens, bd_spec = BIBDEDUPE[data.name]
        mixed = mixed_clusters(result.clusters, truth_indices(data))
        print(
            f"{data.name:<20}{len(data.records):>8,}{sc.sensitivity:>8.3f}{sc.specificity:>8.3f}"
            f"{sc.fp:>7}{mixed:>7}{len(result.maybe):>7}{rate:>9,.0f}   "
            f"{_fmt(bd_sens):>9} / {_fmt(bd_spec):<8}   {ASYSD_PAPER}"
        )
        out_sets[data.name] = {
            "records": len(data.records),
            "sensitivity": sc.sensitivity,
            "specificity": sc.specificity,
            "false_merges": sc.fp,
            "false_negatives": sc.fn,
            "mixed_clusters": mixed,
            "maybe_pairs": len(result.maybe),
            "records_per_s": rate,
        }
        if bd_sens is not None:
            out_sets[data.name]["bib_dedupe_sensitivity"] = bd_sens
        if data.name == "special_cases":
            index = {x: k for k, x in enumerate(data.ids)}
            owner = {m: k for k, c in enumerate(result.clusters) for m in c}
            merged = [(a, b) for a, b in load_maybe_pairs() if owner[index[a]] == owner[index[b]]]
            print(f"{'':<20}maybe_pairs.csv pairs merged automatically: {len(merged)}")
            out_sets[data.name]["maybe_pairs_merged"] = len(merged)

    synthetic_seconds: float | None = None
    synthetic: dict[str, float | int] = {}
    if not args.skip_synthetic:
        t0 = time.perf_counter()
        records, labels = synthetic_set(
            [d for d in loaded if d.name != "special_cases"], args.records, args.seed
        )
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = deduplicate(records)
        synthetic_seconds = time.perf_counter() - t0
        sc = score_labels(result.clusters, labels)
        works = len(set(labels))
        mixed = sum(1 for c in result.clusters if len({labels[m] for m in c}) > 1)
        print()
        print(
            f"Synthetic set: {len(records):,} records of {works:,} works "
            f"(seed {args.seed}, built in {built:.1f} s)"
        )
        print(
            f"  deduplicate: {synthetic_seconds:.1f} s ({len(records) / synthetic_seconds:,.0f} "
            f"records/s); sensitivity {sc.sensitivity:.4f}, specificity {sc.specificity:.4f}, "
            f"false merges {sc.fp}, mixed clusters {mixed}, maybe pairs {len(result.maybe):,}"
        )
        synthetic = {
            "records": len(records),
            "sensitivity": sc.sensitivity,
            "specificity": sc.specificity,
            "false_merges": sc.fp,
            "false_negatives": sc.fn,
            "mixed_clusters": mixed,
            "maybe_pairs": len(result.maybe),
            "records_per_s": len(records) / synthetic_seconds,
        }
    if args.json:
        summary = {
            "sets": out_sets,
            "synthetic": synthetic,
            "synthetic_100k_seconds": synthetic_seconds,
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
