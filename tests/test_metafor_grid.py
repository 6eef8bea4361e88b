"""Completeness of the metafor reference grid (tests/fixtures/metafor_reference.json).

The fixture is produced by validation/metafor/make_reference_re.R.  These tests do not
compare numbers; they only guard the shape of the grid so that a regenerated fixture cannot
silently lose datasets, estimators or sections that the parity tests rely on.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "metafor_reference.json"

ESTIMATORS = ("DL", "REML", "ML", "PM", "SJ", "HE", "HS", "EB", "DLIT", "SJIT")
SECTIONS: dict[str, tuple[str, ...]] = {
    "influence": ("DL", "REML"),
    "leave1out": ("FE", "DL", "REML"),
    "cumul": ("DL", "REML"),
    "baujat": ("FE", "DL"),
    "trimfill": ("FE", "DL", "REML"),
}
TRIMFILL_VARIANTS = ("L0", "R0")
CATEGORIES = {"binary", "continuous", "correlation", "proportion"}
RANDOM_ESTIMATORS = ("DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS")


@cache
def _load() -> dict[str, Any]:
    with FIXTURE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    return _load()


@pytest.fixture(scope="module")
def datasets(reference: dict[str, Any]) -> dict[str, Any]:
    ds: dict[str, Any] = reference["datasets"]
    return ds


def test_header(reference: dict[str, Any]) -> None:
    assert reference["metafor_version"] == "3.8.1"
    assert reference["r_version"].startswith("R version 4")


def test_enough_datasets(datasets: dict[str, Any]) -> None:
    assert len(datasets) >= 25
    # "metadat::dat.bcg rows 1:2; escalc RR" -> "metadat::dat.bcg"
    sources = {ds["source"].split(";")[0].split(" ")[0] for ds in datasets.values()}
    assert all(src.startswith("metadat::dat.") for src in sources)
    assert len(sources) >= 25


def test_categories_present(datasets: dict[str, Any]) -> None:
    present = {ds["category"] for ds in datasets.values()}
    assert present >= CATEGORIES


def test_k_range(datasets: dict[str, Any]) -> None:
    ks = [ds["k"] for ds in datasets.values()]
    assert min(ks) == 2
    assert 3 in ks
    assert max(ks) >= 70


def test_arrays_match_k(datasets: dict[str, Any]) -> None:
    for name, ds in datasets.items():
        k = ds["k"]
        assert len(ds["yi"]) == k, name
        assert len(ds["vi"]) == k, name
        if ds["category"] == "binary":
            for cell in ("ai", "bi", "ci", "di", "ni"):
                assert len(ds[cell]) == k, (name, cell)
        if "order" in ds:
            assert sorted(ds["order"]) == list(range(1, k + 1)), name


def test_boundary_datasets(datasets: dict[str, Any]) -> None:
    zero = [name for name, ds in datasets.items() if ds["fits"]["REML"]["tau2"] == 0]
    assert len(zero) >= 2, zero


def test_every_estimator_fitted(datasets: dict[str, Any]) -> None:
    for name, ds in datasets.items():
        fits = ds["fits"]
        for est in ESTIMATORS:
            assert est in fits, (name, est)
            fit = fits[est]
            for key in ("tau2", "estimate", "se", "converged", "warning", "error"):
                assert key in fit, (name, est, key)
            if fit["converged"]:
                for key in ("qprofile", "knha", "t", "adhoc", "pi_z", "pi_t_k2"):
                    assert key in fit, (name, est, key)
        assert "estimate" in ds["fe"], name


def test_every_section_complete(datasets: dict[str, Any]) -> None:
    for name, ds in datasets.items():
        for section, models in SECTIONS.items():
            for model in models:
                assert model in ds[section], (name, section, model)
        for model in SECTIONS["trimfill"]:
            for variant in TRIMFILL_VARIANTS:
                assert variant in ds["trimfill"][model], (name, model, variant)
        assert "L0_left" in ds["trimfill"]["FE"], name
        assert "L0_right" in ds["trimfill"]["FE"], name
        for section in ("regtest", "regtest_rma", "ranktest", "fsn"):
            assert section in ds, (name, section)
        if ds["category"] == "binary":
            assert "peters" in ds, name
            assert "harbord" in ds, name


def test_metaregression_grid(datasets: dict[str, Any]) -> None:
    with_mods = [ds for ds in datasets.values() if "metareg" in ds]
    assert len(with_mods) >= 3
    for ds in with_mods:
        assert ds["mods"]
        for model in ds["metareg"].values():
            for est in ("REML", "ML", "DL", "PM", "EB", "SJ", "HE", "HS"):
                assert est in model
        assert "subgroup_common_tau2" in ds


def test_random_grid(reference: dict[str, Any]) -> None:
    random = reference["random"]
    grid = [r for r in random if r["kind"] == "grid"]
    bench = [r for r in random if r["kind"] == "bench"]
    assert len(grid) >= 200
    assert len(bench) >= 300
    assert sum(1 for r in grid if r["hard"] is not None) >= 20
    for r in grid:
        assert len(r["yi"]) == r["k"] == len(r["vi"])
        for est in RANDOM_ESTIMATORS:
            assert est in r["fits"]
        assert "tau2_tight" in r["fits"]["REML"]
        assert "qprofile" in r["fits"]["REML"]
    for r in bench:
        assert r["k"] == 10
        assert "REML" in r["fits"]
