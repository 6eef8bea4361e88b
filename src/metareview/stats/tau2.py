"""Between-study variance (tau²) estimators, vectorized over many analyses.

Every function takes flat arrays of study estimates ``y`` and sampling variances ``v`` plus
a :class:`~metareview.stats.Groups` saying which analysis each row belongs to, and returns
one value per analysis.  Rows with a non-finite variance are left out (they are the
"not estimable" rows of :mod:`metareview.stats.effects`).

Estimators (names as in metafor's ``rma(method=...)``; formulas for the random-effects
model without moderators, ``w_i = 1/v_i``, ``k`` studies):

* ``DL``  DerSimonian-Laird: ``max(0, (Q - (k-1)) / (sum w - sum w²/sum w))``.
* ``HE``  Hedges (unweighted method of moments): ``max(0, s_y² - mean(v))``.
* ``HS``  Hunter-Schmidt: ``max(0, (Q - k) / sum w)``.
* ``SJ``  Sidik-Jonkman: ``t0 * sum u_i (y_i - mu_u)² / (k-1)`` with
  ``t0 = sum (y_i - ybar)² / k`` and ``u_i = 1/(v_i + t0)``.
* ``ML``, ``REML``  maximum and restricted maximum likelihood: roots of the score
  equations ``sum w²r² - sum w = 0`` and ``sum w²r² - tr(P) = 0`` with
  ``w = 1/(v + tau²)``, ``r = y - mu(tau²)``.
* ``PM``  Paule-Mandel: root of the generalised Q, ``sum w r² = k - 1``.
* ``EB``  empirical Bayes (Morris): its estimating equation
  ``k/(k-1) sum w r² = k`` has the same root as Paule-Mandel's, so it is solved as PM
  (metafor reaches the same value by a different iteration).

The iterative estimators use one safeguarded solver for all analyses at once
(:func:`_solve`): a bracket ``[lo, hi]`` on which the (decreasing) estimating function
changes sign is kept per analysis; each step is Newton's, and where Newton would leave
the bracket the step is a bisection (or a doubling while no upper end is known).  The
iteration therefore converges wherever a root exists, and an analysis whose function is
not positive at 0 gets the boundary value 0.  Each analysis carries its own convergence
flag, so nothing fails silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from metareview.stats._groups import BoolArray, FloatArray, Groups, IntArray

__all__ = [
    "TAU2_METHODS",
    "Tau2Fit",
    "generalised_q",
    "q_profile",
    "tau2",
    "typical_variance",
]

TAU2_METHODS = ("DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS")
_ITERATIVE = ("REML", "ML", "PM", "EB")

#: convergence: |step| <= RTOL * (tau² + mean variance) (relative to the scale of the data)
RTOL = 1e-12
MAXITER = 200
NEWTON_STOP = 1e5  # a Newton step below 1e5 * RTOL * scale ends the iteration (error ~1e-14)


@dataclass(frozen=True, slots=True)
class Tau2Fit:
    """Per-analysis tau² with its convergence status.

    ``converged`` is True for closed-form estimators and for iterative ones that met the
    tolerance; ``iterations`` counts solver steps (0 for closed forms and boundary
    solutions).  Analyses with fewer than two studies get tau² = 0.
    """

    tau2: FloatArray
    converged: BoolArray
    iterations: IntArray


@dataclass(frozen=True, slots=True)
class _Rows:
    """Rows of the analyses still being solved, compacted to finite variances."""

    y: FloatArray
    v: FloatArray
    g: Groups
    k: FloatArray
    scale: FloatArray  # mean variance per analysis, sets the convergence tolerance

    @classmethod
    def make(cls, y: FloatArray, v: FloatArray, g: Groups) -> _Rows:
        ok = np.isfinite(v) & np.isfinite(y)
        if not ok.all():
            keep = g.index[ok]
            g = Groups(keep, g.n)
            y, v = y[ok], v[ok]
        k = g.counts.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = g.sum(v) / k
        return cls(y, v, g, k, np.where(k > 0, scale, 1.0))

    def take(self, keep: BoolArray) -> _Rows:
        """The rows of the analyses where ``keep`` is True, as a new contiguous batch."""
        rows = self.g.expand(keep)
        idx = self.g.index[rows]
        # renumber the kept analyses 0..m-1 preserving order
        new = np.cumsum(keep) - 1
        return _Rows(
            self.y[rows], self.v[rows], Groups(new[idx], int(keep.sum())),
            self.k[keep], self.scale[keep],
        )  # fmt: skip


def _wmean(r: _Rows, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted mean per analysis and the residuals ``y - mean`` per row."""
    sw = r.g.sum(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = r.g.sum(w * r.y) / sw
    return mu, r.y - r.g.expand(mu)


def typical_variance(v: FloatArray, g: Groups) -> FloatArray:
    """Higgins-Thompson 'typical' within-study variance ``s² = (k-1) sum w / ((sum w)² - sum w²)``.

    I² from tau² is ``tau² / (tau² + s²)`` and H² is ``(tau² + s²) / s²``.
    """
    ok = np.isfinite(v)
    w = np.where(ok, 1.0 / np.where(ok, v, 1.0), 0.0)
    sw = g.sum(w)
    k = g.sum(ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (k - 1.0) * sw / (sw * sw - g.sum(w * w))


def generalised_q(y: FloatArray, v: FloatArray, g: Groups, tau2: FloatArray) -> FloatArray:
    """``Q(tau²) = sum (y_i - mu(tau²))² / (v_i + tau²)``, decreasing in tau²."""
    r = _Rows.make(y, v, g)
    w = 1.0 / (r.v + r.g.expand(np.asarray(tau2, dtype=np.float64)))
    _, res = _wmean(r, w)
    return r.g.sum(w * res * res)


# --- closed forms -----------------------------------------------------------------------


def _closed(r: _Rows, method: str) -> FloatArray:
    k = r.k
    with np.errstate(invalid="ignore", divide="ignore"):
        if method in ("DL", "HS"):
            w = 1.0 / r.v
            sw = r.g.sum(w)
            _, res = _wmean(r, w)
            q = r.g.sum(w * res * res)
            dl = (q - (k - 1.0)) / (sw - r.g.sum(w * w) / sw)
            t = dl if method == "DL" else (q - k) / sw
        else:
            ybar = r.g.sum(r.y) / k
            d = r.y - r.g.expand(ybar)
            ss = r.g.sum(d * d)
            if method == "HE":
                t = ss / (k - 1.0) - r.scale
            elif method == "SJ":
                t0 = ss / k
                u = 1.0 / (r.v + r.g.expand(t0))
                _, res = _wmean(r, u)
                t = np.where(t0 > 0, t0 * r.g.sum(u * res * res) / (k - 1.0), 0.0)
            else:  # pragma: no cover - guarded by the caller
                raise ValueError(method)
    t = np.where(k >= 2, np.maximum(t, 0.0), 0.0)
    return np.where(np.isfinite(t), t, 0.0)


# --- estimating functions: f(tau²) decreasing through the root, and its derivative --------

Score = Callable[[_Rows, FloatArray], tuple[FloatArray, FloatArray]]


def _sums(r: _Rows, t: FloatArray) -> tuple[FloatArray, ...]:
    """Sums of powers of ``w = 1/(v + t)`` times residuals, with few temporaries."""
    g = r.g
    w = g.expand(t)
    np.add(w, r.v, out=w)
    np.reciprocal(w, out=w)
    buf = np.multiply(w, r.y)
    sw = g.sum(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = g.sum(buf) / sw
    res = g.expand(mu)
    np.subtract(r.y, res, out=res)  # residuals
    np.multiply(w, w, out=buf)  # w²
    s_w2 = g.sum(buf)
    w3 = np.multiply(buf, w)
    s_w3 = g.sum(w3)
    np.multiply(buf, res, out=buf)  # w² r
    s_w2r = g.sum(buf)
    np.multiply(buf, res, out=buf)  # w² r²
    s_w2r2 = g.sum(buf)
    np.multiply(buf, w, out=buf)  # w³ r²
    s_w3r2 = g.sum(buf)
    return sw, s_w2, s_w3, s_w2r, s_w2r2, s_w3r2


def _score_reml(r: _Rows, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    sw, s_w2, s_w3, s_w2r, s_w2r2, s_w3r2 = _sums(r, t)
    with np.errstate(invalid="ignore", divide="ignore"):
        tr_p = sw - s_w2 / sw
        tr_pp = s_w2 - 2.0 * s_w3 / sw + (s_w2 / sw) ** 2
        f = s_w2r2 - tr_p
        fp = -2.0 * (s_w3r2 - s_w2r * s_w2r / sw) + tr_pp
    return f, fp


def _score_ml(r: _Rows, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    sw, s_w2, _, s_w2r, s_w2r2, s_w3r2 = _sums(r, t)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = s_w2r2 - sw
        fp = -2.0 * (s_w3r2 - s_w2r * s_w2r / sw) + s_w2
    return f, fp


def _q_target(target: FloatArray) -> Score:
    def score(r: _Rows, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        w = 1.0 / (r.v + r.g.expand(t))
        _, res = _wmean(r, w)
        wr2 = w * res * res
        return r.g.sum(wr2) - target[: r.g.n], -r.g.sum(wr2 * w)

    return score


def _solve(
    r: _Rows,
    score: Callable[[_Rows, FloatArray, IntArray], tuple[FloatArray, FloatArray]],
    start: FloatArray,
    hi: FloatArray,
) -> tuple[FloatArray, BoolArray, IntArray]:
    """Root of a decreasing ``f`` on ``[0, hi]`` per analysis (``hi`` may be inf).

    The caller guarantees ``f(0) > 0``.  ``score(rows, tau2, ids)`` evaluates ``f`` and
    ``f'`` for the analyses ``ids`` (indices into the original batch).
    """
    n = r.g.n
    tau = np.clip(start, 0.0, np.where(np.isfinite(hi), hi, np.inf)).astype(np.float64)
    lo = np.zeros(n)
    hi = hi.astype(np.float64).copy()
    done = np.zeros(n, dtype=bool)
    iters = np.zeros(n, dtype=np.intp)
    ids = np.arange(n)
    cur = r
    for _ in range(MAXITER):
        t = tau[ids]
        f, fp = score(cur, t, ids)
        lo_, h = lo[ids], hi[ids]
        pos = f > 0
        lo_ = np.where(pos, t, lo_)
        h = np.where(pos, h, t)
        with np.errstate(invalid="ignore", divide="ignore"):
            newton = t - f / fp
        bad = ~np.isfinite(newton) | (fp >= 0) | (newton <= lo_) | (newton >= h)
        fallback = np.where(np.isfinite(h), 0.5 * (lo_ + h), 2.0 * t + cur.scale)
        new = np.where(bad, fallback, newton)
        step = np.abs(new - t)
        tol = RTOL * (np.abs(new) + cur.scale)
        # a Newton step of size d leaves an error of order d²: stop after a step below
        # NEWTON_STOP * RTOL of the scale; a bisection must narrow the bracket to RTOL
        conv = (f == 0) | ((h - lo_) <= tol) | (step <= np.where(bad, tol, NEWTON_STOP * tol))
        tau[ids] = np.where(f == 0, t, new)
        lo[ids], hi[ids] = lo_, h
        iters[ids] += 1
        done[ids] = conv
        if conv.all():
            break
        keep = ~conv
        if keep.sum() < 0.7 * keep.size:  # compact to the analyses still iterating
            cur = cur.take(keep)
            ids = ids[keep]
    return tau, done, iters


def _iterative(r: _Rows, method: str, start: FloatArray | None = None) -> Tau2Fit:
    n = r.g.n
    k = r.k
    out = np.zeros(n)
    converged = np.ones(n, dtype=bool)
    iters = np.zeros(n, dtype=np.intp)
    many = k >= 2
    if method in ("PM", "EB"):
        target = k - 1.0
        base = _q_target(target)
    else:
        target = k
        base = _score_reml if method == "REML" else _score_ml
    zero = np.zeros(n)
    f0, _ = base(r, zero)
    active = many & (f0 > 0) & np.isfinite(f0)
    if not active.any():
        return Tau2Fit(out, converged, iters)
    sub = r.take(active) if not active.all() else r
    if method in ("PM", "EB"):
        # Q(t) <= sum (y - ybar)² / t, so Q(t) <= k - 1 once t >= the sample variance
        ybar = sub.g.sum(sub.y) / sub.k
        d = sub.y - sub.g.expand(ybar)
        hi = sub.g.sum(d * d) / (sub.k - 1.0)
        tgt = target[active]

        def score(rr: _Rows, t: FloatArray, ids: IntArray) -> tuple[FloatArray, FloatArray]:
            return _q_target(tgt[ids])(rr, t)

    else:
        hi = np.full(sub.g.n, np.inf)

        def score(rr: _Rows, t: FloatArray, ids: IntArray) -> tuple[FloatArray, FloatArray]:
            return base(rr, t)

    if start is None:
        start = _closed(sub, "HE") if method in ("REML", "ML") else _closed(sub, "DL")
    else:
        start = start[active]
    t, c, it = _solve(sub, score, start, hi)
    out[active], converged[active], iters[active] = t, c, it
    return Tau2Fit(out, converged, iters)


def tau2(
    y: FloatArray, v: FloatArray, groups: Groups, method: str = "DL", *, q: FloatArray | None = None
) -> Tau2Fit:
    """Estimate tau² for every analysis in ``groups``.

    Parameters
    ----------
    y, v
        Study estimates and sampling variances (flat, one per row); rows with a
        non-finite variance are ignored.
    groups
        Which analysis each row belongs to.
    method
        One of :data:`TAU2_METHODS`.
    q
        DL only: use this heterogeneity statistic instead of the inverse-variance Q
        (RevMan 5 uses the Mantel-Haenszel-centred Q for "M-H, Random", spec §6).
    """
    method = method.upper()
    if method not in TAU2_METHODS:
        raise ValueError(f"unknown tau² estimator {method!r}; use one of {TAU2_METHODS}")
    r = _Rows.make(np.asarray(y, np.float64), np.asarray(v, np.float64), groups)
    n = groups.n
    if method in _ITERATIVE:
        return _iterative(r, method)
    if method == "DL" and q is not None:
        w = 1.0 / r.v
        sw = r.g.sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (q - (r.k - 1.0)) / (sw - r.g.sum(w * w) / sw)
        t = np.where(r.k >= 2, np.maximum(t, 0.0), 0.0)
        t = np.where(np.isfinite(t), t, 0.0)
    else:
        t = _closed(r, method)
    return Tau2Fit(t, np.ones(n, dtype=bool), np.zeros(n, dtype=np.intp))


def q_profile(
    y: FloatArray, v: FloatArray, groups: Groups, level: float = 0.95
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Q-profile confidence interval for tau² (Viechtbauer 2007), per analysis.

    The lower bound solves ``Q(tau²) = chi²_{k-1, 1-alpha/2}`` and the upper bound
    ``Q(tau²) = chi²_{k-1, alpha/2}`` (upper quantiles), both truncated at 0.  NaN for
    analyses with fewer than two studies.  Returns ``(low, high, converged)``.
    """
    from scipy import special

    r = _Rows.make(np.asarray(y, np.float64), np.asarray(v, np.float64), groups)
    k = r.k
    n = groups.n
    alpha = 1.0 - level
    ok = k >= 2
    df = np.where(ok, k - 1.0, 1.0)
    q_hi = special.chdtri(df, alpha / 2.0)  # upper quantile: bounds the lower end
    q_lo = special.chdtri(df, 1.0 - alpha / 2.0)
    q0 = generalised_q(r.y, r.v, r.g, np.zeros(n))
    ybar = r.g.sum(r.y) / np.where(ok, k, 1.0)
    d = r.y - r.g.expand(ybar)
    ss = r.g.sum(d * d)
    bounds = []
    conv_all = np.ones(n, dtype=bool)
    for target in (q_hi, q_lo):
        out = np.zeros(n)
        active = ok & (q0 > target)
        if active.any():
            sub = r.take(active) if not active.all() else r
            tgt = target[active]
            # Q(t) <= ss / t, so Q(t) <= target once t >= ss / target
            hi = ss[active] / tgt

            def score(
                rr: _Rows, t: FloatArray, ids: IntArray, tgt: FloatArray = tgt
            ) -> tuple[FloatArray, FloatArray]:
                return _q_target(tgt[ids])(rr, t)

            start = np.zeros(sub.g.n)
            t, c, _ = _solve(sub, score, start, hi)
            out[active] = t
            conv_all[active] &= c
        bounds.append(np.where(ok, out, np.nan))
    return bounds[0], bounds[1], conv_all
