"""Sensitivity and influence diagnostics of one meta-analysis, vectorized.

Every diagnostic here needs many refits of the same analysis: without study ``i``
(leave-one-out, influence, Baujat) or on the first ``1, 2, ..., k`` studies (cumulative
meta-analysis).  Rather than refitting in a Python loop, each function lays all the refits
out as one batch of flat study rows with a group index (``k`` groups of ``k - 1`` rows, or
``k`` groups of ``1 .. k`` rows, built with numpy index arithmetic) and pools the whole
batch with a single :func:`~metareview.stats.pooling.pool` call.

Reference implementation: R metafor 3.8-1 (Viechtbauer 2010), functions
``leave1out.rma.uni``, ``cumul.rma.uni``, ``influence.rma.uni`` and ``baujat.rma``;
the quantities below follow their source code line by line.  Rows that are not estimable
play the part of metafor's missing values (``na.action = "na.exclude"``): they take no part
in any fit and their own entries are NaN.

Conventions shared with metafor (and differing from :class:`~metareview.stats.Pooled`):

* ``z`` is the *signed* test statistic ``estimate / se`` (metafor's ``zval``);
* a fit with a single study reports ``q = 0``, ``p_q = 1``, ``i2 = 0``, ``h2 = 1`` and
  ``tau2 = 0`` (metafor's ``k = 1`` branch of ``rma.uni``), not NaN.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. *Journal of
Statistical Software* 36(3):1-48.
Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for meta-analysis.
*Research Synthesis Methods* 1:112-125.
Baujat B, Mahé C, Pignon J-P, Hill C (2002). A graphical method for exploring heterogeneity
in meta-analyses: application to a meta-analysis of 65 trials. *Statistics in Medicine*
21:2641-2652.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from metareview.stats._groups import BoolArray, FloatArray, Groups, IntArray
from metareview.stats.effects import StudyEffects
from metareview.stats.pooling import Pooled, pool

__all__ = [
    "Baujat",
    "Cumulative",
    "Influence",
    "LeaveOneOut",
    "baujat",
    "cumulative",
    "influence",
    "leave_one_out",
]

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, slots=True)
class LeaveOneOut:
    """The ``k`` fits each omitting one study (metafor ``leave1out``).

    Every array has one entry per row of the input :class:`StudyEffects`; entry ``i`` is
    the fit without row ``omitted[i] == i``.  Estimates are on the analysis scale (e.g.
    log OR).  Entries of rows that are not estimable, and of fits with no study left, are
    NaN (``k`` is 0 there).

    Attributes
    ----------
    omitted
        Row index of the omitted study.
    k
        Number of studies in the fit.
    estimate, se, ci_low, ci_high
        Pooled estimate, its standard error and confidence limits.
    z, p
        Signed test statistic ``estimate / se`` and its two-sided P value.
    q, p_q
        Cochran's Q of the fit (inverse-variance, fixed-effect weights) and its P value.
    i2, h2
        I² (percent) and H² as in metafor: from Q for fixed effect, from tau² for random
        effects (``100 tau²/(tau² + s²)``, ``tau²/s² + 1`` with the typical variance s²).
    tau2
        Between-study variance of the fit (0 for fixed effect).
    converged
        False where an iterative tau² estimator did not converge.
    """

    omitted: IntArray
    k: IntArray
    estimate: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    z: FloatArray
    p: FloatArray
    q: FloatArray
    p_q: FloatArray
    i2: FloatArray
    h2: FloatArray
    tau2: FloatArray
    converged: BoolArray


@dataclass(frozen=True, slots=True)
class Cumulative:
    """Cumulative meta-analysis: fits on the first ``1, 2, ..., k`` studies (metafor ``cumul``).

    Entry ``j`` (one per input row) is the fit after adding row ``added[j]``, i.e. on rows
    ``added[:j + 1]``.  A step that adds a study that is not estimable is NaN (``k`` 0);
    the following steps simply go on without that study.  The other attributes are those
    of :class:`LeaveOneOut`.
    """

    added: IntArray
    k: IntArray
    estimate: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    z: FloatArray
    p: FloatArray
    q: FloatArray
    p_q: FloatArray
    i2: FloatArray
    h2: FloatArray
    tau2: FloatArray
    converged: BoolArray


@dataclass(frozen=True, slots=True)
class Influence:
    """Case-deletion diagnostics of an inverse-variance model (metafor ``influence.rma.uni``).

    One entry per input row; NaN (and ``influential`` False) for rows that are not
    estimable and for every row when fewer than two studies are estimable.

    Attributes
    ----------
    rstudent
        Externally standardized residual ``(y_i - mu_(-i)) / sqrt(v_i + tau²_(-i) + Var mu_(-i))``.
    dffits
        ``(mu - mu_(-i)) / sqrt(h_i (tau²_(-i) + v_i))``.
    cook_d
        Cook's distance ``(mu - mu_(-i))² / Var mu``.
    cov_r
        Covariance ratio ``Var mu_(-i) / Var mu``.
    tau2_del, q_del
        tau² and Cochran's Q of the fit without study ``i``.
    hat
        Leverage ``h_i = w_i / sum w``, ``w_i = 1/(v_i + tau²)`` (set to 1 above ``1 - 10 eps``).
    weight
        Weight in percent, ``100 w_i / sum w``.
    dfbs
        DFBETAS ``(mu - mu_(-i)) / sqrt(1 / sum_j 1/(v_j + tau²_(-i)))`` (sum over *all* j).
    influential
        metafor's flag: ``|dffits| > 3 sqrt(1/(k-1))``, or ``P(chi²_1 <= cook_d) > 0.5``,
        or ``hat > 3/k``, or ``|dfbs| > 1``.
    """

    rstudent: FloatArray
    dffits: FloatArray
    cook_d: FloatArray
    cov_r: FloatArray
    tau2_del: FloatArray
    q_del: FloatArray
    hat: FloatArray
    weight: FloatArray
    dfbs: FloatArray
    influential: BoolArray


@dataclass(frozen=True, slots=True)
class Baujat:
    """Baujat plot coordinates (metafor ``baujat.rma``), one entry per input row.

    Attributes
    ----------
    x
        Contribution to heterogeneity, the squared Pearson residual
        ``(y_i - mu)² / (v_i + tau²)`` (full-model mu and tau²; ``tau² = 0`` for fixed
        effect, when the ``x`` values sum to Cochran's Q).
    y
        Influence on the pooled result ``(mu_(-i) - mu)² / Var mu_(-i)``, the fit without
        study ``i`` re-estimating tau².
    """

    x: FloatArray
    y: FloatArray


# --- batch layout ------------------------------------------------------------------------


def _loo_batch(rows: IntArray) -> tuple[IntArray, Groups]:
    """Row indices and groups for the ``m`` leave-one-out fits of ``rows`` (``m = rows.size``).

    Group ``i`` holds ``rows[j]`` for every ``j != i``, in order: with ``t = 0 .. m-2``
    within the group, ``j = t + (t >= i)``.
    """
    m = rows.size
    size = max(m - 1, 0)
    group = np.repeat(np.arange(m, dtype=np.intp), size)
    t = np.tile(np.arange(size, dtype=np.intp), m)
    t += t >= group
    return rows[t], Groups(group, m)


def _cumulative_batch(rows: IntArray) -> tuple[IntArray, Groups]:
    """Row indices and groups for the prefixes ``rows[:1], rows[:2], ..., rows[:m]``."""
    m = rows.size
    counts = np.arange(1, m + 1, dtype=np.intp)
    group = np.repeat(np.arange(m, dtype=np.intp), counts)
    starts = np.cumsum(counts) - counts
    within = np.arange(group.size, dtype=np.intp) - np.repeat(starts, counts)
    return rows[within], Groups(group, m)


def _loo_pool(effects: StudyEffects, rows: IntArray, **options: Any) -> Pooled:
    """The leave-one-out fits of ``rows`` as one :func:`pool` call."""
    idx, groups = _loo_batch(rows)
    return pool(effects.take(idx), groups, **options)


def _single_pool(effects: StudyEffects, rows: IntArray, **options: Any) -> Pooled:
    """The fit on all of ``rows`` (a batch of one group)."""
    return pool(effects.take(rows), Groups(np.zeros(rows.size, dtype=np.intp), 1), **options)


# --- result assembly ---------------------------------------------------------------------


def _fit_arrays(p: Pooled) -> dict[str, Any]:
    """Per-fit arrays in metafor's conventions (signed z; the k = 1 heterogeneity values)."""
    one = p.k == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        z = p.estimate / p.se
    h2 = p.h2 if p.h2 is not None else np.full(p.k.size, np.nan)
    conv = p.tau2_converged if p.tau2_converged is not None else np.ones(p.k.size, dtype=bool)
    return {
        "estimate": p.estimate,
        "se": p.se,
        "ci_low": p.ci_low,
        "ci_high": p.ci_high,
        "z": z,
        "p": p.p_z,
        "q": np.where(one, 0.0, p.q),
        "p_q": np.where(one, 1.0, p.p_q),
        "i2": np.where(one, 0.0, p.i2),
        "h2": np.where(one, 1.0, h2),
        "tau2": np.where(one, 0.0, p.tau2),
        "k": p.k,
        "converged": conv,
    }


def _scatter(values: dict[str, Any], at: IntArray, n: int) -> dict[str, Any]:
    """Place per-fit arrays at positions ``at`` of length-``n`` arrays (NaN / 0 / True else)."""
    out: dict[str, Any] = {}
    for name, v in values.items():
        arr = np.asarray(v)
        if arr.dtype == np.bool_:
            full: Any = np.ones(n, dtype=bool)
        elif np.issubdtype(arr.dtype, np.integer):
            full = np.zeros(n, dtype=np.intp)
        else:
            full = np.full(n, np.nan)
        full[at] = arr
        out[name] = full
    return out


def _nan(n: int) -> FloatArray:
    return np.full(n, np.nan)


# --- public API --------------------------------------------------------------------------


def leave_one_out(
    effects: StudyEffects,
    *,
    method: str = "IV",
    measure: str | None = None,
    random: bool = False,
    level: float = 0.95,
    tau2_method: str = "DL",
    ci_method: str = "z",
) -> LeaveOneOut:
    """Refit the analysis ``k`` times, each time without one study.

    The ``k`` fits are one :func:`~metareview.stats.pooling.pool` call on a batch of ``k``
    groups of ``k - 1`` rows (``k (k - 1)`` rows in all), so the options mean exactly what
    they mean there (``method``, ``measure``, ``random``, ``level``, ``tau2_method``,
    ``ci_method``) and every refit re-estimates tau².

    Parameters
    ----------
    effects
        The study rows of one analysis.  Rows that are not estimable are in no fit and get
        NaN.
    method, measure, random, level, tau2_method, ci_method
        As for :func:`~metareview.stats.pooling.pool`.

    Returns
    -------
    LeaveOneOut
        Arrays with one entry per row of ``effects``.

    Notes
    -----
    Matches metafor's ``leave1out(rma(yi, vi, method=...))`` (inverse variance; the
    reference for FE, DL and REML): ``estimate``, ``se``, ``zval``, ``pval``, ``ci.lb``,
    ``ci.ub``, ``Q``, ``Qp``, ``tau2``, ``I2``, ``H2``.  With ``k = 2`` each fit is the
    other study alone (``q = 0``, ``p_q = 1``, ``i2 = 0``, ``h2 = 1``, as metafor).
    """
    n = len(effects)
    rows = np.flatnonzero(effects.estimable).astype(np.intp)
    opts = dict(
        method=method, measure=measure, random=random, level=level,
        tau2_method=tau2_method, ci_method=ci_method,
    )  # fmt: skip
    fits = _scatter(_fit_arrays(_loo_pool(effects, rows, **opts)), rows, n)
    return LeaveOneOut(omitted=np.arange(n, dtype=np.intp), **fits)


def cumulative(
    effects: StudyEffects,
    *,
    order: ArrayLike | None = None,
    method: str = "IV",
    measure: str | None = None,
    random: bool = False,
    level: float = 0.95,
    tau2_method: str = "DL",
    ci_method: str = "z",
) -> Cumulative:
    """Cumulative meta-analysis: fit the first 1, 2, ..., k studies in ``order``.

    All ``k`` fits are one :func:`~metareview.stats.pooling.pool` call on a batch of
    groups of ``1, 2, ..., k`` rows (``k (k + 1) / 2`` rows).

    Parameters
    ----------
    effects
        The study rows of one analysis.
    order
        A permutation of ``range(len(effects))``: the row added at each step (e.g. rows
        sorted by year).  Default: input order.  Note that metafor's ``cumul(order=)``
        takes sort keys instead; pass it the ranks ``argsort(order) + 1``.
    method, measure, random, level, tau2_method, ci_method
        As for :func:`~metareview.stats.pooling.pool`.

    Returns
    -------
    Cumulative
        One entry per step; a step that adds a study that is not estimable is NaN.

    Notes
    -----
    Matches metafor's ``cumul.rma.uni`` (``estimate``, ``se``, ``zval``, ``pvals``,
    ``ci.lb``, ``ci.ub``, ``Q``, ``Qp``, ``tau2``, ``I2``, ``H2``); the first step is the
    first study alone.
    """
    n = len(effects)
    if order is None:
        perm = np.arange(n, dtype=np.intp)
    else:
        perm = np.asarray(order)
        if perm.ndim != 1 or perm.size != n or not np.issubdtype(perm.dtype, np.integer):
            raise ValueError(f"order must be a permutation of 0..{n - 1}")
        perm = perm.astype(np.intp)
        if n and not np.array_equal(np.sort(perm), np.arange(n)):
            raise ValueError(f"order must be a permutation of 0..{n - 1}")
    ok = effects.estimable[perm]
    idx, groups = _cumulative_batch(perm[ok])
    fit = pool(
        effects.take(idx), groups, method=method, measure=measure, random=random,
        level=level, tau2_method=tau2_method, ci_method=ci_method,
    )  # fmt: skip
    fits = _scatter(_fit_arrays(fit), np.flatnonzero(ok), n)
    return Cumulative(added=perm, **fits)


def influence(
    effects: StudyEffects,
    *,
    random: bool = True,
    tau2_method: str = "REML",
    level: float = 0.95,
) -> Influence:
    """Case-deletion influence diagnostics of an inverse-variance model.

    The full model is the inverse-variance fit (random effects with ``tau2_method``, or
    fixed effect when ``random=False``); the deleted fits are the leave-one-out batch (one
    :func:`~metareview.stats.pooling.pool` call), each re-estimating tau².  With ``mu``,
    ``Var mu = 1/sum w``, ``w_i = 1/(v_i + tau²)`` from the full model and ``mu_(-i)``,
    ``Var mu_(-i)``, ``tau²_(-i)``, ``Q_(-i)`` from the fit without study ``i``:

    * ``rstudent = (y_i - mu_(-i)) / sqrt(v_i + tau²_(-i) + Var mu_(-i))`` (a residual
      below ``100 eps`` in absolute value counts as 0);
    * ``dffits = (mu - mu_(-i)) / sqrt(h_i (tau²_(-i) + v_i))`` with the full-model hat
      value ``h_i = w_i / sum w``;
    * ``cook_d = (mu - mu_(-i))² / Var mu``; ``cov_r = Var mu_(-i) / Var mu``;
    * ``dfbs = (mu - mu_(-i)) / sqrt(1 / sum_j 1/(v_j + tau²_(-i)))``, the sum running
      over all ``k`` studies including ``i``;
    * ``weight = 100 h_i``; ``hat = h_i`` (1 when above ``1 - 10 eps``);
    * ``influential``: ``|dffits| > 3 sqrt(1/(k-1))`` or ``pchisq(cook_d, 1) > 0.5`` or
      ``hat > 3/k`` or ``|dfbs| > 1``.

    Parameters
    ----------
    effects
        The study rows of one analysis.
    random
        Random-effects model (default) or fixed effect (``tau² = 0`` throughout).
    tau2_method
        tau² estimator of the full and the deleted fits.
    level
        Confidence level passed to the fits (it does not affect the diagnostics).

    Returns
    -------
    Influence
        One entry per row of ``effects``.

    Notes
    -----
    These are exactly the quantities of metafor's ``influence.rma.uni`` for a model
    without moderators and the default z test (where its ``s2w`` is 1).  Like metafor,
    ``dffits`` mixes the full-model hat value with the deleted tau², and ``dfbs`` uses a
    variance built from all ``k`` studies with the deleted tau².
    """
    n = len(effects)
    rows = np.flatnonzero(effects.estimable).astype(np.intp)
    m = rows.size
    if m < 2:
        nan = _nan(n)
        return Influence(
            nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy(),
            nan.copy(), nan.copy(), np.zeros(n, dtype=bool),
        )  # fmt: skip
    opts = dict(method="IV", random=random, level=level, tau2_method=tau2_method)
    full = _single_pool(effects, rows, **opts)
    dele = _loo_pool(effects, rows, **opts)
    y = effects.y[rows]
    v = effects.se[rows] ** 2
    mu = float(full.estimate[0])
    var_mu = float(full.se[0]) ** 2
    tau2 = float(full.tau2[0]) if random else 0.0
    w = 1.0 / (v + tau2)
    h = w / w.sum()
    hat = np.where(h > 1.0 - 10.0 * _EPS, 1.0, h)
    weight = 100.0 * h
    mu_del = dele.estimate
    var_del = dele.se * dele.se
    tau2_del = np.where(dele.k == 1, 0.0, dele.tau2) if random else np.zeros(m)
    q_del = np.where(dele.k == 1, 0.0, dele.q)
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = y - mu_del
        resid = np.where(np.abs(resid) < 100.0 * _EPS, 0.0, resid)
        rstudent = resid / np.sqrt(v + var_del + tau2_del)
        diff = mu - mu_del
        dffits = diff / np.sqrt(h * (tau2_del + v))
        # sum over all k studies of 1/(v_j + tau²_(-i)) = 1/Var mu_(-i) + 1/(v_i + tau²_(-i))
        dfbs = diff * np.sqrt(1.0 / var_del + 1.0 / (v + tau2_del))
        cook_d = diff * diff / var_mu
        cov_r = var_del / var_mu
        influential = (
            (np.abs(dffits) > 3.0 * np.sqrt(1.0 / (m - 1.0)))
            | (special.chdtr(1.0, np.where(np.isnan(cook_d), 0.0, cook_d)) > 0.5)
            | (hat > 3.0 / m)
            | (np.abs(dfbs) > 1.0)
        )
    at = rows
    out = _scatter(
        {
            "rstudent": rstudent, "dffits": dffits, "cook_d": cook_d, "cov_r": cov_r,
            "tau2_del": tau2_del, "q_del": q_del, "hat": hat, "weight": weight, "dfbs": dfbs,
        },
        at, n,
    )  # fmt: skip
    flag = np.zeros(n, dtype=bool)
    flag[at] = influential
    return Influence(influential=flag, **out)


def baujat(
    effects: StudyEffects,
    *,
    random: bool = False,
    tau2_method: str = "DL",
) -> Baujat:
    """Baujat plot coordinates: contribution to heterogeneity against influence.

    ``x_i = (y_i - mu)² / (v_i + tau²)`` with the full-model ``mu`` and ``tau²`` (a
    residual below ``100 eps`` counts as 0), and ``y_i = (mu_(-i) - mu)² / Var mu_(-i)``
    from the fit without study ``i`` (the leave-one-out batch, one
    :func:`~metareview.stats.pooling.pool` call, re-estimating tau²).

    Parameters
    ----------
    effects
        The study rows of one analysis (inverse-variance weights).
    random
        Random-effects fit with ``tau2_method``; default fixed effect, Baujat's original
        plot, where the ``x`` values sum to Cochran's Q.
    tau2_method
        tau² estimator when ``random``.

    Returns
    -------
    Baujat
        One entry per row of ``effects``; NaN for rows that are not estimable and for all
        rows when fewer than two studies are estimable (metafor stops at ``k = 1``).

    Notes
    -----
    As metafor's ``baujat.rma`` (the values it returns invisibly) for ``rma.uni`` fits.
    """
    n = len(effects)
    rows = np.flatnonzero(effects.estimable).astype(np.intp)
    if rows.size < 2:
        return Baujat(_nan(n), _nan(n))
    opts = dict(method="IV", random=random, tau2_method=tau2_method)
    full = _single_pool(effects, rows, **opts)
    dele = _loo_pool(effects, rows, **opts)
    mu = float(full.estimate[0])
    tau2 = float(full.tau2[0]) if random else 0.0
    y = effects.y[rows]
    v = effects.se[rows] ** 2
    resid = y - mu
    resid = np.where(np.abs(resid) < 100.0 * _EPS, 0.0, resid)
    x = resid * resid / (tau2 + v)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = dele.estimate - mu
        yy = d * d / (dele.se * dele.se)
    out = _scatter({"x": x, "y": yy}, rows, n)
    return Baujat(**out)
