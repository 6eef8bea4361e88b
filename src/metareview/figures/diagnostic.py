"""Diagnostic plots: Baujat, Galbraith (radial), L'Abbé and sensitivity forest plots.

* :func:`baujat_plot` -- each study's contribution to Cochran's Q against its influence
  on the pooled estimate (coordinates from :func:`metareview.stats.baujat`);
* :func:`galbraith_plot` -- ``theta / SE`` against ``1 / SE`` with the fixed-effect line
  through the origin and its ±2 band;
* :func:`labbe_plot` -- event rate in the experimental arm against the control arm
  (dichotomous data), with the line of equality and the pooled effect;
* :func:`sensitivity_forest` -- one row per refit of a leave-one-out or cumulative
  meta-analysis (arrays from :func:`metareview.stats.leave_one_out` or
  :func:`metareview.stats.cumulative`); :func:`leave_one_out_forest` and
  :func:`cumulative_forest` compute the refits from a result and draw them.

Study labels in the scatter plots are placed greedily around their points so that they
overlap neither each other nor the points.  matplotlib is imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from metareview.analysis.format import fmt_num
from metareview.figures._style import COLORS, FONT_SIZE, new_figure, styled
from metareview.figures.funnel import _abbrev, _nice_top, _ratio_ticks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    from metareview.analysis.result import MetaAnalysisResult
    from metareview.stats.effects import StudyEffects

__all__ = [
    "KINDS",
    "baujat_plot",
    "cumulative_forest",
    "galbraith_plot",
    "labbe_plot",
    "labbe_rates",
    "leave_one_out_forest",
    "sensitivity_forest",
]

#: accepted values of ``sensitivity_forest(kind=...)`` and their row prefixes
KINDS = {"leave-one-out": "Omitting ", "cumulative": "+ "}
#: the studies labelled in a Baujat plot whatever the overlap (largest x + y first)
BAUJAT_TOP = 5
_POINT = COLORS["square"]
_LABEL_SIZE = FONT_SIZE - 1.0


def _despine(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# ----------------------------------------------------------------------------- labels
#: candidate label offsets (points) around a point, nearest first: (dx, dy, ha, va)
_NEAR = (
    (4.0, 2.0, "left", "bottom"),
    (4.0, -2.0, "left", "top"),
    (-4.0, 2.0, "right", "bottom"),
    (-4.0, -2.0, "right", "top"),
    (0.0, 5.0, "center", "bottom"),
    (0.0, -5.0, "center", "top"),
    (6.0, 0.0, "left", "center"),
    (-6.0, 0.0, "right", "center"),
)


def _far() -> list[tuple[float, float, str, str]]:
    out = []
    for r in (14.0, 24.0):
        for a in range(0, 360, 30):
            dx, dy = r * math.cos(math.radians(a)), r * math.sin(math.radians(a))
            ha = "left" if dx > 1 else "right" if dx < -1 else "center"
            va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
            out.append((dx, dy, ha, va))
    return out


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _place_labels(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    labels: Sequence[str],
    order: Sequence[int],
    must: set[int],
    avoid: Sequence[Bbox] = (),
    lines: np.ndarray | None = None,
) -> list[int]:
    """Label points ``order`` greedily where the label overlaps nothing.

    The figure's layout must be final (drawn once, layout engine frozen).  Labels of
    ``must`` are placed even when every position overlaps (the least-overlapping one,
    with a leader line when away from the point); the others are left out then.
    ``lines`` are display-coordinate points sampled along lines, which labels avoid
    when they can.  Returns the indices labelled.
    """
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    fig = ax.get_figure(root=True)
    assert fig is not None
    px = fig.dpi / 72.0
    pts = ax.transData.transform(np.column_stack([x, y]))
    r = 3.5 * px  # half side of the box kept free around a point
    point_boxes = [Bbox.from_extents(p[0] - r, p[1] - r, p[0] + r, p[1] + r) for p in pts]
    frame = ax.bbox
    placed: list[Bbox] = list(avoid)
    done = []
    far = _far()
    for i in order:
        best: tuple[float, float, Any, Bbox] | None = None
        for j, (dx, dy, ha, va) in enumerate((*_NEAR, *far)):
            leader = j >= len(_NEAR)
            ann = ax.annotate(
                labels[i],
                (float(x[i]), float(y[i])),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=_LABEL_SIZE,
                color=COLORS["line"],
                gid="study-label",
                zorder=5,
                arrowprops=(
                    {"arrowstyle": "-", "color": COLORS["muted"], "lw": 0.4, "shrinkA": 0,
                     "shrinkB": 2}
                    if leader
                    else None
                ),
            )  # fmt: skip
            ann.get_window_extent()  # positions the text
            box = Text.get_window_extent(ann)  # the text alone, not the leader line
            outside = (
                max(frame.x0 - box.x0, 0)
                + max(box.x1 - frame.x1, 0)
                + max(frame.y0 - box.y0, 0)
                + max(box.y1 - frame.y1, 0)
            )
            cost = sum(_overlap(box, b) for b in placed)
            cost += sum(_overlap(box, b) for k, b in enumerate(point_boxes) if k != i)
            cost += 1000.0 * outside
            soft = 0.5 if leader else 0.0
            if lines is not None and len(lines):
                inside = (
                    (lines[:, 0] > box.x0)
                    & (lines[:, 0] < box.x1)
                    & (lines[:, 1] > box.y0)
                    & (lines[:, 1] < box.y1)
                )
                soft += 0.1 * float(np.count_nonzero(inside))
            if best is None or (cost, soft) < best[:2]:
                if best is not None:
                    best[2].remove()
                best = (cost, soft, ann, box)
            else:
                ann.remove()
            if cost == 0 and soft == 0:
                break
        assert best is not None
        cost, _soft, ann, box = best
        if cost > 0 and i not in must:
            ann.remove()
            continue
        placed.append(box)
        done.append(i)
    return done


def _freeze_layout(fig: Figure) -> None:
    """Run the constrained layout once and keep it (labels are placed in pixels)."""
    fig.draw_without_rendering()
    fig.set_layout_engine("none")


# ----------------------------------------------------------------------------- Baujat
def baujat_plot(x: ArrayLike, y: ArrayLike, labels: Sequence[str]) -> Figure:
    """Baujat plot: contribution to heterogeneity (x) against influence (y).

    Parameters
    ----------
    x, y
        One value per study, e.g. ``baujat(effects)`` of :mod:`metareview.stats`:
        ``x_i`` the study's contribution to Cochran's Q, ``y_i`` the standardized squared
        change of the pooled estimate when it is left out.  Non-finite entries (studies
        that are not estimable) are skipped.
    labels
        Study names, in the same order.  The :data:`BAUJAT_TOP` studies with the largest
        ``x + y`` are always labelled; the others are labelled where their label
        overlaps no other label or point, and drawn as bare points otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        Points have gid ``studies``, labels ``study-label``.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.ndim != 1 or len(labels) != xa.size:
        raise ValueError("x, y and labels must have one entry per study")
    with styled():
        return _baujat(xa, ya, list(labels))


def _baujat(x: np.ndarray, y: np.ndarray, labels: list[str]) -> Figure:
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    labels = [s for s, keep in zip(labels, ok, strict=True) if keep]
    fig = new_figure(4.2, 3.6)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    xmax = float(x.max()) if x.size else 1.0
    ymax = float(y.max()) if y.size else 1.0
    ax.set_xlim(-0.03 * xmax if xmax > 0 else -0.05, xmax * 1.12 if xmax > 0 else 1.0)
    ax.set_ylim(-0.03 * ymax if ymax > 0 else -0.05, ymax * 1.12 if ymax > 0 else 1.0)
    ax.scatter(
        x, y, s=16, color=_POINT, edgecolors="white", linewidths=0.4, zorder=4, gid="studies"
    )
    ax.set_xlabel("Contribution to overall heterogeneity (Q)")
    ax.set_ylabel("Influence on overall result")
    _despine(ax)
    _freeze_layout(fig)
    order = [int(i) for i in np.argsort(-(x + y), kind="stable")]
    _place_labels(ax, x, y, labels, order, set(order[:BAUJAT_TOP]))
    return fig


# ----------------------------------------------------------------------------- Galbraith
def galbraith_plot(result: MetaAnalysisResult, *, label_outliers: bool = True) -> Figure:
    """Galbraith (radial) plot of the estimable studies of ``result``.

    Each study is a point at ``x = 1 / SE``, ``y = theta / SE`` (analysis scale: log for
    ratio measures).  The solid line runs through the origin with slope equal to the
    inverse-variance fixed-effect estimate ``sum(theta / SE²) / sum(1 / SE²)`` (the
    least-squares line through the origin); the dashed lines are that line ± 2, between
    which about 95% of the points fall without heterogeneity.  With ``label_outliers``
    the studies outside the band are labelled.

    Returns
    -------
    matplotlib.figure.Figure
        Points have gid ``studies``, the line ``fe-line``, the band lines ``band``.
    """
    with styled():
        return _galbraith(result, label_outliers)


def _galbraith(result: MetaAnalysisResult, label_outliers: bool) -> Figure:
    spec = result.spec
    rows = [r for r in result.studies if r.estimable and math.isfinite(r.se) and r.se > 0]
    theta = np.array([r.theta for r in rows], dtype=float)
    se = np.array([r.se for r in rows], dtype=float)
    px, py = 1.0 / se, theta / se
    slope = float(np.sum(px * py) / np.sum(px * px)) if rows else 0.0
    abbrev = _abbrev(spec.measure_name)

    fig = new_figure(4.2, 3.6)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    xmax = float(px.max()) * 1.08 if rows else 1.0
    xs = np.array([0.0, xmax])
    ys = [py, slope * xs - 2.0, slope * xs + 2.0, np.zeros(1)]
    lo, hi = float(min(v.min() for v in ys)), float(max(v.max() for v in ys))
    pad = 0.06 * (hi - lo)
    ax.set_xlim(0.0, xmax)
    ax.set_ylim(lo - pad, hi + pad)
    ax.axhline(0.0, color=COLORS["muted"], lw=0.5, ls=":", zorder=1)
    est = math.exp(slope) if spec.ratio else slope
    (line,) = ax.plot(
        xs,
        slope * xs,
        color=COLORS["line"],
        lw=0.8,
        zorder=2,
        gid="fe-line",
        label=f"Fixed effect: {abbrev} = {fmt_num(est)}",
    )
    band = None
    for sign in (-1.0, 1.0):
        (band,) = ax.plot(
            xs,
            slope * xs + 2.0 * sign,
            color=COLORS["line"],
            lw=0.6,
            ls="--",
            zorder=2,
            gid="band",
            label="±2 (approx. 95% limits)",
        )
    ax.scatter(
        px, py, s=16, color=_POINT, edgecolors="white", linewidths=0.4, zorder=4, gid="studies"
    )
    ax.set_xlabel("1 / SE (precision)")
    ax.set_ylabel(f"log({abbrev}) / SE" if spec.ratio else f"{abbrev} / SE")
    _despine(ax)
    assert band is not None
    fig.legend(
        handles=[line, band],
        loc="outside lower center",
        ncols=2,
        frameon=False,
        fontsize=FONT_SIZE - 0.5,
        handlelength=1.8,
    )
    if label_outliers and rows:
        _freeze_layout(fig)
        resid = np.abs(py - slope * px)
        out = [int(i) for i in np.argsort(-resid, kind="stable") if resid[i] > 2.0]
        names = [r.study for r in rows]
        t = np.linspace(0.0, xmax, 400)
        samples = np.concatenate(
            [np.column_stack([t, slope * t + c]) for c in (-2.0, 0.0, 2.0)]
            + [np.column_stack([t, np.zeros_like(t)])]
        )
        _place_labels(ax, px, py, names, out, set(out), lines=ax.transData.transform(samples))
    return fig


# ----------------------------------------------------------------------------- L'Abbé
def labbe_rates(result: MetaAnalysisResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event rates ``(control, experimental)`` and total participants of each study row.

    Rows with no participants in an arm are dropped.  With ``spec.swap_events`` the rates
    are those of the non-events (the outcome the analysis counts).
    """
    if result.spec.data_type != "dich":
        raise ValueError(
            f"a L'Abbé plot needs dichotomous data, not {result.spec.data_type!r} data"
        )
    d = [r.data for r in result.studies]
    ec = np.array([r["events_ctrl"] for r in d], dtype=float)
    nc = np.array([r["n_ctrl"] for r in d], dtype=float)
    ee = np.array([r["events_exp"] for r in d], dtype=float)
    ne = np.array([r["n_exp"] for r in d], dtype=float)
    ok = (nc > 0) & (ne > 0) & np.isfinite(ec) & np.isfinite(ee)
    with np.errstate(invalid="ignore", divide="ignore"):
        pc, pe = ec / nc, ee / ne
    if result.spec.swap_events:
        pc, pe = 1.0 - pc, 1.0 - pe
    return pc[ok], pe[ok], (nc + ne)[ok]


def _effect_curve(measure: str, effect: float, pc: np.ndarray) -> np.ndarray:
    """Experimental event rate implied by a pooled ``effect`` (display scale) at ``pc``."""
    if measure == "RR":
        pe = effect * pc
    elif measure == "RD":
        pe = pc + effect
    else:  # OR, Peto OR
        pe = effect * pc / (1.0 - pc + effect * pc)
    return np.asarray(pe, dtype=float)


def labbe_plot(result: MetaAnalysisResult) -> Figure:
    """L'Abbé plot of a dichotomous outcome.

    Each study is a circle at (control event rate, experimental event rate) with its area
    proportional to the total number of participants.  The dotted diagonal is the line of
    equal rates; the solid curve is the pooled effect (``overall.estimate`` as a risk
    ratio ``pe = RR pc``, odds ratio ``pe = OR pc / (1 - pc + OR pc)`` or risk difference
    ``pe = pc + RD``) over the range of control rates where it stays within [0, 1].

    Raises
    ------
    ValueError
        When the outcome is not dichotomous.

    Returns
    -------
    matplotlib.figure.Figure
        Points have gid ``studies``, the diagonal ``equality``, the curve ``pooled``.
    """
    pc, pe, n = labbe_rates(result)
    with styled():
        return _labbe(result, pc, pe, n)


def _labbe(result: MetaAnalysisResult, pc: np.ndarray, pe: np.ndarray, n: np.ndarray) -> Figure:
    spec = result.spec
    top = min(1.0, _nice_top(1.08 * float(max(pc.max(), pe.max())))) if pc.size else 1.0
    fig = new_figure(4.0, 4.2)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    ax.set_xlim(0.0, top)
    ax.set_ylim(0.0, top)
    ax.set_aspect("equal")
    (eq,) = ax.plot(
        [0.0, top],
        [0.0, top],
        color=COLORS["muted"],
        lw=0.6,
        ls=":",
        zorder=2,
        gid="equality",
        label="Equal event rates",
    )
    handles = [eq]
    effect = result.overall.estimate
    if result.overall.estimable and math.isfinite(effect):
        grid = np.linspace(0.0, top, 201)
        curve = _effect_curve(spec.measure, effect, grid)
        inside = (curve >= 0.0) & (curve <= 1.0)
        (pooled,) = ax.plot(
            grid[inside],
            curve[inside],
            color=COLORS["line"],
            lw=0.8,
            zorder=2,
            gid="pooled",
            label=f"Pooled {_abbrev(spec.measure_name)} = {fmt_num(effect)}",
        )
        handles.append(pooled)
    if n.size:
        size = 12.0 + 220.0 * n / float(n.max())
        ax.scatter(
            pc,
            pe,
            s=size,
            facecolor=_POINT,
            alpha=0.55,
            edgecolors=_POINT,
            linewidths=0.6,
            zorder=4,
            gid="studies",
        )
    ax.set_xlabel(f"Event rate, {result.label_ctrl}")
    ax.set_ylabel(f"Event rate, {result.label_exp}")
    _despine(ax)
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=2,
        frameon=False,
        fontsize=FONT_SIZE - 0.5,
        handlelength=1.8,
    )
    return fig


# ----------------------------------------------------------------------------- forest
ROW_H = 0.19  # height of one row, inches
GAP = 0.15  # space between columns, inches
MARGIN = 0.08  # space around the figure, inches
PLOT_W = 2.4  # width of the plot column, inches
TOP_H = 0.46  # title and column headers, inches
BOTTOM_H = 0.46  # axis ticks and label, inches


def _text_width(s: str, bold: bool = False) -> float:
    """Width of ``s`` at the body font size, inches."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family="DejaVu Sans", size=FONT_SIZE, weight="bold" if bold else "normal")
    w, _h, _d = TextToPath().get_text_width_height_descent(s, prop, ismath=False)
    return float(w) / 72.0


def sensitivity_forest(
    labels: Sequence[str],
    estimate: ArrayLike,
    ci_low: ArrayLike,
    ci_high: ArrayLike,
    *,
    ratio: bool,
    title: str,
    pooled: float | None = None,
    kind: str = "leave-one-out",
    measure: str = "Estimate",
    level: float = 0.95,
) -> Figure:
    """A forest-style plot of refitted pooled estimates, one row per refit.

    Parameters
    ----------
    labels
        Study names: the study omitted (``kind="leave-one-out"``, rows read "Omitting X")
        or added (``kind="cumulative"``, rows read "+ X").
    estimate, ci_low, ci_high
        Pooled estimate and confidence limits of each refit on the *analysis* scale (log
        for ratio measures), e.g. the arrays of :func:`metareview.stats.leave_one_out`
        or :func:`metareview.stats.cumulative`.  NaN rows read "Not estimable".
    ratio
        Ratio measure: values are exponentiated and the axis is logarithmic.
    title
        Printed above the rows.
    pooled
        The estimate of the full analysis (analysis scale), drawn as a dashed line.
    kind
        ``"leave-one-out"`` or ``"cumulative"``.
    measure, level
        Header of the text column: ``"{measure} [{level}% CI]"``.

    Returns
    -------
    matplotlib.figure.Figure
        Points have gid ``estimates``, whiskers ``ci``, the pooled line ``pooled``, the
        row labels ``row-label`` and the text column ``row-text``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
    est = np.asarray(estimate, dtype=float)
    lo = np.asarray(ci_low, dtype=float)
    hi = np.asarray(ci_high, dtype=float)
    if not (est.shape == lo.shape == hi.shape == (len(labels),)):
        raise ValueError("labels, estimate, ci_low and ci_high must have the same length")
    with styled():
        return _sensitivity(
            list(labels), est, lo, hi, ratio, title, pooled, kind, measure, level
        )  # fmt: skip


def _sensitivity(
    labels: list[str],
    est: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    ratio: bool,
    title: str,
    pooled: float | None,
    kind: str,
    measure: str,
    level: float,
) -> Figure:
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import blended_transform_factory

    tf = np.exp if ratio else np.asarray
    d_est, d_lo, d_hi = tf(est), tf(lo), tf(hi)
    n = len(labels)
    rows = [KINDS[kind] + s for s in labels]
    texts = [
        f"{fmt_num(e)} [{fmt_num(a)}, {fmt_num(b)}]" if math.isfinite(e) else "Not estimable"
        for e, a, b in zip(d_est, d_lo, d_hi, strict=True)
    ]
    head_left = "Study omitted" if kind == "leave-one-out" else "Study added"
    head_right = f"{measure} [{round(level * 100, 6):g}% CI]"
    w_left = max([_text_width(s) for s in rows] + [_text_width(head_left, True)])
    w_right = max([_text_width(s) for s in texts] + [_text_width(head_right, True)])
    width = max(
        MARGIN + w_left + GAP + PLOT_W + GAP + w_right + MARGIN,
        _text_width(title, True) + 2 * MARGIN,
    )
    height = TOP_H + ROW_H * max(n, 1) + BOTTOM_H
    fig = new_figure(width, height)
    x_plot = MARGIN + w_left + GAP
    ax = fig.add_axes(
        (x_plot / width, BOTTOM_H / height, PLOT_W / width, ROW_H * max(n, 1) / height)
    )
    ax.set_ylim(max(n, 1) - 0.5, -0.5)

    # ---- x limits (display scale)
    vals = [v for v in np.concatenate((d_lo, d_hi, d_est)) if math.isfinite(v)]
    null = 1.0 if ratio else 0.0
    vals.append(null)
    if pooled is not None and math.isfinite(pooled):
        vals.append(float(tf(pooled)))
    xlo, xhi = min(vals), max(vals)
    if ratio:
        llo, lhi = math.log(xlo), math.log(xhi)
        pad = 0.06 * (lhi - llo) if lhi > llo else 0.2
        xlo, xhi = math.exp(llo - pad), math.exp(lhi + pad)
        ax.set_xscale("log")
    else:
        pad = 0.06 * (xhi - xlo) if xhi > xlo else 0.5
        xlo, xhi = xlo - pad, xhi + pad
    ax.set_xlim(xlo, xhi)
    if ratio:
        _ratio_ticks(ax, xlo, xhi)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))

    # ---- lines, whiskers, points
    ax.axvline(null, color=COLORS["muted"], lw=0.5, zorder=1, gid="null")
    if pooled is not None and math.isfinite(pooled):
        ax.axvline(float(tf(pooled)), color=COLORS["line"], lw=0.7, ls="--", zorder=2, gid="pooled")
    ok = np.isfinite(d_est)
    ys = np.arange(n, dtype=float)
    whisk = ok & np.isfinite(d_lo) & np.isfinite(d_hi)
    ax.hlines(ys[whisk], d_lo[whisk], d_hi[whisk], color=COLORS["line"], lw=0.8, zorder=3,
              gid="ci")  # fmt: skip
    ax.plot(d_est[ok], ys[ok], ls="none", marker="s", ms=4.0, color=COLORS["square"],
            zorder=4, gid="estimates")  # fmt: skip

    # ---- text columns (figure x, data y)
    trans = blended_transform_factory(fig.transFigure, ax.transData)
    x_left = MARGIN / width
    x_right = (x_plot + PLOT_W + GAP) / width
    for i in range(n):
        ax.text(x_left, i, rows[i], transform=trans, ha="left", va="center",
                clip_on=False, gid="row-label")  # fmt: skip
        ax.text(x_right, i, texts[i], transform=trans, ha="left", va="center",
                clip_on=False, gid="row-text")  # fmt: skip
    head_y = 1.0 + (TOP_H * 0.3) / (ROW_H * max(n, 1))  # just above the first row
    htrans = blended_transform_factory(fig.transFigure, ax.transAxes)
    ax.text(x_left, head_y, head_left, transform=htrans, ha="left", va="bottom",
            fontweight="bold", clip_on=False, gid="header")  # fmt: skip
    ax.text(x_right, head_y, head_right, transform=htrans, ha="left", va="bottom",
            fontweight="bold", clip_on=False, gid="header")  # fmt: skip
    fig.text(x_left, 1.0 - MARGIN / height, title, ha="left", va="top", fontweight="bold",
             gid="title")  # fmt: skip

    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(measure + (" (log scale)" if ratio else ""), labelpad=2.0)
    ax.tick_params(axis="x", length=3.0, pad=2.0)
    return fig


def _effects(result: MetaAnalysisResult) -> StudyEffects:
    """The study-level effects of ``result`` rebuilt from its rows' data."""
    from metareview.analysis.api import study_effects

    cols = list(result.studies[0].data) if result.studies else []
    values = {c: np.array([r.data[c] for r in result.studies], dtype=float) for c in cols}
    return study_effects(result.spec, values)


def _refit_options(result: MetaAnalysisResult) -> dict[str, Any]:
    s = result.spec
    return {
        "method": s.method,
        "measure": s.stats_measure,
        "random": s.random,
        "level": s.ci,
        "tau2_method": s.tau2_method or "DL",
        "ci_method": s.ci_method or "z",
    }


def leave_one_out_forest(result: MetaAnalysisResult, *, title: str | None = None) -> Figure:
    """Leave-one-out analysis of ``result`` (same model and method), as a forest plot."""
    from metareview.stats.sensitivity import leave_one_out

    fit = leave_one_out(_effects(result), **_refit_options(result))
    s = result.spec
    return sensitivity_forest(
        [r.study for r in result.studies], fit.estimate, fit.ci_low, fit.ci_high,
        ratio=s.ratio, title=title or "Leave-one-out analysis", pooled=result.overall.theta,
        kind="leave-one-out", measure=_abbrev(s.measure_name), level=s.ci,
    )  # fmt: skip


def cumulative_forest(
    result: MetaAnalysisResult,
    *,
    order: ArrayLike | None = None,
    title: str | None = None,
) -> Figure:
    """Cumulative meta-analysis of ``result`` adding studies in ``order`` (row indices)."""
    from metareview.stats.sensitivity import cumulative

    fit = cumulative(_effects(result), order=order, **_refit_options(result))
    s = result.spec
    names = [result.studies[int(i)].study for i in fit.added]
    return sensitivity_forest(
        names, fit.estimate, fit.ci_low, fit.ci_high,
        ratio=s.ratio, title=title or "Cumulative meta-analysis", pooled=result.overall.theta,
        kind="cumulative", measure=_abbrev(s.measure_name), level=s.ci,
    )  # fmt: skip
