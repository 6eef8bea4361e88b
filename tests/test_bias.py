"""Small-study-effects tests, trim and fill and fail-safe N (``metareview.stats.bias``).

Parity with R metafor 3.8.1 (``regtest``, ``ranktest``, ``trimfill``, ``fsn``) and with
``lm()`` for Peters' and Harbord's tests on every dataset of
``tests/fixtures/metafor_reference.json`` (written by
``validation/metafor/make_reference_re.R``), plus hand-checked edge cases.

Tolerances: closed-form quantities (Egger, Begg, Peters, Harbord, fail-safe N, trim and
fill with FE or DL) rel 1e-10; trim and fill with REML rel 1e-6 (the reference passes
metafor's tightened ``control`` through ``trimfill()`` to its internal fits; with
metafor's default ``threshold = 1e-5`` its REML values are only good to about 1e-4).
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metareview.exceptions import FewStudiesWarning
from metareview.stats import bias

REF_PATH = Path(__file__).parent / "fixtures" / "metafor_reference.json"


def _load() -> tuple[dict[str, Any], str]:
    """The fixture, or an empty one plus the reason it could not be read."""
    if not REF_PATH.exists():
        return {}, ""
    try:
        return json.loads(REF_PATH.read_text()), ""
    except json.JSONDecodeError as exc:  # e.g. being regenerated right now
        return {}, f"{REF_PATH} is not valid JSON: {exc}"


REF, REF_ERROR = _load()
DATASETS: dict[str, Any] = REF.get("datasets", {})
BINARY = sorted(n for n, d in DATASETS.items() if "ai" in d and "peters" in d)

CLOSED = {"rel": 1e-10, "abs": 1e-13}
#: exact Kendall P values: R sums factorial-scaled counts and takes 1 - P for the upper
#: tail, so its small P values carry an absolute error of a few 1e-16
KENDALL = {"rel": 1e-10, "abs": 1e-14}
ITER = {"rel": 1e-6, "abs": 1e-10}

needs_ref = pytest.mark.skipif(not DATASETS, reason=f"{REF_PATH.name} not present")


def _yv(d: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(d["yi"], dtype=float), np.asarray(d["vi"], dtype=float)


def _failed(ref: dict[str, Any]) -> bool:
    return bool(ref.get("error"))


def _close(ours: float, ref: float | None, tol: dict[str, float], what: str) -> None:
    if ref is None:
        assert not math.isfinite(ours), f"{what}: R gives NA, we give {ours}"
        return
    assert ours == pytest.approx(ref, **tol), what


def _run(fn: Any, *args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewStudiesWarning)
        return fn(*args, **kw)


def test_reference_file_present() -> None:
    if not REF_PATH.exists():
        pytest.skip(f"{REF_PATH} not written yet (validation/metafor/make_reference_re.R)")
    assert not REF_ERROR, REF_ERROR
    assert REF["metafor_version"] == "3.8.1"
    assert len(BINARY) >= 10


# ----------------------------------------------------------------------------- metafor parity


@needs_ref
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_egger_matches_regtest(name: str) -> None:
    d = DATASETS[name]
    ref = d["regtest"]
    y, v = _yv(d)
    if y.size < 3 or _failed(ref) or ref["zval"] is None:
        with pytest.raises(ValueError, match="Egger"):
            _run(bias.egger, y, v)
        return
    r = _run(bias.egger, y, v)
    assert r.df == ref["dfs"] == y.size - 2
    _close(r.t, ref["zval"], CLOSED, "t")
    _close(r.p, ref["pval"], CLOSED, "p")
    _close(r.limit, ref["est"], CLOSED, "limit (est)")
    lo, hi = r.limit_ci(0.95)
    _close(lo, ref["ci_lb"], CLOSED, "ci_lb")
    _close(hi, ref["ci_ub"], CLOSED, "ci_ub")
    assert r.coef / r.se == pytest.approx(r.t, rel=1e-15)


@needs_ref
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_begg_matches_ranktest(name: str) -> None:
    d = DATASETS[name]
    ref = d["ranktest"]
    y, v = _yv(d)
    if y.size < 3:
        with pytest.raises(ValueError, match="Begg"):
            _run(bias.begg, y, v)
        return
    assert not _failed(ref)
    r = _run(bias.begg, y, v)
    _close(r.tau, ref["tau"], CLOSED, "tau")
    _close(r.p, ref["pval"], KENDALL, "p")
    # R warns exactly when it falls back to the normal approximation (ties)
    assert r.exact == (not ref.get("warning")), ref.get("warning")


def _trimfill_cases() -> list[Any]:
    cases = []
    for name in sorted(DATASETS):
        tf = DATASETS[name].get("trimfill", {})
        for model, by_est in tf.items():
            for key in by_est:
                cases.append(pytest.param(name, model, key, id=f"{name}-{model}-{key}"))
    return cases


@needs_ref
@pytest.mark.parametrize(("name", "model", "key"), _trimfill_cases())
def test_trim_and_fill_matches_metafor(name: str, model: str, key: str) -> None:
    d = DATASETS[name]
    ref = d["trimfill"][model][key]
    y, v = _yv(d)
    estimator, _, side = key.partition("_")
    kw: dict[str, Any] = {"estimator": estimator, "side": side or None}
    if model != "FE":
        kw.update(random=True, tau2_method=model)
    if _failed(ref):
        with pytest.raises((ValueError, RuntimeError)):
            _run(bias.trim_and_fill, y, v, **kw)
        return
    r = _run(bias.trim_and_fill, y, v, **kw)
    tol = ITER if model == "REML" else CLOSED
    assert r.k0 == ref["k0"]
    assert r.side == ref["side"]
    assert r.k == y.size + r.k0
    _close(r.se_k0, ref["se_k0"], CLOSED, "se_k0")
    _close(r.estimate, ref["estimate"], tol, "estimate")
    _close(r.se, ref["se"], tol, "se")
    _close(r.z, abs(ref["zval"]), tol, "z")
    _close(r.p, ref["pval"], tol, "p")
    _close(r.ci_low, ref["ci_lb"], tol, "ci_lb")
    _close(r.ci_high, ref["ci_ub"], tol, "ci_ub")
    assert r.tau2 == pytest.approx(ref["tau2"], rel=tol["rel"], abs=1e-10), "tau2"
    if r.k0:
        filled_y = np.atleast_1d(np.asarray(ref["filled_yi"], dtype=float))
        filled_v = np.atleast_1d(np.asarray(ref["filled_vi"], dtype=float))
        order, ref_order = np.lexsort((r.v_filled, r.y_filled)), np.lexsort((filled_v, filled_y))
        assert r.y_filled[order] == pytest.approx(filled_y[ref_order], **tol)
        assert r.v_filled[order] == pytest.approx(filled_v[ref_order], rel=1e-15)
    else:
        assert r.y_filled.size == r.v_filled.size == 0


def _fsn_ref(d: dict[str, Any], key: str) -> dict[str, Any]:
    fsn = {k.lower(): val for k, val in d["fsn"].items()}
    return dict(fsn[key])


@needs_ref
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_fail_safe_n_matches_fsn(name: str) -> None:
    d = DATASETS[name]
    y, v = _yv(d)
    ref = _fsn_ref(d, "rosenthal")
    r = _run(bias.fail_safe_n, y, v)
    assert r.fsnum == ref["fsnum"]
    assert r.alpha == ref["alpha"]
    _close(float(r.p or 0.0), ref["pval"], CLOSED, "p")
    ref = _fsn_ref(d, "orwin")
    r = _run(bias.fail_safe_n, y, v, kind="orwin")
    assert r.fsnum == ref["fsnum"] == y.size  # the default target is half the mean
    _close(float(r.target or 0.0), ref["target"], CLOSED, "target")
    if "meanes" in ref:
        _close(float(r.mean_effect or 0.0), ref["meanes"], CLOSED, "mean effect")
    if "orwin_target_0.1" in {k.lower() for k in d["fsn"]}:
        ref = _fsn_ref(d, "orwin_target_0.1")
        r = _run(bias.fail_safe_n, y, None, kind="orwin", target=0.1)
        assert r.fsnum == ref["fsnum"]
        _close(float(r.target or 0.0), ref["target"], CLOSED, "target")


def _cells(d: dict[str, Any]) -> tuple[np.ndarray, ...]:
    a, b, c, dd = (np.asarray(d[k], dtype=float) for k in ("ai", "bi", "ci", "di"))
    return a, a + b, c, c + dd


@needs_ref
@pytest.mark.parametrize("name", BINARY)
def test_peters_matches_lm(name: str) -> None:
    d = DATASETS[name]
    ref = d["peters"]
    y, _ = _yv(d)
    if _failed(ref) or ref["df"] is None or ref["df"] < 1:
        with pytest.raises(ValueError, match="Peters"):
            _run(bias.peters, *_cells(d), y)
        return
    r = _run(bias.peters, *_cells(d), y)
    assert r.df == ref["df"]
    _close(r.coef, ref["est"], CLOSED, "slope")
    _close(r.se, ref["se"], CLOSED, "se")
    _close(r.t, ref["tval"], CLOSED, "t")
    _close(r.p, ref["pval"], CLOSED, "p")


@needs_ref
@pytest.mark.parametrize("name", BINARY)
def test_harbord_matches_lm(name: str) -> None:
    d = DATASETS[name]
    ref = d["harbord"]
    if _failed(ref) or ref["df"] is None or ref["df"] < 1:
        with pytest.raises(ValueError, match="Harbord"):
            _run(bias.harbord, *_cells(d))
        return
    r = _run(bias.harbord, *_cells(d))
    assert r.df == ref["df"]
    if "rows" in ref:
        assert r.k == len(np.atleast_1d(ref["rows"]))
    _close(r.coef, ref["est"], CLOSED, "intercept")
    _close(r.se, ref["se"], CLOSED, "se")
    _close(r.t, ref["tval"], CLOSED, "t")
    _close(r.p, ref["pval"], CLOSED, "p")


# ----------------------------------------------------------------------------- hand checks

# dat.bcg (metadat): log risk ratios and variances, computed once with metafor::escalc
BCG_Y = np.array([
    -0.88931133392020545, -1.5853886572014306, -1.3480731482996933, -1.4415511900213054,
    -0.21754732221129558, -0.78611558581886398, -1.6208982235983918, 0.011952333523840508,
    -0.4694176487381494, -1.3713448034727844, -0.33935882833839059, 0.44591340057137874,
    -0.017313948216879815,
])  # fmt: skip
BCG_V = np.array([
    0.32558476500396133, 0.19458112139814385, 0.41536796536796539, 0.020010031902247573,
    0.051210172169630863, 0.0069056184559087574, 0.22301724757231517, 0.0039615792978177295,
    0.056434210463248966, 0.07302479361302891, 0.01241221397155972, 0.53250584520015276,
    0.071404659683986293,
])  # fmt: skip


def test_egger_equals_snd_on_precision_regression() -> None:
    """Egger's original form: OLS of y/se on 1/se; the intercept is the asymmetry coefficient."""
    se = np.sqrt(BCG_V)
    x = np.column_stack((np.ones(se.size), 1.0 / se))
    coef, *_ = np.linalg.lstsq(x, BCG_Y / se, rcond=None)
    resid = BCG_Y / se - x @ coef
    cov = resid @ resid / (se.size - 2) * np.linalg.inv(x.T @ x)
    r = _run(bias.egger, BCG_Y, BCG_V)
    assert r.coef == pytest.approx(coef[0], rel=1e-12)
    assert r.limit == pytest.approx(coef[1], rel=1e-12)
    assert r.se == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-12)
    assert r.limit_se == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-12)
    assert (r.test, r.k, r.df) == ("Egger", 13, 11)


def test_egger_bcg_rr_metafor_values() -> None:
    """regtest(rma(yi, vi, data=escalc("RR", ...dat.bcg), method="FE"), model="lm")."""
    r = _run(bias.egger, BCG_Y, BCG_V)
    assert r.t == pytest.approx(-1.4012820022893326, rel=1e-12)
    assert r.p == pytest.approx(0.18870699508197877, rel=1e-12)
    assert r.limit == pytest.approx(-0.19092864235982013, rel=1e-12)


def _brute_kendall_p(n: int, q: int) -> float:
    """Two-sided exact P of T = q concordant pairs by enumerating all n! permutations."""
    counts = [0] * (n * (n - 1) // 2 + 1)
    for perm in itertools.permutations(range(n)):
        counts[sum(perm[i] < perm[j] for i in range(n) for j in range(i + 1, n))] += 1
    total = math.factorial(n)
    low = sum(counts[: q + 1]) / total
    high = sum(counts[q:]) / total
    return min(1.0, 2.0 * min(low, high))


@pytest.mark.parametrize("n", [3, 4, 6, 7])
def test_kendall_exact_distribution(n: int) -> None:
    half = n * (n - 1) // 2
    for q in range(half + 1):
        ours = min(1.0, 2.0 * bias._kendall_lower_tail(min(q, half - q), n))
        assert ours == pytest.approx(_brute_kendall_p(n, q), rel=1e-13)


def test_begg_by_hand() -> None:
    y = np.array([0.1, 0.5, -0.2, 0.9, 0.3, 0.7])
    v = np.array([0.04, 0.09, 0.01, 0.25, 0.02, 0.16])
    w = 1 / v
    theta = (w * y).sum() / w.sum()
    ys = (y - theta) / np.sqrt(v - 1 / w.sum())
    conc = sum(
        np.sign(ys[i] - ys[j]) * np.sign(v[i] - v[j]) for i in range(6) for j in range(i + 1, 6)
    )
    r = _run(bias.begg, y, v)
    assert r.tau == pytest.approx(conc / 15.0, rel=1e-14)
    assert r.exact
    assert r.p == pytest.approx(_brute_kendall_p(6, round((conc + 15) / 2)), rel=1e-13)


def test_begg_exact_beyond_r_limit() -> None:
    """R's factorial-based exact P is NaN above 170 studies; ours stays exact and sane."""
    rng = np.random.default_rng(7)
    v = rng.uniform(0.01, 0.5, 200)
    y = rng.normal(0.1, np.sqrt(v + 0.05))
    r = _run(bias.begg, y, v)
    assert r.exact and 0.0 < r.p <= 1.0
    z = 3 * r.tau * math.sqrt(200 * 199) / math.sqrt(2 * (2 * 200 + 5))
    assert r.p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), abs=2e-3)


def test_fail_safe_n_by_hand() -> None:
    z = BCG_Y / np.sqrt(BCG_V)
    z_avg = abs(z.sum()) / math.sqrt(13)
    expected = 13 * (z_avg / 1.6448536269514722) ** 2 - 13
    r = _run(bias.fail_safe_n, BCG_Y, BCG_V)
    assert r.fsnum == math.ceil(expected)
    assert r.p == pytest.approx(0.5 * math.erfc(z_avg / math.sqrt(2)), rel=1e-12)
    r = _run(bias.fail_safe_n, BCG_Y, None, kind="Orwin", target=0.0)
    assert r.fsnum == math.inf
    r = _run(bias.fail_safe_n, BCG_Y, None, kind="orwin", target=0.2)  # sign follows the mean
    assert r.target == -0.2
    assert r.fsnum == math.ceil(13 * (BCG_Y.mean() + 0.2) / -0.2)
    with pytest.raises(ValueError, match="variances"):
        bias.fail_safe_n(BCG_Y, None)
    with pytest.raises(ValueError, match="kind"):
        bias.fail_safe_n(BCG_Y, BCG_V, kind="rosenberg")


def test_harbord_leaves_out_rows_without_information() -> None:
    a = np.array([5, 0, 12, 3, 8, 20, 1, 0, 7, 15, 4])
    n1 = np.array([50, 30, 100, 40, 60, 150, 20, 25, 70, 120, 45])
    c = np.array([9, 0, 15, 6, 10, 30, 3, 0, 9, 22, 8])
    n2 = np.array([50, 30, 100, 40, 60, 150, 20, 0, 70, 120, 45])
    full = _run(bias.harbord, a, n1, c, n2)
    keep = np.array([True, False, True, True, True, True, True, False, True, True, True])
    sub = _run(bias.harbord, a[keep], n1[keep], c[keep], n2[keep])
    assert full.k == sub.k == 9
    assert full.coef == sub.coef
    assert full.p == sub.p
    # by hand on the kept rows
    aa, bb, cc, dd = a[keep], (n1 - a)[keep], c[keep], (n2 - c)[keep]
    nn = aa + bb + cc + dd
    zz = aa - (aa + bb) * (aa + cc) / nn
    vv = (aa + bb) * (cc + dd) * (aa + cc) * (bb + dd) / (nn**2 * (nn - 1.0))
    x = np.column_stack((np.ones(9), np.sqrt(vv)))
    coef, *_ = np.linalg.lstsq(x, zz / np.sqrt(vv), rcond=None)
    assert full.coef == pytest.approx(coef[0], rel=1e-12)
    assert full.limit == pytest.approx(coef[1], rel=1e-12)


def test_peters_leaves_out_rows_with_zero_weight() -> None:
    a = np.array([5.0, 0, 12, 3, 8, 20, 1, 7, 15, 4])
    n1 = np.array([50.0, 30, 100, 40, 60, 150, 20, 70, 120, 45])
    c = np.array([9.0, 0, 15, 6, 10, 30, 3, 9, 22, 8])
    n2 = np.array([50.0, 35, 110, 40, 65, 150, 25, 70, 125, 40])
    y = np.log((a + 0.5) * (n2 - c + 0.5) / ((n1 - a + 0.5) * (c + 0.5)))
    r = _run(bias.peters, a, n1, c, n2, y)
    keep = np.arange(10) != 1
    sub = _run(bias.peters, a[keep], n1[keep], c[keep], n2[keep], y[keep])
    assert r.k == sub.k == 9
    assert r.df == 7
    assert r.coef == pytest.approx(sub.coef, rel=1e-14)
    assert r.test == "Peters"


# ----------------------------------------------------------------------------- edge cases


def test_few_studies_warn_and_name_the_test() -> None:
    y, v = BCG_Y[:5], BCG_V[:5]
    for fn, label in (
        (bias.egger, "Egger"),
        (bias.begg, "Begg"),
        (bias.trim_and_fill, "Trim and fill"),
        (bias.fail_safe_n, "fail-safe N"),
    ):
        with pytest.warns(FewStudiesWarning, match=rf"{label}.*k = 5.*13\.3\.5\.4"):
            fn(y, v)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewStudiesWarning)
        bias.egger(BCG_Y[:10], BCG_V[:10])  # k = 10: no warning


def test_k3_works_and_k2_is_an_error() -> None:
    y, v = BCG_Y[:3], BCG_V[:3]
    r = _run(bias.egger, y, v)
    assert r.df == 1 and math.isfinite(r.p)
    assert math.isfinite(_run(bias.begg, y, v).p)
    assert _run(bias.trim_and_fill, y, v).k0 >= 0
    for fn in (bias.egger, bias.begg):
        with pytest.raises(ValueError, match="at least 3 studies, got k = 2"):
            _run(fn, BCG_Y[:2], BCG_V[:2])
    # trim and fill runs on 2 studies as metafor does (fixed effect or a given side) ...
    assert _run(bias.trim_and_fill, BCG_Y[:2], BCG_V[:2]).k0 >= 0
    assert _run(bias.trim_and_fill, BCG_Y[:2], BCG_V[:2], random=True, side="left").k0 >= 0
    # ... but cannot choose the side of a random-effects analysis, nor run on 1 study
    with pytest.raises(ValueError, match="at least 3 studies to choose the side"):
        _run(bias.trim_and_fill, BCG_Y[:2], BCG_V[:2], random=True)
    with pytest.raises(ValueError, match="at least 2 studies, got k = 1"):
        _run(bias.trim_and_fill, BCG_Y[:1], BCG_V[:1])


def test_equal_variances() -> None:
    """Egger's regression on a constant SE is not defined: a ValueError, never NaN."""
    y = np.array([0.1, 0.4, -0.2, 0.3, 0.25, 0.0, 0.5, 0.2, 0.15, 0.35])
    v = np.full(10, 0.04)
    with pytest.raises(ValueError, match="same in every study"):
        bias.egger(y, v)
    r = bias.begg(y, v)  # Kendall's tau with a constant variable is undefined (R: NA)
    assert math.isnan(r.tau) and math.isnan(r.p)
    with pytest.raises(ValueError, match="cannot choose the side"):
        bias.trim_and_fill(y, v)  # metafor fails too (NA slope)
    tf = bias.trim_and_fill(y, v, side="left")  # with the side given it is fine
    assert tf.k0 >= 0 and math.isfinite(tf.estimate)


def test_symmetric_funnel_fills_nothing() -> None:
    v = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.15])
    dev = np.array([0.05, -0.1, 0.2, -0.3, 0.4, -0.5, -0.05, 0.1, -0.2, 0.3, -0.4, 0.5, 0.0])
    y = 0.3 + dev
    for estimator in ("L0", "R0"):
        for random in (False, True):
            r = bias.trim_and_fill(y, v, estimator=estimator, random=random)
            assert r.k0 == 0
            assert r.y_filled.size == 0
            assert r.estimate == pytest.approx(0.3, rel=1e-12)
    assert bias.trim_and_fill(y, v, estimator="R0").p_k0 == 0.5


def test_tau2_zero_random_equals_fixed() -> None:
    """Homogeneous data (DL tau² = 0): random-effects trim and fill equals fixed-effect."""
    v = np.array([0.01, 0.02, 0.04, 0.08, 0.12, 0.16, 0.2, 0.3, 0.4, 0.5, 0.6])
    y = 0.2 + np.array([0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4]) * 0.5
    fe = bias.trim_and_fill(y, v)
    re = bias.trim_and_fill(y, v, random=True)
    assert re.tau2 == 0.0
    assert fe.k0 == re.k0 > 0
    assert fe.side == re.side == "left"
    assert re.estimate == pytest.approx(fe.estimate, rel=1e-14)
    assert re.se == pytest.approx(fe.se, rel=1e-14)
    np.testing.assert_allclose(re.y_filled, fe.y_filled, rtol=1e-14)


def test_mirrored_data_flip_the_side() -> None:
    left = _run(bias.trim_and_fill, BCG_Y, BCG_V)
    right = _run(bias.trim_and_fill, -BCG_Y, BCG_V)
    assert {left.side, right.side} == {"left", "right"}
    assert left.k0 == right.k0
    assert left.estimate == pytest.approx(-right.estimate, rel=1e-13)
    np.testing.assert_allclose(np.sort(left.y_filled), np.sort(-right.y_filled), rtol=1e-13)


def test_filled_studies_mirror_about_trimmed_estimate() -> None:
    r = _run(bias.trim_and_fill, BCG_Y, BCG_V, side="right")
    assert r.k0 > 0
    # every filled study is the mirror image 2θ - y of an observed one with the same variance
    obs = {round(float(vv), 15): float(yy) for yy, vv in zip(BCG_Y, BCG_V, strict=True)}
    thetas = {round(float(yf + obs[round(float(vf), 15)]) / 2, 10) for yf, vf in
              zip(r.y_filled, r.v_filled, strict=True)}  # fmt: skip
    assert len(thetas) == 1
    assert r.k == 13 + r.k0


def test_bad_rows_are_named() -> None:
    y = BCG_Y.copy()
    y[2] = np.nan
    with pytest.raises(ValueError, match=r"row 3.*y"):
        bias.egger(y, BCG_V)
    v = BCG_V.copy()
    v[4] = 0.0
    with pytest.raises(ValueError, match=r"row 5.*v must be positive"):
        bias.begg(BCG_Y, v)
    v[4] = np.inf
    with pytest.raises(ValueError, match="row 5"):
        bias.trim_and_fill(BCG_Y, v)
    with pytest.raises(ValueError, match="lengths"):
        bias.egger(BCG_Y, BCG_V[:-1])
    with pytest.raises(ValueError, match=r"row 2.*events_exp .* exceeds n_exp"):
        bias.harbord([1, 9, 3], [5, 5, 5], [1, 1, 1], [5, 5, 5])


def test_trim_and_fill_options_are_checked() -> None:
    with pytest.raises(ValueError, match="estimator"):
        bias.trim_and_fill(BCG_Y, BCG_V, estimator="L1")
    with pytest.raises(ValueError, match="side"):
        bias.trim_and_fill(BCG_Y, BCG_V, side="up")
    with pytest.raises(ValueError, match="tau"):
        bias.trim_and_fill(BCG_Y, BCG_V, random=True, tau2_method="XX")


@pytest.mark.parametrize("method", ["DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS"])
def test_trim_and_fill_every_tau2_estimator_runs(method: str) -> None:
    r = _run(bias.trim_and_fill, BCG_Y, BCG_V, random=True, tau2_method=method)
    assert r.side in ("left", "right")
    assert r.pooled.tau2_method == method
    assert math.isfinite(r.estimate) and r.tau2 >= 0
