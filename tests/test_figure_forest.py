"""Forest plots: every data type renders, texts match the result, no text overlaps another,
risk-of-bias columns, and three fixed plots match their reference images.

Regenerate the reference PNGs in ``tests/figures/forest/`` (then look at them!) with::

    python -m tests.test_figure_forest --regenerate

or ``METAREVIEW_REGENERATE_FIGURES=1 python -m pytest tests/test_figure_forest.py``.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import metareview as mr
from metareview.analysis.format import fmt_ci
from metareview.figures._style import save
from metareview.figures.forest import forest_plot
from metareview.review.model import ROB1
from tests.fixtures.fleiss1993 import ASPIRIN

REF_DIR = Path(__file__).resolve().parent / "figures" / "forest"
REGENERATE = os.environ.get("METAREVIEW_REGENERATE_FIGURES") == "1"
LONG = "Investigators of the Very Long Multicentre Trial of Something"


def _ma(data: Any, **kw: Any) -> mr.MetaAnalysisResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mr.meta_analysis(data, **kw)


def aspirin(model: str = "fixed", **kw: Any) -> mr.MetaAnalysisResult:
    return _ma(ASPIRIN, data_type="dich", measure="OR", method="MH", model=model, **kw)


def subgroups() -> mr.MetaAnalysisResult:
    data = dict(ASPIRIN)
    data["era"] = ["1970s", "1970s", "1970s", "1970s", "1980s", "1980s", "Mega-trials"]
    return _ma(data, data_type="dich", measure="RR", model="random", subgroup="era")


def continuous() -> mr.MetaAnalysisResult:
    data = {
        "study": ["Adams 2001", "Brown 2004", "Chen 2010", "Diaz 2015"],
        "mean_exp": [10.2, 12.5, 9.8, 11.0],
        "sd_exp": [3.1, 4.0, 2.5, 3.3],
        "n_exp": [40, 55, 30, 62],
        "mean_ctrl": [12.0, 13.1, 11.9, 12.2],
        "sd_ctrl": [3.4, 4.2, 2.8, 3.0],
        "n_ctrl": [38, 50, 33, 60],
    }
    return _ma(data, data_type="cont", measure="SMD", model="random")


def generic() -> mr.MetaAnalysisResult:
    data = {
        "study": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"],
        "estimate": [-0.22, -0.41, 0.05, -0.11, -1.9],
        "se": [0.12, 0.2, 0.15, 0.09, 1.6],
    }
    return _ma(data, data_type="giv", measure="Hazard Ratio", log=True)


def many_long(k: int = 60) -> mr.MetaAnalysisResult:
    rng = np.random.default_rng(7)
    n = rng.integers(20, 400, size=k)
    data = {
        "study": [f"{LONG} {1960 + i}" if i % 3 == 0 else f"Trial {i + 1}" for i in range(k)],
        "events_exp": (n * rng.uniform(0.05, 0.4, size=k)).astype(int).tolist(),
        "n_exp": n.tolist(),
        "events_ctrl": (n * rng.uniform(0.05, 0.4, size=k)).astype(int).tolist(),
        "n_ctrl": n.tolist(),
    }
    return _ma(data, data_type="dich", measure="RR", model="random")


def made_up_rob(res: mr.MetaAnalysisResult, domains: list[str]) -> dict[str, list[Any]]:
    """MADE-UP risk of bias for tests only (not the trials' real judgements): every
    study low in every domain, except the second study high and the fourth unclear in
    one domain each, and the fifth study without a judgement in the last domain."""
    rob: dict[str, list[Any]] = {r.study: [(d, "low") for d in domains] for r in res.studies}
    names = [r.study for r in res.studies]
    rob[names[1]][2 % len(domains)] = (domains[2 % len(domains)], "high")
    rob[names[3]][1 % len(domains)] = (domains[1 % len(domains)], "unclear")
    del rob[names[4]][-1]
    return rob


def _texts(fig: Any) -> Iterator[Any]:
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip():
            yield t


def _expected_effects(res: mr.MetaAnalysisResult) -> list[str]:
    out: list[str] = []
    if res.subgroups:
        for g in res.subgroups:
            out += [
                fmt_ci(r.estimate, r.ci_low, r.ci_high)
                for r in res.studies
                if r.subgroup == g.label
            ]
            out.append(fmt_ci(g.estimate, g.ci_low, g.ci_high))
    else:
        out += [fmt_ci(r.estimate, r.ci_low, r.ci_high) for r in res.studies]
    if res.spec.totals == "yes":
        o = res.overall
        out.append(fmt_ci(o.estimate, o.ci_low, o.ci_high))
    return out


def _overlaps(fig: Any, tol: float = 0.5) -> list[tuple[str, str]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]
    bad = []
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1 :]:
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > tol and dy > tol:
                bad.append((ta, tb))
    return bad


CASES = {
    "dich_fixed": lambda: aspirin("fixed"),
    "dich_random": lambda: aspirin("random"),
    "cont_smd": continuous,
    "giv": generic,
    "subgroups": subgroups,
}


@pytest.mark.parametrize("name", list(CASES))
def test_renders_with_result_texts(name: str, tmp_path: Path) -> None:
    res = CASES[name]()
    fig = forest_plot(res)
    effects = [t.get_text() for t in _texts(fig) if t.get_gid() == "effect"]
    assert effects == _expected_effects(res)
    texts = {t.get_text() for t in _texts(fig)}
    assert res.spec.measure_name in texts
    assert res.spec.method_label in texts
    assert "Favours experimental" in texts
    if res.spec.totals == "yes":
        assert res.overall.effect_line() in texts
    for suffix in (".svg", ".pdf", ".png"):
        assert save(fig, tmp_path / f"f{suffix}").stat().st_size > 0


def test_subgroup_rows() -> None:
    res = subgroups()
    texts = [t.get_text() for t in _texts(forest_plot(res))]
    assert len(res.subgroups) == 3
    assert texts.count("Subtotal (95% CI)") == 3
    assert texts.count("Total events") == 4
    assert res.subgroup_test is not None and res.subgroup_test.line() in texts
    for g in res.subgroups:
        assert g.label in texts


def test_options() -> None:
    res = aspirin("random", prediction="t-k1")
    o = res.overall
    fig = forest_plot(res, prediction=True, sort="estimate", title="Aspirin", xlim=(0.5, 2))
    texts = [t.get_text() for t in _texts(fig)]
    assert f"[{o.pi_low:.2f}, {o.pi_high:.2f}]" in texts
    assert "Aspirin" in texts
    ests = [r.estimate for r in res.studies]
    shown = [t.get_text() for t in _texts(fig) if t.get_gid() == "effect"][:-1]
    assert shown == [fmt_ci(r.estimate, r.ci_low, r.ci_high) for r in sorted(
        res.studies, key=lambda r: r.estimate)]  # fmt: skip
    assert sorted(ests)[0] == pytest.approx(float(shown[0].split()[0]), abs=0.01)
    # no prediction interval: a note instead of a bar
    texts = [t.get_text() for t in _texts(forest_plot(aspirin("fixed"), prediction=True))]
    assert any(s.startswith("Prediction interval: not available") for s in texts)
    # hidden totals
    texts = [t.get_text() for t in _texts(forest_plot(aspirin("fixed", totals="no")))]
    assert "Total (95% CI)" not in texts and "Weight" not in texts
    with pytest.raises(ValueError, match="sort"):
        forest_plot(res, sort="year")
    with pytest.raises(ValueError, match="positive"):
        forest_plot(res, xlim=(0, 2))


def test_not_estimable_row() -> None:
    data = dict(ASPIRIN)
    data = {k: [*v, 0 if k.startswith("events") else ("Zero 1999" if k == "study" else 50)]
            for k, v in data.items()}  # fmt: skip
    res = _ma(data, data_type="dich", measure="OR", allow_not_estimable=True)
    texts = [t.get_text() for t in _texts(forest_plot(res))]
    assert "Not estimable" in texts


@pytest.mark.parametrize(
    ("make", "with_rob"),
    [
        (many_long, False),
        (subgroups, False),
        (lambda: aspirin("fixed", totals="yes"), False),
        (subgroups, True),
        (many_long, True),
    ],
    ids=["60", "sub", "3", "sub-rob", "60-rob"],
)
def test_no_text_overlaps(make: Any, with_rob: bool) -> None:
    res = make()
    if res.spec.data_type == "dich" and len(res.studies) == 7 and not res.subgroups:
        three = {k: v[:3] for k, v in ASPIRIN.items()}
        three["study"] = [LONG + " 2001", "CDP", "MRC-2"]
        res = _ma(three, data_type="dich", measure="OR")
    rob = made_up_rob(res, ROB1.domains) if with_rob else None
    fig = forest_plot(res, rob=rob)
    if with_rob:
        assert len(list(_rob_circles(fig))) == 7 * len(res.studies) - 1
    assert _overlaps(fig) == []


def test_height_grows_with_rows() -> None:
    small = forest_plot(aspirin()).get_size_inches()[1]
    big = forest_plot(many_long(120)).get_size_inches()[1]
    assert big > 120 * 0.15
    assert big > 10 * small
    # a long name wraps instead of widening the study column without bound
    fig = forest_plot(many_long(6))
    names = [t.get_text() for t in _texts(fig)]
    assert not any(LONG in s for s in names)


# ------------------------------------------------------------------ risk of bias
def _rob_circles(fig: Any) -> Iterator[Any]:
    for p in fig.axes[0].patches:
        if (p.get_gid() or "").startswith("rob:"):
            yield p


def test_rob_columns() -> None:
    from matplotlib.colors import to_hex

    res = subgroups()
    rob = made_up_rob(res, ROB1.domains)
    rob["Not in this analysis"] = [(ROB1.domains[0], "high")]
    fig = forest_plot(res, rob=rob, rob_domains=ROB1.domains)
    texts = [t.get_text() for t in _texts(fig)]
    letters = list("ABCDEFG")
    assert "Risk of Bias" in texts and "Risk of bias legend" in texts
    for letter, domain in zip(letters, ROB1.domains, strict=True):
        assert texts.count(letter) == 1 and f"({letter})" in texts and domain in texts
    # one circle per judgement of a shown study (none for subtotals, totals, blanks)
    circles = list(_rob_circles(fig))
    assert len(circles) == 7 * 7 - 1
    risks = [c.get_gid().split(":")[1] for c in circles]
    assert risks.count("high") == 1 and risks.count("unclear") == 1
    from metareview.figures._style import COLORS

    for c, risk in zip(circles, risks, strict=True):
        assert to_hex(c.get_facecolor()) == COLORS[risk].lower()
    glyphs = [t for t in _texts(fig) if t.get_gid() == "rob-glyph"]
    assert sorted(t.get_text() for t in glyphs) == sorted(
        {"low": "+", "unclear": "?", "high": "\u2212"}[r] for r in risks
    )
    assert {to_hex(t.get_color()) for t in glyphs if t.get_text() == "?"} == {"#000000"}
    assert {to_hex(t.get_color()) for t in glyphs if t.get_text() != "?"} == {"#ffffff"}
    # the columns sit right of the plot, in the rows of the studies
    plot = fig.axes[1].get_window_extent()
    assert all(c.get_window_extent().x0 > plot.x1 for c in circles)
    assert all(plot.y0 < c.get_window_extent().y0 < plot.y1 for c in circles)
    # the domains to draw and their order
    fig = forest_plot(res, rob=rob, rob_domains=[ROB1.domains[2], "Funding"])
    texts = [t.get_text() for t in _texts(fig)]
    assert "C" not in texts and "(B)" in texts and "Funding" in texts
    assert len(list(_rob_circles(fig))) == 7  # "Funding": blank everywhere
    fig = forest_plot(res, rob={"MRC-1": [("Other bias", "unclear")]})
    assert [t.get_text() for t in _texts(fig) if t.get_gid() == "rob-legend"] == [
        "Risk of bias legend",
        "(A)",
        "Other bias",
    ]
    # without rob: no columns, no legend
    texts = [t.get_text() for t in _texts(forest_plot(res))]
    assert "Risk of Bias" not in texts and "Risk of bias legend" not in texts


def test_rob_errors() -> None:
    res = aspirin()
    with pytest.raises(ValueError, match="not one of"):
        forest_plot(res, rob={"CDP": [("Other bias", "Low risk")]})
    with pytest.raises(ValueError, match="both"):
        forest_plot(res, rob={"CDP": [("Other bias", "low"), ("Other bias", "high")]})
    with pytest.raises(ValueError, match="duplicates"):
        forest_plot(res, rob={}, rob_domains=["Other bias", "Other bias"])
    with pytest.raises(ValueError, match="needs rob"):
        forest_plot(res, rob_domains=["Other bias"])


def test_rob_wraps_long_domains() -> None:
    res = aspirin()
    long = "Blinding of participants and personnel (performance bias) " * 4
    fig = forest_plot(res, rob={"CDP": [(long.strip(), "high")]})
    width = fig.get_size_inches()[0]
    assert width == pytest.approx(
        forest_plot(res, rob={"CDP": [("x", "high")]}).get_size_inches()[0]
    )
    assert sum(t.get_gid() == "rob-legend" for t in _texts(fig)) > 3
    assert _overlaps(fig) == []


# ------------------------------------------------------------------ visual regression
IMAGES = {
    "aspirin_or_fixed": lambda: forest_plot(aspirin("fixed")),
    "subgroups_rr_random": lambda: forest_plot(subgroups(), title="Aspirin by era"),
    # risk of bias MADE UP for this test (see made_up_rob), labelled so in the title
    "aspirin_or_fixed_rob": lambda: forest_plot(
        aspirin("fixed"),
        title="Aspirin (risk of bias made up for this test)",
        rob=made_up_rob(aspirin("fixed"), ROB1.domains),
        rob_domains=ROB1.domains,
    ),
}


def _render(name: str, path: Path) -> None:
    IMAGES[name]().savefig(path, dpi=100)


@pytest.mark.parametrize("name", list(IMAGES))
def test_matches_reference_image(name: str, tmp_path: Path) -> None:
    from matplotlib.image import imread

    ref = REF_DIR / f"{name}.png"
    if REGENERATE:
        REF_DIR.mkdir(parents=True, exist_ok=True)
        _render(name, ref)
    if not ref.exists():
        pytest.fail(
            f"{ref} missing; regenerate with: python -m tests.test_figure_forest --regenerate"
        )
    out = tmp_path / ref.name
    _render(name, out)
    a, b = imread(str(ref)), imread(str(out))
    assert a.shape == b.shape, f"size changed: {a.shape} != {b.shape}"
    diff = float(np.abs(a.astype(float) - b.astype(float)).mean()) * 255
    assert diff < 2.0, f"{name}: mean absolute difference {diff:.2f} (0-255)"
    assert math.isfinite(diff)


if __name__ == "__main__":  # python -m tests.test_figure_forest --regenerate
    if "--regenerate" not in sys.argv[1:]:
        sys.exit("usage: python -m tests.test_figure_forest --regenerate")
    REF_DIR.mkdir(parents=True, exist_ok=True)
    for key in IMAGES:
        _render(key, REF_DIR / f"{key}.png")
        print(REF_DIR / f"{key}.png")
