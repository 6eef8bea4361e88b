"""Diagnostic plots (``metareview.figures.diagnostic``): Baujat, Galbraith, L'Abbé, sensitivity.

Each plot is rendered on fixed data and its key artists checked; a 30-row sensitivity
forest must have no overlapping text; and every figure is compared with a reference PNG in
``tests/figures/diagnostic/`` (mean absolute pixel difference below 2 on a 0-255 scale).

Regenerating the reference images (look at every new PNG before committing it)::

    METAREVIEW_REGENERATE_FIGURES=1 python -m pytest tests/test_figure_diagnostic.py
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

import metareview as mr
from metareview.analysis.api import study_effects
from metareview.analysis.result import MetaAnalysisResult
from metareview.figures._style import rc
from metareview.figures.diagnostic import (
    BAUJAT_TOP,
    baujat_plot,
    cumulative_forest,
    galbraith_plot,
    labbe_plot,
    labbe_rates,
    leave_one_out_forest,
    sensitivity_forest,
)
from metareview.stats.sensitivity import baujat, leave_one_out

HERE = Path(__file__).parent
REFERENCE = HERE / "figures" / "diagnostic"
ASPIRIN = HERE.parent / "examples" / "aspirin_fleiss1993.csv"
MAX_MEAN_DIFF = 2.0
DPI = 100
STYLE: Any = rc()

# dat.bcg (metafor): tpos, tneg, cpos, cneg -> events and totals
BCG = {
    "study": ["Aronson 1948", "Ferguson & Simes 1949", "Rosenthal et al 1960",
              "Hart & Sutherland 1977", "Frimodt-Moller et al 1973", "Stein & Aronson 1953",
              "Vandiviere et al 1973", "TPT Madras 1980", "Coetzee & Berjak 1968",
              "Rosenthal et al 1961", "Comstock et al 1974", "Comstock & Webster 1969",
              "Comstock et al 1976"],
    "events_exp": [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27],
    "n_exp": [123, 306, 231, 13598, 5069, 1541, 2545, 88391, 7499, 1716, 50634, 2498, 16913],
    "events_ctrl": [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29],
    "n_ctrl": [139, 303, 220, 12867, 5808, 1451, 629, 88391, 7277, 1665, 27338, 2341, 17854],
}  # fmt: skip


def _bcg() -> MetaAnalysisResult:
    return mr.meta_analysis(BCG, data_type="dich", measure="RR", method="IV", model="random")


def _aspirin(measure: str = "OR") -> MetaAnalysisResult:
    return mr.meta_analysis(pd.read_csv(ASPIRIN), data_type="dich", measure=measure)


def _md() -> MetaAnalysisResult:
    return mr.meta_analysis(
        {
            "study": [f"Study {c}" for c in "ABCDEFGH"],
            "estimate": [0.1, 0.3, -0.2, 0.5, 0.9, 0.2, 0.4, 0.7],
            "se": [0.1, 0.2, 0.15, 0.3, 0.4, 0.12, 0.25, 0.35],
        },
        data_type="giv",
        measure="MD",
    )


def _baujat_fig(res: MetaAnalysisResult) -> Figure:
    values = {c: np.array([r.data[c] for r in res.studies]) for c in res.studies[0].data}
    b = baujat(study_effects(res.spec, values))
    return baujat_plot(b.x, b.y, [r.study for r in res.studies])


def _many(n: int = 30) -> Figure:
    rng = np.random.default_rng(1)
    est = rng.normal(-0.3, 0.05, n)
    labels = [f"Investigator-Lastname {1990 + i}" + ("a" if i % 7 == 0 else "") for i in range(n)]
    return sensitivity_forest(
        labels, est, est - 0.2, est + 0.2, ratio=True, title="Leave-one-out", pooled=-0.3,
        measure="OR",
    )  # fmt: skip


# ----------------------------------------------------------------------------- helpers
def _draw(fig: Figure) -> FigureCanvasAgg:
    canvas = FigureCanvasAgg(fig)
    with matplotlib.rc_context(STYLE):
        canvas.draw()
    return canvas


def _by_gid(fig: Figure, kind: type, gid: str) -> list[Any]:
    return [a for a in fig.findobj(kind) if a.get_gid() == gid]


def _texts(fig: Figure, gid: str | None = None) -> list[str]:
    return [
        t.get_text()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text() and (gid is None or t.get_gid() == gid)
    ]


# ----------------------------------------------------------------------------- Baujat
def test_baujat() -> None:
    res = _bcg()
    fig = _baujat_fig(res)
    canvas = _draw(fig)
    (points,) = _by_gid(fig, PathCollection, "studies")
    assert len(points.get_offsets()) == 13
    values = {c: np.array([r.data[c] for r in res.studies]) for c in res.studies[0].data}
    b = baujat(study_effects(res.spec, values))
    np.testing.assert_allclose(np.asarray(points.get_offsets())[:, 0], b.x)
    labelled = _texts(fig, "study-label")
    top = np.argsort(-(b.x + b.y))[:BAUJAT_TOP]
    assert {res.studies[i].study for i in top} <= set(labelled)
    boxes = [  # the texts alone, without their leader lines
        Text.get_window_extent(t, canvas.get_renderer())
        for t in fig.findobj(Text)
        if t.get_gid() == "study-label"
    ]
    for a, c in itertools.combinations(boxes, 2):
        w = min(a.x1, c.x1) - max(a.x0, c.x0)
        assert w <= 0.5 or min(a.y1, c.y1) - max(a.y0, c.y0) <= 0.5


def test_baujat_skips_nan_and_checks_lengths() -> None:
    fig = baujat_plot([1.0, math.nan, 3.0], [0.5, 1.0, 2.0], ["a", "b", "c"])
    (points,) = _by_gid(fig, PathCollection, "studies")
    assert len(points.get_offsets()) == 2
    assert sorted(_texts(fig, "study-label")) == ["a", "c"]
    with pytest.raises(ValueError, match="one entry per study"):
        baujat_plot([1.0], [1.0, 2.0], ["a"])


# ----------------------------------------------------------------------------- Galbraith
def test_galbraith() -> None:
    res = _bcg()
    fig = galbraith_plot(res)
    _draw(fig)
    (points,) = _by_gid(fig, PathCollection, "studies")
    xy = np.asarray(points.get_offsets())
    se = np.array([r.se for r in res.studies])
    theta = np.array([r.theta for r in res.studies])
    np.testing.assert_allclose(xy[:, 0], 1 / se)
    np.testing.assert_allclose(xy[:, 1], theta / se)
    fe = mr.meta_analysis(BCG, data_type="dich", measure="RR", method="IV", model="fixed")
    (line,) = _by_gid(fig, Line2D, "fe-line")
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    assert x[0] == y[0] == 0.0  # through the origin
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(fe.overall.theta, rel=1e-9)
    bands = _by_gid(fig, Line2D, "band")
    assert sorted(float(np.asarray(b.get_ydata())[0]) for b in bands) == [-2.0, 2.0]
    assert "log(RR) / SE" in _texts(fig)
    # studies outside the band are labelled
    outside = {r.study for r in res.studies if abs(r.theta / r.se - fe.overall.theta / r.se) > 2}
    assert outside and outside == set(_texts(fig, "study-label"))


# ----------------------------------------------------------------------------- L'Abbé
def test_labbe() -> None:
    res = _aspirin("OR")
    fig = labbe_plot(res)
    _draw(fig)
    (points,) = _by_gid(fig, PathCollection, "studies")
    xy = np.asarray(points.get_offsets())
    data = pd.read_csv(ASPIRIN)
    np.testing.assert_allclose(xy[:, 0], data.events_ctrl / data.n_ctrl)
    np.testing.assert_allclose(xy[:, 1], data.events_exp / data.n_exp)
    sizes = points.get_sizes()
    n = (data.n_exp + data.n_ctrl).to_numpy()
    assert np.argmax(sizes) == np.argmax(n) and np.argmin(sizes) == np.argmin(n)
    (eq,) = _by_gid(fig, Line2D, "equality")
    np.testing.assert_allclose(eq.get_xdata(), eq.get_ydata())
    (pooled,) = _by_gid(fig, Line2D, "pooled")
    pc, pe = (np.asarray(v, dtype=float) for v in pooled.get_data())
    odds = res.overall.estimate
    np.testing.assert_allclose(pe, odds * pc / (1 - pc + odds * pc))


@pytest.mark.parametrize("measure", ["RR", "RD"])
def test_labbe_measures(measure: str) -> None:
    res = _aspirin(measure)
    (pooled,) = _by_gid(labbe_plot(res), Line2D, "pooled")
    pc, pe = (np.asarray(v, dtype=float) for v in pooled.get_data())
    eff = res.overall.estimate
    np.testing.assert_allclose(pe, pc * eff if measure == "RR" else pc + eff)
    assert np.all((pe >= 0) & (pe <= 1))


def test_labbe_rejects_other_data() -> None:
    with pytest.raises(ValueError, match="dichotomous"):
        labbe_plot(_md())
    with pytest.raises(ValueError, match="dichotomous"):
        labbe_rates(_md())


# ----------------------------------------------------------------------------- forest
def test_sensitivity_forest_leave_one_out() -> None:
    res = _bcg()
    fig = leave_one_out_forest(res)
    _draw(fig)
    values = {c: np.array([r.data[c] for r in res.studies]) for c in res.studies[0].data}
    loo = leave_one_out(study_effects(res.spec, values), random=True)
    (points,) = _by_gid(fig, Line2D, "estimates")
    np.testing.assert_allclose(points.get_xdata(), np.exp(loo.estimate))
    (ci,) = _by_gid(fig, LineCollection, "ci")
    assert len(ci.get_segments()) == 13
    labels = _texts(fig, "row-label")
    assert labels[0] == "Omitting Aronson 1948" and len(labels) == 13
    first = _texts(fig, "row-text")[0]
    assert first == (
        f"{math.exp(loo.estimate[0]):.2f} [{math.exp(loo.ci_low[0]):.2f}, "
        f"{math.exp(loo.ci_high[0]):.2f}]"
    )
    (pooled,) = _by_gid(fig, Line2D, "pooled")
    assert pooled.get_xdata()[0] == pytest.approx(res.overall.estimate)
    assert fig.axes[0].get_xscale() == "log"
    assert "RR [95% CI]" in _texts(fig)


def test_sensitivity_forest_cumulative_linear() -> None:
    res = _md()
    fig = cumulative_forest(res, order=np.arange(8)[::-1])
    _draw(fig)
    assert fig.axes[0].get_xscale() == "linear"
    labels = _texts(fig, "row-label")
    assert labels[0] == "+ Study H" and labels[-1] == "+ Study A"
    (points,) = _by_gid(fig, Line2D, "estimates")
    assert points.get_xdata()[0] == pytest.approx(0.7)  # the first step: Study H alone
    assert points.get_xdata()[-1] == pytest.approx(res.overall.theta)


def test_sensitivity_forest_not_estimable_and_errors() -> None:
    nan = math.nan
    fig = sensitivity_forest(
        ["a", "b"], [0.1, nan], [0.0, nan], [0.2, nan], ratio=False, title="t", kind="cumulative"
    )
    assert _texts(fig, "row-text") == ["0.10 [0.00, 0.20]", "Not estimable"]
    with pytest.raises(ValueError, match="kind"):
        sensitivity_forest(["a"], [0.1], [0.0], [0.2], ratio=False, title="t", kind="x")
    with pytest.raises(ValueError, match="same length"):
        sensitivity_forest(["a"], [0.1, 0.2], [0.0], [0.2], ratio=False, title="t")


def test_sensitivity_forest_30_rows_no_overlap() -> None:
    fig = _many(30)
    canvas = _draw(fig)
    renderer = canvas.get_renderer()
    boxes = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    assert len(boxes) > 60
    for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
        overlap_w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        overlap_h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        assert overlap_w <= 0.5 or overlap_h <= 0.5, f"{a!r} overlaps {b!r}"
    fb = fig.bbox
    for text, box in boxes:
        assert box.x0 >= fb.x0 - 0.5 and box.x1 <= fb.x1 + 0.5, text
        assert box.y0 >= fb.y0 - 0.5 and box.y1 <= fb.y1 + 0.5, text


# ----------------------------------------------------------------------------- regression
FIGURES: dict[str, Callable[[], Figure]] = {
    "baujat_bcg": lambda: _baujat_fig(_bcg()),
    "galbraith_bcg": lambda: galbraith_plot(_bcg()),
    "galbraith_aspirin": lambda: galbraith_plot(_aspirin()),
    "labbe_aspirin_or": lambda: labbe_plot(_aspirin()),
    "labbe_bcg_rr": lambda: labbe_plot(_bcg()),
    "loo_bcg": lambda: leave_one_out_forest(_bcg()),
    "cumulative_aspirin": lambda: cumulative_forest(_aspirin()),
    "sensitivity_30": lambda: _many(30),
}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.05)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_matches_reference(name: str) -> None:
    from tests.figure_compare import assert_matches_reference

    assert_matches_reference(_png(FIGURES[name]()), REFERENCE / f"{name}.png", MAX_MEAN_DIFF)
