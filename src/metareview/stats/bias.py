"""Small-study effects and publication bias: funnel-plot asymmetry tests, trim and fill,
fail-safe N.

Every function takes the study rows of **one** analysis (flat arrays) and returns a small
frozen dataclass.  Definitions follow R's metafor 3.8.1 (``regtest``, ``ranktest``,
``trimfill``, ``fsn``) and, for the tests metafor has no function for, the published
papers as implemented in R's ``meta::metabias``:

* :func:`egger`: Egger et al. (1997) regression test;
* :func:`begg`: Begg & Mazumdar (1994) rank correlation test;
* :func:`peters`: Peters et al. (2006) regression on the inverse of the total sample size;
* :func:`harbord`: Harbord et al. (2006) modified test based on the efficient score;
* :func:`trim_and_fill`: Duval & Tweedie (2000) trim and fill (L0, R0, Q0);
* :func:`fail_safe_n`: Rosenthal's (1979) and Orwin's (1983) fail-safe N.

Every function warns :class:`~metareview.exceptions.FewStudiesWarning` when the analysis
has fewer than 10 studies: the Cochrane Handbook (§13.3.5.4) advises against testing for
funnel-plot asymmetry then, because the tests cannot tell chance from real asymmetry.
A row with a missing or non-finite estimate, or a missing, non-finite, zero or negative
variance, is an error (:class:`~metareview.exceptions.DataError`, a ``ValueError``, naming
the 1-based row): leave such rows out before testing.

References
----------
Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test for
publication bias. *Biometrics* 50:1088-1101.

Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing and
adjusting for publication bias in meta-analysis. *Biometrics* 56:455-463.  And: A
nonparametric "trim and fill" method of accounting for publication bias in meta-analysis.
*JASA* 95:89-98.

Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by a
simple, graphical test. *BMJ* 315:629-634.

Harbord RM, Egger M, Sterne JAC (2006). A modified test for small-study effects in
meta-analyses of controlled trials with binary endpoints. *Stat Med* 25:3443-3457.

Orwin RG (1983). A fail-safe N for effect size in meta-analysis. *J Educ Stat* 8:157-159.

Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2006). Comparison of two methods to
detect publication bias in meta-analysis. *JAMA* 295:676-680.

Rosenthal R (1979). The file drawer problem and tolerance for null results. *Psychol Bull*
86:638-641.

Higgins JPT et al. (eds.) *Cochrane Handbook for Systematic Reviews of Interventions*,
§13.3.5.4.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. *J Stat
Softw* 36(3):1-48.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from metareview.exceptions import DataError, FewStudiesWarning, Problem
from metareview.stats import tau2 as _tau2
from metareview.stats._groups import FloatArray, Groups
from metareview.stats.effects import generic_inverse_variance
from metareview.stats.pooling import Pooled, pool

__all__ = [
    "ESTIMATORS",
    "MIN_STUDIES",
    "FailSafeN",
    "RankTest",
    "RegressionTest",
    "TrimFill",
    "begg",
    "egger",
    "fail_safe_n",
    "harbord",
    "peters",
    "trim_and_fill",
]

#: fewer studies than this trigger :class:`FewStudiesWarning` (Cochrane Handbook §13.3.5.4)
MIN_STUDIES = 10
#: trim-and-fill estimators of the number of missing studies
ESTIMATORS = ("L0", "R0", "Q0")
#: the exact null distribution of Kendall's statistic is computed up to this many studies;
#: above it (where R returns NaN, see :func:`begg`) the normal approximation is used
KENDALL_EXACT_MAX = 1000
#: a predictor whose spread is below this fraction of its size is treated as constant
#: (the tolerance R's ``lm`` uses to detect a rank-deficient model matrix)
_RANK_TOL = 1e-7


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RegressionTest:
    """A regression test for funnel-plot asymmetry.

    Attributes
    ----------
    test
        ``"Egger"``, ``"Peters"`` or ``"Harbord"``.
    coef
        The coefficient tested for asymmetry (Egger: the intercept of the standard
        normal deviate on precision, i.e. the coefficient of the SE in the weighted
        regression of the estimate on its SE; Peters: the slope on ``1/N``; Harbord: the
        intercept of ``Z/sqrt(V)`` on ``sqrt(V)``).
    se, t, df, p
        Its standard error, ``t = coef/se``, the residual degrees of freedom ``k - 2``
        and the two-sided P value from Student's t.
    limit, limit_se
        The other coefficient of the regression: the effect expected in a study of
        infinite size (Egger: as ``SE -> 0``, metafor's ``est``; Peters: as
        ``1/N -> 0``; Harbord: the slope, which estimates the log odds ratio) with its
        standard error.
    k
        Number of studies in the regression.
    """

    test: str
    coef: float
    se: float
    t: float
    df: int
    p: float
    limit: float
    limit_se: float
    k: int

    def limit_ci(self, level: float = 0.95) -> tuple[float, float]:
        """``limit ± t_{df, (1+level)/2} * limit_se`` (metafor's ``ci.lb``, ``ci.ub``)."""
        if not 0.0 < level < 1.0:
            raise ValueError(f"confidence level must lie strictly between 0 and 1, got {level}")
        q = float(special.stdtrit(self.df, 0.5 + level / 2.0))
        return self.limit - q * self.limit_se, self.limit + q * self.limit_se


@dataclass(frozen=True, slots=True)
class RankTest:
    """Begg and Mazumdar's rank correlation test.

    ``tau`` is Kendall's tau-b, ``p`` its two-sided P value; ``exact`` says whether ``p``
    comes from the exact permutation distribution (no ties) or from the normal
    approximation with the tie-corrected variance.
    """

    tau: float
    p: float
    exact: bool
    k: int


@dataclass(frozen=True, slots=True)
class TrimFill:
    """Result of trim and fill.

    Attributes
    ----------
    k0
        Estimated number of missing studies (as filled in).
    side
        ``"left"`` or ``"right"``: the side of the funnel plot where studies are missing
        (and were filled in).
    estimator
        ``"L0"``, ``"R0"`` or ``"Q0"``.
    se_k0
        Standard error of the estimator of ``k0`` (metafor's ``se.k0``).
    p_k0
        For R0: P value of the test of ``k0 = 0``, ``0.5^(k0 + 1)`` (metafor's ``p.k0``);
        None for L0 and Q0.
    y_filled, v_filled
        Estimates and variances of the ``k0`` filled-in studies.
    estimate, se, ci_low, ci_high, z, p, tau2
        Pooled result of the observed plus the filled studies, with the model the
        procedure used (``p`` is two-sided, from the normal distribution).
    k
        Number of studies in that pooled result (observed + filled).
    iterations
        Number of trimming iterations.
    pooled
        The full :class:`~metareview.stats.pooling.Pooled` result (one group).
    """

    k0: int
    side: str
    estimator: str
    se_k0: float
    p_k0: float | None
    y_filled: FloatArray
    v_filled: FloatArray
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p: float
    tau2: float
    k: int
    iterations: int
    pooled: Pooled


@dataclass(frozen=True, slots=True)
class FailSafeN:
    """Fail-safe N.

    ``fsnum`` is the number of studies (``inf`` for Orwin's method with a target of 0);
    Rosenthal's method also gives ``alpha`` and ``p`` (the one-sided P value of Stouffer's
    combined z), Orwin's ``target`` and ``mean_effect`` (the unweighted mean effect).
    Unused fields are None.
    """

    kind: str
    fsnum: float
    k: int
    alpha: float | None = None
    p: float | None = None
    target: float | None = None
    mean_effect: float | None = None


# ----------------------------------------------------------------------------- input


def _vector(x: ArrayLike, name: str) -> FloatArray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one value per study), got {a.shape}")
    return a


def _check_rows(
    fields: dict[str, FloatArray], *, positive: tuple[str, ...] = (), nonneg: tuple[str, ...] = ()
) -> int:
    """Equal lengths, finite values; ``positive`` fields > 0, ``nonneg`` fields >= 0."""
    sizes = {n: a.size for n, a in fields.items()}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{n}: {s}" for n, s in sizes.items())
        raise ValueError(f"all inputs need one value per study, got lengths {detail}")
    problems: list[Problem] = []
    for name, a in fields.items():
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(a)
            if name in positive:
                bad |= ~(a > 0)
            elif name in nonneg:
                bad |= ~(a >= 0)
        for i in np.flatnonzero(bad):
            val = a[i]
            if not np.isfinite(val):
                what, fix = "is missing or not finite", "leave the row out or supply the value"
            elif name in positive:
                what, fix = "must be positive", "leave the row out (it has no weight)"
            else:
                what, fix = "must not be negative", "correct the value"
            problems.append(
                Problem(f"{name} {what}", fix, row=int(i) + 1, field=name, value=repr(float(val)))
            )
    if problems:
        raise DataError(problems)
    return next(iter(sizes.values()))


def _check_k(k: int, need: int, test: str) -> None:
    if k < need:
        raise ValueError(f"{test} needs at least {need} studies, got k = {k}")
    if k < MIN_STUDIES:
        warnings.warn(
            f"{test} on k = {k} studies: with fewer than {MIN_STUDIES} studies, tests for "
            "funnel-plot asymmetry and the methods built on it have too little power to tell "
            "chance from real asymmetry (Cochrane Handbook §13.3.5.4)",
            FewStudiesWarning,
            stacklevel=3,
        )


# ----------------------------------------------------------------------------- regression


def _t_p(t: float, df: int) -> float:
    """Two-sided P of Student's t (0 for an infinite t from a perfect fit, NaN for NaN)."""
    return float(2.0 * special.stdtr(df, -abs(t)))


def _regression(
    test: str, y: FloatArray, x: FloatArray, w: FloatArray | None, tested: int, xname: str
) -> RegressionTest:
    """(Weighted) least squares ``y = b0 + b1 x``, the usual residual-variance t test.

    ``tested`` is the index (0 intercept, 1 slope) of the coefficient tested; the other
    one is reported as ``limit``.  Solved by QR of the ``sqrt(w)``-scaled design, as R's
    ``lm``; the covariance is ``s² (X'WX)^-1`` with ``s² = sum w r² / (k - 2)``.
    """
    k = y.size
    scale = float(np.max(np.abs(x)))
    if not scale > 0 or float(np.ptp(x)) <= _RANK_TOL * scale:
        raise ValueError(
            f"{test}: {xname} is the same in every study, so the regression on it is not "
            "defined (the model matrix is not of full rank; metafor and lm() stop too)"
        )
    sw = np.ones(k) if w is None else np.sqrt(w)
    design = np.column_stack((sw, sw * x))
    q, r = np.linalg.qr(design)
    beta = np.linalg.solve(r, q.T @ (sw * y))
    resid = sw * y - design @ beta
    df = k - 2
    s2 = float(resid @ resid) / df
    r_inv = np.linalg.inv(r)
    cov = s2 * (r_inv @ r_inv.T)
    b, se = float(beta[tested]), math.sqrt(float(cov[tested, tested]))
    other = 1 - tested
    with np.errstate(divide="ignore", invalid="ignore"):
        t = float(np.float64(b) / np.float64(se))
    return RegressionTest(
        test=test,
        coef=b,
        se=se,
        t=t,
        df=df,
        p=_t_p(t, df),
        limit=float(beta[other]),
        limit_se=math.sqrt(float(cov[other, other])),
        k=k,
    )


def egger(y: ArrayLike, v: ArrayLike) -> RegressionTest:
    """Egger's regression test for funnel-plot asymmetry (Egger et al. 1997).

    Weighted least squares of the estimate on its standard error,

    .. math:: y_i = \\beta_0 + \\beta_1 \\sqrt{v_i} + e_i,
              \\qquad \\text{weights } 1/v_i,
              \\qquad \\operatorname{Var}(e_i) = \\phi v_i,

    which is the same fit as Egger's original ``y_i/se_i = β1 + β0 (1/se_i)`` (standard
    normal deviate on precision): the asymmetry coefficient ``coef`` is ``β1`` (Egger's
    intercept), tested with ``t = β1/SE(β1)`` on ``k - 2`` degrees of freedom, SE from the
    residual variance ``φ`` (multiplicative dispersion).  ``limit`` is ``β0``, the effect
    expected as ``se -> 0``.

    Equals ``metafor::regtest(rma(yi, vi, method="FE"), model="lm", predictor="sei")``
    (``zval``, ``pval``, ``dfs``, ``est``).

    Parameters
    ----------
    y, v
        Effect estimates (analysis scale, e.g. log odds ratios) and their variances.

    Raises
    ------
    ValueError
        With fewer than 3 studies, or when every study has the same variance (the
        regression on the SE is then not defined; an error, never NaN).
    """
    yy, vv = _vector(y, "y"), _vector(v, "v")
    k = _check_rows({"y": yy, "v": vv}, positive=("v",))
    _check_k(k, 3, "Egger's test")
    return _regression("Egger", yy, np.sqrt(vv), 1.0 / vv, 1, "the standard error")


def _binary(
    events_exp: ArrayLike, n_exp: ArrayLike, events_ctrl: ArrayLike, n_ctrl: ArrayLike
) -> dict[str, FloatArray]:
    f = {
        "events_exp": _vector(events_exp, "events_exp"),
        "n_exp": _vector(n_exp, "n_exp"),
        "events_ctrl": _vector(events_ctrl, "events_ctrl"),
        "n_ctrl": _vector(n_ctrl, "n_ctrl"),
    }
    _check_rows(f, nonneg=tuple(f))
    problems = [
        Problem(
            f"{ev} ({f[ev][i]:g}) exceeds {n} ({f[n][i]:g})",
            "correct the counts",
            row=int(i) + 1,
            field=ev,
        )
        for ev, n in (("events_exp", "n_exp"), ("events_ctrl", "n_ctrl"))
        for i in np.flatnonzero(f[ev] > f[n])
    ]
    if problems:
        raise DataError(problems)
    return f


def peters(
    events_exp: ArrayLike,
    n_exp: ArrayLike,
    events_ctrl: ArrayLike,
    n_ctrl: ArrayLike,
    y: ArrayLike,
) -> RegressionTest:
    """Peters' regression test for binary outcomes (Peters et al. 2006).

    Weighted least squares of the log odds ratio on the inverse of the total sample
    size ``N_i = n_exp + n_ctrl``,

    .. math:: y_i = \\beta_0 + \\beta_1 / N_i + e_i, \\qquad
              w_i = \\left(\\frac{1}{d_i} + \\frac{1}{N_i - d_i}\\right)^{-1},

    with ``d_i`` the total number of events; ``coef`` is the slope ``β1``, tested with
    ``t`` on ``k - 2`` degrees of freedom (residual-variance SE, as ``lm``); ``limit`` is
    ``β0`` (the log OR as ``1/N -> 0``).  Same as ``meta::metabias(method="Peters")``.

    Parameters
    ----------
    events_exp, n_exp, events_ctrl, n_ctrl
        Events and participants per arm.
    y
        Log odds ratios (with whatever continuity correction the analysis used).

    Studies without events or without non-events in both arms together have weight 0
    and are **left out** (as R's ``lm`` does with zero weights: they count neither in
    the fit nor in the degrees of freedom); ``k`` counts the studies used.  Their ``y``
    must still be finite.

    Raises
    ------
    ValueError
        With fewer than 3 studies of positive weight, or equal total sample sizes in all
        of them.
    """
    f = _binary(events_exp, n_exp, events_ctrl, n_ctrl)
    yy = _vector(y, "y")
    _check_rows({**f, "y": yy})
    big_n = f["n_exp"] + f["n_ctrl"]
    events = f["events_exp"] + f["events_ctrl"]
    non_events = big_n - events
    keep = (events > 0) & (non_events > 0)  # weight 0 otherwise: left out, as lm() does
    _check_k(int(keep.sum()), 3, "Peters' test")
    w = 1.0 / (1.0 / events[keep] + 1.0 / non_events[keep])
    return _regression("Peters", yy[keep], 1.0 / big_n[keep], w, 1, "the total sample size")


def harbord(
    events_exp: ArrayLike, n_exp: ArrayLike, events_ctrl: ArrayLike, n_ctrl: ArrayLike
) -> RegressionTest:
    """Harbord's modified regression test for binary outcomes (Harbord et al. 2006).

    From the efficient score ``Z`` and its variance ``V`` of the log odds ratio at 0
    (raw counts ``a`` events / ``b`` non-events experimental, ``c``/``d`` control,
    ``N = a + b + c + d``),

    .. math:: Z_i = a_i - \\frac{(a_i + b_i)(a_i + c_i)}{N_i},\\qquad
              V_i = \\frac{(a_i + b_i)(c_i + d_i)(a_i + c_i)(b_i + d_i)}{N_i^2 (N_i - 1)},

    ordinary least squares of ``Z/sqrt(V)`` on ``sqrt(V)``; ``coef`` is the intercept,
    tested with ``t`` on ``k - 2`` degrees of freedom; ``limit`` is the slope (an estimate
    of the log odds ratio).  Same as ``meta::metabias(method="Harbord")``.

    Studies with ``V = 0`` (no events or no non-events in both arms together, or an empty
    arm) carry no information and are **left out**; ``k`` counts the studies used.

    Raises
    ------
    ValueError
        With fewer than 3 studies with ``V > 0``, or equal ``V`` in all of them.
    """
    f = _binary(events_exp, n_exp, events_ctrl, n_ctrl)
    a, c = f["events_exp"], f["events_ctrl"]
    n1, n2 = f["n_exp"], f["n_ctrl"]
    b, d = n1 - a, n2 - c
    big_n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        var = n1 * n2 * (a + c) * (b + d) / (big_n * big_n * (big_n - 1.0))
        keep = np.isfinite(var) & (var > 0)
        score = a - n1 * (a + c) / big_n
    _check_k(int(keep.sum()), 3, "Harbord's test")
    sv = np.sqrt(var[keep])
    return _regression("Harbord", score[keep] / sv, sv, None, 0, "the score variance")


# ----------------------------------------------------------------------------- rank test


def _kendall_lower_tail(q: int, n: int) -> float:
    """``P(T <= q)`` for the number ``T`` of concordant pairs among ``n`` untied pairs.

    Under independence ``T`` has the Mahonian distribution (inversions of a random
    permutation): ``P_n(t) = (1/n) sum_{i=0}^{n-1} P_{n-1}(t - i)``.  Only ``t <= q`` is
    needed, so the recursion keeps the lower tail and runs in ``O(n q)``; the running sum
    from the left keeps small tail probabilities accurate relative to their size.
    """
    if q < 0:
        return 0.0
    if q >= n * (n - 1) // 2:
        return 1.0
    p = np.ones(1)  # n = 1: T = 0
    for m in range(2, n + 1):
        size = min(m * (m - 1) // 2 + 1, q + 1)
        c = np.zeros(size + 1)
        used = min(p.size, size)
        np.cumsum(p[:used], out=c[1 : used + 1])
        c[used + 1 :] = c[used]
        idx = np.arange(1, size + 1)
        p = (c[idx] - c[np.maximum(idx - m, 0)]) / m
    return float(p[: q + 1].sum())


def begg(y: ArrayLike, v: ArrayLike) -> RankTest:
    """Begg and Mazumdar's rank correlation test (Begg & Mazumdar 1994).

    Kendall's tau-b between the standardized deviates from the fixed-effect estimate and
    the variances,

    .. math:: y_i^* = \\frac{y_i - \\hat\\theta}{\\sqrt{v_i - 1/\\sum_j w_j}},\\qquad
              \\hat\\theta = \\frac{\\sum w_j y_j}{\\sum w_j},\\ w_j = 1/v_j,

    as ``metafor::ranktest``.  The P value (two-sided) is the one R's ``cor.test(...,
    method="kendall", exact=TRUE)`` gives, which is what ranktest calls: with no ties in
    either variable, from the exact permutation distribution of the number ``T`` of
    concordant pairs (``2 P(T >= t)`` or ``2 P(T <= t)``, capped at 1) **whatever the
    number of studies** (ranktest forces ``exact=TRUE``, so cor.test's own rule, exact only
    below 50 observations, does not apply); with ties, from the normal approximation
    ``z = S / sqrt(Var S)`` with the tie-corrected variance (Kendall 1976) and no
    continuity correction.

    R computes the exact distribution with factorials and returns NaN above 170 studies;
    here it is exact up to ``KENDALL_EXACT_MAX`` (1000) studies and normal above.

    Raises
    ------
    ValueError
        With fewer than 3 studies.
    """
    yy, vv = _vector(y, "y"), _vector(v, "v")
    k = _check_rows({"y": yy, "v": vv}, positive=("v",))
    _check_k(k, 3, "Begg's rank correlation test")
    w = 1.0 / vv
    theta = float(np.sum(w * yy) / np.sum(w))
    ystar = (yy - theta) / np.sqrt(vv - 1.0 / np.sum(w))
    tau = float(stats.kendalltau(ystar, vv, variant="b").statistic)
    if not math.isfinite(tau):
        return RankTest(tau=float("nan"), p=float("nan"), exact=False, k=k)
    ties = np.unique(ystar).size < k or np.unique(vv).size < k
    if not ties and k <= KENDALL_EXACT_MAX:
        half = k * (k - 1) // 2
        q = round((tau + 1.0) * k * (k - 1) / 4.0)
        tail = _kendall_lower_tail(min(q, half - q), k)  # the distribution is symmetric
        return RankTest(tau=tau, p=min(2.0 * tail, 1.0), exact=True, k=k)
    _, xt = np.unique(ystar, return_counts=True)
    _, yt = np.unique(vv, return_counts=True)
    xt, yt = xt.astype(np.float64), yt.astype(np.float64)
    t0 = k * (k - 1) / 2.0
    t1, t2 = float(np.sum(xt * (xt - 1))) / 2.0, float(np.sum(yt * (yt - 1))) / 2.0
    s = tau * math.sqrt((t0 - t1) * (t0 - t2))
    var_s = (
        (k * (k - 1) * (2 * k + 5) - np.sum(xt * (xt - 1) * (2 * xt + 5)))
        - np.sum(yt * (yt - 1) * (2 * yt + 5))
    ) / 18.0
    var_s += np.sum(xt * (xt - 1)) * np.sum(yt * (yt - 1)) / (2.0 * k * (k - 1))
    var_s += (
        np.sum(xt * (xt - 1) * (xt - 2))
        * np.sum(yt * (yt - 1) * (yt - 2))
        / (9.0 * k * (k - 1) * (k - 2))
    )
    z = s / math.sqrt(float(var_s))
    return RankTest(tau=tau, p=float(2.0 * special.ndtr(-abs(z))), exact=False, k=k)


# ----------------------------------------------------------------------------- trim and fill


def _fit(y: FloatArray, v: FloatArray, random: bool, tau2_method: str, level: float) -> Pooled:
    eff = generic_inverse_variance(y, np.sqrt(v))
    groups = Groups.from_counts(np.array([y.size]))
    return pool(eff, groups, random=random, tau2_method=tau2_method, level=level)


def _wls2(y: FloatArray, x: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Coefficients of ``y = b0 + b1 x`` with weights ``w`` and ``(X'WX)^-1``."""
    sw, swx, swxx = w.sum(), (w * x).sum(), (w * x * x).sum()
    det = sw * swxx - swx * swx
    inv = np.array([[swxx, -swx], [-swx, sw]]) / det
    beta = inv @ np.array([(w * y).sum(), (w * x * y).sum()])
    return beta, inv


def _auto_side(y: FloatArray, v: FloatArray, random: bool, tau2_method: str) -> str:
    """metafor's rule: regress ``y`` on ``sqrt(v)`` with the analysis' model; a negative
    slope means small studies show smaller effects, i.e. studies are missing on the right."""
    se = np.sqrt(v)
    if float(np.ptp(se)) <= _RANK_TOL * float(np.max(se)):
        raise ValueError(
            "trim and fill cannot choose the side automatically when every study has the "
            "same variance (the regression on the SE is not defined; metafor fails too): "
            "pass side='left' or side='right'"
        )
    if random and y.size < 3:
        raise ValueError(
            "trim and fill with random effects needs at least 3 studies to choose the side "
            "automatically (the meta-regression on the SE has no degree of freedom left for "
            "tau²; metafor fails too): pass side='left' or side='right'"
        )
    # a slope within rounding noise of 0 (e.g. a perfectly symmetric funnel) counts as 0
    if not random:
        beta, inv = _wls2(y, se, 1.0 / v)
        slope, slope_se = float(beta[1]), float(np.sqrt(inv[1, 1]))
    else:
        from metareview.stats.metareg import meta_regression

        X = np.column_stack([np.ones_like(se), se])
        fit = meta_regression(y, v, X, tau2_method=tau2_method)
        slope, slope_se = float(fit.beta[1]), float(fit.se[1])
    return "right" if slope < -1e-10 * slope_se else "left"


def trim_and_fill(
    y: ArrayLike,
    v: ArrayLike,
    *,
    estimator: str = "L0",
    side: str | None = None,
    random: bool = False,
    tau2_method: str = "DL",
    level: float = 0.95,
    maxiter: int = 100,
) -> TrimFill:
    """Duval and Tweedie's trim and fill, as ``metafor::trimfill.rma.uni``.

    Algorithm (``k`` studies, all pooled with the same model: fixed effect, or random
    effects with ``tau2_method``):

    1. **Side.** Unless given, the side with the missing studies is chosen as metafor
       does: fit the meta-regression ``y ~ sqrt(v)`` with the model (tau² of the
       regression by the estimator's ``rma.uni`` formula); a negative slope means
       ``"right"``, otherwise ``"left"``.  For ``"right"`` the estimates are negated, so
       that the studies are always missing on the left below.
    2. **Trim.** Sort the estimates; starting from ``k0 = 0``, repeat: pool the ``k - k0``
       smallest estimates to ``θ``; rank ``|y_i - θ|`` over *all* ``k`` studies (ties by
       position, R's ``ties.method="first"``), give the ranks the sign of ``y_i - θ``,
       ``S_r`` = sum of the positive ranks, ``γ*`` = length of the run of positive ranks
       at the top, and

       .. math:: L_0 = \\frac{4 S_r - k(k+1)}{2k - 1},\\qquad R_0 = \\gamma^* - 1,\\qquad
                 Q_0 = k - \\tfrac12 - \\sqrt{2k^2 - 4 S_r + \\tfrac14},

       ``k0 = max(0, round(estimator))`` (round half to even) until ``k0`` repeats
       (``maxiter`` iterations at most).
    3. **Fill.** Mirror the ``k0`` largest estimates about the final trimmed ``θ``
       (``2θ - y_i``, same variances) and pool observed plus filled studies.

    ``se_k0`` is metafor's: ``sqrt(2 max(0, R0) + 2)`` for R0;
    ``4 sqrt(Var S_r)/(2k - 1)`` for L0 and ``2 sqrt(Var S_r)/sqrt((k - 1/2)^2 -
    k0(2k - k0 - 1))`` for Q0, with ``Var S_r = [k(k+1)(2k+1) + 10k0³ + 27k0² + 17k0 -
    18k k0² - 18k k0 + 6k² k0]/24`` at the unrounded ``k0`` of the last iteration.

    Parameters
    ----------
    y, v
        Effect estimates and variances of one analysis.
    estimator
        ``"L0"`` (default), ``"R0"`` or ``"Q0"``.
    side
        ``"left"``, ``"right"`` or None (chosen automatically, see above).
    random, tau2_method
        The model: fixed effect (default, as ``rma(method="FE")``) or random effects
        with the tau² estimator (one of :data:`metareview.stats.tau2.TAU2_METHODS`).
    level
        Confidence level of the pooled CI.
    maxiter
        Iterations allowed before :class:`RuntimeError` (metafor stops too).

    Notes
    -----
    Where R0 finds no negative rank (every study lies above ``θ``), metafor's
    ``max()`` of an empty set makes it fail; here ``γ* = k``, so ``R0 = k - 1``.

    Raises
    ------
    ValueError
        With fewer than 2 studies, an unknown option, or when the side cannot be chosen
        automatically (all variances equal; random effects with 2 studies).
    RuntimeError
        When ``k0`` does not settle within ``maxiter`` iterations.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown trim-and-fill estimator {estimator!r}; use one of {ESTIMATORS}")
    if side not in (None, "left", "right"):
        raise ValueError(f"side must be 'left', 'right' or None (automatic), got {side!r}")
    tau2_method = tau2_method.upper()
    if tau2_method not in _tau2.TAU2_METHODS:
        raise ValueError(f"unknown tau² estimator {tau2_method!r}; use one of {_tau2.TAU2_METHODS}")
    yy, vv = _vector(y, "y"), _vector(v, "v")
    k = _check_rows({"y": yy, "v": vv}, positive=("v",))
    _check_k(k, 2, "Trim and fill")
    if side is None:
        side = _auto_side(yy, vv, random, tau2_method)
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * yy, kind="stable")  # R: sort(yi, index.return=TRUE), stable
    ys, vs = sign * yy[order], vv[order]

    k0, k0_prev, it = 0, -1, 0
    se_k0, theta = float("nan"), float("nan")
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            raise RuntimeError(
                f"trim and fill did not converge within {maxiter} iterations (k0 oscillates); "
                "try another estimator or a larger maxiter"
            )
        theta = float(_fit(ys[: k - k0], vs[: k - k0], random, tau2_method, level).estimate[0])
        dev = ys - theta
        rank = np.empty(k)
        rank[np.argsort(np.abs(dev), kind="stable")] = np.arange(1, k + 1)  # ties: "first"
        signed = np.sign(dev) * rank
        if estimator == "R0":
            neg = -signed[signed < 0]
            raw = (k - (float(neg.max()) if neg.size else 0.0)) - 1.0
            se_k0 = math.sqrt(2.0 * max(0.0, raw) + 2.0)
        else:
            s_r = float(signed[signed > 0].sum())
            if estimator == "L0":
                raw = (4.0 * s_r - k * (k + 1.0)) / (2.0 * k - 1.0)
            else:
                disc = 2.0 * k * k - 4.0 * s_r + 0.25
                if disc < 0:
                    raise ValueError(
                        f"the Q0 estimator is undefined here (2k² - 4 S_r + 1/4 = {disc:g} < 0; "
                        "metafor fails too); use L0 or R0"
                    )
                raw = k - 0.5 - math.sqrt(disc)
            var_sr = (
                k * (k + 1.0) * (2.0 * k + 1.0)
                + 10.0 * raw**3
                + 27.0 * raw**2
                + 17.0 * raw
                - 18.0 * k * raw**2
                - 18.0 * k * raw
                + 6.0 * k * k * raw
            ) / 24.0
            with np.errstate(invalid="ignore"):  # NaN where Var S_r < 0, as metafor
                if estimator == "L0":
                    se_k0 = float(4.0 * np.sqrt(var_sr) / (2.0 * k - 1.0))
                else:
                    d2 = (k - 0.5) ** 2 - raw * (2 * k - raw - 1)
                    se_k0 = float(2.0 * np.sqrt(var_sr) / np.sqrt(d2))
            se_k0 = max(0.0, se_k0) if math.isfinite(se_k0) else float("nan")
        k0 = max(0, round(raw))  # Python's round: half to even, as R's round()

    y_fill = sign * (2.0 * theta - ys[k - k0 :]) if k0 else np.empty(0)
    v_fill = vs[k - k0 :].copy() if k0 else np.empty(0)
    y_all, v_all = np.concatenate((yy, y_fill)), np.concatenate((vv, v_fill))
    res = _fit(y_all, v_all, random, tau2_method, level)
    return TrimFill(
        k0=int(k0),
        side=side,
        estimator=estimator,
        se_k0=se_k0,
        p_k0=0.5 ** (k0 + 1) if estimator == "R0" else None,
        y_filled=y_fill,
        v_filled=v_fill,
        estimate=float(res.estimate[0]),
        se=float(res.se[0]),
        ci_low=float(res.ci_low[0]),
        ci_high=float(res.ci_high[0]),
        z=float(res.z[0]),
        p=float(res.p_z[0]),
        tau2=float(res.tau2[0]),
        k=k + k0,
        iterations=it,
        pooled=res,
    )


# ----------------------------------------------------------------------------- fail-safe N


def _round_fsn(x: float) -> float:
    """metafor: ``ceiling`` unless within ``sqrt(eps)`` of an integer (then ``round``)."""
    if math.isinf(x):
        return x
    if abs(x - round(x)) >= math.sqrt(np.finfo(float).eps):
        return float(math.ceil(x))
    return float(round(x))


def fail_safe_n(
    y: ArrayLike,
    v: ArrayLike | None = None,
    *,
    kind: str = "rosenthal",
    alpha: float = 0.05,
    target: float | None = None,
) -> FailSafeN:
    """Fail-safe N, as ``metafor::fsn`` (``type="Rosenthal"`` or ``"Orwin"``).

    Rosenthal (1979), Stouffer's method: with ``z_i = y_i/sqrt(v_i)`` and
    ``Z = |sum z_i| / sqrt(k)`` (one-sided ``p = 1 - Φ(Z)``), the number of null
    studies that would bring the combined z down to ``z_α = Φ^{-1}(1 - α)``:

    .. math:: N_{fs} = \\max\\left(0,\\ k \\left(\\frac{Z}{z_\\alpha}\\right)^2 - k\\right).

    Orwin (1983): the number of studies with effect 0 that would bring the unweighted
    mean effect ``ȳ`` down to ``target`` (default ``ȳ/2``, metafor's default, which gives
    ``N = k``; the target's sign is made that of ``ȳ``; ``inf`` for a target of 0):

    .. math:: N_{fs} = \\max\\left(0,\\ k\\,\\frac{\\bar y - \\text{target}}{\\text{target}}
              \\right).

    ``fsnum`` is rounded up to a whole number (unless within ``sqrt(eps)`` of one), as
    metafor does.

    Parameters
    ----------
    y, v
        Effect estimates and variances (``v`` is not used by Orwin's method and may be
        None there).
    kind
        ``"rosenthal"`` or ``"orwin"`` (case-insensitive).
    alpha
        One-sided significance level of Rosenthal's method.
    target
        Orwin's target mean effect.
    """
    kind_l = kind.lower()
    if kind_l not in ("rosenthal", "orwin"):
        raise ValueError(f"unknown fail-safe N kind {kind!r}; use 'rosenthal' or 'orwin'")
    yy = _vector(y, "y")
    if kind_l == "rosenthal":
        if v is None:
            raise ValueError("Rosenthal's fail-safe N needs the variances v")
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
        vv = _vector(v, "v")
        k = _check_rows({"y": yy, "v": vv}, positive=("v",))
        _check_k(k, 1, "Rosenthal's fail-safe N")
        z_avg = abs(float(np.sum(yy / np.sqrt(vv)))) / math.sqrt(k)
        p = float(special.ndtr(-z_avg))
        fsn = max(0.0, k * (z_avg / float(special.ndtri(1.0 - alpha))) ** 2 - k)
        return FailSafeN("Rosenthal", _round_fsn(fsn), k, alpha=alpha, p=p)
    k = _check_rows({"y": yy})
    _check_k(k, 1, "Orwin's fail-safe N")
    mean = float(np.mean(yy))
    tgt = mean / 2.0 if target is None else float(target)
    if tgt == 0.0:
        fsn = math.inf
    else:
        if np.sign(tgt) != np.sign(mean):
            tgt = -tgt
        fsn = max(0.0, k * (mean - tgt) / tgt)
    return FailSafeN("Orwin", _round_fsn(fsn), k, target=tgt, mean_effect=mean)
