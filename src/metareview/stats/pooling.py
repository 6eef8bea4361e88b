"""Fixed-effect and DerSimonian-Laird pooling, heterogeneity and tests (spec §4-§8).

One call pools any number of analyses: the study rows of all analyses are flat arrays
(a :class:`~metareview.stats.effects.StudyEffects`) and a :class:`~metareview.stats.Groups`
says which analysis each row belongs to.  Every quantity is a per-group reduction
(``reduceat``/``bincount``); there is no Python loop over studies or analyses.

Methods (RevMan 5 names):

* ``"IV"``: inverse variance, ``w = 1/SE^2`` (§4.1);
* ``"MH"``: Mantel-Haenszel OR (Robins-Breslow-Greenland variance), RR (Greenland-Robins)
  and RD (Greenland-Robins/Sato with RevMan's mix of corrected and raw counts, §4.4);
* ``"PETO"``: Peto's ``sum(O - E) / sum(V)``; also used for O - E and variance data (§4.5).

Heterogeneity Q is the inverse-variance-weighted sum of squares around the method's own
fixed-effect estimate (so MH-centred for Mantel-Haenszel, §5).  Random effects are
DerSimonian-Laird with that Q and inverse-variance pooling with ``1/(SE^2 + tau^2)`` (§6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from metareview.stats import tau2 as _tau2
from metareview.stats._groups import BoolArray, FloatArray, Groups, IntArray
from metareview.stats.effects import StudyEffects

__all__ = [
    "CI_METHODS",
    "METHODS",
    "PREDICTION",
    "Pooled",
    "SubgroupTest",
    "normal_quantile",
    "pool",
    "subgroup_test",
]

METHODS = ("IV", "MH", "PETO")
#: CI and test of the pooled effect: Wald z; Wald SE with t(k-1); Hartung-Knapp-Sidik-Jonkman
#: with t(k-1); HKSJ whose SE never falls below the Wald SE (metafor ``test="adhoc"``)
CI_METHODS = ("z", "t", "hksj", "hksj-adhoc")
#: prediction interval: none; normal quantile; t with k-1 df; t with k-2 df (Higgins 2009)
PREDICTION = ("none", "z", "t-k1", "t-k2")


def normal_quantile(level: float) -> float:
    """Two-sided standard normal quantile for a CI ``level`` in (0, 1), e.g. 1.959963984540054."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must lie strictly between 0 and 1, got {level}")
    return float(special.ndtri(1.0 - (1.0 - level) / 2.0))


def chi2_sf(q: FloatArray, df: FloatArray) -> FloatArray:
    """Upper tail of chi-square; NaN where ``df < 1``."""
    with np.errstate(invalid="ignore"):
        p = special.chdtrc(np.where(df >= 1, df, 1.0), np.maximum(q, 0.0))
    return np.where(df >= 1, p, np.nan)


def t_quantile(level: float, df: NDArray[np.floating] | float) -> FloatArray:
    """Two-sided Student t quantile per analysis; NaN where ``df < 1``."""
    d = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        t = special.stdtrit(np.where(d >= 1, d, 1.0), 1.0 - (1.0 - level) / 2.0)
    return np.where(d >= 1, t, np.nan)


def i_squared(q: FloatArray, df: FloatArray) -> FloatArray:
    """``I^2 = max(0, (Q - df)/Q) * 100`` (percent); 0 when Q = 0; NaN when df < 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        i2 = np.where(q > 0, np.maximum(0.0, (q - df) / q) * 100.0, 0.0)
    return np.where(df >= 1, i2, np.nan)


@dataclass(frozen=True, slots=True)
class Pooled:
    """Per-group pooled results (arrays of length ``n_groups``) plus per-row weights.

    All estimates are on the analysis scale.  ``tau2`` is 0 for fixed-effect analyses.
    ``q``, ``df`` and ``p_q`` describe heterogeneity of the method's fixed-effect
    fit (RevMan prints these also for random effects).  ``i2`` and ``h2`` come from Q for
    fixed-effect analyses and from tau² (``tau²/(tau² + s²)``, the RevMan Web 2025 rule,
    equal to RevMan 5's ``(Q - df)/Q`` under DerSimonian-Laird) for random effects.
    Groups with ``k = 0`` are not estimable and hold NaN.

    ``se`` is the standard error the CI and the test use (the Hartung-Knapp one for
    ``ci_method="hksj"``); ``z`` is the test statistic ``|estimate|/se``, referred to the
    normal distribution when ``stat_df`` is None or NaN (a single study) and to Student's
    t with ``stat_df`` degrees of freedom otherwise.  ``se_wald`` is the model-based SE
    ``1/sqrt(sum w)`` when ``se`` is another one (None otherwise); the test for subgroup
    differences uses it.  The P values ``p_z`` and ``p_q`` are computed when read.

    ``weights`` holds, for every row, the weight the row got in its group's pooled
    estimate (MH, IV, Peto V or ``1/(SE^2 + tau^2)``; 0 if not estimable);
    ``weight_sum`` its per-group total.  ``pi_low``/``pi_high`` (prediction interval) and
    the Q-profile bounds ``tau2_ci_low``/``tau2_ci_high``/``i2_ci_low``/``i2_ci_high`` are
    None unless asked for.  ``tau2_converged`` is False where an iterative tau² estimator
    did not converge.
    """

    k: IntArray
    estimate: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    z: FloatArray
    q: FloatArray
    df: FloatArray
    i2: FloatArray
    tau2: FloatArray
    estimable: BoolArray
    weights: FloatArray
    weight_sum: FloatArray
    level: float
    h2: FloatArray | None = None
    se_wald: FloatArray | None = None
    stat_df: FloatArray | None = None
    tau2_method: str = "DL"
    ci_method: str = "z"
    tau2_converged: BoolArray | None = None
    pi_low: FloatArray | None = None
    pi_high: FloatArray | None = None
    tau2_ci_low: FloatArray | None = None
    tau2_ci_high: FloatArray | None = None
    i2_ci_low: FloatArray | None = None
    i2_ci_high: FloatArray | None = None

    @property
    def p_z(self) -> FloatArray:
        """Two-sided P of the test for overall effect (computed on access)."""
        normal = np.asarray(2.0 * special.ndtr(-self.z), dtype=np.float64)
        if self.stat_df is None:
            return normal
        df = self.stat_df
        with np.errstate(invalid="ignore"):
            p = 2.0 * special.stdtr(np.where(df >= 1, df, 1.0), -self.z)
        return np.where(df >= 1, p, normal)  # one study: Wald z (see pool)

    @property
    def p_q(self) -> FloatArray:
        """P of the heterogeneity Chi² test (computed on access; NaN where df = 0)."""
        return chi2_sf(self.q, self.df)


def _fixed_mh(
    eff: StudyEffects, g: Groups, measure: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mantel-Haenszel estimate, SE and per-row MH weights (spec §4.2-§4.4)."""
    cells = eff.cells
    if cells is None:
        raise ValueError("Mantel-Haenszel pooling needs dichotomous 2x2 data")
    a, b, c, d = cells.ac, cells.bc, cells.cc, cells.dc
    n1, n2 = a + b, c + d
    big_n = n1 + n2
    m = eff.estimable
    safe_n = np.where(m, big_n, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "OR":
            r_i = a * d / safe_n
            s_i = b * c / safe_n
            n2sq = safe_n * safe_n
            r, s = g.sum(r_i), g.sum(s_i)
            e = g.sum((a + d) * a * d / n2sq)
            f = g.sum((a + d) * b * c / n2sq)
            gg = g.sum((b + c) * a * d / n2sq)
            h = g.sum((b + c) * b * c / n2sq)
            est = np.log(r / s)
            se = np.sqrt(0.5 * (e / (r * r) + (f + gg) / (r * s) + h / (s * s)))
            return est, se, s_i
        if measure == "RR":
            r_i = a * n2 / safe_n
            s_i = c * n1 / safe_n
            r, s = g.sum(r_i), g.sum(s_i)
            p = g.sum((n1 * n2 * (a + c) - a * c * safe_n) / (safe_n * safe_n))
            return np.log(r / s), np.sqrt(p / (r * s)), s_i
        if measure == "RD":
            # weights and estimate from raw counts; variance numerator from the corrected
            # table, divided by the raw K (RevMan quirk, spec §4.4)
            ra, rb, rc, rd = cells.a, cells.b, cells.c, cells.d
            rn1, rn2 = ra + rb, rc + rd
            rn1s, rn2s = np.where(m, rn1, 1.0), np.where(m, rn2, 1.0)
            w_i = np.where(m, rn1 * rn2 / np.where(m, rn1 + rn2, 1.0), 0.0)
            k_sum = g.sum(w_i)
            est = g.sum(w_i * (ra / rn1s - rc / rn2s)) / k_sum
            n1s, n2s = np.where(m, n1, 1.0), np.where(m, n2, 1.0)
            j = g.sum(np.where(m, (a * b * n2s**3 + c * d * n1s**3) / (n1s * n2s * safe_n**2), 0.0))
            return est, np.sqrt(j / (k_sum * k_sum)), w_i
    raise ValueError(f"Mantel-Haenszel pooling is defined for OR, RR and RD, not {measure!r}")


def pool(
    effects: StudyEffects,
    groups: Groups,
    *,
    method: str = "IV",
    measure: str | None = None,
    random: bool = False,
    level: float = 0.95,
    tau2_method: str = "DL",
    ci_method: str = "z",
    prediction: str = "none",
    tau2_ci: bool = False,
) -> Pooled:
    """Pool every group of study rows in one vectorized pass.

    Parameters
    ----------
    effects
        Study-level estimates for all rows of all groups.
    groups
        Which group (analysis or subgroup) each row belongs to.
    method
        ``"IV"``, ``"MH"`` or ``"PETO"``.
    measure
        Effect measure; required for ``"MH"`` (``"OR"``, ``"RR"`` or ``"RD"``).
    random
        Random effects, inverse-variance weights ``1/(SE^2 + tau^2)`` (not available
        for Peto, as in RevMan 5).
    level
        Confidence level of the pooled CI, e.g. 0.95.
    tau2_method
        Random effects: the tau² estimator, one of
        :data:`metareview.stats.tau2.TAU2_METHODS`.  ``"DL"`` uses the method's own Q
        (Mantel-Haenszel-centred for MH, as RevMan 5); the others use the
        inverse-variance data.
    ci_method
        One of :data:`CI_METHODS`; anything but ``"z"`` needs ``random=True``.
    prediction
        One of :data:`PREDICTION`; the interval is
        ``estimate ± q * sqrt(tau² + se²)`` with the SE of ``ci_method`` (as metafor's
        ``predict``), for groups with at least 2 (``z``, ``t-k1``) or 3 (``t-k2``) rows.
    tau2_ci
        Random effects: also compute the Q-profile CI of tau² and the I² CI from it.

    Notes
    -----
    A group with a single estimable row returns that row's estimate and SE (spec §4.6);
    a group with none is not estimable (NaN).
    """
    if method not in METHODS:
        raise ValueError(f"unknown pooling method {method!r}; use one of {METHODS}")
    tau2_method = tau2_method.upper()
    if tau2_method not in _tau2.TAU2_METHODS:
        raise ValueError(f"unknown tau² estimator {tau2_method!r}; use one of {_tau2.TAU2_METHODS}")
    if ci_method not in CI_METHODS:
        raise ValueError(f"unknown CI method {ci_method!r}; use one of {CI_METHODS}")
    if prediction not in PREDICTION:
        raise ValueError(f"unknown prediction interval {prediction!r}; use one of {PREDICTION}")
    if not random and (ci_method != "z" or prediction != "none"):
        raise ValueError(
            "t-based and Hartung-Knapp CIs and prediction intervals need random effects"
        )
    if random and method == "PETO":
        raise ValueError(
            "RevMan 5 offers no random-effects model for Peto or O-E data; "
            "use the fixed-effect model or inverse-variance pooling"
        )
    if len(effects) != groups.index.size:
        raise ValueError(f"{len(effects)} study rows but a group index of {groups.index.size}")
    z_a = normal_quantile(level)
    m = effects.estimable
    y, se_i = effects.y, effects.se
    all_ok = bool(m.all())
    # Study variances; rows that are not estimable get an infinite variance, hence zero
    # weight in every sum below, without masking each product.
    v = se_i * se_i
    if all_ok:
        k = groups.counts.copy()
    else:
        k = groups.sum(m).astype(np.intp)
        v[~m] = np.inf
    w = np.reciprocal(v)
    sw = groups.sum(w)
    tmp = np.empty_like(v)

    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "MH":
            fixed, fixed_se, row_w = _fixed_mh(effects, groups, measure or "")
        else:  # IV, and Peto: sum(O-E)/sum(V) == sum(V y)/sum(V) with V = 1/SE^2
            np.multiply(w, y, out=tmp)
            fixed = groups.sum(tmp) / sw
            fixed_se = 1.0 / np.sqrt(sw)
            row_w = w
        single = k == 1
        if single.any():
            fixed = np.where(single, groups.sum(y), fixed)  # y = 0 on non-estimable rows
            fixed_se = np.where(single, groups.sum(se_i), fixed_se)
        # Q around the method's own fixed-effect estimate, inverse-variance weights (§5)
        np.subtract(y, groups.expand(fixed), out=tmp)
        np.multiply(tmp, tmp, out=tmp)
        np.multiply(tmp, w, out=tmp)
        q = groups.sum(tmp)
        df = np.maximum(k - 1, 0).astype(np.float64)
        q = np.where(k >= 1, q, np.nan)

        converged: BoolArray | None = None
        if random:
            if tau2_method == "DL":
                np.multiply(w, w, out=tmp)
                c = sw - groups.sum(tmp) / sw
                tau2 = np.where(k >= 2, np.maximum(0.0, (q - df) / c), 0.0)
                tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
            else:
                fit = _tau2.tau2(y, v, groups, tau2_method)
                tau2, converged = fit.tau2, fit.converged
            row_w = groups.expand(tau2)
            np.add(row_w, v, out=row_w)
            np.reciprocal(row_w, out=row_w)
            sws = groups.sum(row_w)
            np.multiply(row_w, y, out=tmp)
            est = groups.sum(tmp) / sws
            se = 1.0 / np.sqrt(sws)
            if single.any():
                est = np.where(single, fixed, est)
                se = np.where(single, fixed_se, se)
            weight_sum = sws
        else:
            tau2 = np.zeros(groups.n)
            est, se = fixed, fixed_se
            weight_sum = groups.sum(row_w)

        ok = k >= 1
        est = np.where(ok, est, np.nan)
        se = np.where(ok, se, np.nan)
        se_model = se
        crit: FloatArray | float = z_a
        stat_df = None
        if ci_method != "z":
            stat_df = np.where(k >= 2, k - 1.0, np.nan)
            if ci_method in ("hksj", "hksj-adhoc"):
                np.subtract(y, groups.expand(est), out=tmp)
                np.multiply(tmp, tmp, out=tmp)
                np.multiply(tmp, row_w, out=tmp)
                if not all_ok:
                    tmp[~m] = 0.0
                rss = groups.sum(tmp)
                # identical estimates leave only rounding noise (each residual about eps
                # times the estimate): then the HKSJ factor is 0, not noise
                noise = k * weight_sum * (64.0 * np.finfo(np.float64).eps * est) ** 2
                rss = np.where(rss <= noise, 0.0, rss)
                se_hk = np.sqrt(rss / stat_df / weight_sum)
                se = se_hk if ci_method == "hksj" else np.maximum(se_hk, se_model)
            # one study: no t-based CI exists; its Wald CI is reported (as metafor does)
            crit = np.where(k >= 2, t_quantile(level, stat_df), z_a)
            se = np.where(k >= 2, se, se_model)
        z = np.abs(est) / se
        by_tau2 = random and tau2_method != "DL"

        s2 = _tau2.typical_variance(v, groups) if random and (by_tau2 or tau2_ci) else None
        if s2 is not None and by_tau2:  # RevMan Web 2025: I² and H² from tau²
            i2 = np.where(df >= 1, 100.0 * tau2 / (tau2 + s2), np.nan)
            h2 = np.where(df >= 1, (tau2 + s2) / s2, np.nan)
        else:  # from Q; under DerSimonian-Laird identical to the tau²-based values
            i2 = i_squared(q, df)
            h2 = np.where(df >= 1, q / np.where(df >= 1, df, 1.0), np.nan)
            if random:
                h2 = np.maximum(h2, 1.0)

        pi_low = pi_high = None
        if prediction != "none":
            if prediction == "z":
                pq: FloatArray | float = np.where(k >= 2, z_a, np.nan)
            else:
                pq = t_quantile(level, k - (1.0 if prediction == "t-k1" else 2.0))
            half = pq * np.sqrt(tau2 + se * se)
            pi_low, pi_high = est - half, est + half

        t_lo = t_hi = i_lo = i_hi = None
        if s2 is not None and tau2_ci:
            t_lo, t_hi, qp_ok = _tau2.q_profile(y, v, groups, level)
            i_lo = 100.0 * t_lo / (t_lo + s2)
            i_hi = 100.0 * t_hi / (t_hi + s2)
            converged = qp_ok if converged is None else converged & qp_ok
    return Pooled(
        k=k,
        estimate=est,
        se=se,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        z=z,
        q=q,
        df=df,
        i2=i2,
        tau2=np.where(ok, tau2, np.nan),
        estimable=ok,
        weights=row_w if all_ok else np.where(m, row_w, 0.0),
        weight_sum=weight_sum,
        level=level,
        h2=h2,
        se_wald=se_model if ci_method != "z" else None,
        stat_df=stat_df,
        tau2_method=tau2_method if random else "",
        ci_method=ci_method,
        tau2_converged=converged,
        pi_low=pi_low,
        pi_high=pi_high,
        tau2_ci_low=t_lo,
        tau2_ci_high=t_hi,
        i2_ci_low=i_lo,
        i2_ci_high=i_hi,
    )


@dataclass(frozen=True, slots=True)
class SubgroupTest:
    """Test for subgroup differences per analysis (spec §8); NaN where fewer than 2 subgroups."""

    q: FloatArray
    df: FloatArray
    p: FloatArray
    i2: FloatArray
    n_subgroups: IntArray


def subgroup_test(
    estimate: FloatArray, se: FloatArray, estimable: BoolArray, parent: Groups
) -> SubgroupTest:
    """Between-subgroup Q around the inverse-variance mean of the subgroup estimates.

    ``Q = sum_j W_j (theta_j - theta_bar)^2`` with ``W_j = 1/SE_j^2`` over the subgroups
    that have an estimate (each estimated under the analysis' own model, random effects
    with the subgroup's own tau^2), ``df = J - 1``.  ``parent`` maps each subgroup to its
    analysis.  This reproduces all 171 RevMan 5 tests in the reference corpus.
    """
    m = estimable & np.isfinite(estimate) & np.isfinite(se) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(m, 1.0 / np.where(m, se * se, 1.0), 0.0)
        th = np.where(m, estimate, 0.0)
        j = parent.sum(m).astype(np.intp)
        mean = parent.sum(w * th) / parent.sum(w)
        resid = th - parent.expand(mean)
        q = parent.sum(np.where(m, w * resid * resid, 0.0))
    df = np.maximum(j - 1, 0).astype(np.float64)
    q = np.where(j >= 2, q, np.nan)
    return SubgroupTest(q=q, df=df, p=chi2_sf(q, df), i2=i_squared(q, df), n_subgroups=j)
