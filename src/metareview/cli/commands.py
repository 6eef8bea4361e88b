"""Implementations of the CLI commands (imported only when a command runs)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from metareview.exceptions import DataError, MetaReviewWarning, SpecError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str) -> int:
    from rich.text import Text

    err.print(Text.assemble(("error: ", "bold red"), message))
    return 1


def _analyse(path: Path, opts: dict[str, Any]) -> Any:
    """Read ``path`` and run :func:`meta_analysis` with the CLI options (warnings kept)."""
    import warnings

    from metareview.analysis import meta_analysis
    from metareview.analysis.spec import preset_named
    from metareview.io.tables import read_table

    opts = dict(opts)
    opts["preset"] = preset_named(opts.get("preset") or "revman5")
    frame, lines, _ = read_table(path, notice=lambda m: err.print(m, markup=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaReviewWarning)
        return meta_analysis(frame, source=str(path), lines=lines, **opts)


def run_pool(path: Path, opts: dict[str, Any], *, as_json: bool) -> int:
    try:
        res = _analyse(path, opts)
    except (DataError, SpecError) as exc:
        return _fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(res.to_dict(), allow_nan=False) + "\n")
        return 0
    _print_result(res)
    for w in res.warnings:
        err.print(f"warning: {w}", markup=False)
    return 0


def _print_result(res: Any) -> None:
    from metareview.analysis.format import fmt_ci

    s = res.spec
    table = Table(title=_esc(f"{s.measure_name} ({s.method_label})"), title_justify="left")
    table.add_column("Study")
    if s.data_type == "dich":
        table.add_column(_esc(f"{res.label_exp}\nEvents/Total"), justify="right")
        table.add_column(_esc(f"{res.label_ctrl}\nEvents/Total"), justify="right")
    elif s.data_type == "cont":
        table.add_column(_esc(f"{res.label_exp}\nMean (SD) N"), justify="right")
        table.add_column(_esc(f"{res.label_ctrl}\nMean (SD) N"), justify="right")
    table.add_column("Weight", justify="right")
    table.add_column(_esc(f"{s.measure_name}\n{s.method_label}"), justify="left")

    def arms(d: dict[str, float]) -> list[str]:
        g = _g
        if s.data_type == "dich":
            return [
                f"{g(d['events_exp'])}/{g(d['n_exp'])}",
                f"{g(d['events_ctrl'])}/{g(d['n_ctrl'])}",
            ]
        if s.data_type == "cont":
            return [f"{g(d['mean_exp'])} ({g(d['sd_exp'])}) {g(d['n_exp'])}",
                    f"{g(d['mean_ctrl'])} ({g(d['sd_ctrl'])}) {g(d['n_ctrl'])}"]  # fmt: skip
        return []

    current = None
    for r in res.studies:
        if r.subgroup is not None and r.subgroup != current:
            current = r.subgroup
            table.add_row(f"[bold]{_esc(current)}[/]", *[""] * (len(table.columns) - 1))
        w = f"{r.weight:.1f}%" if r.estimable and s.totals != "no" else ""
        table.add_row(
            _esc(r.study), *arms(dict(r.data)), w, fmt_ci(r.estimate, r.ci_low, r.ci_high)
        )
        if s.totals != "no" and r.subgroup is not None and r is _last_in(res.studies, r.subgroup):
            g = next(x for x in res.subgroups if x.label == r.subgroup)
            table.add_row("[italic]Subtotal[/]", *_total_arms(s, g), f"{g.weight:.1f}%",
                          fmt_ci(g.estimate, g.ci_low, g.ci_high))  # fmt: skip
    if s.totals == "yes":
        o = res.overall
        table.add_row("[bold]Total[/]", *_total_arms(s, o), f"{o.weight:.1f}%",
                      fmt_ci(o.estimate, o.ci_low, o.ci_high))  # fmt: skip
    out.print(table)
    for line in res.summary_lines():
        out.print(_esc(line))


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _g(x: float) -> str:
    return "" if not math.isfinite(x) else f"{x:g}"


def _last_in(rows: Sequence[Any], subgroup: str) -> Any:
    return [r for r in rows if r.subgroup == subgroup][-1]


def _total_arms(spec: Any, g: Any) -> list[str]:
    if spec.data_type == "dich":
        return [f"{_g(g.events_exp)}/{_g(g.n_exp)}", f"{_g(g.events_ctrl)}/{_g(g.n_ctrl)}"]
    if spec.data_type == "cont":
        return [_g(g.n_exp), _g(g.n_ctrl)]
    return []


def run_revman_check(files: Sequence[Path], outcomes: Sequence[str], *, as_json: bool,
                     verbose: bool) -> int:  # fmt: skip
    from metareview.io.revman import RevManFormatError, read_revman
    from metareview.io.revman_check import check_file

    results = []
    for path in files:
        try:
            rm = read_revman(path)
        except (RevManFormatError, OSError) as exc:
            return _fail(str(exc))
        if outcomes:
            known = {o.id for o in rm.outcomes}
            unknown = [o for o in outcomes if o not in known]
            if unknown:
                return _fail(f"{path}: no outcome {', '.join(unknown)}; "
                             f"ids look like {', '.join(sorted(known)[:3])}")  # fmt: skip
        results.append(check_file(rm, outcomes or None))
    ok = all(r.ok for r in results)
    if as_json:
        payload = {"ok": ok, "files": [r.to_dict() for r in results]}
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        return 0 if ok else 1
    for r in results:
        counts = r.counts()
        table = Table(title=_esc(str(r.path)), title_justify="left")
        for col in ("Outcome", "Analysis", "Compared", "Max rel. error", "Result"):
            table.add_column(col)
        for o in r.outcomes:
            if not verbose and o.status == "match":
                continue
            res_text = {"match": "[green]match[/]", "mismatch": "[bold red]MISMATCH[/]",
                        "skipped": "[yellow]skipped[/]"}[o.status]  # fmt: skip
            table.add_row(_esc(o.outcome_id), _esc(o.analysis), str(o.compared),
                          f"{o.max_rel_error:.1e}", res_text)  # fmt: skip
            for m in o.mismatches[:20]:
                table.add_row("", _esc(str(m)), "", "", "")
            if o.note and (verbose or o.status != "match"):
                table.add_row("", f"[dim]{_esc(o.note)}[/]", "", "", "")
        if table.row_count:
            out.print(table)
        n_cmp = sum(o.compared for o in r.outcomes)
        worst = max((o.max_rel_error for o in r.outcomes), default=0.0)
        verdict = "[green]all stored results reproduced[/]" if r.ok else "[bold red]DISAGREES[/]"
        if r.ok and n_cmp == 0:
            verdict = "[yellow]nothing to compare: no outcome with stored results[/]"
        out.print(
            f"{_esc(str(r.path))}: {counts['match']} outcomes match, "
            f"{counts['mismatch']} mismatch, "
            f"{counts['skipped']} skipped; {n_cmp} numbers compared, max rel. error "
            f"{worst:.1e}: {verdict}"
        )
    return 0 if ok else 1
