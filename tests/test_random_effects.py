"""tau² estimators, t/HKSJ CIs, prediction intervals and Q-profile CIs: edge cases.

Closed forms used as references here are algebraic identities of the estimators'
definitions (statistics spec §11.1; metafor ``rma.uni`` source for HE, HS, SJ), derived
in the comments; parity with metafor itself is in ``test_metafor_reference.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats as sps

import metareview as mr
from metareview import stats
from metareview.exceptions import (
    ConvergenceWarning,
    IntervalNotAvailableWarning,
    SpecError,
)
from metareview.stats import tau2 as t2mod
from metareview.stats.tau2 import TAU2_METHODS, q_profile, tau2
from tests.tolerances import VALUE

ITERATIVE = {"rel": 1e-9, "abs": 1e-12}


def _one(y: list[float], v: list[float]) -> tuple[np.ndarray, np.ndarray, stats.Groups]:
    ya, va = np.array(y, dtype=float), np.array(v, dtype=float)
    return ya, va, stats.Groups.from_counts([ya.size])


def _pool(y: list[float], v: list[float], **kw: object) -> stats.Pooled:
    ya, va, g = _one(y, v)
    eff = stats.generic_inverse_variance(ya, np.sqrt(va))
    return stats.pool(eff, g, random=True, **kw)  # type: ignore[arg-type]


Y = [0.10, 0.52, -0.21, 0.83, 0.35, 0.05]


def test_equal_variances_closed_forms() -> None:
    # With v_i = v for all i and s² the sample variance of y: DL = HE = REML = PM = EB
    # = s² - v; ML = (k-1)s²/k - v; HS = (k-1)s²/k - v; SJ = t0 s²/(v + t0), t0 = (k-1)s²/k.
    v = 0.02
    y, va, g = _one(Y, [v] * len(Y))
    k = y.size
    s2 = float(np.var(y, ddof=1))
    expect = {
        "DL": s2 - v, "HE": s2 - v, "REML": s2 - v, "PM": s2 - v, "EB": s2 - v,
        "ML": (k - 1) * s2 / k - v, "HS": (k - 1) * s2 / k - v,
        "SJ": (k - 1) * s2 / k * s2 / (v + (k - 1) * s2 / k),
    }  # fmt: skip
    for method, value in expect.items():
        fit = tau2(y, va, g, method)
        assert fit.converged[0]
        assert fit.tau2[0] == pytest.approx(value, **ITERATIVE), method


@pytest.mark.parametrize("method", TAU2_METHODS)
def test_homogeneous_data_gives_zero(method: str) -> None:
    y, v, g = _one([0.3] * 5, [0.01, 0.04, 0.02, 0.09, 0.05])
    fit = tau2(y, v, g, method)
    assert fit.tau2[0] == 0.0 and fit.converged[0]
    low, high, ok = q_profile(y, v, g)
    assert low[0] == 0.0 and high[0] == 0.0 and ok[0]


def test_hksj_on_homogeneous_data_and_the_adhoc_variant() -> None:
    # identical estimates: the HKSJ scale factor is 0 so its CI has zero width; the ad hoc
    # variant falls back to the Wald SE (never narrower than Wald)
    v = [0.01, 0.04, 0.02, 0.09]
    hk = _pool([0.3] * 4, v, ci_method="hksj")
    adhoc = _pool([0.3] * 4, v, ci_method="hksj-adhoc")
    wald = _pool([0.3] * 4, v)
    assert hk.se[0] == 0.0
    assert adhoc.se[0] == pytest.approx(wald.se[0], rel=1e-15)
    assert adhoc.ci_high[0] - adhoc.ci_low[0] == pytest.approx(
        2 * sps.t.ppf(0.975, 3) * wald.se[0], rel=1e-12
    )


def test_k2_t_intervals_use_one_df() -> None:
    y, v = [0.1, 0.6], [0.02, 0.03]
    res = _pool(y, v, tau2_method="REML", ci_method="t", prediction="t-k1")
    t1 = sps.t.ppf(0.975, 1)  # 12.706...
    assert res.stat_df is not None and res.stat_df[0] == 1
    assert res.ci_high[0] - res.estimate[0] == pytest.approx(t1 * res.se[0], rel=1e-12)
    half = t1 * np.sqrt(res.tau2[0] + res.se[0] ** 2)
    assert res.pi_high is not None and res.pi_high[0] == pytest.approx(res.estimate[0] + half)
    assert res.p_z[0] == pytest.approx(2 * sps.t.sf(res.z[0], 1), rel=1e-12)
    # Higgins' t with k - 2 df has no interval for k = 2
    res2 = _pool(y, v, prediction="t-k2")
    assert res2.pi_low is not None and np.isnan(res2.pi_low[0])


def test_k2_prediction_warning_in_meta_analysis() -> None:
    data = {"study": ["A", "B"], "estimate": [0.1, 0.6], "se": [0.14, 0.17]}
    with pytest.warns(IntervalNotAvailableWarning, match="at least 3 studies"):
        res = mr.meta_analysis(data, data_type="giv", model="random", prediction="t-k2")
    assert np.isnan(res.overall.pi_low)
    assert "Not applicable" in res.summary()


def test_one_huge_study() -> None:
    # one study with a variance 1e-8: every estimator stays finite and converges, and the
    # pooled estimate is the 1/(v + tau²)-weighted mean (the huge study dominates only
    # while tau² is small compared with the others' variances)
    y = np.array([0.2, 0.9, -0.4, 0.7, 0.05])
    v = np.array([1e-8, 0.05, 0.08, 0.1, 0.04])
    for method in TAU2_METHODS:
        res = _pool(list(y), list(v), tau2_method=method)
        assert res.tau2_converged is None or res.tau2_converged[0]
        assert np.isfinite(res.tau2[0]) and res.tau2[0] >= 0
        w = 1 / (v + res.tau2[0])
        assert res.estimate[0] == pytest.approx((w * y).sum() / w.sum(), rel=1e-12), method
    fixed = stats.pool(stats.generic_inverse_variance(y, np.sqrt(v)), stats.Groups.from_counts([5]))
    assert fixed.estimate[0] == pytest.approx(0.2, abs=1e-6)


def test_prediction_interval_formulas() -> None:
    res = _pool(Y, [0.02, 0.05, 0.03, 0.08, 0.04, 0.06], tau2_method="REML", prediction="z")
    half = sps.norm.ppf(0.975) * np.sqrt(res.tau2[0] + res.se[0] ** 2)
    assert res.pi_low is not None
    assert res.pi_low[0] == pytest.approx(res.estimate[0] - half, rel=1e-12)
    res = _pool(Y, [0.02, 0.05, 0.03, 0.08, 0.04, 0.06], tau2_method="REML", prediction="t-k2")
    half = sps.t.ppf(0.975, 4) * np.sqrt(res.tau2[0] + res.se[0] ** 2)
    assert res.pi_high is not None
    assert res.pi_high[0] == pytest.approx(res.estimate[0] + half, rel=1e-12)


def test_q_profile_bounds_solve_the_q_equations() -> None:
    y, v, g = _one(Y, [0.02, 0.05, 0.03, 0.08, 0.04, 0.06])
    low, high, ok = q_profile(y, v, g, 0.95)
    assert ok[0] and 0 < low[0] < high[0]
    df = y.size - 1
    q_at = t2mod.generalised_q(y, v, g, np.array([low[0]]))
    assert q_at[0] == pytest.approx(sps.chi2.ppf(0.975, df), rel=1e-10)
    q_at = t2mod.generalised_q(y, v, g, np.array([high[0]]))
    assert q_at[0] == pytest.approx(sps.chi2.ppf(0.025, df), rel=1e-10)


def test_reml_and_ml_roots_are_maxima() -> None:
    # REML log-likelihood is maximal at the estimate (checked on a fine grid)
    y, v, g = _one(Y, [0.02, 0.05, 0.03, 0.08, 0.04, 0.06])

    def reml_ll(t: float) -> float:
        w = 1 / (v + t)
        mu = (w * y).sum() / w.sum()
        return float(-0.5 * (np.log(v + t).sum() + np.log(w.sum()) + (w * (y - mu) ** 2).sum()))

    best = tau2(y, v, g, "REML").tau2[0]
    grid = np.linspace(max(0, best - 0.05), best + 0.05, 2001)
    assert reml_ll(best) >= max(reml_ll(t) for t in grid) - 1e-12


def test_batch_equals_one_by_one() -> None:
    rng = np.random.default_rng(7)
    counts = rng.integers(2, 12, size=200)
    rows = int(counts.sum())
    y = rng.normal(0, 0.5, rows)
    v = rng.uniform(0.005, 0.5, rows)
    g = stats.Groups.from_counts(counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for method in TAU2_METHODS:
        batch = tau2(y, v, g, method)
        assert batch.converged.all()
        for j in (0, 17, 99, 199):
            sl = slice(starts[j], starts[j] + counts[j])
            one = tau2(y[sl], v[sl], stats.Groups.from_counts([counts[j]]), method)
            assert batch.tau2[j] == pytest.approx(one.tau2[0], rel=1e-9, abs=1e-14), method


def test_hard_random_analyses_all_converge() -> None:
    # extreme spreads of variances (1e-8 .. 1e2) and effects; every analysis converges
    rng = np.random.default_rng(11)
    n, k = 5000, 10
    v = 10.0 ** rng.uniform(-8, 2, n * k)
    y = rng.normal(0, 1, n * k) * np.sqrt(v + np.repeat(rng.choice([0, 0.1, 10], n), k))
    g = stats.Groups.from_counts(np.full(n, k))
    for method in ("REML", "ML", "PM"):
        fit = tau2(y, v, g, method)
        assert fit.converged.all(), method
        assert (fit.tau2 >= 0).all() and np.isfinite(fit.tau2).all()
    low, high, ok = q_profile(y, v, g)
    assert ok.all() and (low <= high).all()


def test_not_converging_is_a_named_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(t2mod, "MAXITER", 1)
    data = {"study": list("ABCDEF"), "estimate": Y, "se": [0.14, 0.22, 0.17, 0.28, 0.2, 0.24]}
    with pytest.warns(ConvergenceWarning, match="REML estimate of tau² .* did not converge"):
        res = mr.meta_analysis(data, data_type="giv", model="random", tau2_method="REML")
    assert not res.overall.converged


def test_presets_and_fixed_effect_errors() -> None:
    data = {"study": list("ABCDEF"), "estimate": Y, "se": [0.14, 0.22, 0.17, 0.28, 0.2, 0.24]}
    res = mr.meta_analysis(data, data_type="giv", model="random", preset=mr.Cochrane2025)
    o = res.overall
    assert res.spec.tau2_method == "REML" and res.spec.ci_method == "hksj"
    assert o.stat_df == 5 and np.isfinite(o.pi_low) and np.isfinite(o.tau2_ci_high)
    assert "Tau² (REML)" in res.summary() and "t = " in res.summary()
    # fixed effect ignores the preset's random-effects settings ...
    fixed = mr.meta_analysis(data, data_type="giv", model="fixed", preset=mr.Cochrane2025)
    assert fixed.spec.ci_method == "z" and fixed.overall.stat_df is None
    # ... but asking for them explicitly is an error
    with pytest.raises(SpecError, match="random-effects"):
        mr.meta_analysis(data, data_type="giv", model="fixed", ci_method="hksj")
    with pytest.raises(SpecError, match="tau2_method 'XX' is unknown"):
        mr.meta_analysis(data, data_type="giv", model="random", tau2_method="XX")


def test_revman5_default_unchanged_by_new_options() -> None:
    # DL with z: the RevMan 5 numbers do not depend on the new code paths
    data = {"study": list("ABCDEF"), "estimate": Y, "se": [0.14, 0.22, 0.17, 0.28, 0.2, 0.24]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = mr.meta_analysis(data, data_type="giv", model="random")
        b = mr.meta_analysis(data, data_type="giv", model="random", tau2_method="DL")
    assert a.overall.estimate == b.overall.estimate
    assert a.overall.i2 == pytest.approx(
        100 * a.overall.tau2 / (a.overall.tau2 + _s2(data)), **VALUE
    )


def _s2(data: dict[str, list]) -> float:
    w = 1 / np.array(data["se"]) ** 2
    return float((len(w) - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum()))


def test_single_study_t_based_falls_back_to_wald() -> None:
    # with one study no t-based CI exists: the Wald z result is reported (as metafor)
    res = _pool([0.3], [0.01], ci_method="hksj")
    assert res.stat_df is not None and np.isnan(res.stat_df[0])
    assert res.ci_low[0] == pytest.approx(0.3 - sps.norm.ppf(0.975) * 0.1, rel=1e-12)
    assert res.p_z[0] == pytest.approx(2 * sps.norm.sf(3.0), rel=1e-12)


def test_subgroup_test_uses_model_based_se_with_hksj() -> None:
    # single-study subgroups keep their place in the test for subgroup differences
    data = {
        "study": list("ABCDEF"), "estimate": Y, "se": [0.14, 0.22, 0.17, 0.28, 0.2, 0.24],
        "g": ["x", "x", "x", "y", "z", "z"],
    }  # fmt: skip
    tests = {
        cm: mr.meta_analysis(data, data_type="giv", model="random", tau2_method="REML",
                             ci_method=cm, subgroup="g", warn=False).subgroup_test
        for cm in ("z", "t", "hksj")
    }  # fmt: skip
    assert tests["z"] is not None and tests["z"].df == 2
    for cm in ("t", "hksj"):
        t = tests[cm]
        assert t is not None and t.df == 2 and t.q == pytest.approx(tests["z"].q, rel=1e-14)
