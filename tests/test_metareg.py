"""Mixed-effects meta-regression (:mod:`metareview.stats.metareg`) against R metafor 3.8-1.

Two sources of reference values:

* ``tests/fixtures/metafor_reference.json`` (``validation/metafor/make_reference_re.R``):
  ``rma(yi, vi, mods = <formula>, method = m, control = TIGHT)`` for every dataset with
  moderators, every estimator, ``test = "z"`` and ``"knha"``, and the common-tau² subgroup
  model ``~ factor(g) - 1``.  Those tests are skipped while the file is absent.
* values pasted below from ad hoc ``rma()`` calls (same metafor, same tight control:
  ``threshold = 1e-12, tol = 1e-13, maxiter = 1000``) on ``metadat::dat.bcg`` (log risk
  ratios from ``escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg)``): the model
  without intercept ``~ ablat - 1``, ML with ``~ ablat + factor(alloc)`` (a bimodal
  likelihood), ``k = p + 1`` (rows 1, 4, 7 with ``~ ablat``), FE's R², ``test = "t"``,
  tau² at 0 (rows 2, 3, 5, 9, 11, 12), and an intercept-only REML fit whose score is
  negative at 0 although the likelihood peaks inside.

Tolerances: closed-form estimators rel 1e-10, iterative ones rel 1e-6 (observed: about
1e-10 and 1e-9), with absolute margins where a value is a difference of larger ones (CI
limits near 0, R² near 0 or 100, tau² near 0).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metareview.exceptions import ConvergenceWarning
from metareview.stats import metareg
from metareview.stats._groups import Groups
from metareview.stats.metareg import (
    METAREG_METHODS,
    Design,
    design,
    meta_regression,
    subgroup_common_tau2,
)
from metareview.stats.tau2 import tau2 as tau2_no_moderators

REF_PATH = Path(__file__).parent / "fixtures" / "metafor_reference.json"
REF: dict[str, Any] | None = json.loads(REF_PATH.read_text()) if REF_PATH.exists() else None

CLOSED = ("DL", "HE", "HS", "SJ")
ITERATIVE = ("ML", "REML", "PM", "EB")
R_METHODS = ("REML", "ML", "DL", "PM", "EB", "SJ", "HE", "HS")


def rel_for(method: str) -> float:
    return 1e-6 if method in ITERATIVE else 1e-10


def num(x: Any) -> Any:
    """JSON null (R NA) -> NaN, recursively for lists."""
    if isinstance(x, list):
        return [num(e) for e in x]
    return float("nan") if x is None else x


def approx(expected: Any, rel: float, abs_: float = 0.0) -> Any:
    return pytest.approx(num(expected), rel=rel, abs=abs_, nan_ok=True)


def r_name(name: str) -> str:
    """metafor's ``factor(alloc)random`` is ``alloc[random]`` here."""
    return re.sub(r"^factor\((\w+)\)(.+)$", r"\1[\2]", name)


def design_from_formula(formula: str, mods: dict[str, list[Any]]) -> Design:
    """``~ a + factor(b)`` / ``~ factor(b) - 1`` -> :func:`design` call."""
    rhs = formula.replace("~", "").strip()
    intercept = not re.search(r"-\s*1\s*$", rhs)
    rhs = re.sub(r"-\s*1\s*$", "", rhs)
    names, cats = [], []
    for term in (t.strip() for t in rhs.split("+")):
        m = re.fullmatch(r"factor\((\w+)\)", term)
        name = m.group(1) if m else term
        names.append(name)
        if m:
            cats.append(name)
    return design({n: mods[n] for n in names}, intercept=intercept, categorical=cats)


# --- pasted metafor 3.8-1 values (17 significant digits) ----------------------------------

BCG_YI = [
    -0.8893113339202054,
    -1.5853886572014306,
    -1.3480731482996933,
    -1.4415511900213054,
    -0.21754732221129558,
    -0.786115585818864,
    -1.6208982235983918,
    0.011952333523840508,
    -0.4694176487381494,
    -1.3713448034727844,
    -0.3393588283383906,
    0.44591340057137874,
    -0.017313948216879815,
]
BCG_VI = [
    0.32558476500396133,
    0.19458112139814385,
    0.4153679653679654,
    0.020010031902247573,
    0.05121017216963086,
    0.0069056184559087574,
    0.22301724757231517,
    0.0039615792978177295,
    0.056434210463248966,
    0.07302479361302891,
    0.01241221397155972,
    0.5325058452001528,
    0.0714046596839863,
]
BCG_ABLAT = [44.0, 55.0, 42.0, 52.0, 13.0, 44.0, 19.0, 13.0, 27.0, 42.0, 18.0, 33.0, 33.0]
BCG_ALLOC = [
    "random",
    "random",
    "random",
    "random",
    "alternate",
    "alternate",
    "random",
    "random",
    "random",
    "systematic",
    "systematic",
    "systematic",
    "systematic",
]
R_NOINT = {
    "FE": {
        "tau2": 0.0,
        "QE": 209.68561528800302,
        "beta": -0.019497630534286072,
        "se": 0.0013253756782903299,
        "QM": 216.41416323847105,
    },
    "DL": {
        "tau2": 0.3936143615678542,
        "QE": 209.68561528800302,
        "beta": -0.023024222913459933,
        "se": 0.005547644237404663,
        "QM": 17.224743263806335,
    },
    "HE": {
        "tau2": 0.30890503015088283,
        "QE": 209.68561528800302,
        "beta": -0.023000023752231567,
        "se": 0.005043409142167152,
        "QM": 20.797357934151307,
    },
    "HS": {
        "tau2": 0.32259369362076606,
        "QE": 209.68561528800302,
        "beta": -0.023005617520123763,
        "se": 0.00512904960525243,
        "QM": 20.118425615728626,
    },
    "SJ": {
        "tau2": 0.328363616400246,
        "QE": 209.68561528800302,
        "beta": -0.023007742633480755,
        "se": 0.00516461910274909,
        "QM": 19.84592870366886,
    },
    "ML": {
        "tau2": 0.26928592110007027,
        "QE": 209.68561528800302,
        "beta": -0.02297855525359918,
        "se": 0.004784528343171397,
        "QM": 23.06572849797033,
    },
    "REML": {
        "tau2": 0.29863532375054913,
        "QE": 209.68561528800302,
        "beta": -0.022995268621428207,
        "se": 0.0049779413299127365,
        "QM": 21.339165268860835,
    },
    "PM": {
        "tau2": 0.2978153917857828,
        "QE": 209.68561528800302,
        "beta": -0.02299486671176833,
        "se": 0.0049726674848864965,
        "QM": 21.38370497758788,
    },
    "EB": {
        "tau2": 0.2978153917857851,
        "QE": 209.68561528800302,
        "beta": -0.022994866711768328,
        "se": 0.00497266748488651,
        "QM": 21.38370497758775,
    },
}
R_K3 = {
    "DL": {
        "tau2": 0.002881310125886213,
        "beta": [-1.5960629130620612, 0.0035312056076435283],
        "se": [0.7430267204443319, 0.014994455449526194],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
    "HE": {
        "tau2": 0.002881310125886216,
        "beta": [-1.5960629130620552, 0.0035312056076432716],
        "se": [0.7430267204443318, 0.014994455449526194],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
    "HS": {
        "tau2": 0.0,
        "beta": [-1.5940765005131325, 0.003429114716426332],
        "se": [0.7373538476687482, 0.01480527818783333],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
    "SJ": {
        "tau2": 0.06765514533196305,
        "beta": [-1.630010390305813, 0.005275922840860765],
        "se": [0.8598246204533793, 0.018638258306471905],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
    "ML": {
        "tau2": 1.635322292828354e-13,
        "beta": [-1.5940765005132458, 0.00342911471643198],
        "se": [0.7373538476690714, 0.014805278187844155],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
    "REML": {
        "tau2": 0.0028813101258925943,
        "beta": [-1.5960629130620636, 0.0035312056076435977],
        "se": [0.7430267204443446, 0.014994455449526612],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
    "PM": {
        "tau2": 0.002881310125886014,
        "beta": [-1.5960629130620703, 0.0035312056076438614],
        "se": [0.743026720444332, 0.014994455449526187],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
    "EB": {
        "tau2": 0.0028813101258860167,
        "beta": [-1.5960629130620703, 0.0035312056076438614],
        "se": [0.743026720444332, 0.014994455449526187],
        "QE": 1.0134340837914015,
        "R2": 0.0,
    },
}
R_K3_KNHA = {
    "DL": {
        "se": [0.743026720444331, 0.014994455449526177],
        "QM": 0.055460606499743624,
        "QMp": 0.852758468181099,
    },
    "HE": {
        "se": [0.743026720444331, 0.014994455449526179],
        "QM": 0.055460606499735554,
        "QMp": 0.8527584681811093,
    },
    "HS": {
        "se": [0.7422901609529804, 0.01490439408941358],
        "QM": 0.05293408100188192,
        "QMp": 0.8560356053791107,
    },
    "SJ": {
        "se": [0.7546956633358288, 0.016359397464811284],
        "QM": 0.10400692650560828,
        "QMp": 0.8013937133310016,
    },
    "ML": {
        "se": [0.7422901609530228, 0.014904394089418797],
        "QM": 0.05293408100201926,
        "QMp": 0.8560356053789302,
    },
    "REML": {
        "se": [0.7430267204443326, 0.014994455449526371],
        "QM": 0.05546060649974439,
        "QMp": 0.852758468181098,
    },
    "PM": {
        "se": [0.7430267204443314, 0.014994455449526175],
        "QM": 0.05546060649975412,
        "QMp": 0.8527584681810856,
    },
    "EB": {
        "se": [0.7430267204443314, 0.014994455449526175],
        "QM": 0.05546060649975412,
        "QMp": 0.8527584681810856,
    },
}
R_ML_ABLAT_ALLOC = {
    "tau2": 0.029389869439109165,
    "beta": [0.4164021204743154, -0.0298469943976674, -0.21463842254615736, -0.06981763473538245],
    "se": [0.2415268392475135, 0.005309387463863793, 0.19678499718145595, 0.2204066416342086],
    "QM": 33.33609774423621,
    "R2": 89.50467273547186,
}
R_FE = {
    "beta": [0.6048565418152206, -0.03282563069899006, -0.21758411844301828, -0.25837252978549585],
    "se": [0.1502741602953007, 0.003185840506701171, 0.11377910198250824, 0.13474503598315277],
    "QM": 126.02957159072484,
    "QE": 26.203436491648535,
    "I2": 65.65335999776805,
    "H2": 2.911492943516504,
    "R2": 77.04971099086939,
}
R_T = {
    "pval": [0.3344135973655791, 0.0019334879985407705],
    "ci_lb": [-0.2967870613956251, -0.044938533446910435],
    "ci_ub": [0.7997234814095322, -0.01326491657637529],
    "QM": 16.358232147046746,
    "QMp": 0.0019334879985407683,
}
R_ZERO = {
    "tau2": 6.879104603709622e-13,
    "R2": 99.99999999952533,
    "beta": [0.20270632610613806, -0.02901375268805522],
}
Y511 = [
    -0.49416143966906084,
    0.7994199556838457,
    0.6944716509729294,
    -1.3631326752337094,
    1.05260714134126,
    0.15774747517089288,
    0.12977108916891694,
    0.0914097032201994,
    0.2401753034625719,
    1.0846622303293771,
]
V511 = [
    0.33865962871457256,
    0.28413543513399503,
    0.28569017791674833,
    0.34055690277238443,
    0.1939147469897185,
    0.02761942818275358,
    0.26905718515273064,
    0.023791203275769474,
    0.0907262234703227,
    0.25613711858183863,
]
REML511 = 0.10447791040382423


def bcg(rows: list[int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    idx = list(range(13)) if rows is None else rows
    return (
        np.array(BCG_YI)[idx],
        np.array(BCG_VI)[idx],
        np.array(BCG_ABLAT)[idx],
        [BCG_ALLOC[i] for i in idx],
    )


# --- against the metafor fixture ------------------------------------------------------------


def _fixture_cases() -> list[Any]:
    if REF is None:
        return [pytest.param(None, None, None, marks=pytest.mark.skip(reason=f"{REF_PATH} absent"))]
    out = []
    for ds_name, ds in REF["datasets"].items():
        for model, fits in (ds.get("metareg") or {}).items():
            for method in R_METHODS:
                if method in fits:
                    out.append(
                        pytest.param(ds_name, model, method, id=f"{ds_name}-{model}-{method}")
                    )
    return out


def _subgroup_cases() -> list[Any]:
    if REF is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{REF_PATH} absent"))]
    return [
        pytest.param(name, id=name)
        for name, ds in REF["datasets"].items()
        if ds.get("subgroup_common_tau2")
    ]


def check_coefficients(fit: Any, ref: dict[str, Any], rel: float, stat_key: str) -> None:
    assert list(fit.beta) == approx(ref["beta"], rel)
    assert list(fit.se) == approx(ref["se"], rel)
    assert list(fit.stat) == approx(ref[stat_key], rel)
    assert list(fit.pval) == approx(ref["pval"], rel)
    margin = rel * float(np.max(np.abs(fit.beta) + 3.0 * fit.se))  # limits near 0
    assert list(fit.ci_low) == approx(ref["ci_lb"], rel, margin)
    assert list(fit.ci_high) == approx(ref["ci_ub"], rel, margin)
    assert fit.qm == approx(ref["QM"], rel)
    assert fit.qm_p == approx(ref["QMp"], rel)
    qmdf = num(ref["QMdf"])
    if np.isnan(qmdf[1]):
        assert fit.qm_df == qmdf[0]
    else:
        assert fit.qm_df == (qmdf[0], qmdf[1])


@pytest.mark.parametrize(("ds_name", "model", "method"), _fixture_cases())
def test_metareg_matches_metafor_fixture(ds_name: str, model: str, method: str) -> None:
    assert REF is not None
    ds = REF["datasets"][ds_name]
    fits = ds["metareg"][model]
    ref = fits[method]
    if ref.get("error"):
        pytest.skip(f"metafor failed: {ref['error']}")
    y, v = np.array(ds["yi"]), np.array(ds["vi"])
    d = design_from_formula(fits["formula"], ds["mods"])
    assert list(d.names) == [r_name(c) for c in ref["colnames"]]
    rel = rel_for(method)
    fit = meta_regression(y, v, d, tau2_method=method)
    assert fit.converged
    check_coefficients(fit, ref, rel, "zval")
    assert fit.tau2 == approx(ref["tau2"], rel, 1e-9 * float(v.mean()))
    assert fit.qe == approx(ref["QE"], 1e-10)
    assert fit.qe_p == approx(ref["QEp"], 1e-10)
    assert fit.qe_df == ds["k"] - len(ref["beta"])
    assert fit.i2 == approx(ref["I2"], rel, 1e-9)
    assert fit.h2 == approx(ref["H2"], rel)
    if ref["R2"] is None:
        assert fit.r2 is None
    else:
        assert fit.r2 == approx(ref["R2"], rel, 100.0 * rel)  # a difference of two tau²
    kh = ref["knha"]
    if not kh.get("error"):
        fk = meta_regression(y, v, d, tau2_method=method, test="knha")
        check_coefficients(fk, kh, rel, "tval")
        assert fk.df == kh["df"]


@pytest.mark.parametrize("ds_name", _subgroup_cases())
def test_subgroup_common_tau2_matches_metafor_fixture(ds_name: str) -> None:
    assert REF is not None
    ds = REF["datasets"][ds_name]
    ref = ds["subgroup_common_tau2"]
    mod = ref["moderator"]
    y, v = np.array(ds["yi"]), np.array(ds["vi"])
    sg = subgroup_common_tau2(y, v, ds["mods"][mod], name=mod)
    assert list(sg.fit.names) == [r_name(c) for c in ref["colnames"]]
    rel = rel_for("REML")
    check_coefficients(sg.fit, ref, rel, "zval")
    assert sg.tau2 == approx(ref["tau2"], rel, 1e-9 * float(v.mean()))
    assert sg.fit.qe == approx(ref["QE"], 1e-10)
    assert sg.fit.i2 == approx(ref["I2"], rel, 1e-9)
    assert sg.fit.r2 is None and ref["R2"] is None  # no intercept: no R²
    # the test for subgroup differences is the QM of ~ factor(g) (intercept + contrasts)
    contrast = ds["metareg"].get(mod, {}).get("REML")
    if contrast is not None and fits_formula(ds, mod) == f"~ factor({mod})":
        assert sg.qm == approx(contrast["QM"], rel)
        assert sg.qm_p == approx(contrast["QMp"], rel)
        assert sg.qm_df == len(sg.levels) - 1
    kh = ref["knha"]
    if not kh.get("error"):
        sk = subgroup_common_tau2(y, v, ds["mods"][mod], name=mod, test="knha")
        check_coefficients(sk.fit, kh, rel, "tval")
        if contrast is not None and not contrast["knha"].get("error"):
            assert sk.qm == approx(contrast["knha"]["QM"], rel)
            assert sk.qm_df == (len(sk.levels) - 1, ds["k"] - len(sk.levels))


def fits_formula(ds: dict[str, Any], model: str) -> str:
    return str(ds["metareg"][model]["formula"])


# --- against pasted metafor values ------------------------------------------------------------


@pytest.mark.parametrize("method", METAREG_METHODS)
def test_no_intercept_model_reproduces_metafor_centering(method: str) -> None:
    """``~ ablat - 1``: metafor estimates tau² and QE from the centred y (see module doc)."""
    y, v, ablat, _ = bcg()
    ref = R_NOINT[method]
    fit = meta_regression(y, v, design({"ablat": ablat}, intercept=False), tau2_method=method)
    rel = rel_for(method)
    assert fit.names == ("ablat",)
    assert fit.tau2 == approx(ref["tau2"], rel)
    assert fit.qe == approx(ref["QE"], 1e-12)
    assert fit.beta[0] == approx(ref["beta"], rel)
    assert fit.se[0] == approx(ref["se"], rel)
    assert fit.qm == approx(ref["QM"], rel)  # no intercept: QM tests every coefficient
    assert fit.r2 is None  # no intercept: no R²


def test_no_intercept_model_without_centering_is_the_textbook_fit() -> None:
    y, v, ablat, _ = bcg()
    X = ablat[:, None]
    fe = meta_regression(y, v, X, tau2_method="FE", center=False)
    resid = y - X @ fe.beta
    assert fe.qe == pytest.approx(float(np.sum(resid**2 / v)), rel=1e-12)
    assert fe.qe != pytest.approx(R_NOINT["FE"]["QE"], rel=1e-3)
    # with an intercept, centring changes nothing
    d = design({"ablat": ablat})
    for method in METAREG_METHODS:
        a = meta_regression(y, v, d, tau2_method=method)
        b = meta_regression(y, v, d, tau2_method=method, center=False)
        assert b.tau2 == pytest.approx(a.tau2, rel=1e-9, abs=1e-14)
        assert b.qe == pytest.approx(a.qe, rel=1e-12)


def test_ml_takes_the_higher_of_two_likelihood_maxima() -> None:
    """BCG, ``~ ablat + factor(alloc)``, ML: the score is negative at tau² = 0 (a local
    maximum on the boundary), but the likelihood is higher at 0.0294, which metafor finds."""
    y, v, ablat, alloc = bcg()
    d = design({"ablat": ablat, "alloc": alloc})
    x = d.X
    score0, _, _ = metareg._score("ML", y - y.mean(), v, x)(0.0)
    assert score0 < 0
    fit = meta_regression(y, v, d, tau2_method="ML")
    ref = R_ML_ABLAT_ALLOC
    assert fit.tau2 == approx(ref["tau2"], 1e-6)
    assert list(fit.beta) == approx(ref["beta"], 1e-6)
    assert list(fit.se) == approx(ref["se"], 1e-6)
    assert fit.qm == approx(ref["QM"], 1e-6)
    assert fit.r2 == approx(ref["R2"], 1e-6)


def test_intercept_only_reml_with_interior_maximum_and_negative_score_at_zero() -> None:
    y, v = np.array(Y511), np.array(V511)
    score0, _, _ = metareg._score("REML", y - y.mean(), v, np.ones((10, 1)))(0.0)
    assert score0 < 0
    fit = meta_regression(y, v, np.ones((10, 1)), tau2_method="REML")
    assert fit.tau2 == approx(REML511, 1e-8)


@pytest.mark.parametrize("method", [m for m in METAREG_METHODS if m != "FE"])
def test_k_equals_p_plus_one(method: str) -> None:
    y, v, ablat, _ = bcg([0, 3, 6])
    d = design({"ablat": ablat})
    rel = rel_for(method)
    ref = R_K3[method]
    fit = meta_regression(y, v, d, tau2_method=method)
    assert (fit.k, fit.p, fit.qe_df) == (3, 2, 1)
    assert fit.tau2 == approx(ref["tau2"], rel, 1e-10)
    assert list(fit.beta) == approx(ref["beta"], rel)
    assert list(fit.se) == approx(ref["se"], rel)
    assert fit.qe == approx(ref["QE"], 1e-12)
    assert fit.r2 == approx(ref["R2"], rel, 100 * rel)
    kh = R_K3_KNHA[method]
    fk = meta_regression(y, v, d, tau2_method=method, test="knha")
    assert list(fk.se) == approx(kh["se"], rel)
    assert fk.qm == approx(kh["QM"], rel)
    assert fk.qm_p == approx(kh["QMp"], rel)
    assert fk.qm_df == (1, 1)


def test_fixed_effect_meta_regression_and_its_r2() -> None:
    """FE: tau² = 0, I²/H² from QE, R² = adjusted R² of the weighted regression."""
    y, v, ablat, alloc = bcg()
    fit = meta_regression(y, v, design({"ablat": ablat, "alloc": alloc}), tau2_method="FE")
    ref = R_FE
    assert fit.tau2 == 0.0
    assert list(fit.beta) == approx(ref["beta"], 1e-12)
    assert list(fit.se) == approx(ref["se"], 1e-12)
    assert fit.qm == approx(ref["QM"], 1e-12)
    assert fit.qe == approx(ref["QE"], 1e-12)
    assert fit.i2 == approx(ref["I2"], 1e-12)
    assert fit.h2 == approx(ref["H2"], 1e-12)
    assert fit.r2 == approx(ref["R2"], 1e-12)


def test_t_test_uses_k_minus_p_df() -> None:
    y, v, ablat, _ = bcg()
    fit = meta_regression(y, v, design({"ablat": ablat}), test="t")
    ref = R_T
    assert fit.df == 11
    assert list(fit.pval) == approx(ref["pval"], 1e-8)
    assert list(fit.ci_low) == approx(ref["ci_lb"], 1e-8)
    assert list(fit.ci_high) == approx(ref["ci_ub"], 1e-8)
    assert fit.qm == approx(ref["QM"], 1e-8)
    assert fit.qm_p == approx(ref["QMp"], 1e-8)
    assert fit.qm_df == (1, 11)
    assert fit.s2w == 1.0


@pytest.mark.parametrize("method", ["DL", "HS", "ML", "REML", "PM", "EB"])
def test_tau2_at_zero(method: str) -> None:
    """Rows 2, 3, 5, 9, 11, 12 of BCG with ablat: no residual heterogeneity (HE and SJ,
    which do not weight by 1/v, still find some)."""
    y, v, ablat, _ = bcg([1, 2, 4, 8, 10, 11])
    fit = meta_regression(y, v, design({"ablat": ablat}), tau2_method=method)
    assert fit.tau2 == 0.0
    assert fit.converged
    assert fit.qe < fit.qe_df
    assert fit.i2 == 0.0
    assert fit.h2 == 1.0
    # all of the intercept-only tau² is explained -- except for ML, where that is 0 too
    assert fit.r2 == (0.0 if method == "ML" else 100.0)
    if method == "REML":
        assert fit.tau2 == approx(R_ZERO["tau2"], 0.0, 1e-12)
        assert fit.r2 == approx(R_ZERO["R2"], 1e-9)
        assert list(fit.beta) == approx(R_ZERO["beta"], 1e-9)


def test_r2_is_zero_when_the_intercept_only_tau2_is_zero() -> None:
    """metafor: ``identical(tau2.RE, 0)`` gives R² = 0 (not NA)."""
    y, v, ablat, _ = bcg([0, 3, 6])
    fit = meta_regression(y, v, design({"ablat": ablat}), tau2_method="HS")
    assert fit.tau2 == 0.0
    assert fit.r2 == 0.0


# --- intercept-only = the no-moderator estimators ----------------------------------------------


def _datasets_without_moderators() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20261124)
    out = [(np.array(BCG_YI), np.array(BCG_VI)), bcg([0, 3, 6])[:2], bcg([1, 2, 4, 8, 10, 11])[:2]]
    for k, t2 in ((5, 0.1), (12, 0.3), (30, 0.05), (8, 0.0)):
        v = rng.uniform(0.01, 0.5, k)
        out.append((rng.normal(0.2, np.sqrt(v + t2)), v))
    return out


@pytest.mark.parametrize("method", METAREG_METHODS)
def test_intercept_only_equals_no_moderator_tau2(method: str) -> None:
    for y, v in _datasets_without_moderators():
        k = y.size
        fit = meta_regression(y, v, np.ones((k, 1)), tau2_method=method)
        if method == "FE":
            assert fit.tau2 == 0.0
            continue
        ref = tau2_no_moderators(y, v, Groups(np.zeros(k, dtype=np.intp), 1), method)
        assert ref.converged[0]
        assert fit.tau2 == pytest.approx(float(ref.tau2[0]), rel=1e-9, abs=1e-12)
        w = 1.0 / (v + fit.tau2)
        assert fit.beta[0] == pytest.approx(np.sum(w * y) / np.sum(w), rel=1e-12)
        assert fit.se[0] == pytest.approx(np.sqrt(1.0 / np.sum(w)), rel=1e-12)
        # metafor: an intercept-only model's QM tests the intercept; there is no R²
        assert fit.btt == (0,)
        assert fit.qm == pytest.approx(fit.stat[0] ** 2, rel=1e-12)
        assert fit.r2 is None


# --- subgroups with a common tau² --------------------------------------------------------------


@pytest.mark.parametrize("test", ["z", "knha"])
def test_subgroup_common_tau2_parametrisations_agree(test: str) -> None:
    y, v, _, alloc = bcg()
    sg = subgroup_common_tau2(y, v, alloc, name="alloc", test=test)
    assert sg.levels == ("alternate", "random", "systematic")
    assert list(sg.counts) == [2, 7, 4]
    assert sg.fit.names == ("alloc[alternate]", "alloc[random]", "alloc[systematic]")
    assert sg.difference.names == ("intrcpt", "alloc[random]", "alloc[systematic]")
    assert sg.difference.tau2 == pytest.approx(sg.fit.tau2, rel=1e-10)
    # difference model: intercept = reference subgroup, slopes = differences from it
    b = sg.fit.beta
    assert list(sg.difference.beta) == pytest.approx([b[0], b[1] - b[0], b[2] - b[0]], rel=1e-8)
    # QM of the difference model = Wald test of the contrasts in the cell-means model
    L = np.array([[-1.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    c = L @ b
    wald = float(c @ np.linalg.solve(L @ sg.fit.vcov @ L.T, c))
    if test == "z":
        assert sg.qm == pytest.approx(wald, rel=1e-8)
        assert sg.qm_df == 2
        assert sg.fit.qm_df == 3  # no intercept: all subgroup means tested
    else:
        assert sg.qm == pytest.approx(wald / 2, rel=1e-8)
        assert sg.qm_df == (2, 10)
        assert sg.fit.df == 10
    assert sg.fit.r2 is None


def test_subgroup_common_tau2_needs_two_subgroups() -> None:
    y, v, _, _ = bcg()
    with pytest.raises(ValueError, match="single level"):
        subgroup_common_tau2(y, v, ["a"] * 13)


# --- design ----------------------------------------------------------------------------------


def test_design_codes_factors_like_r() -> None:
    d = design(
        {"ablat": [44, 55, 42, 13], "alloc": ["random", "alternate", "random", "systematic"]}
    )
    assert d.names == ("intrcpt", "ablat", "alloc[random]", "alloc[systematic]")
    assert d.terms == {"ablat": (1,), "alloc": (2, 3)}
    assert d.X.tolist() == [[1, 44, 1, 0], [1, 55, 0, 0], [1, 42, 1, 0], [1, 13, 0, 1]]
    # explicit level order: the first is the reference
    d = design(
        {"alloc": ["random", "alternate", "random"]}, levels={"alloc": ["random", "alternate"]}
    )
    assert d.names == ("intrcpt", "alloc[alternate]")
    # numeric moderator declared categorical: sorted numerically, integral floats as integers
    d = design({"grade": [10.0, 2.0, 3.0, 2.0]}, categorical=["grade"])
    assert d.names == ("intrcpt", "grade[3]", "grade[10]")
    # no intercept: the first factor gets a dummy per level, later ones treatment contrasts
    d = design({"g": ["b", "a", "b", "a"], "h": ["u", "v", "v", "u"]}, intercept=False)
    assert d.names == ("g[a]", "g[b]", "h[v]")
    assert not d.intercept


def test_design_rejects_missing_values_naming_moderator_and_row() -> None:
    with pytest.raises(ValueError, match=r"moderator 'ablat' has a missing value in row 3"):
        design({"ablat": [1.0, 2.0, float("nan"), 4.0]})
    with pytest.raises(ValueError, match=r"moderator 'alloc' has a missing value in row 2"):
        design({"alloc": ["a", None, "b"]})


def test_design_rejects_a_single_level_factor() -> None:
    with pytest.raises(ValueError, match=r"categorical moderator 'alloc' has a single level"):
        design({"ablat": [1, 2, 3], "alloc": ["random"] * 3})


def test_design_rejects_collinear_moderators_naming_them() -> None:
    with pytest.raises(ValueError, match=r"'lat_rad' is a linear combination of 'ablat'"):
        design({"ablat": [44, 55, 42, 13], "lat_rad": np.radians([44, 55, 42, 13])})
    with pytest.raises(ValueError, match=r"'both' is a linear combination of 'intrcpt', 'a'"):
        design({"a": [1, 2, 3, 4], "both": [2, 3, 4, 5]})
    with pytest.raises(ValueError, match=r"'flag' is a linear combination of 'g\[y\]'"):
        design({"g": ["x", "y", "x", "y"], "flag": [0, 1, 0, 1]})
    with pytest.raises(ValueError, match=r"'const' is a linear combination of 'intrcpt'"):
        design({"const": [5, 5, 5]})
    # a raw matrix is checked too
    with pytest.raises(ValueError, match="not of full rank"):
        meta_regression(
            [0.1, 0.2, 0.3, 0.4], [0.1] * 4, np.array([[1, 1], [1, 1], [1, 1], [1, 1.0]])
        )


# --- input checks and convergence ----------------------------------------------------------------


def test_too_few_studies_and_bad_input() -> None:
    y, v, ablat, _ = bcg([0, 3])
    with pytest.raises(ValueError, match="need k >= 3"):
        meta_regression(y, v, design({"ablat": ablat}))
    fit = meta_regression(y, v, design({"ablat": ablat}), tau2_method="FE")  # k = p is enough
    assert (fit.qe, fit.qe_df, fit.qe_p, fit.i2, fit.h2) == (0.0, 0, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="study row 2"):
        meta_regression([0.1, 0.2, 0.3], [0.1, 0.0, 0.1], np.ones((3, 1)))
    with pytest.raises(ValueError, match="unknown tau"):
        meta_regression([0.1, 0.2, 0.3], [0.1] * 3, np.ones((3, 1)), tau2_method="XX")
    with pytest.raises(ValueError, match="unknown test"):
        meta_regression([0.1, 0.2, 0.3], [0.1] * 3, np.ones((3, 1)), test="adhoc")


def test_non_convergence_warns_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    y, v, ablat, _ = bcg()
    monkeypatch.setattr(metareg, "MAXITER", 1)
    with pytest.warns(ConvergenceWarning, match=r"REML .*k = 13"):
        fit = meta_regression(y, v, design({"ablat": ablat}), tau2_method="REML")
    assert not fit.converged


def test_converged_fits_do_not_warn() -> None:
    y, v, ablat, alloc = bcg()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in METAREG_METHODS:
            fit = meta_regression(
                y, v, design({"ablat": ablat, "alloc": alloc}), tau2_method=method
            )
            assert fit.converged
            assert fit.coef("ablat")["estimate"] == fit.beta[1]
