"""``metareview figure``: one figure of a review folder to SVG, PDF or PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

KINDS = ("forest", "funnel", "contour-funnel", "galbraith", "labbe", "baujat", "leave-one-out",
         "cumulative", "rob", "robsummary", "prisma")  # fmt: skip
_OUTCOME_KINDS = ("forest", "funnel", "contour-funnel", "galbraith", "labbe", "baujat",
                  "leave-one-out", "cumulative")  # fmt: skip


def _diagnostic(kind: str, result: object, diagnostic: object) -> Any:
    from metareview import stats
    from metareview.stats.sensitivity import baujat

    d: Any = diagnostic
    r: Any = result
    if kind == "galbraith":
        return d.galbraith_plot(r)
    if kind == "labbe":
        return d.labbe_plot(r)
    if kind == "leave-one-out":
        return d.leave_one_out_forest(r)
    if kind == "cumulative":
        return d.cumulative_forest(r)
    eff = stats.generic_inverse_variance(
        [s.theta for s in r.studies if s.estimable], [s.se for s in r.studies if s.estimable]
    )
    bj = baujat(eff, random=r.spec.random, tau2_method=r.spec.tau2_method or "DL")
    return d.baujat_plot(bj.x, bj.y, [s.study for s in r.studies if s.estimable])


def run_prisma_csv(direction: str, directory: Path, csv_path: Path) -> int:
    """Import the PRISMA2020 R package's CSV into review.toml, or export the counts to it."""
    from metareview.exceptions import ReviewError
    from metareview.figures.prisma import read_prisma_csv, write_prisma_csv
    from metareview.review.store import load, save

    try:
        review = load(directory)
    except ReviewError as exc:
        err.print(f"[bold red]error:[/] {escape(str(directory))} is not a valid review:")
        for p in exc.problems:
            err.print("  " + escape(str(p)))
        return 1
    if direction == "export":
        from metareview.records.store import effective_prisma

        counts, notes = effective_prisma(directory, review.meta.prisma)
        for _, n in notes:
            err.print(f"warning: {escape(n)}")
        if counts is None:
            err.print("[bold red]error:[/] review.toml has no " + escape("[prisma]") + " counts")
            return 1
        try:
            write_prisma_csv(counts, csv_path)
        except ValueError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}; rename it in review.toml")
            return 1
        out.print(f"wrote {escape(str(csv_path))}")
        return 0
    try:
        prisma, notices = read_prisma_csv(csv_path)
    except (OSError, ValueError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(csv_path))}: {escape(str(exc))}")
        return 1
    review.meta.prisma = prisma
    save(review)
    for n in notices:
        err.print(f"note: {escape(n)}")
    out.print(f"PRISMA counts from {escape(str(csv_path))} saved in {escape(str(directory))}")
    return 0


def run_figure(kind: str, directory: Path, output: Path, outcome: str | None,
               tool: str | None) -> int:  # fmt: skip
    from metareview.exceptions import ReviewError
    from metareview.figures._style import save
    from metareview.review.build import build
    from metareview.review.store import load

    if kind not in KINDS:
        err.print(f"[bold red]error:[/] unknown figure {escape(kind)!r}; use one of "
                  f"{', '.join(KINDS)}")  # fmt: skip
        return 2
    if output.suffix.lower() not in (".svg", ".pdf", ".png"):
        err.print("[bold red]error:[/] --out must end in .svg, .pdf or .png")
        return 2
    try:
        review = load(directory)
    except ReviewError as exc:
        err.print(f"[bold red]error:[/] {escape(str(directory))} is not a valid review:")
        for p in exc.problems:
            err.print("  " + escape(str(p)))
        return 1
    fig = None
    if kind in _OUTCOME_KINDS:
        results = build(review)
        computed = [o for o in results.outcomes if o.result is not None]
        ids = [o.outcome.id for o in computed]
        if outcome is None and len(computed) == 1:
            outcome = ids[0]
        chosen = [o for o in computed if o.outcome.id == outcome]
        if not chosen:
            err.print(f"[bold red]error:[/] name an outcome with per-study data with --outcome; "
                      f"available: {escape(', '.join(ids) or 'none')}")  # fmt: skip
            return 1
        o = chosen[0]
        assert o.result is not None
        if kind == "forest":
            from metareview.report import _forest

            fig = _forest(o, results)
        elif kind in ("funnel", "contour-funnel"):
            from metareview.figures.funnel import funnel_plot

            fig = funnel_plot(o.result, contours=kind == "contour-funnel")
        else:
            from metareview.figures import diagnostic

            try:
                fig = _diagnostic(kind, o.result, diagnostic)
            except ValueError as exc:  # e.g. L'Abbé needs dichotomous data
                err.print(f"[bold red]error:[/] {escape(str(exc))}")
                return 1
    elif kind in ("rob", "robsummary"):
        judgements = review.judgements()
        tools = list(dict.fromkeys(j.tool for j in judgements))
        if tool is None and len(tools) == 1:
            tool = tools[0]
        rob_tool = review.meta.rob_tool(tool) if tool else None
        if rob_tool is None or tool not in tools:
            err.print(f"[bold red]error:[/] name a risk-of-bias tool with --tool; "
                      f"available: {escape(', '.join(tools) or 'none')}")  # fmt: skip
            return 1
        from metareview.figures.rob import rob_summary, traffic_light

        rows = [j for j in judgements if j.tool == tool]
        fig = traffic_light(rows, rob_tool) if kind == "rob" else rob_summary(rows, rob_tool)
    else:
        from metareview.records.store import effective_prisma

        counts, notes = effective_prisma(review.root, review.meta.prisma)
        if counts is None:
            err.print("[bold red]error:[/] review.toml has no " + escape("[prisma]") + " counts")
            return 1
        from metareview.figures.prisma import check_prisma, prisma_flow

        for problem in [*(m for _, m in notes), *check_prisma(counts)]:
            err.print(f"warning: {escape(problem)}")
        fig = prisma_flow(counts, strict=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    assert fig is not None
    save(fig, output)
    out.print(f"wrote {escape(str(output))}")
    return 0
