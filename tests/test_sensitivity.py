"""Leave-one-out, cumulative, influence and Baujat diagnostics (``metareview.stats.sensitivity``).

Reference values: ``tests/fixtures/metafor_reference.json`` (R metafor 3.8-1, made by
``validation/metafor/make_reference_re.R``; 17 significant digits, null for NA), sections
``leave1out``, ``cumul``, ``influence`` and ``baujat`` of every dataset.  Closed-form fits
(FE, DL) must agree to rel 1e-10; REML ones (metafor iterated to a change below 1e-12) to
rel 1e-6, with a small absolute margin for tau² at the boundary (metafor stops at a tiny
positive tau² where the root is 0).  REML refits that metafor could not fit (its ``try()``
leaves NA) are not compared.  Among the cumulative REML fits are some whose likelihood
rises from tau² = 0 after an initial dip (lau1992_OR steps 21-27, anand1999_OR step 4):
metafor's interior maximum is the right answer there, not the boundary.  The edge cases
need no fixture.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from metareview.stats import Groups, StudyEffects, dichotomous, generic_inverse_variance, pool
from metareview.stats import sensitivity as sens
from metareview.stats.sensitivity import baujat, cumulative, influence, leave_one_out

FIXTURE = Path(__file__).parent / "fixtures" / "metafor_reference.json"
# absent, or still being written (empty): the metafor comparisons are skipped
_HAVE_FIXTURE = FIXTURE.is_file() and FIXTURE.stat().st_size > 0
DATASETS: dict[str, Any] = json.loads(FIXTURE.read_text())["datasets"] if _HAVE_FIXTURE else {}
NAMES = sorted(DATASETS)

#: metafor field -> attribute of LeaveOneOut / Cumulative
FIT_FIELDS = {
    "estimate": "estimate", "se": "se", "zval": "z", "pval": "p", "ci_lb": "ci_low",
    "ci_ub": "ci_high", "Q": "q", "Qp": "p_q", "tau2": "tau2", "I2": "i2", "H2": "h2",
}  # fmt: skip
INFL_FIELDS = {
    "rstudent": "rstudent", "dffits": "dffits", "cook_d": "cook_d", "cov_r": "cov_r",
    "tau2_del": "tau2_del", "QE_del": "q_del", "hat": "hat", "weight": "weight", "dfbs": "dfbs",
}  # fmt: skip


def _arr(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _effects(ds: dict[str, Any]) -> StudyEffects:
    return generic_inverse_variance(_arr(ds["yi"]), np.sqrt(_arr(ds["vi"])))


def _options(model: str) -> dict[str, Any]:
    if model == "FE":
        return {"random": False}
    return {"random": True, "tau2_method": model}


def _tol(model: str, field: str) -> dict[str, float]:
    """Tolerance for one metafor quantity."""
    if model == "REML":
        # tau² (and I², H² from it) can sit at the boundary, where metafor's Fisher scoring
        # stops at a tiny positive value (~1e-13) and the exact root is 0
        if field in ("tau2", "tau2_del"):
            return {"rel": 1e-6, "abs": 1e-10}
        if field in ("I2",):
            return {"rel": 1e-6, "abs": 1e-6}
        return {"rel": 1e-6, "abs": 1e-10}
    return {"rel": 1e-10, "abs": 1e-13}


def _section(ds: dict[str, Any], name: str, model: str) -> dict[str, Any]:
    sec = ds.get(name, {}).get(model)
    if sec is None:
        pytest.skip(f"no metafor {name} section for {model}")
    if sec.get("error") is not None:
        pytest.skip(f"metafor {name}({model}) failed: {sec['error']}")
    return dict(sec)


def _compare(
    ours: np.ndarray, ref: Any, tol: dict[str, float], what: str, failed: Any = None
) -> None:
    """``ours`` against metafor's values; entries where metafor's refit ``failed`` are skipped."""
    expected = _arr(ref)
    assert ours.shape == expected.shape, what
    if failed is not None:
        ours = np.where(failed, np.nan, ours)
    assert ours == pytest.approx(expected, nan_ok=True, **tol), what


def _failed_refits(model: str, ref: dict[str, Any], marker: str) -> np.ndarray | None:
    """REML refits that metafor could not fit (Fisher scoring did not converge).

    ``leave1out``/``cumul``/``influence`` wrap each refit in ``try()`` and leave NA where
    it fails; our solver converges there (see
    :func:`test_refit_where_metafor_fisher_scoring_fails`), so those entries are skipped.
    """
    if model != "REML":
        return None
    return np.isnan(_arr(ref[marker]))


def _usable(name: str) -> dict[str, Any]:
    ds = DATASETS[name]
    vi = _arr(ds["vi"])
    if not (np.all(np.isfinite(vi)) and np.all(vi > 0)):
        pytest.skip("non-positive sampling variances (not estimable here, kept by metafor)")
    return dict(ds)


# --- agreement with metafor --------------------------------------------------------------


@pytest.mark.parametrize("model", ["FE", "DL", "REML"])
@pytest.mark.parametrize("name", NAMES)
def test_leave_one_out_matches_metafor(name: str, model: str) -> None:
    ds = _usable(name)
    ref = _section(ds, "leave1out", model)
    res = leave_one_out(_effects(ds), **_options(model))
    assert np.array_equal(res.omitted, np.arange(ds["k"]))
    assert np.array_equal(res.k, np.full(ds["k"], ds["k"] - 1))
    for field, attr in FIT_FIELDS.items():
        if ref.get(field) is None or not isinstance(ref[field], list):  # FE: no tau2
            continue
        _compare(
            getattr(res, attr), ref[field], _tol(model, field), f"{name} {model} {field}",
            _failed_refits(model, ref, "estimate"),
        )  # fmt: skip


@pytest.mark.parametrize("model", ["DL", "REML"])
@pytest.mark.parametrize("name", NAMES)
def test_cumulative_matches_metafor(name: str, model: str) -> None:
    ds = _usable(name)
    ref = _section(ds, "cumul", model)
    order = np.asarray(ds["order"], dtype=np.intp) - 1 if ds.get("order") else None
    res = cumulative(_effects(ds), order=order, **_options(model))
    if order is not None:
        assert np.array_equal(res.added, order)
    assert np.array_equal(res.k, np.arange(1, ds["k"] + 1))
    for field, attr in FIT_FIELDS.items():
        if ref.get(field) is None or not isinstance(ref[field], list):
            continue
        _compare(
            getattr(res, attr), ref[field], _tol(model, field), f"{name} {model} {field}",
            _failed_refits(model, ref, "estimate"),
        )  # fmt: skip


@pytest.mark.parametrize("model", ["DL", "REML"])
@pytest.mark.parametrize("name", NAMES)
def test_influence_matches_metafor(name: str, model: str) -> None:
    ds = _usable(name)
    ref = _section(ds, "influence", model)
    res = influence(_effects(ds), random=True, tau2_method=model)
    failed = _failed_refits(model, ref, "tau2_del")
    for field, attr in INFL_FIELDS.items():
        if not isinstance(ref.get(field), list):
            continue
        _compare(
            getattr(res, attr), ref[field], _tol(model, field), f"{name} {model} {field}",
            failed if field not in ("hat", "weight") else None,
        )  # fmt: skip
    # metafor's flag rule applied to metafor's own numbers
    k = ds["k"]
    dffits, cook, hat, dfbs = (_arr(ref[f]) for f in ("dffits", "cook_d", "hat", "dfbs"))
    with np.errstate(invalid="ignore"):
        flag = (
            (np.abs(dffits) > 3.0 * np.sqrt(1.0 / (k - 1.0)))
            | (stats.chi2.cdf(cook, 1) > 0.5)
            | (hat > 3.0 / k)
            | (np.abs(dfbs) > 1.0)
        )
    # a borderline case could flip by rounding; none is that close in the fixture
    use = ~failed if failed is not None else np.ones(k, dtype=bool)
    assert np.array_equal(res.influential[use], flag[use])


def test_refit_where_metafor_fisher_scoring_fails() -> None:
    """nielweise2007_OR, cumulative REML on the first 8 studies: metafor's default Fisher
    scoring does not converge (so ``cumul`` reports NA); with ``stepadj = 0.5`` it gives
    tau² = 0.051894557089373843, which the batch reproduces."""
    if "nielweise2007_OR" not in DATASETS:
        pytest.skip("metafor reference fixture absent")
    ds = DATASETS["nielweise2007_OR"]
    order = np.asarray(ds["order"], dtype=np.intp) - 1
    res = cumulative(_effects(ds), order=order, random=True, tau2_method="REML")
    assert res.converged[7]
    assert res.tau2[7] == pytest.approx(0.051894557089373843, rel=1e-9)


@pytest.mark.parametrize("model", ["FE", "DL"])
@pytest.mark.parametrize("name", NAMES)
def test_baujat_matches_metafor(name: str, model: str) -> None:
    ds = _usable(name)
    ref = _section(ds, "baujat", model)
    res = baujat(_effects(ds), **_options(model))
    tol = {"rel": 1e-10, "abs": 1e-13}
    _compare(res.x, ref["x"], tol, f"{name} {model} x")
    _compare(res.y, ref["y"], tol, f"{name} {model} y")


# --- edge cases and structure ------------------------------------------------------------

# dat.bcg (metadat), log risk ratios, first 2 and first 6 trials
BCG_Y = np.array(
    [-0.88931133392020545, -1.5853886572014306, -1.3480731482996933, -1.4415511900213054,
     -0.21754732221129558, -0.78611558581886398]
)  # fmt: skip
BCG_V = np.array(
    [0.32558476500396133, 0.19458112139814385, 0.41536796536796539, 0.020010031902247573,
     0.051210172169630863, 0.0069056184559087574]
)  # fmt: skip


def _gen(y: Any, v: Any) -> StudyEffects:
    return generic_inverse_variance(np.asarray(y, float), np.sqrt(np.asarray(v, float)))


def _loop_pool(eff: StudyEffects, subsets: list[np.ndarray], **opts: Any) -> dict[str, Any]:
    """Reference: one single-analysis pool() per subset (what the batch must reproduce)."""
    out: dict[str, list[float]] = {f: [] for f in ("estimate", "se", "q", "tau2", "ci_low")}
    for rows in subsets:
        p = pool(eff.take(rows), Groups(np.zeros(rows.size, dtype=np.intp), 1), **opts)
        for f in out:
            out[f].append(float(getattr(p, f)[0]))
    return {f: np.array(v) for f, v in out.items()}


@pytest.mark.parametrize(
    "opts",
    [
        {"random": False},
        {"random": True, "tau2_method": "DL"},
        {"random": True, "tau2_method": "REML"},
        {"random": True, "tau2_method": "PM", "ci_method": "hksj"},
    ],
)
def test_batches_equal_a_loop_of_single_fits(opts: dict[str, Any]) -> None:
    eff = _gen(BCG_Y, BCG_V)
    k = len(eff)
    loo = leave_one_out(eff, **opts)
    ref = _loop_pool(eff, [np.delete(np.arange(k), i) for i in range(k)], **opts)
    for f, v in ref.items():
        assert getattr(loo, f) == pytest.approx(v, rel=1e-12, abs=1e-15), f
    order = np.array([3, 0, 5, 1, 4, 2])
    cum = cumulative(eff, order=order, **opts)
    ref = _loop_pool(eff, [order[: j + 1] for j in range(k)], **opts)
    for f, v in ref.items():
        if f in ("q", "tau2"):
            v = np.where(np.arange(k) == 0, 0.0, v)
        assert getattr(cum, f) == pytest.approx(v, rel=1e-12, abs=1e-15, nan_ok=True), f


def test_mantel_haenszel_leave_one_out_is_pool_per_subset() -> None:
    e1, n1 = np.array([4, 6, 3, 62, 33]), np.array([123, 306, 231, 13598, 5069])
    e2, n2 = np.array([11, 29, 11, 248, 47]), np.array([139, 303, 220, 12867, 5808])
    eff = dichotomous(e1, n1, e2, n2, "OR")
    opts: dict[str, Any] = {"method": "MH", "measure": "OR", "random": True}
    loo = leave_one_out(eff, **opts)
    ref = _loop_pool(eff, [np.delete(np.arange(5), i) for i in range(5)], **opts)
    for f, v in ref.items():
        assert getattr(loo, f) == pytest.approx(v, rel=1e-12), f


class _Spy:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, effects: StudyEffects, groups: Groups, **kw: Any) -> Any:
        self.calls.append(groups.n)
        return pool(effects, groups, **kw)


def _big(k: int = 1000, seed: int = 7) -> StudyEffects:
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.1, 0.6, k)
    y = 0.2 + rng.normal(size=k) * np.sqrt(se * se + 0.04)
    return generic_inverse_variance(y, se)


@pytest.mark.parametrize("tau2_method", ["DL", "REML"])
def test_thousand_studies_in_one_pool_call(
    monkeypatch: pytest.MonkeyPatch, tau2_method: str
) -> None:
    eff = _big()
    spy = _Spy()
    monkeypatch.setattr(sens, "pool", spy)
    t0 = time.perf_counter()
    loo = leave_one_out(eff, random=True, tau2_method=tau2_method)
    cum = cumulative(eff, random=True, tau2_method=tau2_method)
    elapsed = time.perf_counter() - t0
    assert spy.calls == [1000, 1000]  # one batch of 1000 fits each
    assert elapsed < 30.0  # smoke check only (about 0.2 s here)
    assert np.all(np.isfinite(loo.estimate)) and np.all(loo.k == 999)
    assert np.all(loo.converged) and np.all(cum.converged)
    assert np.array_equal(cum.k, np.arange(1, 1001))
    # spot checks against single fits
    for i in (0, 517, 999):
        rows = np.delete(np.arange(1000), i)
        p = pool(eff.take(rows), Groups(np.zeros(999, dtype=np.intp), 1), random=True,
                 tau2_method=tau2_method)  # fmt: skip
        assert loo.estimate[i] == pytest.approx(p.estimate[0], rel=1e-12)
        assert loo.tau2[i] == pytest.approx(p.tau2[0], rel=1e-9)
    full = pool(eff, Groups(np.zeros(1000, dtype=np.intp), 1), random=True,
                tau2_method=tau2_method)  # fmt: skip
    assert cum.estimate[-1] == pytest.approx(full.estimate[0], rel=1e-12)
    spy.calls.clear()
    influence(eff, tau2_method=tau2_method)
    baujat(eff, random=True, tau2_method=tau2_method)
    assert spy.calls == [1, 1000, 1, 1000]  # full fit + one leave-one-out batch each


def test_k2_leave_one_out_gives_single_study_fits() -> None:
    y2, v2 = BCG_Y[1::-1], BCG_V[1::-1]  # the other study of each pair
    eff = _gen(BCG_Y[:2], BCG_V[:2])
    for opts in ({"random": False}, {"random": True}, {"random": True, "tau2_method": "REML"}):
        loo = leave_one_out(eff, **opts)
        assert np.array_equal(loo.k, [1, 1])
        assert loo.estimate == pytest.approx(y2, rel=1e-15)
        assert loo.se == pytest.approx(np.sqrt(v2), rel=1e-15)
        assert loo.z == pytest.approx(y2 / np.sqrt(v2), rel=1e-15)
        # metafor's k = 1 fit: QE = 0, QEp = 1, I² = 0, H² = 1, tau² = 0
        assert np.array_equal(loo.q, [0.0, 0.0]) and np.array_equal(loo.p_q, [1.0, 1.0])
        assert np.array_equal(loo.i2, [0.0, 0.0]) and np.array_equal(loo.h2, [1.0, 1.0])
        assert np.array_equal(loo.tau2, [0.0, 0.0])
    inf = influence(eff, tau2_method="DL")
    assert np.array_equal(inf.tau2_del, [0.0, 0.0]) and np.array_equal(inf.q_del, [0.0, 0.0])
    # metafor 3.8-1, influence(rma(yi, vi, method="DL")) on dat.bcg rows 1:2 (RR)
    assert inf.rstudent == pytest.approx([0.96513163736826824, -0.96513163736826924], rel=1e-12)
    assert inf.hat == pytest.approx([0.37407512965532352, 0.62592487034467603], rel=1e-12)
    assert inf.cook_d == pytest.approx([0.55668527194987227, 1.5586064791806813], rel=1e-10)
    assert inf.dfbs == pytest.approx([0.74611344442375005, -1.2484416202532984], rel=1e-10)
    assert np.array_equal(inf.influential, [True, True])  # pchisq(cook_d, 1) > 0.5 (metafor too)


# metafor 3.8-1: do.call(cumul, list(rma(yi, vi, method=m), order=rank)) on dat.bcg rows 1:6
# (RR) added in the order 4, 1, 6, 2, 5, 3 (1-based); REML with threshold 1e-12
CUMUL_BCG6 = {
    "DL": {
        "estimate": [-1.4415511900213054, -1.4095763534867305, -1.0686482317421442,
                     -1.1595069648145551, -0.95191779259337572, -0.98411549927371755],
        "se": [0.14145681992130169, 0.13730056686350037, 0.28242683898541671,
               0.25354480432930587, 0.24106400090412777, 0.22608819980604539],
        "tau2": [0, 0, 0.17643374350982963, 0.17170666106314567, 0.20871624611582687,
                 0.19805453092426639],
        "I2": [0, 0, 87.479326184398488, 83.310252361150361, 85.735424642615527,
               82.463920975149549],
        "H2": [1, 1, 7.9867906051025814, 5.991702341096186, 7.0103734246972937,
               5.7025290464470206],
        "zval": [-10.190750723954492, -10.26635494439061, -3.7838055178506762,
                 -4.5731836938317967, -3.9488176958116514, -4.3527946178436654],
    },
    "REML": {
        "estimate": [-1.4415511900213054, -1.4095763534867305, -1.0701047580417096,
                     -1.1519474271544055, -0.95502997833290704, -0.98771758830922729],
        "se": [0.14145681992130169, 0.13730056686350037, 0.25636722575593646,
               0.2250489708626707, 0.25917842367492022, 0.23666529186756438],
        "tau2": [0, 0, 0.13988265216089404, 0.1256811713725553, 0.25033030495217462,
                 0.22369094287757146],
        "I2": [0, 0, 84.707993973960029, 78.511678018236083, 87.817844366197562,
               84.155227935318493],
        "H2": [1, 1, 6.5393644123416612, 4.6536905061672629, 8.2087278315936913,
               6.3112299496502793],
        "zval": [-10.190750723954492, -10.26635494439061, -4.1741090534733853,
                 -5.1186522770519414, -3.684835970492562, -4.1734788422712379],
    },
}  # fmt: skip
CUMUL_BCG6_Q = [0, 0.88244632557164682, 15.973581210205163, 17.975107023288558,
                28.041493698789171, 28.512645232235101]  # fmt: skip
CUMUL_BCG6_QP = [1, 0.34753252494295844, 0.00033992328264203234, 0.00044507996746676525,
                 1.2233720046593205e-05, 2.8892272215317698e-05]  # fmt: skip


@pytest.mark.parametrize("model", ["DL", "REML"])
def test_cumulative_matches_embedded_metafor_values(model: str) -> None:
    eff = _gen(BCG_Y, BCG_V)
    res = cumulative(eff, order=[3, 0, 5, 1, 4, 2], random=True, tau2_method=model)
    ref = {**CUMUL_BCG6[model], "Q": CUMUL_BCG6_Q, "Qp": CUMUL_BCG6_QP}
    for field, values in ref.items():
        _compare(getattr(res, FIT_FIELDS[field]), values, _tol(model, field), field)


def test_equal_variances_closed_forms() -> None:
    y = np.array([0.1, 0.5, -0.2, 0.3, 0.9, 0.05])
    v = 0.04
    k = y.size
    eff = _gen(y, np.full(k, v))
    loo = leave_one_out(eff)
    assert loo.estimate == pytest.approx((y.sum() - y) / (k - 1), rel=1e-13)
    assert loo.se == pytest.approx(np.full(k, np.sqrt(v / (k - 1))), rel=1e-13)
    inf = influence(eff, random=False)
    assert inf.hat == pytest.approx(np.full(k, 1.0 / k), rel=1e-14)
    assert inf.weight == pytest.approx(np.full(k, 100.0 / k), rel=1e-14)
    diff = (y - y.mean()) / (k - 1)
    assert inf.cook_d == pytest.approx(diff**2 / (v / k), rel=1e-10)
    assert inf.cov_r == pytest.approx(np.full(k, k / (k - 1.0)), rel=1e-13)
    assert inf.dfbs == pytest.approx(diff / np.sqrt(v / k), rel=1e-10)
    assert inf.rstudent == pytest.approx((y - loo.estimate) / np.sqrt(v + v / (k - 1)), rel=1e-12)
    b = baujat(eff)
    assert b.x.sum() == pytest.approx(float(pool(eff, Groups(np.zeros(k, np.intp), 1)).q[0]))


def test_tau2_zero_random_equals_fixed() -> None:
    eff = _gen([0.1, 0.12, 0.11, 0.09, 0.105], [0.1, 0.2, 0.3, 0.15, 0.12])
    for method in ("DL", "REML"):
        fe, re = leave_one_out(eff), leave_one_out(eff, random=True, tau2_method=method)
        assert np.array_equal(re.tau2, np.zeros(5))
        assert re.estimate == pytest.approx(fe.estimate, rel=1e-14)
        assert re.se == pytest.approx(fe.se, rel=1e-14)
        assert np.array_equal(re.i2, np.zeros(5)) and np.array_equal(re.h2, np.ones(5))
        i_fe = influence(eff, random=False)
        i_re = influence(eff, tau2_method=method)
        for f in ("rstudent", "dffits", "cook_d", "cov_r", "hat", "dfbs"):
            assert getattr(i_re, f) == pytest.approx(getattr(i_fe, f), rel=1e-12), f
        assert baujat(eff, random=True, tau2_method=method).x == pytest.approx(
            baujat(eff).x, rel=1e-12
        )


def test_one_huge_study_dominates() -> None:
    y = np.array([0.2, 0.5, -0.1, 0.4, 0.3, 0.25])
    v = np.array([0.05, 0.1, 0.08, 0.12, 0.09, 1e-5])
    eff = _gen(y, v)
    inf = influence(eff, random=False)
    assert inf.hat[5] > 0.99 and inf.influential[5]
    assert inf.weight.sum() == pytest.approx(100.0)
    loo = leave_one_out(eff)
    assert abs(loo.estimate[5] - 0.25) > 10 * abs(loo.estimate[0] - 0.25)
    # a study with essentially all the weight: the hat value is clamped to 1 like metafor
    eff2 = _gen([0.3, 0.1, 0.2], [1e-15, 1.0, 1.0])
    inf2 = influence(eff2, random=False)
    assert inf2.hat[0] == 1.0 and inf2.weight[0] < 100.0


def test_not_estimable_rows_are_nan_and_left_out() -> None:
    y = np.array([0.3, np.nan, -0.1, 0.5, 0.2, 0.4])
    se = np.array([0.2, 0.3, 0.25, 0.4, 0.0, 0.3])  # rows 1 (no estimate), 4 (SE 0) out
    eff = generic_inverse_variance(y, se)
    ok = np.array([0, 2, 3, 5])
    sub = eff.take(ok)
    for opts in ({"random": False}, {"random": True, "tau2_method": "REML"}):
        loo, ref = leave_one_out(eff, **opts), leave_one_out(sub, **opts)
        assert np.isnan(loo.estimate[[1, 4]]).all() and np.array_equal(loo.k[[1, 4]], [0, 0])
        for f in ("estimate", "se", "z", "p", "q", "p_q", "i2", "h2", "tau2", "ci_high"):
            assert getattr(loo, f)[ok] == pytest.approx(getattr(ref, f), rel=1e-14), f
        order = np.array([4, 3, 1, 0, 5, 2])
        cum = cumulative(eff, order=order, **opts)
        cref = cumulative(sub, order=np.array([2, 0, 3, 1]), **opts)  # rows 3, 0, 5, 2
        assert np.isnan(cum.estimate[[0, 2]]).all() and np.array_equal(cum.k, [0, 1, 0, 2, 3, 4])
        assert cum.estimate[[1, 3, 4, 5]] == pytest.approx(cref.estimate, rel=1e-14)
        assert cum.tau2[[1, 3, 4, 5]] == pytest.approx(cref.tau2, rel=1e-12, abs=1e-15)
        inf, iref = influence(eff, **opts), influence(sub, **opts)
        assert np.isnan(inf.cook_d[[1, 4]]).all() and not inf.influential[[1, 4]].any()
        assert inf.dfbs[ok] == pytest.approx(iref.dfbs, rel=1e-13)
        assert np.array_equal(inf.influential[ok], iref.influential)
        b, bref = baujat(eff, **opts), baujat(sub, **opts)
        assert np.isnan(b.y[[1, 4]]).all() and b.y[ok] == pytest.approx(bref.y, rel=1e-13)


def test_fewer_than_two_estimable_studies() -> None:
    eff = generic_inverse_variance([0.3, 0.1], [0.2, 0.0])
    loo = leave_one_out(eff)
    assert np.isnan(loo.estimate).all() and np.array_equal(loo.k, [0, 0])
    cum = cumulative(eff, random=True, tau2_method="REML")
    assert cum.estimate[0] == 0.3 and cum.se[0] == 0.2 and np.isnan(cum.estimate[1])
    assert np.isnan(influence(eff).rstudent).all()
    assert not influence(eff).influential.any()
    assert np.isnan(baujat(eff).x).all()
    empty = generic_inverse_variance(np.array([]), np.array([]))
    assert leave_one_out(empty).estimate.size == 0
    assert cumulative(empty).estimate.size == 0


def test_influence_flag_rule() -> None:
    eff = _gen(np.append(BCG_Y, 2.5), np.append(BCG_V, 0.05))
    inf = influence(eff, tau2_method="DL")
    k = len(eff)
    rule = (
        (np.abs(inf.dffits) > 3 * np.sqrt(1 / (k - 1)))
        | (stats.chi2.cdf(inf.cook_d, 1) > 0.5)
        | (inf.hat > 3 / k)
        | (np.abs(inf.dfbs) > 1)
    )
    assert np.array_equal(inf.influential, rule) and inf.influential[-1]


def test_order_must_be_a_permutation() -> None:
    eff = _gen(BCG_Y[:3], BCG_V[:3])
    with pytest.raises(ValueError, match="permutation"):
        cumulative(eff, order=[0, 0, 1])
    with pytest.raises(ValueError, match="permutation"):
        cumulative(eff, order=[0, 1])
    with pytest.raises(ValueError, match="permutation"):
        cumulative(eff, order=np.array([0.0, 1.0, 2.0]))
