"""Regenerate the figure gallery (docs/gallery.md and the SVG files beside this script).

    python docs/gallery/make_gallery.py

Every figure type is drawn from the bundled examples (examples/aspirin-fleiss1993,
examples/ketamine-neuropathic-pain) and from dat.bcg-like numbers written out below (the
BCG vaccine trials, Colditz et al. 1994, as tabulated in R's metadat).
"""

from __future__ import annotations

from pathlib import Path

import metareview as mr
from metareview.figures._style import save

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# BCG vaccine trials: tpos, tneg, cpos, cneg (metadat::dat.bcg)
BCG = [
    ("Aronson 1948", 4, 119, 11, 128), ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal et al 1960", 3, 228, 11, 209),
    ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller et al 1973", 33, 5036, 47, 5761),
    ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere et al 1973", 8, 2537, 10, 619), ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232), ("Rosenthal et al 1961", 17, 1699, 65, 1600),
    ("Comstock et al 1974", 186, 50448, 141, 27197), ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock et al 1976", 27, 16886, 29, 17825),
]  # fmt: skip


def bcg() -> mr.MetaAnalysisResult:
    data = {
        "study": [b[0] for b in BCG],
        "events_exp": [b[1] for b in BCG], "n_exp": [b[1] + b[2] for b in BCG],
        "events_ctrl": [b[3] for b in BCG], "n_ctrl": [b[3] + b[4] for b in BCG],
    }  # fmt: skip
    return mr.meta_analysis(data, data_type="dich", measure="RR", model="random", warn=False)


def main() -> None:
    from metareview.figures.forest import forest_plot
    from metareview.figures.funnel import funnel_plot
    from metareview.figures.prisma import prisma_flow
    from metareview.figures.rob import rob_summary, traffic_light

    entries: list[tuple[str, str, str]] = []

    def add(name: str, title: str, text: str, fig: object) -> None:
        save(fig, HERE / f"{name}.svg")  # type: ignore[arg-type]
        entries.append((name, title, text))

    aspirin = mr.build(mr.load(ROOT / "examples" / "aspirin-fleiss1993"))
    death = next(o for o in aspirin.outcomes if o.outcome.id == "cmp-001-01")
    assert death.result is not None
    from metareview.report import _forest

    add("forest_dich", "Forest plot, dichotomous (M-H, fixed), with risk-of-bias columns",
        "Fleiss 1993, aspirin after myocardial infarction (as `metareview report` draws it).",
        _forest(death, aspirin.review))  # fmt: skip
    mental = next(o for o in aspirin.outcomes if o.outcome.id == "cmp-001-02")
    assert mental.result is not None
    add("forest_cont", "Forest plot, continuous (SMD)",
        "Fleiss 1993, mental health treatment.", forest_plot(mental.result))  # fmt: skip
    result = bcg()
    add("forest_random_pi", "Forest plot, random effects with prediction interval",
        "BCG vaccine trials (Colditz 1994), REML, HKSJ.",
        forest_plot(mr.meta_analysis(
            {"study": [b[0] for b in BCG], "events_exp": [b[1] for b in BCG],
             "n_exp": [b[1] + b[2] for b in BCG], "events_ctrl": [b[3] for b in BCG],
             "n_ctrl": [b[3] + b[4] for b in BCG]},
            data_type="dich", measure="RR", method="IV", model="random",
            preset=mr.Cochrane2025, warn=False), prediction=True))  # fmt: skip
    add("funnel", "Funnel plot", "BCG vaccine trials, risk ratio.", funnel_plot(result))
    add("funnel_contours", "Contour-enhanced funnel plot", "BCG vaccine trials.",
        funnel_plot(result, contours=True))  # fmt: skip
    ket = mr.load(ROOT / "examples" / "ketamine-neuropathic-pain")
    for name in dict.fromkeys(j.tool for j in ket.rob):
        tool = ket.meta.rob_tool(name)
        assert tool is not None
        rows = [j for j in ket.rob if j.tool == name]
        slug = "rob1" if name == "RoB 1" else "rob_custom"
        add(f"traffic_{slug}", f"Risk of bias, traffic light ({name})",
            "Ketamine for neuropathic pain (Pereira 2022).", traffic_light(rows, tool))  # fmt: skip
        add(f"summary_{slug}", f"Risk of bias, summary ({name})",
            "Ketamine for neuropathic pain.", rob_summary(rows, tool))  # fmt: skip
    assert ket.meta.prisma is not None
    add("prisma", "PRISMA 2020 flow diagram",
        "Ketamine for neuropathic pain, counts as published (missing counts show as n = ?).",
        prisma_flow(ket.meta.prisma, strict=False))  # fmt: skip
    try:
        from metareview.figures import diagnostic
    except ImportError:  # pragma: no cover
        diagnostic = None  # type: ignore[assignment]
    if diagnostic is not None:
        add("galbraith", "Galbraith (radial) plot", "BCG vaccine trials.",
            diagnostic.galbraith_plot(result))  # fmt: skip
        add("labbe", "L'Abbé plot", "BCG vaccine trials.", diagnostic.labbe_plot(result))
        add("leave_one_out", "Leave-one-out forest plot", "BCG vaccine trials.",
            diagnostic.leave_one_out_forest(result))  # fmt: skip
        add("cumulative", "Cumulative forest plot", "BCG vaccine trials, in the order listed.",
            diagnostic.cumulative_forest(result))  # fmt: skip
        from metareview import stats
        from metareview.stats.sensitivity import baujat

        eff = stats.generic_inverse_variance(
            [s.theta for s in result.studies], [s.se for s in result.studies]
        )
        bj = baujat(eff)
        add("baujat", "Baujat plot", "BCG vaccine trials.",
            diagnostic.baujat_plot(bj.x, bj.y, [s.study for s in result.studies]))  # fmt: skip

    lines = [
        "# Figure gallery",
        "",
        "Every figure type of `metareview.figures`, drawn from the bundled examples.",
        "Regenerate with `python docs/gallery/make_gallery.py`.",
        "",
    ]
    for name, title, text in entries:
        lines += [f"## {title}", "", text, "", f"![{title}](gallery/{name}.svg)", ""]
    (ROOT / "docs" / "gallery.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {len(entries)} figures and docs/gallery.md")


if __name__ == "__main__":
    main()
