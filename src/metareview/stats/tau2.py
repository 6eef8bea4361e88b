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
        idx = g.index
        if idx.size > 1 and not bool(np.all(idx[1:] >= idx[:-1])):  # rows sorted by analysis
            order = np.argsort(idx, kind="stable")
            y, v, g = y[order], v[order], Groups(idx[order], g.n)
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

    def pick(self, ids: IntArray) -> _Rows:
        """The rows of analyses ``ids`` (repeats allowed), as a new batch in that order."""
        counts = self.g.counts[ids]
        starts = np.cumsum(self.g.counts) - self.g.counts
        total = int(counts.sum())
        shift = np.repeat(starts[ids] - (np.cumsum(counts) - counts), counts)
        rows = shift + np.arange(total)
        return _Rows(
            self.y[rows], self.v[rows], Groups.from_counts(counts), self.k[ids], self.scale[ids]
        )


def _wmean(r: _Rows, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted mean per analysis and the residuals ``y - mean`` per row."""
    sw = r.g.sum(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = r.g.sum(w * r.y) / sw
    return mu, r.g.add_expanded(r.y, mu, -1.0)


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
    w = g.add_expanded(r.v, t)
    np.reciprocal(w, out=w)
    buf = np.multiply(w, r.y)
    sw = g.sum(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = g.sum(buf) / sw
    res = g.add_expanded(r.y, mu, -1.0)  # residuals
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
        w = r.g.add_expanded(r.v, t)
        np.reciprocal(w, out=w)
        _, res = _wmean(r, w)
        wr2 = w * res * res
        return r.g.sum(wr2) - target[: r.g.n], -r.g.sum(wr2 * w)

    return score


def _solve(
    r: _Rows,
    score: Callable[[_Rows, FloatArray, IntArray], tuple[FloatArray, FloatArray]],
    start: FloatArray,
    hi: FloatArray,
    lo: FloatArray | None = None,
    f_lo: FloatArray | None = None,
    f_hi: FloatArray | None = None,
) -> tuple[FloatArray, BoolArray, IntArray]:
    """A root of ``f`` in ``(lo, hi]`` per analysis (``hi`` may be inf; ``lo`` default 0).

    The caller guarantees ``f(lo) > 0`` and ``f(hi) <= 0`` (or ``f < 0`` far enough above
    ``lo`` when ``hi`` is inf).  ``score(rows, tau2, ids)`` evaluates ``f`` and ``f'`` for
    the analyses ``ids`` (indices into the original batch).  ``f_lo``/``f_hi`` are the
    values at the bracket ends when known.

    Each step is Newton's when it stays inside the bracket; otherwise it is the
    Illinois variant of regula falsi on the bracket (the end kept twice has its value
    halved, so the bracket shrinks superlinearly), a bisection while an end value is
    unknown, or a doubling while no upper end is known.
    """
    n = r.g.n
    lo = np.zeros(n) if lo is None else lo.astype(np.float64).copy()
    fl = np.full(n, np.nan) if f_lo is None else f_lo.astype(np.float64).copy()
    fh = np.full(n, np.nan) if f_hi is None else f_hi.astype(np.float64).copy()
    side = np.zeros(n, dtype=np.int8)  # which end moved last: +1 lo, -1 hi
    tau = np.clip(start, lo, np.where(np.isfinite(hi), hi, np.inf)).astype(np.float64)
    hi = hi.astype(np.float64).copy()
    done = np.zeros(n, dtype=bool)
    iters = np.zeros(n, dtype=np.intp)
    ids = np.arange(n)
    cur = r
    for _ in range(MAXITER):
        t = tau[ids]
        f, fp = score(cur, t, ids)
        lo_, h, fl_, fh_, sd = lo[ids], hi[ids], fl[ids], fh[ids], side[ids]
        pos = f > 0
        # Illinois: an end that stays for a second time has its value halved
        fh_ = np.where(pos & (sd == 1), 0.5 * fh_, fh_)
        fl_ = np.where(~pos & (sd == -1), 0.5 * fl_, fl_)
        lo_ = np.where(pos, t, lo_)
        fl_ = np.where(pos, f, fl_)
        h = np.where(pos, h, t)
        fh_ = np.where(pos, fh_, f)
        sd = np.where(pos, 1, -1).astype(np.int8)
        with np.errstate(invalid="ignore", divide="ignore"):
            newton = t - f / fp
            chord = lo_ + (h - lo_) * fl_ / (fl_ - fh_)
        bad = ~np.isfinite(newton) | (fp >= 0) | (newton <= lo_) | (newton >= h)
        chord_ok = np.isfinite(chord) & (chord > lo_) & (chord < h)
        fallback = np.where(
            chord_ok, chord, np.where(np.isfinite(h), 0.5 * (lo_ + h), 2.0 * t + cur.scale)
        )
        new = np.where(bad, fallback, newton)
        step = np.abs(new - t)
        tol = RTOL * (np.abs(new) + cur.scale)
        # a Newton step of size d leaves an error of order d²: stop after a step below
        # NEWTON_STOP * RTOL of the scale; a bisection must narrow the bracket to RTOL
        conv = (f == 0) | ((h - lo_) <= tol) | (step <= np.where(bad, tol, NEWTON_STOP * tol))
        tau[ids] = np.where(f == 0, t, new)
        lo[ids], hi[ids], fl[ids], fh[ids], side[ids] = lo_, h, fl_, fh_, sd
        iters[ids] += 1
        done[ids] = conv
        if conv.all():
            break
        keep = ~conv
        if keep.sum() < 0.7 * keep.size:  # compact to the analyses still iterating
            cur = cur.take(keep)
            ids = ids[keep]
    return tau, done, iters


#: REML/ML: the score is scanned at 0 and at GRID - 1 points spaced geometrically from
#: min(v)/16 to U (U bounds the roots); a maximum inside one grid cell next to a second
#: one in the same cell would be missed
GRID = 10


def _score_only(r: _Rows, t: FloatArray, method: str) -> FloatArray:
    """The REML or ML estimating function alone (for the scan)."""
    g = r.g
    w = g.add_expanded(r.v, t)
    np.reciprocal(w, out=w)
    buf = np.multiply(w, r.y)
    sw = g.sum(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = g.sum(buf) / sw
    res = g.add_expanded(r.y, mu, -1.0)
    np.multiply(w, w, out=buf)  # w²
    s_w2 = g.sum(buf)
    np.multiply(res, res, out=res)
    np.multiply(res, buf, out=res)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = g.sum(res) - sw
        if method == "REML":
            f += s_w2 / sw
    return f


def _loglik(r: _Rows, t: FloatArray, method: str) -> FloatArray:
    """(Restricted) log-likelihood up to a constant, for choosing between local maxima."""
    g = r.g
    vt = g.add_expanded(r.v, t)
    w = 1.0 / vt
    _, res = _wmean(r, w)
    ll = -0.5 * (g.sum(np.log(vt)) + g.sum(w * res * res))
    if method == "REML":
        ll -= 0.5 * np.log(g.sum(w))
    return ll


def _iterative(r: _Rows, method: str) -> Tau2Fit:
    n = r.g.n
    k = r.k
    out = np.zeros(n)
    converged = np.ones(n, dtype=bool)
    iters = np.zeros(n, dtype=np.intp)
    many = k >= 2
    if method in ("PM", "EB"):
        return _paule_mandel(r, many, out, converged, iters)

    # Likelihood maxima: every sign change + -> - of the score is a local maximum, and 0 is
    # one when the score there is <= 0.  The score is scanned on a grid, each sign change
    # is solved by the safeguarded solver, and the candidate with the highest likelihood
    # wins (metafor instead starts Fisher scoring at HE and compares with 0 only).
    base = _score_reml if method == "REML" else _score_ml
    ybar = r.g.sum(r.y) / np.where(many, k, 1.0)
    d = r.y - r.g.expand(ybar)
    # ML roots lie below max (y_i - y_j)² <= 2 sum (y - ybar)²; REML's may lie above: the
    # open last cell is searched by doubling
    upper = np.where(many, 2.0 * r.g.sum(d * d), 0.0)
    starts = np.cumsum(r.g.counts) - r.g.counts
    vmin = np.minimum.reduceat(r.v, np.minimum(starts, r.v.size - 1)) if r.v.size else upper
    low = np.minimum(vmin / 16.0, upper / 4.0 ** (GRID - 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(upper > low, upper / low, 1.0) ** (1.0 / (GRID - 2))
    # scan: keep only the cells (t_prev, t_j] where the score turns from + to -
    parts: list[tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray]] = []
    t_prev = np.zeros(n)
    f_prev = _score_only(r, t_prev, method)
    f_prev[~many | ~np.isfinite(f_prev)] = -1.0
    pos0 = f_prev > 0
    pos_prev = pos0
    for j in range(GRID - 1):
        t_j = upper if j == GRID - 2 else low * ratio**j
        f_j = _score_only(r, t_j, method)
        f_j[~many | ~np.isfinite(f_j)] = -1.0
        pos_j = f_j > 0
        ch = np.flatnonzero(pos_prev & ~pos_j)
        if ch.size:
            parts.append((ch, t_prev[ch], t_j[ch], f_prev[ch], f_j[ch]))
        t_prev, f_prev, pos_prev = t_j, f_j, pos_j
    ch = np.flatnonzero(pos_prev)  # still positive at U: the root lies above (REML)
    if ch.size:
        parts.append(
            (ch, t_prev[ch], np.full(ch.size, np.inf), f_prev[ch], np.full(ch.size, np.nan))
        )
    if not parts:
        return Tau2Fit(out, converged, iters)
    ids, lo, hi, f_lo_raw, f_hi_raw = (np.concatenate(a) for a in zip(*parts, strict=True))
    sub = r.pick(ids)

    def score(rr: _Rows, t: FloatArray, which: IntArray) -> tuple[FloatArray, FloatArray]:
        # Solve h = f * (t + vbar)² instead of f: same roots, and h is close to linear in t
        # where f flattens out like 1/t² (large t), so Newton and the chord converge fast
        f, fp = base(rr, t)
        s = t + rr.scale
        return f * s * s, fp * s * s + 2.0 * f * s

    # start where the chord through the cell's end points crosses zero (regula falsi)
    scale_lo = lo + sub.scale
    f_lo = f_lo_raw * scale_lo * scale_lo
    scale_hi = np.where(np.isfinite(hi), hi, 0.0) + sub.scale
    f_hi = f_hi_raw * scale_hi * scale_hi
    with np.errstate(invalid="ignore", divide="ignore"):
        chord = lo + (hi - lo) * f_lo / (f_lo - f_hi)
    ok_chord = np.isfinite(chord) & (chord > lo) & (chord < hi)
    start = np.where(ok_chord, chord, np.where(np.isfinite(hi), 0.5 * (lo + hi), 2.0 * lo))
    start = np.where(np.isfinite(hi) | (lo > 0), start, sub.scale)
    roots, ok, it = _solve(sub, score, start, hi, lo, f_lo, np.where(np.isfinite(hi), f_hi, np.nan))
    n_cand = np.bincount(ids, minlength=n) + (~pos0 & many)
    single = n_cand[ids] == 1
    # analyses with one candidate: it is the estimate
    out[ids[single]] = roots[single]
    converged[ids[single]] = ok[single]
    iters[ids[single]] = it[single]
    multi = ~single
    if multi.any():
        m_ids = ids[multi]
        ll = _loglik(sub.pick(np.flatnonzero(multi)), roots[multi], method)
        # the boundary candidate 0 where the score at 0 is <= 0
        uniq = np.unique(m_ids)
        at0 = uniq[~pos0[uniq]]
        ll0 = np.full(n, -np.inf)
        if at0.size:
            ll0[at0] = _loglik(r.pick(at0), np.zeros(at0.size), method)
        best_ll = ll0.copy()
        np.maximum.at(best_ll, m_ids, ll)
        win = ll >= best_ll[m_ids]
        # the first winning root per analysis (ties: the smaller tau²)
        w_idx = np.flatnonzero(win)
        won, first_pos = np.unique(m_ids[w_idx], return_index=True)
        chosen = w_idx[first_pos]
        out[won] = roots[multi][chosen]
        converged[won] = ok[multi][chosen]
        iters[won] = it[multi][chosen]
        first = np.zeros(n, dtype=bool)
        first[won] = True
        lost0 = uniq[~first[uniq]]  # the boundary won
        out[lost0] = 0.0
    return Tau2Fit(out, converged, iters)


def _paule_mandel(
    r: _Rows, many: BoolArray, out: FloatArray, converged: BoolArray, iters: IntArray
) -> Tau2Fit:
    """Root of the generalised Q = k - 1 (decreasing in tau², so unique); 0 if Q(0) < k - 1."""
    k = r.k
    target = k - 1.0
    f0, _ = _q_target(target)(r, np.zeros(r.g.n))
    active = many & (f0 > 0) & np.isfinite(f0)
    if not active.any():
        return Tau2Fit(out, converged, iters)
    sub = r.take(active) if not active.all() else r
    # Q(t) <= sum (y - ybar)² / t, so Q(t) <= k - 1 once t >= the sample variance
    ybar = sub.g.sum(sub.y) / sub.k
    d = sub.y - sub.g.expand(ybar)
    hi = sub.g.sum(d * d) / (sub.k - 1.0)
    tgt = target[active]

    def score(rr: _Rows, t: FloatArray, ids: IntArray) -> tuple[FloatArray, FloatArray]:
        return _q_target(tgt[ids])(rr, t)

    t, c, it = _solve(sub, score, _closed(sub, "DL"), hi)
    out[active], converged[active], iters[active] = t, c, it
    return Tau2Fit(out, converged, iters)


def tau2(y: FloatArray, v: FloatArray, groups: Groups, method: str = "DL") -> Tau2Fit:
    """Estimate tau² for every analysis in ``groups``.

    Parameters
    ----------
    y, v
        Study estimates and sampling variances (flat, one per row); rows with a
        non-finite variance are ignored.
    groups
        Which analysis each row belongs to.
    method
        One of :data:`TAU2_METHODS`.  (``pool`` computes DL itself, from the method's own
        Q: RevMan 5 uses the Mantel-Haenszel-centred Q for "M-H, Random", spec §6.)
    """
    method = method.upper()
    if method not in TAU2_METHODS:
        raise ValueError(f"unknown tau² estimator {method!r}; use one of {TAU2_METHODS}")
    r = _Rows.make(np.asarray(y, np.float64), np.asarray(v, np.float64), groups)
    n = groups.n
    if method in _ITERATIVE:
        return _iterative(r, method)
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
