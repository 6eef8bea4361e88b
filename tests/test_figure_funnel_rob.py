"""Funnel plots and risk-of-bias figures (``metareview.figures.funnel`` and ``.rob``).

Each plot type is rendered and its key artists checked (points, pseudo 95% limits,
contours, filled studies, cell colours, bar shares); a 40-study traffic-light plot must
have no overlapping text; and every figure is compared with a reference PNG in
``tests/figures/funnel_rob/`` (mean absolute pixel difference below 2 on a 0-255 scale).

Regenerating the reference images (after an intended change of a figure; look at every
new PNG before committing it)::

    METAREVIEW_REGENERATE_FIGURES=1 python -m pytest tests/test_figure_funnel_rob.py

With the variable set, the comparison tests write the references and pass.
"""

from __future__ import annotations

import io
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle
from matplotlib.text import Text

import metareview as mr
from metareview.analysis.result import MetaAnalysisResult
from metareview.figures._style import COLORS, rc, to_svg
from metareview.figures.funnel import funnel_plot
from metareview.figures.rob import (
    domain_labels,
    judgement_glyphs,
    rob_summary,
    summary_shares,
    traffic_light,
)
from metareview.review.model import ROB1, RobJudgement, RobTool
from metareview.review.store import load
from metareview.stats.bias import TrimFill, trim_and_fill

HERE = Path(__file__).parent
REFERENCE = HERE / "figures" / "funnel_rob"
KETAMINE = HERE.parent / "examples" / "ketamine-neuropathic-pain"
TEN = "Ten questions (Table 3)"
#: mean absolute difference allowed between a rendering and its reference (0-255 scale)
MAX_MEAN_DIFF = 2.0
#: resolution of the regression renderings (the references stay small)
DPI = 100
STYLE: Any = rc()


# ----------------------------------------------------------------------------- data
def _bcg() -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = json.loads((HERE / "fixtures" / "metafor_bcg.json").read_text())[
        "data"
    ]
    data["alloc"] = ["random"] * 4 + ["alternate"] * 2 + ["random"] * 3 + ["systematic"] * 4
    return data


@pytest.fixture(scope="module")
def bcg() -> MetaAnalysisResult:
    return mr.meta_analysis(_bcg(), data_type="dich", measure="RR", method="IV", model="random")


@pytest.fixture(scope="module")
def bcg_subgroups() -> MetaAnalysisResult:
    return mr.meta_analysis(
        _bcg(), data_type="dich", measure="RR", method="IV", model="random", subgroup="alloc"
    )


def _trimfill(res: MetaAnalysisResult) -> TrimFill:
    theta = np.array([r.theta for r in res.studies if r.estimable])
    se = np.array([r.se for r in res.studies if r.estimable])
    return trim_and_fill(theta, se**2)


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


@pytest.fixture(scope="module")
def ketamine() -> Any:
    return load(KETAMINE)


def _rob(review: Any, name: str) -> tuple[list[RobJudgement], RobTool]:
    tool = review.meta.rob_tool(name)
    assert tool is not None
    return [j for j in review.rob if j.tool == name], tool


def _many(n: int = 40) -> list[RobJudgement]:
    """``n`` studies with long-ish names, all three risks and one missing cell."""
    rows = []
    cycle = itertools.cycle(["low", "low", "unclear", "high", "low", "unclear", "high"])
    for i in range(n):
        name = f"Investigator-Lastname {1990 + i}" + ("a" if i % 7 == 0 else "")
        for d in ROB1.domains:
            if i == 3 and d == "Other bias":
                continue
            rows.append(RobJudgement(study=name, tool=ROB1.name, domain=d, judgement=next(cycle)))
    return rows


def _weights(judgements: list[RobJudgement]) -> dict[str, float]:
    studies = sorted({j.study for j in judgements})
    return {s: float(i + 1) for i, s in enumerate(studies)}


# ----------------------------------------------------------------------------- helpers
def _draw(fig: Figure) -> FigureCanvasAgg:
    """Draw ``fig`` on an Agg canvas (``new_figure`` figures have no backend canvas)."""
    canvas = FigureCanvasAgg(fig)
    with matplotlib.rc_context(STYLE):
        canvas.draw()
    return canvas


def _by_gid(fig: Figure, kind: type, gid: str) -> list[Any]:
    return [a for a in fig.findobj(kind) if a.get_gid() == gid]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


# ----------------------------------------------------------------------------- funnel
def test_funnel_plain(bcg: MetaAnalysisResult) -> None:
    fig = funnel_plot(bcg)
    _draw(fig)
    ax = fig.axes[0]
    (points,) = _by_gid(fig, PathCollection, "studies")
    k = sum(r.estimable for r in bcg.studies)
    assert len(points.get_offsets()) == k == 13
    x = np.asarray(points.get_offsets())[:, 0]
    np.testing.assert_allclose(np.sort(x), np.sort([r.estimate for r in bcg.studies]))
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_ylim()
    assert lo > hi == 0.0  # SE axis reversed, 0 at the top
    limits = _by_gid(fig, Line2D, "pseudo-limit")
    assert len(limits) == 2
    centre = math.exp(bcg.overall.theta)
    for line in limits:
        xs, ys = line.get_data()
        assert ys[0] == 0 and xs[0] == pytest.approx(centre)
        side = 1 if xs[1] > centre else -1
        assert xs[1] == pytest.approx(math.exp(bcg.overall.theta + side * 1.959964 * ys[1]))
    verticals = [ln for ln in ax.get_lines() if np.ptp(np.asarray(ln.get_xdata())) == 0]
    assert any(np.asarray(ln.get_xdata())[0] == pytest.approx(centre) for ln in verticals)
    assert not fig.legends  # nothing to explain
    assert "SE(log[RR])" in _texts(fig)


def test_funnel_contours(bcg: MetaAnalysisResult) -> None:
    fig = funnel_plot(bcg, contours=True)
    _draw(fig)
    shades = _by_gid(fig, PolyCollection, "contour")
    assert len(shades) == 6  # three bands on each side of the null
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    for label in ("p > 0.10", "0.05 < p < 0.10", "0.01 < p < 0.05", "p < 0.01"):
        assert label in legend
    # the regions are centred on the null (RR = 1), not on the pooled estimate
    verts = np.concatenate([p.get_paths()[0].vertices for p in shades])
    apex = verts[verts[:, 1] == 0][:, 0]
    assert np.allclose(apex[np.isfinite(apex) & (apex > 0.5) & (apex < 2)], 1.0)


def test_funnel_trimfill(bcg: MetaAnalysisResult) -> None:
    tf = _trimfill(bcg)
    assert tf.k0 > 0
    fig = funnel_plot(bcg, trimfill=tf)
    (filled,) = _by_gid(fig, PathCollection, "filled")
    offsets = np.asarray(filled.get_offsets())
    assert len(offsets) == tf.k0
    np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(np.exp(tf.y_filled)))
    np.testing.assert_allclose(np.sort(offsets[:, 1]), np.sort(np.sqrt(tf.v_filled)))
    assert len(filled.get_facecolors()) == 0  # hollow markers
    (est,) = _by_gid(fig, Line2D, "trimfill-estimate")
    assert est.get_xdata()[0] == pytest.approx(math.exp(tf.estimate))
    assert any("Filled studies" in t.get_text() for t in fig.legends[0].get_texts())


def test_funnel_subgroups(bcg_subgroups: MetaAnalysisResult) -> None:
    fig = funnel_plot(bcg_subgroups)
    groups = _by_gid(fig, PathCollection, "studies")
    assert len(groups) == 3
    assert sum(len(g.get_offsets()) for g in groups) == 13
    colours = {to_hex(g.get_facecolors()[0]) for g in groups}
    assert len(colours) == 3
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:3] == ["random", "alternate", "systematic"]
    fig_plain = funnel_plot(bcg_subgroups, by_subgroup=False)
    assert len(_by_gid(fig_plain, PathCollection, "studies")) == 1


def test_funnel_difference_scale() -> None:
    res = _md()
    fig = funnel_plot(res, contours=True)
    _draw(fig)
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear"
    (line, _other) = _by_gid(fig, Line2D, "pseudo-limit")
    assert line.get_xdata()[0] == pytest.approx(res.overall.theta)
    assert "SE(MD)" in _texts(fig)
    assert "<svg" in to_svg(fig)


# ----------------------------------------------------------------------------- risk of bias
def test_glyphs_and_labels(ketamine: Any) -> None:
    assert judgement_glyphs(ROB1) == {"low": "+", "high": "\u2212", "unclear": "?"}
    _js, ten = _rob(ketamine, TEN)
    assert judgement_glyphs(ten) == {
        "Definetely yes": "DY",
        "Probably yes": "PY",
        "Probably not": "PN",
        "Definetely not": "DN",
    }
    clash = RobTool(name="x", domains=["a"], judgements=["Yes", "Yes partly", "Young"])
    glyphs = judgement_glyphs(clash)
    assert len(set(glyphs.values())) == 3
    assert domain_labels(ROB1.domains)[0] == ("D1", "Random sequence generation")
    assert domain_labels(ten.domains)[9] == ("Q10", "Free of other problems?")


def _check_cells(fig: Figure, judgements: list[RobJudgement], tool: RobTool) -> None:
    cells = [c for c in fig.findobj(Circle) if str(c.get_gid()).startswith("cell:")]
    assert len(cells) == len({(j.study, j.domain) for j in judgements})
    for c in cells:
        risk = str(c.get_gid()).split(":")[1]
        assert to_hex(c.get_facecolor()) == COLORS[risk].lower()
    expected = sorted(tool.risk(j.judgement) for j in judgements)
    assert sorted(str(c.get_gid()).split(":")[1] for c in cells) == expected


def test_traffic_light_rob1(ketamine: Any) -> None:
    judgements, tool = _rob(ketamine, ROB1.name)
    fig = traffic_light(judgements, tool)
    _check_cells(fig, judgements, tool)
    glyphs = [t.get_text() for t in fig.findobj(Text) if t.get_gid() == "glyph"]
    assert glyphs.count("\u2212") == 4 + 1  # four high cells, one legend key
    texts = _texts(fig)
    assert "D7" in texts and "Other bias" in texts and "Low risk" in texts
    assert [t for t in texts if t == "Amr 2010"]


def test_traffic_light_custom_tool(ketamine: Any) -> None:
    judgements, tool = _rob(ketamine, TEN)
    fig = traffic_light(judgements, tool)
    _check_cells(fig, judgements, tool)
    glyphs = {t.get_text() for t in fig.findobj(Text) if t.get_gid() == "glyph"}
    assert glyphs == {"DY", "PY", "PN", "DN"}
    heads = [t.get_text() for t in fig.findobj(Text) if t.get_gid() == "header"]
    assert heads == [f"Q{i}" for i in range(1, 11)]
    assert "Tonet 2008" not in _texts(fig)  # absent from Table 3
    assert "Definetely not (high risk)" in _texts(fig)


def test_traffic_light_missing_cell() -> None:
    fig = traffic_light(_many(5), ROB1)
    assert len(_by_gid(fig, Circle, "missing")) == 1
    assert "Not assessed" in _texts(fig)


def test_traffic_light_40_studies_no_overlap() -> None:
    fig = traffic_light(_many(40), ROB1)
    canvas = _draw(fig)
    assert fig.canvas is canvas
    renderer = canvas.get_renderer()
    boxes = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    assert len(boxes) > 40 * 7
    fig_box = fig.bbox
    for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
        overlap_w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        overlap_h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        assert overlap_w <= 0.5 or overlap_h <= 0.5, f"{a!r} overlaps {b!r}"
    for text, box in boxes:  # and nothing is cut off
        assert box.x0 >= fig_box.x0 - 0.5 and box.x1 <= fig_box.x1 + 0.5, text
        assert box.y0 >= fig_box.y0 - 0.5 and box.y1 <= fig_box.y1 + 0.5, text


def test_summary_unweighted(ketamine: Any) -> None:
    judgements, tool = _rob(ketamine, ROB1.name)
    fig = rob_summary(judgements, tool)
    bars = {
        risk: [
            p
            for p in fig.axes[0].patches
            if isinstance(p, Rectangle) and p.get_gid() == f"bar:{risk}"
        ]
        for risk in ("low", "unclear", "high")
    }
    assert all(len(v) == 7 for v in bars.values())
    # D5 (incomplete outcome data): 4 of 18 studies at high risk
    assert bars["high"][4].get_width() == pytest.approx(100 * 4 / 18)
    assert bars["low"][4].get_width() == pytest.approx(100 * 14 / 18)
    assert bars["low"][0].get_width() == pytest.approx(100.0)
    for risk, patches in bars.items():
        for p in patches:
            assert to_hex(p.get_facecolor()) == COLORS[risk].lower()
    assert "Percentage of studies" in _texts(fig)


def test_summary_weighted(ketamine: Any) -> None:
    judgements, tool = _rob(ketamine, TEN)
    weights = _weights(judgements)
    shares = summary_shares(judgements, tool, weights)
    q8 = tool.domains[7]
    high = {j.study for j in judgements if j.domain == q8 and tool.risk(j.judgement) == "high"}
    assert shares[q8]["high"] == pytest.approx(
        100 * sum(weights[s] for s in high) / sum(weights.values())
    )
    fig = rob_summary(judgements, tool, weights=weights)
    bars = [
        p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_gid() == "bar:high"
    ]
    assert bars[7].get_width() == pytest.approx(shares[q8]["high"])
    assert "Percentage of weight" in _texts(fig)
    # a study missing from the weights counts zero
    only = {next(iter(sorted(weights))): 1.0}
    assert sum(summary_shares(judgements, tool, only)[q8].values()) == pytest.approx(100.0)


# ----------------------------------------------------------------------------- regression
def _bcg_result(subgroup: str | None = None) -> MetaAnalysisResult:
    return mr.meta_analysis(
        _bcg(), data_type="dich", measure="RR", method="IV", model="random", subgroup=subgroup
    )


def _ketamine_rob(name: str) -> tuple[list[RobJudgement], RobTool]:
    return _rob(load(KETAMINE), name)


def _tl_rob1() -> Figure:
    return traffic_light(*_ketamine_rob(ROB1.name))


def _tl_ten() -> Figure:
    return traffic_light(*_ketamine_rob(TEN))


def _summary_ten(weighted: bool) -> Figure:
    js, tool = _ketamine_rob(TEN)
    return rob_summary(js, tool, weights=_weights(js) if weighted else None)


def _summary_rob1() -> Figure:
    js, tool = _ketamine_rob(ROB1.name)
    return rob_summary(js, tool)


FIGURES: dict[str, Callable[[], Figure]] = {
    "funnel_plain": lambda: funnel_plot(_bcg_result()),
    "funnel_contours": lambda: funnel_plot(_bcg_result(), contours=True),
    "funnel_trimfill": lambda: funnel_plot(_bcg_result(), trimfill=_trimfill(_bcg_result())),
    "funnel_subgroups": lambda: funnel_plot(_bcg_result("alloc")),
    "funnel_md_contours": lambda: funnel_plot(_md(), contours=True),
    "traffic_light_rob1": _tl_rob1,
    "traffic_light_ten_questions": _tl_ten,
    "traffic_light_40": lambda: traffic_light(_many(40), ROB1),
    "summary_rob1": _summary_rob1,
    "summary_ten_questions_weighted": lambda: _summary_ten(True),
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


@pytest.mark.parametrize("tool_name", ["RoB 2", "ROBINS-I"])
def test_traffic_light_and_summary_for_rob2_and_robins_i(tool_name: str) -> None:
    """The built-in RoB 2 and ROBINS-I tools: every judgement level gets its colour."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from metareview.figures.rob import rob_summary, summary_shares, traffic_light
    from metareview.review.model import BUILTIN_TOOLS, RobJudgement

    tool = BUILTIN_TOOLS[tool_name]
    rows = [
        RobJudgement(study=f"Study {i + 1}", tool=tool.name, domain=d,
                     judgement=tool.judgements[(i + k) % len(tool.judgements)])
        for i in range(6) for k, d in enumerate(tool.domains)
    ]  # fmt: skip
    fig = traffic_light(rows, tool)
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.draw(renderer)
    colours = {str(getattr(a, "get_gid", lambda: "")()) for a in fig.findobj()}
    expected = {f"cell:{tool.risk(j)}" for j in tool.judgements}
    assert expected <= colours
    shares = summary_shares(rows, tool)
    assert all(abs(sum(v.values()) - 100.0) < 1e-9 for v in shares.values())
    assert rob_summary(rows, tool) is not None
