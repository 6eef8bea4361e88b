"""Visual regression of figures: render to PNG and compare with a reviewed reference.

Regenerate references with ``METAREVIEW_REGENERATE_FIGURES=1 python -m pytest <test file>``
and look at every changed PNG before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

REGENERATE = os.environ.get("METAREVIEW_REGENERATE_FIGURES") == "1"
#: mean absolute pixel difference (0-255) tolerated between a render and its reference
MAX_MEAN_DIFF = 2.0


def assert_matches_reference(data: bytes, ref: Path, max_mean_diff: float = MAX_MEAN_DIFF) -> None:
    """Compare PNG ``data`` with the reference file (or write it when regenerating)."""
    import matplotlib.image as mpimg

    if REGENERATE:
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_bytes(data)
        return
    if not ref.exists():
        pytest.fail(f"{ref} missing: run with METAREVIEW_REGENERATE_FIGURES=1 to create it")
    new = mpimg.imread(io.BytesIO(data), format="png")[..., :3]
    old = mpimg.imread(ref)[..., :3]
    assert new.shape == old.shape, f"{ref.name}: size {new.shape} != reference {old.shape}"
    diff = float(np.mean(np.abs(new.astype(float) - old.astype(float)))) * 255
    assert diff < max_mean_diff, f"{ref.name}: mean pixel difference {diff:.2f} (0-255)"
