"""Bibliographic records after import: deduplication across searches.

``from metareview.records import deduplicate`` is the entry point; see
:mod:`metareview.records.dedup` for the pipeline, :mod:`metareview.records.compare` for the
pair rules, :mod:`metareview.records.blocking` for the candidate pairs and
:mod:`metareview.records.normalize` for the field normalisers.  Importing this package is
cheap: rapidfuzz and numpy are imported when deduplication runs.
"""

from __future__ import annotations

from metareview.records.compare import PairDecision
from metareview.records.dedup import (
    DedupResult,
    MergedRecord,
    apply_decisions,
    deduplicate,
    merge_records,
)

__all__ = [
    "DedupResult",
    "MergedRecord",
    "PairDecision",
    "apply_decisions",
    "deduplicate",
    "merge_records",
]
