"""Fleiss (1993) examples against RevMan 5's own results (fixtures/fleiss1993.py).

These run without ../shared: the numbers were copied from RevMan's files.
"""

from __future__ import annotations

import pytest

import metareview as mr
from tests.fixtures.fleiss1993 import (
    ASPIRIN,
    ASPIRIN_REVMAN,
    MENTAL_HEALTH,
    MENTAL_HEALTH_REVMAN,
)
from tests.tolerances import CSV8, P_CHI2, P_NORMAL, VALUE


def approx(x: float, tol: dict[str, float]) -> object:
    return pytest.approx(x, rel=tol["rel"], abs=tol["abs"])


def test_aspirin_mh_or_fixed_matches_revman() -> None:
    # Fleiss1993.rm5 CMP-001.01: M-H, Fixed, odds ratio
    res = mr.meta_analysis(ASPIRIN, data_type="dich", measure="OR", method="MH", model="fixed")
    ref = ASPIRIN_REVMAN
    o = res.overall
    assert o.estimate == approx(ref["effect_size"], VALUE)
    assert o.ci_low == approx(ref["ci_start"], VALUE)
    assert o.ci_high == approx(ref["ci_end"], VALUE)
    assert o.q == approx(ref["chi2"], VALUE)
    assert o.df == ref["df"]
    assert o.i2 == approx(ref["i2"], VALUE)
    assert o.z == approx(ref["z"], VALUE)
    assert o.p == approx(ref["p_z"], P_NORMAL)
    assert o.p_q == approx(ref["p_chi2"], P_CHI2)
    assert o.tau2 == 0.0
    for row, eff, se, w in zip(
        res.studies, ref["row_effect"], ref["row_se"], ref["row_weight"], strict=True
    ):
        assert row.estimate == approx(eff, VALUE)
        assert row.se == approx(se, VALUE)
        assert row.weight == approx(w, VALUE)
    assert (o.events_exp, o.n_exp, o.events_ctrl, o.n_ctrl) == (2128, 14186, 2286, 13817)


def test_aspirin_summary_uses_revman_wording() -> None:
    res = mr.meta_analysis(ASPIRIN, data_type="dich", measure="OR", model="fixed")
    lines = res.summary_lines()
    assert "Heterogeneity: Chi² = 9.95, df = 6 (P = 0.13); I² = 40%" in lines[1]
    assert "Test for overall effect: Z = 3.29 (P = 0.001)" in lines[2]
    assert lines[0] == "Total: 0.90 [0.84, 0.96]"
    assert res.spec.method_label == "M-H, Fixed, 95% CI"


def test_mental_health_md_fixed_matches_revman_csv_export() -> None:
    # Fleiss1993_CR.csv outcome 1.2: IV, Fixed, mean difference (8 decimals in the CSV)
    res = mr.meta_analysis(MENTAL_HEALTH, data_type="cont", measure="MD", model="fixed")
    ref = MENTAL_HEALTH_REVMAN
    o = res.overall
    for ours, theirs in [
        (o.estimate, ref["effect_size"]), (o.ci_low, ref["ci_start"]),
        (o.ci_high, ref["ci_end"]), (o.q, ref["chi2"]), (o.i2, ref["i2"]), (o.z, ref["z"]),
    ]:  # fmt: skip
        assert ours == approx(theirs, CSV8)
    # RevMan's own P values are less accurate than its other numbers (spec §10):
    # its chi-square tail 0.22600895 vs the exact 0.2260088925...
    assert o.p == approx(ref["p_z"], {"rel": P_NORMAL["rel"], "abs": CSV8["abs"]})
    assert o.p_q == approx(ref["p_chi2"], P_CHI2)
    assert o.df == 4
    for row, se, w in zip(res.studies, ref["row_se"], ref["row_weight"], strict=True):
        assert row.se == approx(se, CSV8)
        assert row.weight == approx(w, CSV8)


def test_result_renderings() -> None:
    import json

    data = dict(ASPIRIN, study=["<MRC-1>", *ASPIRIN["study"][1:]])
    res = mr.meta_analysis(data, data_type="dich", measure="OR", model="random")
    html = res._repr_html_()
    assert "&lt;MRC-1&gt;" in html and "<MRC-1>" not in html
    assert "Test for overall effect" in html
    frame = res.to_frame()
    assert frame["row_type"].tolist() == ["study"] * 7 + ["total"]
    assert frame["estimate"].iloc[-1] == pytest.approx(res.overall.estimate)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["overall"]["k"] == 7 and len(d["studies"]) == 7
    with pytest.raises(AttributeError):
        res.overall.estimate = 1.0  # type: ignore[misc]
