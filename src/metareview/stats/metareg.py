"""Mixed-effects meta-regression and subgroup analysis with a common tau².

The model (Raudenbush 2009; Viechtbauer 2010) for ``k`` studies with estimates ``y``,
sampling variances ``v`` and a ``k × p`` model matrix ``X`` of full column rank is

    y = X beta + u + e,   u ~ N(0, tau² I),   e ~ N(0, diag(v)).

Given an estimate of the residual heterogeneity tau², the coefficients are the weighted
least-squares estimates with ``W = diag(1 / (v + tau²))``::

    beta = (X'WX)^-1 X'W y,     Var(beta) = (X'WX)^-1.

Notation used throughout: for weights ``w`` (a diagonal ``W``),

    P(w) = W - W X (X'WX)^-1 X'W,    RSS(w) = y'P(w)y = sum w (y - X beta_w)²,

so ``P(1/v)`` belongs to the fixed-effect fit and ``P_OLS = I - X(X'X)^-1 X'`` to ordinary
least squares.

tau² estimators (names and definitions as metafor's ``rma.uni(yi, vi, mods = X,
method = ...)``, metafor 3.8-1; every estimate is truncated at 0):

* ``FE``   tau² = 0 (fixed-effect / common-effect meta-regression).
* ``DL``   DerSimonian & Laird (1986), generalised to moderators (Raudenbush 2009):
  ``(RSS(1/v) - (k - p)) / tr P(1/v)``.
* ``HE``   Hedges' unweighted method of moments (Hedges 1983; Raudenbush 2009):
  ``(RSS_OLS - tr(P_OLS V)) / (k - p)`` with ``V = diag(v)``.
* ``HS``   Hunter & Schmidt (2004): ``(RSS(1/v) - k) / sum(1/v)``.
* ``SJ``   Sidik & Jonkman (2005, 2007): ``t0 · RSS(1/(v + t0)) / (k - p)`` with the
  crude start ``t0 = sum (y_i - ybar)² / k`` -- metafor's choice: the plain variance of
  ``y`` about its mean, *not* about an OLS fit on the moderators.
* ``ML``   maximum likelihood (Viechtbauer 2005): root of the score
  ``y'PPy - sum w = 0`` with ``w = 1/(v + tau²)``.
* ``REML`` restricted maximum likelihood: root of ``y'PPy - tr P = 0``.
* ``PM``   Paule & Mandel (1982), generalised Q: root of ``y'Py = sum w r² = k - p``.
* ``EB``   empirical Bayes (Morris 1983; Berkey et al. 1995): metafor iterates
  ``tau² += (k/(k-p) · y'Py - k) / sum w``, whose fixed point is the root of
  ``y'Py = k - p``, i.e. the Paule-Mandel estimate; it is computed as such.

The iterative estimators (ML, REML, PM, EB) use a safeguarded root finder rather than
metafor's Fisher scoring / ``uniroot``: a bracket ``[lo, hi]`` on which the estimating
function ``f`` (positive left of the root, negative right of it) changes sign is kept;
each step is Newton's (exact derivative), else a Fisher-scoring step, and where both
would leave the bracket a bisection (or a doubling while no upper end is known).  It
converges wherever a root exists.  PM/EB: the generalised Q is decreasing, so the root
is unique, and the estimate is 0 when ``Q(0) <= k - p``.  ML/REML: with moderators (and
even without) the likelihood can have a local maximum at the boundary 0 -- score <= 0
there -- *and* a higher one inside, so "score at 0 <= 0 means 0" is not a safe rule.
The score is scanned on a grid of tau² values, each sign change from + to - is solved,
and the root or boundary with the largest (restricted) log-likelihood is taken (this
also does metafor's ``ll0check``).  Convergence is reported per fit (``converged``), with
a :class:`~metareview.exceptions.ConvergenceWarning` when it fails.

metafor centres ``y`` on its mean (``Ymc``) before estimating tau² and computing the
residual heterogeneity ``QE``.  That changes nothing when the column space of ``X``
contains the constant vector (every model with an intercept, and every complete set of
subgroup dummies), but for other models without an intercept it changes tau² and QE.
``center=True`` (the default) reproduces metafor; ``center=False`` uses ``y`` itself, the
textbook ``QE = sum (y - X beta_FE)² / v``.

Tests of the coefficients (``test=``):

* ``"z"``:    Wald z, ``z = beta / se``, normal P values and CIs; the omnibus test
  ``QM = b' Var(b)^-1 b`` over the tested coefficients ``b`` is chi-square with ``m`` df.
* ``"t"``:    the same standard errors with Student t(k - p); ``QM / m`` is F(m, k - p).
* ``"knha"``: Knapp & Hartung (2003): ``Var(beta)`` is scaled by
  ``s² = RSS(1/(v + tau²)) / (k - p)`` (0 when that RSS is below machine epsilon),
  t(k - p) for the coefficients, ``QM = b' Var(b)^-1 b / m`` referred to F(m, k - p).

The tested coefficients are all but the intercept; for a model without an intercept,
all of them; for an intercept-only model, the intercept (metafor's default ``btt``).

Heterogeneity (metafor's definitions): ``QE = RSS(1/v)`` on ``k - p`` df; the typical
within-study variance ``vt = (k - p) / tr P(1/v)``; for random/mixed models
``I² = 100 tau² / (vt + tau²)`` and ``H² = (vt + tau²) / vt``; for ``FE``
``I² = max(0, 100 (QE - (k - p)) / QE)`` and ``H² = QE / (k - p)``.

Pseudo-R² (Raudenbush 2009; López-López et al. 2014), only for models with an intercept
and at least one moderator: ``R² = max(0, 100 (tau²_RE - tau²_ME) / tau²_RE)`` where
``tau²_RE`` is the intercept-only estimate with the same estimator; 0 when
``tau²_RE = 0`` (metafor).  For ``FE`` metafor reports instead the adjusted R² of the
weighted (``1/v``) least-squares regression of ``y`` on ``X``, in percent, truncated at
0 -- also done here.

References
----------
Berkey CS et al. (1995) Stat Med 14:395-411.  DerSimonian R, Laird N (1986) Control Clin
Trials 7:177-188.  Hedges LV (1983) Psychol Bull 93:388-395.  Hunter JE, Schmidt FL (2004)
Methods of Meta-Analysis, 2nd ed.  Knapp G, Hartung J (2003) Stat Med 22:2693-2710.
López-López JA et al. (2014) Br J Math Stat Psychol 67:30-48.  Morris CN (1983) JASA
78:47-55.  Paule RC, Mandel J (1982) J Res Natl Bur Stand 87:377-385.  Raudenbush SW (2009)
in The Handbook of Research Synthesis and Meta-Analysis, 2nd ed., 295-315.  Sidik K,
Jonkman JN (2005) J Biopharm Stat 15:823-838; (2007) Stat Med 26:1964-1981.
Viechtbauer W (2005) J Educ Behav Stat 30:261-293; (2010) J Stat Softw 36(3).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from metareview.exceptions import ConvergenceWarning
from metareview.stats._groups import FloatArray, IntArray
from metareview.stats.pooling import normal_quantile, t_quantile
from metareview.stats.tau2 import MAXITER, NEWTON_STOP, RTOL

__all__ = [
    "METAREG_METHODS",
    "METAREG_TESTS",
    "Design",
    "MetaRegression",
    "SubgroupCommonTau2",
    "design",
    "meta_regression",
    "subgroup_common_tau2",
]

METAREG_METHODS = ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB")
METAREG_TESTS = ("z", "t", "knha")
_ITERATIVE = ("ML", "REML", "PM", "EB")

#: relative tolerance for collinearity: a column whose distance from the span of the
#: columns before it is below this fraction of its own norm is redundant (as R's ``lm``)
RANK_TOL = 1e-7
#: a column is the intercept when every entry is within this of 1 (metafor's
#: ``.is.intercept``)
_INTERCEPT_EPS = 1e-8


# --- design matrices --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Design:
    """A meta-regression model matrix with column names.

    ``X`` is ``k × p`` (float), ``names`` has ``p`` entries (``"intrcpt"`` for the
    intercept, the moderator name for a numeric column, ``"name[level]"`` for a dummy).
    ``terms`` maps each moderator to the indices of its columns (useful for testing one
    categorical moderator's dummies together); ``intercept`` tells whether column 0 is
    the intercept.
    """

    X: FloatArray
    names: tuple[str, ...]
    intercept: bool
    terms: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of studies (rows)."""
        return int(self.X.shape[0])

    @property
    def p(self) -> int:
        """Number of coefficients (columns)."""
        return int(self.X.shape[1])


def _is_missing(x: object) -> bool:
    if x is None or type(x).__name__ in ("NAType", "NaTType"):  # pandas.NA, NaT
        return True
    if isinstance(x, str):
        return x.strip() == ""
    if isinstance(x, float | np.floating):
        return bool(np.isnan(x))
    return False


def _label(x: object) -> str:
    """Level label of a categorical value; integral floats print as integers (R style)."""
    if isinstance(x, str):
        return x
    if isinstance(x, bool | np.bool_):
        return "TRUE" if x else "FALSE"
    if isinstance(x, float | np.floating):
        f = float(x)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    return str(x)


def _sort_key(x: object) -> tuple[int, Any]:
    if isinstance(x, bool | np.bool_):
        return (0, int(x))
    if isinstance(x, int | float | np.integer | np.floating):
        return (0, float(x))
    return (1, str(x))


def _levels_in_order(
    values: list[Any], declared: Sequence[Hashable] | None, name: str
) -> list[Any]:
    present: dict[str, Any] = {}
    for x in values:
        present.setdefault(_label(x), x)
    if declared is None:
        return sorted(present.values(), key=_sort_key)
    order = [_label(x) for x in declared]
    if len(set(order)) != len(order):
        raise ValueError(f"moderator {name!r}: the declared levels {list(order)} repeat a level")
    unknown = sorted(set(present) - set(order))
    if unknown:
        raise ValueError(
            f"moderator {name!r}: value(s) {unknown} are not among the declared levels {order}"
        )
    return [present[lab] for lab in order if lab in present]


def design(
    moderators: Mapping[str, Sequence[float | str] | ArrayLike],
    *,
    intercept: bool = True,
    categorical: Collection[str] = (),
    levels: Mapping[str, Sequence[Hashable]] | None = None,
) -> Design:
    """Build the model matrix of a meta-regression from named moderators.

    Parameters
    ----------
    moderators
        One sequence per moderator, all of the same length ``k`` (one value per study),
        in the order the columns should appear.  A moderator is *categorical* when any of
        its values is a string, when its name is in ``categorical``, or when it appears in
        ``levels``; otherwise it must be numeric and is used as is.
    intercept
        Include an intercept column (named ``"intrcpt"``, as metafor).
    categorical
        Names of numeric moderators to treat as categorical (like R's ``factor(x)``).
    levels
        Optional level order per categorical moderator; the first level is the reference.

    Returns
    -------
    Design
        ``X`` and column names.  A categorical moderator with levels ``l1 < l2 < ...``
        becomes treatment (dummy) columns ``"name[l2]"``, ``"name[l3]"``, ... with the first
        level as reference.  Levels are sorted like R's ``factor()`` default (numerically
        for numbers, by code point for strings -- R sorts strings in the locale's collation,
        which can differ for mixed case or accents; pass ``levels`` to be explicit), so the
        columns match metafor's ``mods = ~ factor(name)`` (``factor(alloc)random`` here is
        ``alloc[random]``).  Without an intercept the *first* categorical moderator is
        coded with one dummy per level (``~ factor(name) - 1``) and later ones with
        treatment contrasts, as R's ``model.matrix``.

    Raises
    ------
    ValueError
        For a missing value (None, NaN or an empty string; the message names the moderator
        and the 1-based row), a non-numeric value in a numeric moderator, moderators of
        different lengths, a categorical moderator with a single level, an empty model,
        or a model matrix that is not of full column rank (the message names the
        collinear columns).
    """
    levels = dict(levels or {})
    cat_names = set(categorical) | set(levels)
    unknown = sorted(cat_names - set(moderators))
    if unknown:
        raise ValueError(f"categorical/levels name moderator(s) {unknown} that were not given")
    lengths = {name: np.asarray(vals, dtype=object).size for name, vals in moderators.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"moderators must all have one value per study; lengths: {lengths}")
    if not moderators and not intercept:
        raise ValueError("an empty model: give moderators or keep the intercept")
    k = next(iter(lengths.values())) if lengths else None
    cols: list[FloatArray] = []
    names: list[str] = []
    terms: dict[str, tuple[int, ...]] = {}
    first_factor_full = not intercept
    for name, raw in moderators.items():
        values = list(np.asarray(raw, dtype=object).ravel())
        for i, x in enumerate(values):
            if _is_missing(x):
                raise ValueError(
                    f"moderator {name!r} has a missing value in row {i + 1}; "
                    "meta-regression needs every moderator for every study (drop the row "
                    "or impute the value)"
                )
        is_cat = name in cat_names or any(isinstance(x, str | np.str_) for x in values)
        start = len(cols)
        if not is_cat:
            try:
                col = np.array([float(x) for x in values], dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"moderator {name!r} is not numeric: {exc}") from None
            bad = np.flatnonzero(~np.isfinite(col))
            if bad.size:
                raise ValueError(
                    f"moderator {name!r} has a non-finite value ({col[bad[0]]}) in row {bad[0] + 1}"
                )
            cols.append(col)
            names.append(name)
        else:
            lev = _levels_in_order(values, levels.get(name), name)
            if len(lev) < 2:
                raise ValueError(
                    f"categorical moderator {name!r} has a single level "
                    f"({_label(lev[0]) if lev else 'none'!r}); it cannot explain anything "
                    "-- drop it"
                )
            labs = np.array([_label(x) for x in values], dtype=object)
            use = lev if first_factor_full else lev[1:]
            first_factor_full = False
            for level in use:
                lab = _label(level)
                cols.append((labs == lab).astype(np.float64))
                names.append(f"{name}[{lab}]")
        terms[name] = tuple(range(start + int(intercept), len(cols) + int(intercept)))
    if intercept:
        n = k if k is not None else 0
        if k is None:
            raise ValueError("an intercept-only design needs k: use np.ones((k, 1)) instead")
        cols.insert(0, np.ones(n))
        names.insert(0, "intrcpt")
    X = np.column_stack(cols) if cols else np.zeros((k or 0, 0))
    _check_rank(X, tuple(names))
    return Design(X, tuple(names), intercept, terms)


def _check_rank(X: FloatArray, names: Sequence[str]) -> None:
    """Raise a ValueError naming the columns that make ``X`` rank deficient.

    Columns are taken left to right (as R's ``lm`` pivots them); a column whose residual
    after projection on the kept columns is below ``RANK_TOL`` of its norm is redundant.
    """
    k, p = X.shape
    if p > k:
        raise ValueError(
            f"the model has {p} coefficients ({', '.join(names)}) but only {k} studies"
        )
    kept: list[int] = []
    for j in range(p):
        col = X[:, j]
        norm = float(np.linalg.norm(col))
        if norm == 0.0:
            raise ValueError(
                f"model matrix not of full rank: column {names[j]!r} is all zeros (a "
                "moderator that is 0 for every study, or a level no study has)"
            )
        if kept:
            B = X[:, kept]
            coef, *_ = np.linalg.lstsq(B, col, rcond=None)
            resid = col - B @ coef
            if float(np.linalg.norm(resid)) <= RANK_TOL * norm:
                scale = np.abs(coef) * np.linalg.norm(B, axis=0)
                involved = [names[kept[i]] for i in np.flatnonzero(scale > 1e-6 * norm)]
                raise ValueError(
                    "model matrix not of full rank: the moderators are collinear -- column "
                    f"{names[j]!r} is a linear combination of "
                    f"{', '.join(repr(n) for n in involved) or 'earlier columns'}; drop one "
                    "of these moderators"
                )
        kept.append(j)


# --- weighted least squares on a fixed design ----------------------------------------------


class _WLS:
    """``sqrt(W) X = QR`` and the quantities of ``P = W - W X (X'WX)^-1 X'W``."""

    __slots__ = ("Q", "R", "h", "sw", "w")

    def __init__(self, X: FloatArray, w: FloatArray) -> None:
        self.w = w
        self.sw = np.sqrt(w)
        self.Q, self.R = np.linalg.qr(X * self.sw[:, None])
        self.h = np.einsum("ij,ij->i", self.Q, self.Q)  # leverages of sqrt(W) X

    def p_apply(self, y: FloatArray) -> FloatArray:
        """``P y``."""
        u = self.sw * y
        return self.sw * (u - self.Q @ (self.Q.T @ u))

    def rss(self, y: FloatArray) -> float:
        """``y'Py = sum w (y - X beta_w)²`` (computed as a squared norm, never negative)."""
        u = self.sw * y
        e = u - self.Q @ (self.Q.T @ u)
        return float(e @ e)

    def tr_p(self) -> float:
        return float(self.w.sum() - (self.w * self.h).sum())

    def tr_pp(self) -> float:
        w = self.w
        qdq = self.Q.T @ (self.Q * w[:, None])
        return float((w * w).sum() - 2.0 * (w * w * self.h).sum() + (qdq * qdq).sum())

    def beta(self, y: FloatArray) -> FloatArray:
        from scipy.linalg import solve_triangular

        return np.asarray(solve_triangular(self.R, self.Q.T @ (self.sw * y)), dtype=np.float64)

    def cov(self) -> FloatArray:
        """``(X'WX)^-1 = R^-1 R^-T``."""
        from scipy.linalg import solve_triangular

        ri = solve_triangular(self.R, np.eye(self.R.shape[0]))
        return np.asarray(ri @ ri.T, dtype=np.float64)

    def logdet(self) -> float:
        """``log |X'WX|``."""
        return float(2.0 * np.log(np.abs(np.diag(self.R))).sum())


# --- tau² ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tau2:
    value: float
    converged: bool
    iterations: int


def _closed_form(method: str, y: FloatArray, v: FloatArray, X: FloatArray) -> float:
    k, p = X.shape
    if method in ("DL", "HS"):
        w = 1.0 / v
        f = _WLS(X, w)
        rss = f.rss(y)
        t = (rss - (k - p)) / f.tr_p() if method == "DL" else (rss - k) / float(w.sum())
    elif method == "HE":
        f = _WLS(X, np.ones(k))
        t = (f.rss(y) - float(((1.0 - f.h) * v).sum())) / (k - p)
    elif method == "SJ":
        t0 = float(((y - y.mean()) ** 2).sum()) / k
        t = t0 * _WLS(X, 1.0 / (v + t0)).rss(y) / (k - p)
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(method)
    return max(0.0, t) if math.isfinite(t) else 0.0


# f(tau²), f'(tau²) and the Fisher-scoring step at tau²
_Score = Callable[[float], tuple[float, float, float]]


def _score(method: str, y: FloatArray, v: FloatArray, X: FloatArray) -> _Score:
    k, p = X.shape

    def score(t: float) -> tuple[float, float, float]:
        w = 1.0 / (v + t)
        f = _WLS(X, w)
        py = f.p_apply(y)
        if method in ("PM", "EB"):
            q = float(y @ py)
            fisher = (q * k / (k - p) - k) / float(w.sum())  # metafor's EB step
            return q - (k - p), -float(py @ py), fisher
        ypp = float(py @ py)
        yppp = float(py @ f.p_apply(py))
        if method == "REML":
            trpp = f.tr_pp()
            val = ypp - f.tr_p()
            return val, -2.0 * yppp + trpp, val / trpp
        sw2 = float((w * w).sum())  # ML
        val = ypp - float(w.sum())
        return val, -2.0 * yppp + sw2, val / sw2

    return score


def _solve(score: _Score, lo: float, hi: float, start: float, scale: float) -> _Tau2:
    """Root of ``f`` in the bracket ``(lo, hi)`` with ``f(lo) > 0 > f(hi)`` (``hi`` may be inf).

    Newton step if it stays strictly inside the bracket, else the Fisher-scoring step if
    that does, else bisection (doubling while ``hi`` is infinite); the bracket shrinks at
    every step.  Stops when the bracket is narrower than ``RTOL·(tau² + scale)``, after a
    Newton step below ``NEWTON_STOP`` times that (its error is then of order the step
    squared), or after any other step below it.
    """
    t = min(max(start, lo), hi)
    for it in range(1, MAXITER + 1):
        f, fp, fisher = score(t)
        if f == 0.0:
            return _Tau2(t, True, it)
        if not math.isfinite(f):
            return _Tau2(t, False, it)
        if f > 0.0:
            lo = t
        else:
            hi = t
        new, newton = math.nan, False
        if fp < 0.0 and math.isfinite(fp):
            cand = t - f / fp
            if lo < cand < hi:
                new, newton = cand, True
        if not newton:
            cand = t + fisher
            if math.isfinite(cand) and lo < cand < hi:
                new = cand
            else:
                new = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * t + scale
        tol = RTOL * (abs(new) + scale)
        step = abs(new - t)
        if (hi - lo) <= tol or step <= (NEWTON_STOP * tol if newton else tol):
            return _Tau2(new, True, it)
        t = new
    return _Tau2(t, False, MAXITER)


def _loglik(method: str, y: FloatArray, v: FloatArray, X: FloatArray, t: float) -> float:
    """ML or REML log-likelihood at tau² = ``t``, up to a constant."""
    f = _WLS(X, 1.0 / (v + t))
    ll = -0.5 * float(np.log(v + t).sum()) - 0.5 * f.rss(y)
    return ll - 0.5 * f.logdet() if method == "REML" else ll


#: grid on which the ML/REML score is scanned for sign changes: multiples of the mean
#: sampling variance, 5 per decade from 1e-6 to 1e4
_GRID = 10.0 ** np.linspace(-6.0, 4.0, 51)


def _estimate_tau2(method: str, y: FloatArray, v: FloatArray, X: FloatArray) -> _Tau2:
    """tau² of ``method`` for (centred or raw) ``y``; see the module docstring.

    PM/EB: the generalised Q is decreasing in tau², so its root is unique; it is 0 when
    ``Q(0) <= k - p`` and otherwise bracketed by ``[0, RSS_OLS / (k - p)]``.

    ML/REML: the (restricted) likelihood need not be unimodal with moderators -- it can
    have a local maximum at the boundary 0 (score <= 0 there) *and* a higher one inside,
    as ML for the BCG trials with ``ablat + alloc``, where metafor's Fisher scoring from the
    Hedges start finds the interior one.  The score is therefore scanned on a grid (0, the
    Hedges estimate, ``_GRID`` times the mean variance, and 10 times the OLS residual
    variance); every sign change from + to - is solved with :func:`_solve`, and the
    candidate (those roots and 0) with the largest log-likelihood wins -- which also
    performs metafor's ``ll0check``.  Two sign changes within one grid cell would be
    missed.
    """
    if method == "FE":
        return _Tau2(0.0, True, 0)
    if method not in _ITERATIVE:
        return _Tau2(_closed_form(method, y, v, X), True, 0)
    k, p = X.shape
    score = _score(method, y, v, X)
    scale = float(v.mean())
    he = _closed_form("HE", y, v, X)
    rss_ols = _WLS(X, np.ones(k)).rss(y)
    if method in ("PM", "EB"):
        f0, _, _ = score(0.0)
        if not (math.isfinite(f0) and f0 > 0.0):
            return _Tau2(0.0, True, 0)
        # y'P(w)y <= RSS_OLS / tau², so f < 0 once tau² >= RSS_OLS / (k - p)
        hi = rss_ols / (k - p)
        hi = hi * (1.0 + 1e-12) if hi > 0.0 else math.inf
        return _solve(score, 0.0, hi, he, scale)
    pts = np.unique(np.concatenate([[0.0, he, 10.0 * rss_ols / (k - p)], scale * _GRID]))
    fs = np.array([score(float(t))[0] for t in pts])
    best, best_ll = _Tau2(0.0, True, 0), _loglik(method, y, v, X, 0.0)
    iterations, converged = 0, True
    for i in np.flatnonzero(fs > 0.0):
        lo = float(pts[i])
        if i + 1 < pts.size:
            if not fs[i + 1] <= 0.0:
                continue
            hi = float(pts[i + 1])
        else:
            hi = math.inf
        res = _solve(score, lo, hi, lo, scale)
        iterations += res.iterations
        converged &= res.converged
        ll = _loglik(method, y, v, X, res.value)
        if ll > best_ll:
            best, best_ll = res, ll
    return _Tau2(best.value, converged, iterations)


# --- the fit --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MetaRegression:
    """A fitted (mixed-effects) meta-regression.

    Attributes
    ----------
    names
        Coefficient names.
    beta, se, stat, pval, ci_low, ci_high
        Coefficients, standard errors (Knapp-Hartung scaled for ``test="knha"``), test
        statistics (z, or t with ``df`` degrees of freedom), two-sided P values and
        confidence limits.
    vcov
        ``p × p`` covariance matrix of ``beta`` (scaled by ``s2w`` for Knapp-Hartung).
    qm, qm_df, qm_p
        Omnibus test of the coefficients ``btt``: chi-square with ``qm_df = m`` for
        ``test="z"``; for ``"t"`` and ``"knha"`` ``qm`` is the F statistic (divided by
        ``m``) and ``qm_df = (m, k - p)``.  NaN when the covariance of the tested
        coefficients is singular.
    qe, qe_df, qe_p
        Residual heterogeneity ``QE = sum (y - X beta_FE)² / v`` on ``k - p`` df.
    tau2, i2, h2
        Residual tau², I² (percent) and H² (metafor's definitions, see the module
        docstring); ``typical_variance`` is the ``vt`` they use.
    r2
        Pseudo-R² (percent); None for models without an intercept or intercept-only.
    k, p
        Number of studies and of coefficients.
    converged, iterations
        Status of an iterative tau² estimator (True / 0 for closed forms).
    btt
        Indices of the coefficients tested by ``qm``.
    df
        Degrees of freedom of the t statistics (None for ``test="z"``).
    s2w
        Knapp-Hartung variance factor (1 unless ``test="knha"``).
    """

    names: tuple[str, ...]
    beta: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    vcov: FloatArray
    qm: float
    qm_df: int | tuple[int, int]
    qm_p: float
    qe: float
    qe_df: int
    qe_p: float
    tau2: float
    i2: float
    h2: float
    r2: float | None
    k: int
    p: int
    converged: bool
    tau2_method: str
    test: str
    level: float
    btt: tuple[int, ...]
    df: int | None
    s2w: float
    iterations: int
    intercept: bool
    typical_variance: float

    def coef(self, name: str) -> dict[str, float]:
        """One coefficient's row: estimate, se, stat, pval, ci_low, ci_high."""
        try:
            j = self.names.index(name)
        except ValueError:
            raise KeyError(f"no coefficient {name!r}; the model has {self.names}") from None
        return {
            "estimate": float(self.beta[j]),
            "se": float(self.se[j]),
            "stat": float(self.stat[j]),
            "pval": float(self.pval[j]),
            "ci_low": float(self.ci_low[j]),
            "ci_high": float(self.ci_high[j]),
        }


def _as_vector(x: ArrayLike, what: str) -> FloatArray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {a.shape}")
    return a


def _intercept_columns(X: FloatArray) -> list[int]:
    return [j for j in range(X.shape[1]) if bool(np.all(np.abs(X[:, j] - 1.0) < _INTERCEPT_EPS))]


def _adj_r2_weighted(y: FloatArray, X: FloatArray, w: FloatArray) -> float:
    """Adjusted R² (percent, >= 0) of ``lm(y ~ X, weights = w)`` (X contains the intercept)."""
    k, p = X.shape
    if np.all(y == y[0]):
        return 0.0
    if k <= p:
        return math.nan
    f = _WLS(X, w)
    fitted = X @ f.beta(y)
    rss = float((w * (y - fitted) ** 2).sum())
    mss = float((w * (fitted - (w * fitted).sum() / w.sum()) ** 2).sum())
    r2 = mss / (mss + rss)
    adj = 1.0 - (1.0 - r2) * (k - 1) / (k - p)
    return max(0.0, 100.0 * adj)


def meta_regression(
    y: ArrayLike,
    v: ArrayLike,
    X: Design | ArrayLike,
    *,
    names: Sequence[str] | None = None,
    tau2_method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    center: bool = True,
) -> MetaRegression:
    """Fit a (mixed-effects) meta-regression ``y = X beta + u + e``.

    Parameters
    ----------
    y, v
        Study estimates and sampling variances (``k`` each; finite, ``v > 0``).
    X
        The ``k × p`` model matrix, or a :class:`Design` from :func:`design`.  An
        intercept is a column of ones (anywhere; it is excluded from the omnibus test).
    names
        Column names (default: the Design's, else ``"intrcpt"`` for a column of ones and
        ``"X1"``, ``"X2"``, ... for the others).
    tau2_method
        One of :data:`METAREG_METHODS` (``"FE"`` for a fixed-effect meta-regression).
    test
        ``"z"`` (Wald), ``"t"`` (Wald SE, t(k - p)) or ``"knha"`` (Knapp-Hartung).
    level
        Confidence level in (0, 1).
    center
        Centre ``y`` before estimating tau² and QE, as metafor does (see the module
        docstring; it matters only for models whose columns do not span the constant).

    Returns
    -------
    MetaRegression

    Raises
    ------
    ValueError
        Invalid input, a rank-deficient ``X`` (naming the collinear columns), or too
        few studies: ``k >= p + 1`` is needed to estimate tau² or for t tests (``k >= p`` for
        ``FE`` with ``test="z"``).

    Warns
    -----
    ConvergenceWarning
        If the iterative tau² estimator did not converge (``converged`` is then False).
    """
    method = tau2_method.upper()
    if method not in METAREG_METHODS:
        raise ValueError(f"unknown tau² estimator {tau2_method!r}; use one of {METAREG_METHODS}")
    test = test.lower()
    if test not in METAREG_TESTS:
        raise ValueError(f"unknown test {test!r}; use one of {METAREG_TESTS}")
    crit_z = normal_quantile(level)  # also validates level
    yy = _as_vector(y, "y")
    vv = _as_vector(v, "v")
    k = yy.size
    if vv.size != k:
        raise ValueError(f"y has {k} values but v has {vv.size}")
    bad = np.flatnonzero(~np.isfinite(yy) | ~np.isfinite(vv) | ~(vv > 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"study row {i + 1} has y = {yy[i]}, v = {vv[i]}: meta-regression needs a finite "
            "estimate and a finite positive sampling variance for every study"
        )
    if isinstance(X, Design):
        XX = np.asarray(X.X, dtype=np.float64)
        default_names: tuple[str, ...] = X.names
    else:
        XX = np.asarray(X, dtype=np.float64)
        if XX.ndim != 2:
            raise ValueError(f"X must be a k × p matrix, got shape {XX.shape}")
        ints = set(_intercept_columns(XX))
        default_names = tuple(
            "intrcpt" if j in ints else f"X{j + 1 - sum(i < j for i in ints)}"
            for j in range(XX.shape[1])
        )
    cols = tuple(names) if names is not None else default_names
    if XX.shape[0] != k:
        raise ValueError(f"X has {XX.shape[0]} rows but there are {k} studies")
    p = XX.shape[1]
    if p == 0:
        raise ValueError("X has no columns")
    if len(cols) != p:
        raise ValueError(f"{len(cols)} names for {p} columns of X")
    if not np.all(np.isfinite(XX)):
        i, j = np.argwhere(~np.isfinite(XX))[0]
        raise ValueError(f"X has a non-finite value in row {i + 1}, column {cols[j]!r}")
    _check_rank(XX, cols)
    need = p + 1 if method != "FE" or test != "z" else p
    if k < need:
        raise ValueError(
            f"{k} studies are too few for {p} coefficients"
            + (" and tau²" if method != "FE" else f" with test={test!r}" if test != "z" else "")
            + f": need k >= {need}"
        )
    return _fit(yy, vv, XX, cols, method, test, level, crit_z, center)


def _fit(
    y: FloatArray,
    v: FloatArray,
    X: FloatArray,
    names: tuple[str, ...],
    method: str,
    test: str,
    level: float,
    crit_z: float,
    center: bool,
) -> MetaRegression:
    k, p = X.shape
    yc = y - y.mean() if center else y
    est = _estimate_tau2(method, yc, v, X)
    if not est.converged:
        warnings.warn(
            f"the {method} tau² estimator did not converge for the meta-regression with "
            f"k = {k} studies and p = {p} coefficients (after {est.iterations} iterations); "
            "its tau² and everything derived from it are unreliable",
            ConvergenceWarning,
            stacklevel=3,
        )
    tau2 = est.value
    w = 1.0 / (v + tau2)
    fit = _WLS(X, w)
    beta = fit.beta(y)
    vb = fit.cov()
    s2w = 1.0
    if test == "knha":
        rss = fit.rss(y)
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        vb = vb * s2w
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se

    ints = _intercept_columns(X)
    int_incl = bool(ints)
    int_only = p == 1 and int_incl
    btt = tuple(j for j in range(p) if j not in ints) if (p > 1 and int_incl) else tuple(range(p))
    m = len(btt)
    b = beta[list(btt)]
    try:
        chol = np.linalg.cholesky(vb[np.ix_(btt, btt)])
        z = np.linalg.solve(chol, b)
        qm = float(z @ z)
    except np.linalg.LinAlgError:
        qm = math.nan

    df: int | None
    qm_df: int | tuple[int, int]
    if test == "z":
        df = None
        pval = 2.0 * special.ndtr(-np.abs(stat))
        crit = crit_z
        qm_df = m
        qm_p = float(special.chdtrc(m, qm)) if math.isfinite(qm) else math.nan
    else:
        df = k - p
        qm = qm / m
        qm_df = (m, df)
        qm_p = float(special.fdtrc(m, df, qm)) if df > 0 and math.isfinite(qm) else math.nan
        pval = 2.0 * special.stdtr(df, -np.abs(stat)) if df > 0 else np.full(p, math.nan)
        crit = float(t_quantile(level, float(df)))
    ci_low = beta - crit * se
    ci_high = beta + crit * se

    # residual heterogeneity, I², H² (weights 1/v)
    if k > p:
        f0 = _WLS(X, 1.0 / v)
        qe = max(0.0, f0.rss(yc))
        qe_p = float(special.chdtrc(k - p, qe))
        vt = (k - p) / f0.tr_p()
        if method == "FE":
            i2 = max(0.0, 100.0 * (qe - (k - p)) / qe) if qe > 0 else 0.0
            h2 = qe / (k - p)
        else:
            i2 = 100.0 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1.0
    else:
        qe, qe_p, i2, h2, vt = 0.0, 1.0, 0.0, 1.0, 0.0

    r2: float | None = None
    if int_incl and not int_only:
        if method == "FE":
            r2 = _adj_r2_weighted(y, X, 1.0 / v)
        else:
            re = _estimate_tau2(method, yc, v, np.ones((k, 1)))
            # metafor: R² = 0 when the intercept-only tau² is exactly 0
            r2 = 0.0 if re.value == 0.0 else max(0.0, 100.0 * (re.value - tau2) / re.value)

    return MetaRegression(
        names=names,
        beta=beta,
        se=se,
        stat=stat,
        pval=np.asarray(pval, dtype=np.float64),
        ci_low=ci_low,
        ci_high=ci_high,
        vcov=vb,
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
        qe=qe,
        qe_df=k - p,
        qe_p=qe_p,
        tau2=tau2,
        i2=i2,
        h2=h2,
        r2=r2,
        k=k,
        p=p,
        converged=est.converged,
        tau2_method=method,
        test=test,
        level=level,
        btt=btt,
        df=df,
        s2w=s2w,
        iterations=est.iterations,
        intercept=int_incl,
        typical_variance=vt,
    )


# --- subgroups with a common tau² ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SubgroupCommonTau2:
    """Subgroup analysis with one tau² shared by all subgroups.

    ``fit`` is the meta-regression on one dummy per subgroup without an intercept
    (metafor ``mods = ~ factor(labels) - 1``): ``fit.beta[j]`` is subgroup ``levels[j]``'s
    pooled estimate with its ``se``, CI and test, and ``fit.qm`` tests that *all* subgroup
    means are 0.  ``difference`` is the same model with an intercept (``~ factor(labels)``:
    reference level plus differences) whose omnibus test ``qm`` (chi-square on ``G - 1``
    df, or F(G - 1, k - G) for Knapp-Hartung) is the test for subgroup differences.
    Both share the tau² (the column spaces are the same).
    """

    levels: tuple[str, ...]
    counts: IntArray
    fit: MetaRegression
    difference: MetaRegression

    @property
    def tau2(self) -> float:
        return self.fit.tau2

    @property
    def qm(self) -> float:
        """Test statistic for subgroup differences."""
        return self.difference.qm

    @property
    def qm_df(self) -> int | tuple[int, int]:
        return self.difference.qm_df

    @property
    def qm_p(self) -> float:
        return self.difference.qm_p


def subgroup_common_tau2(
    y: ArrayLike,
    v: ArrayLike,
    labels: Sequence[Hashable] | ArrayLike,
    *,
    tau2_method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    levels: Sequence[Hashable] | None = None,
    name: str = "subgroup",
) -> SubgroupCommonTau2:
    """Subgroup analysis with a common tau² and the test for subgroup differences.

    Fits ``mods = ~ factor(labels) - 1`` (per-subgroup estimates) and ``~ factor(labels)``
    (omnibus test of the differences from the reference level) with
    :func:`meta_regression`.  Levels are sorted as in :func:`design` unless ``levels``
    gives the order; coefficient names are ``f"{name}[{level}]"``.

    Raises
    ------
    ValueError
        Fewer than two subgroups, a missing label, or too few studies
        (``k >= G + 1`` unless ``tau2_method="FE"``).
    """
    lab = list(np.asarray(labels, dtype=object).ravel())
    lev_map = {name: levels} if levels is not None else None
    full = design({name: lab}, intercept=False, categorical=[name], levels=lev_map)
    contrast = design({name: lab}, intercept=True, categorical=[name], levels=lev_map)
    fit = meta_regression(y, v, full, tau2_method=tau2_method, test=test, level=level)
    diff = meta_regression(y, v, contrast, tau2_method=tau2_method, test=test, level=level)
    level_names = tuple(n[len(name) + 1 : -1] for n in full.names)
    counts = full.X.sum(axis=0).astype(np.intp)
    return SubgroupCommonTau2(level_names, counts, fit, diff)
