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
from scipy import special

from metareview.stats._groups import BoolArray, FloatArray, Groups, IntArray
from metareview.stats.effects import StudyEffects

__all__ = ["METHODS", "Pooled", "SubgroupTest", "normal_quantile", "pool", "subgroup_test"]

METHODS = ("IV", "MH", "PETO")


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


def i_squared(q: FloatArray, df: FloatArray) -> FloatArray:
    """``I^2 = max(0, (Q - df)/Q) * 100`` (percent); 0 when Q = 0; NaN when df < 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        i2 = np.where(q > 0, np.maximum(0.0, (q - df) / q) * 100.0, 0.0)
    return np.where(df >= 1, i2, np.nan)


@dataclass(frozen=True, slots=True)
class Pooled:
    """Per-group pooled results (arrays of length ``n_groups``) plus per-row weights.

    All estimates are on the analysis scale.  ``tau2`` is 0 for fixed-effect analyses.
    ``q``, ``df``, ``p_q`` and ``i2`` describe heterogeneity of the method's fixed-effect
    fit (RevMan prints these also for random effects).  Groups with ``k = 0`` are not
    estimable and hold NaN.  The P values ``p_z`` and ``p_q`` are computed when read.
    ``weights`` holds, for every row, the weight the row got in
    its group's pooled estimate (MH, IV, Peto V or ``1/(SE^2 + tau^2)``; 0 if not
    estimable); ``weight_sum`` its per-group total.
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

    @property
    def p_z(self) -> FloatArray:
        """Two-sided P of the test for overall effect (computed on access)."""
        return np.asarray(2.0 * special.ndtr(-self.z), dtype=np.float64)

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
        DerSimonian-Laird random effects (not available for Peto, as in RevMan 5).
    level
        Confidence level of the pooled CI, e.g. 0.95.

    Notes
    -----
    A group with a single estimable row returns that row's estimate and SE (spec §4.6);
    a group with none is not estimable (NaN).
    """
    if method not in METHODS:
        raise ValueError(f"unknown pooling method {method!r}; use one of {METHODS}")
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

        if random:
            np.multiply(w, w, out=tmp)
            c = sw - groups.sum(tmp) / sw
            tau2 = np.where(k >= 2, np.maximum(0.0, (q - df) / c), 0.0)
            tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
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
        z = np.abs(est) / se
    return Pooled(
        k=k,
        estimate=est,
        se=se,
        ci_low=est - z_a * se,
        ci_high=est + z_a * se,
        z=z,
        q=q,
        df=df,
        i2=i_squared(q, df),
        tau2=np.where(ok, tau2, np.nan),
        estimable=ok,
        weights=row_w if all_ok else np.where(m, row_w, 0.0),
        weight_sum=weight_sum,
        level=level,
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
