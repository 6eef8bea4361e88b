"""Funnel plots: RevMan's plot, the contour-enhanced version and trim-and-fill points.

The x axis shows the effect on the display scale (a log axis for ratio measures), the y
axis the standard error on the analysis scale, reversed so that the largest studies are
at the top.  matplotlib is imported inside :func:`funnel_plot`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from metareview.figures._style import COLORS, FONT_SIZE, new_figure, styled

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from metareview.analysis.result import MetaAnalysisResult
    from metareview.stats.bias import TrimFill

__all__ = ["funnel_plot"]


#: z values of the pseudo 95% limits and of the significance contours (two-sided)
_Z95 = 1.959963984540054
_CONTOURS = (  # (lower z, upper z, label, shade): outward from the null
    (1.6448536269514722, _Z95, "0.05 < p < 0.10", "#E6E6E6"),
    (_Z95, 2.5758293035489004, "0.01 < p < 0.05", "#BDBDBD"),
    (2.5758293035489004, math.inf, "p < 0.01", "#8C8C8C"),
)
#: subgroup markers and colours (Okabe-Ito, colour-blind safe)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
_PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
_ABBREV = {
    "Risk Ratio": "RR",
    "Odds Ratio": "OR",
    "Peto Odds Ratio": "Peto OR",
    "Risk Difference": "RD",
    "Mean Difference": "MD",
    "Std. Mean Difference": "SMD",
    "Hazard Ratio": "HR",
}


def _abbrev(name: str) -> str:
    return _ABBREV.get(name, name)


def funnel_plot(
    result: MetaAnalysisResult,
    *,
    contours: bool = False,
    trimfill: TrimFill | None = None,
    by_subgroup: bool = True,
) -> Figure:
    """RevMan's funnel plot of the estimable studies of ``result``.

    Parameters
    ----------
    result
        The meta-analysis.  Points are its estimable study rows (``theta`` against
        ``se``); the vertical solid line is the pooled estimate (``overall.theta``, from
        the analysis' own model) and the dashed lines its pseudo 95% confidence limits,
        ``theta ± 1.96 SE``.
    contours
        Contour-enhanced funnel plot (Peters et al. 2008): shade the regions where a
        study's two-sided P value against the null (0, or 1 for ratios) is below 0.01,
        between 0.01 and 0.05 and between 0.05 and 0.10, with a legend.
    trimfill
        A :class:`~metareview.stats.bias.TrimFill` result computed from the same studies
        (``trim_and_fill(theta, se**2)``): the filled-in studies are drawn as hollow
        markers and its adjusted estimate as a dotted vertical line.
    by_subgroup
        With subgroups, one marker and colour per subgroup and a legend (a study in two
        subgroups appears twice, as in RevMan); False draws all studies alike.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with styled():
        return _funnel(result, contours, trimfill, by_subgroup)


def _funnel(
    result: MetaAnalysisResult, contours: bool, trimfill: TrimFill | None, by_subgroup: bool
) -> Figure:
    spec = result.spec
    ratio = spec.ratio
    rows = [r for r in result.studies if r.estimable and math.isfinite(r.se) and r.se > 0]
    theta = np.array([r.theta for r in rows], dtype=float)
    se = np.array([r.se for r in rows], dtype=float)
    centre = result.overall.theta if result.overall.estimable else math.nan
    if not math.isfinite(centre) and len(rows):
        w = 1.0 / se**2
        centre = float(np.sum(w * theta) / np.sum(w))

    fill_y = fill_se = np.empty(0)
    if trimfill is not None and trimfill.k0 > 0:
        fill_y = np.asarray(trimfill.y_filled, dtype=float)
        fill_se = np.sqrt(np.asarray(trimfill.v_filled, dtype=float))

    # ---- extent (analysis scale)
    all_se = np.concatenate((se, fill_se))
    se_max = float(all_se.max()) if all_se.size else 1.0
    se_top = _nice_top(se_max * 1.05)
    xs = list(np.concatenate((theta, fill_y)))
    if math.isfinite(centre):
        xs += [centre - _Z95 * se_top, centre + _Z95 * se_top]
    if contours:
        xs += [-_CONTOURS[1][1] * se_top, _CONTOURS[1][1] * se_top]
    lo, hi = (min(xs), max(xs)) if xs else (-1.0, 1.0)
    pad = 0.06 * (hi - lo) if hi > lo else 0.5
    lo, hi = lo - pad, hi + pad

    def disp(v: np.ndarray | float) -> np.ndarray:
        a = np.asarray(v, dtype=float)
        return np.exp(a) if ratio else a

    has_legend = contours or trimfill is not None
    groups: list[str | None] = [None]
    if by_subgroup and any(r.subgroup is not None for r in rows):
        groups = list(dict.fromkeys(r.subgroup for r in rows))
        has_legend = True

    fig = new_figure(5.2 if has_legend else 4.0, 3.6)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    if ratio:
        ax.set_xscale("log")
    ax.set_xlim(float(disp(lo)), float(disp(hi)))
    ax.set_ylim(se_top, 0.0)  # reversed: 0 at the top

    points: list[Artist] = []
    lines: list[Artist] = []
    shades: list[Artist] = []
    if contours:
        shades = _draw_contours(ax, lo, hi, se_top, disp)
    if math.isfinite(centre):
        ax.axvline(float(disp(centre)), color=COLORS["line"], lw=0.8, zorder=2)
        ys = np.array([0.0, se_top])
        for sign in (-1.0, 1.0):
            (line,) = ax.plot(
                disp(centre + sign * _Z95 * ys),
                ys,
                ls="--",
                color=COLORS["line"],
                lw=0.7,
                zorder=2,
                gid="pseudo-limit",
                label="Pseudo 95% limits",
            )
        lines.append(line)
    if contours and ratio:
        ax.axvline(1.0, color=COLORS["muted"], lw=0.5, ls=":", zorder=2)
    elif contours:
        ax.axvline(0.0, color=COLORS["muted"], lw=0.5, ls=":", zorder=2)

    # ---- study points
    for i, g in enumerate(groups):
        sel = [j for j, r in enumerate(rows) if g is None or r.subgroup == g]
        colour = COLORS["square"] if g is None else _PALETTE[i % len(_PALETTE)]
        marker = "o" if g is None else _MARKERS[i % len(_MARKERS)]
        sc = ax.scatter(
            disp(theta[sel]),
            se[sel],
            s=18,
            marker=marker,
            color=colour,
            edgecolors="white",
            linewidths=0.4,
            zorder=4,
            gid="studies",
            label="Studies" if g is None else str(g),
        )
        points.append(sc)
    if fill_y.size:
        sc = ax.scatter(
            disp(fill_y),
            fill_se,
            s=18,
            marker="o",
            facecolors="none",
            edgecolors=COLORS["square"],
            linewidths=0.8,
            zorder=4,
            gid="filled",
            label=f"Filled studies ({fill_y.size})",
        )
        points.append(sc)
    if trimfill is not None and math.isfinite(trimfill.estimate):
        tf_line = ax.axvline(
            float(disp(trimfill.estimate)),
            color=COLORS["square"],
            lw=0.8,
            ls=":",
            zorder=3,
            gid="trimfill-estimate",
            label="Trim-and-fill estimate",
        )
        lines.append(tf_line)

    abbrev = _abbrev(spec.measure_name)
    ax.set_xlabel(spec.measure_name + (" (log scale)" if ratio else ""), fontsize=FONT_SIZE)
    ax.set_ylabel(f"SE(log[{abbrev}])" if ratio else f"SE({abbrev})", fontsize=FONT_SIZE)
    if ratio:
        _ratio_ticks(ax, float(disp(lo)), float(disp(hi)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if has_legend:
        fig.legend(
            handles=[*points, *lines, *shades],
            loc="outside right upper",
            frameon=False,
            fontsize=FONT_SIZE - 0.5,
            handlelength=1.6,
        )
    return fig


def _nice_top(x: float) -> float:
    """A round upper limit for the SE axis."""
    if not math.isfinite(x) or x <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(x))
    for m in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * step >= x:
            return m * step
    return 10 * step


def _draw_contours(
    ax: Axes,
    lo: float,
    hi: float,
    se_top: float,
    disp: Callable[[np.ndarray], np.ndarray],
) -> list[Artist]:
    """Shade the significance regions around the null (0 on the analysis scale).

    Returns legend proxies, from the white centre (p > 0.10) outwards.
    """
    from matplotlib.patches import Patch

    ys = np.array([0.0, se_top])
    handles: list[Artist] = [
        Patch(facecolor="white", edgecolor=COLORS["muted"], lw=0.5, label="p > 0.10")
    ]
    for z_lo, z_hi, label, shade in _CONTOURS:
        for sign in (-1.0, 1.0):
            inner = sign * z_lo * ys
            edge = np.full(2, hi if sign > 0 else lo)  # p < 0.01 reaches the axes' edge
            outer = sign * z_hi * ys if math.isfinite(z_hi) else edge
            ax.fill_betweenx(
                ys, disp(inner), disp(outer), color=shade, lw=0, zorder=1, gid="contour"
            )
        handles.append(Patch(facecolor=shade, edgecolor="none", label=label))
    return handles


def _ratio_ticks(ax: Axes, left: float, right: float) -> None:
    """Plain-number ticks (0.1, 0.2, 0.5, 1, 2, 5, 10 ...) on a log axis."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    cands = [m * 10.0**e for e in range(-4, 5) for m in (1.0, 2.0, 5.0)]
    ticks = [t for t in cands if left <= t <= right]
    if len(ticks) > 7:
        ticks = [t for t in ticks if math.isclose(math.log10(t) % 1, 0, abs_tol=1e-9)]
    if len(ticks) < 3:
        cands = [m * 10.0**e for e in range(-4, 5) for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)]
        ticks = [t for t in cands if left <= t <= right] or ticks
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
