"""What to compute (specs, presets) and immutable result objects."""

from metareview.analysis.api import compute, meta_analysis, study_effects
from metareview.analysis.data import COLUMNS, StudyTable, prepare
from metareview.analysis.result import (
    MetaAnalysisResult,
    PooledResult,
    StudyResult,
    SubgroupDifferences,
)
from metareview.analysis.spec import PRESETS, AnalysisSpec, Cochrane2025, Metafor, Preset, RevMan5

__all__ = [
    "COLUMNS",
    "PRESETS",
    "AnalysisSpec",
    "Cochrane2025",
    "MetaAnalysisResult",
    "Metafor",
    "PooledResult",
    "Preset",
    "RevMan5",
    "StudyResult",
    "StudyTable",
    "SubgroupDifferences",
    "compute",
    "meta_analysis",
    "prepare",
    "study_effects",
]
