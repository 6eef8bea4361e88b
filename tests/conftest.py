"""Shared test helpers: where the reference data live, and skipping when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFDATA = SHARED / "refdata"
REVMAN = REFDATA / "revman"


@pytest.fixture(scope="session")
def revman_dir() -> Path:
    """``../shared/refdata/revman``; skips the test when the reference data are absent."""
    if not REVMAN.is_dir():
        pytest.skip(f"reference data absent: {REVMAN} not found (CI always has ../shared)")
    return REVMAN
