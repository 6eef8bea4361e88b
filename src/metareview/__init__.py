"""metareview: systematic reviews with meta-analysis, reproducible and RevMan-exact.

The top-level names are imported lazily so that ``import metareview`` (and the CLI) start
fast; numpy, scipy and pandas load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.4.1"

__all__ = [
    "AnalysisSpec",
    "Cochrane2025",
    "MetaAnalysisResult",
    "Metafor",
    "Preset",
    "RevMan5",
    "Review",
    "ReviewError",
    "__version__",
    "build",
    "load",
    "meta_analysis",
    "validate",
]

_LAZY = {
    "meta_analysis": "metareview.analysis",
    "AnalysisSpec": "metareview.analysis",
    "MetaAnalysisResult": "metareview.analysis",
    "Cochrane2025": "metareview.analysis",
    "Metafor": "metareview.analysis",
    "Preset": "metareview.analysis",
    "RevMan5": "metareview.analysis",
    "load": "metareview.review.store",
    "build": "metareview.review.build",
    "validate": "metareview.review.store",
    "Review": "metareview.review.model",
    "ReviewError": "metareview.exceptions",
}

if TYPE_CHECKING:
    from metareview.analysis import (
        AnalysisSpec,
        Cochrane2025,
        MetaAnalysisResult,
        Metafor,
        Preset,
        RevMan5,
        meta_analysis,
    )
    from metareview.exceptions import ReviewError
    from metareview.review.build import build
    from metareview.review.model import Review
    from metareview.review.store import load, validate


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'metareview' has no attribute {name!r}")
