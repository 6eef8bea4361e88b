"""``metareview report``: load a review folder, build every analysis, write the report."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def run_report(directory: Path, output: Path | None, formats: Sequence[str]) -> int:
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from metareview.exceptions import ReviewError
    from metareview.report import FORMATS, write
    from metareview.review.build import build
    from metareview.review.store import load

    bad = [f for f in formats if f not in FORMATS]
    if bad:
        err.print(f"[bold red]error:[/] unknown format(s) {escape(', '.join(bad))}; "
                  f"use any of {', '.join(FORMATS)}")  # fmt: skip
        return 2
    t0 = time.perf_counter()
    try:
        review = load(directory)
    except ReviewError as exc:
        err.print(f"[bold red]error:[/] {escape(str(directory))} is not a valid review:")
        for p in exc.problems:
            err.print("  " + escape(str(p)))
        return 1
    target = output or (directory / "_build")
    n = len(review.meta.outcomes())
    columns = (
        TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("analyses", total=max(n, 1))

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"analysing {name[:40]}")

        results = build(review, progress=step)
        bar.update(task, description="writing report")
        files = write(results, target, formats)
    secs = time.perf_counter() - t0
    computed = sum(o.result is not None for o in results.outcomes)
    out.print(
        f"{escape(review.meta.title)}: {len(review.studies)} studies, {n} outcomes "
        f"({computed} computed from per-study data, {n - computed} as reported) in {secs:.1f} s"
    )
    for f in files:
        out.print(f"  wrote {escape(str(f))}")
    for w in results.warnings:
        err.print(f"note: {escape(w)}")
    return 0
