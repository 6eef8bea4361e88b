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

# tables are not squeezed to 80 columns when the output is piped or redirected
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 132)
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


def _load(path: Path, opts: dict[str, Any]) -> tuple[Any, Any]:
    """Read ``path`` and validate it for the CLI options: (StudyTable, AnalysisSpec)."""
    from metareview.analysis.data import prepare
    from metareview.analysis.spec import AnalysisSpec, preset_named
    from metareview.io.tables import read_table

    o = dict(opts)
    study = o.pop("study")
    allow = o.pop("allow_not_estimable")
    o["preset"] = preset_named(o.get("preset") or "revman5")
    frame, lines, _ = read_table(path, notice=lambda m: err.print(m, markup=False))
    spec = AnalysisSpec(**o)
    table = prepare(frame, spec, study=study, source=str(path), lines=lines,
                    allow_not_estimable=allow)  # fmt: skip
    return table, spec


def _cell(value: Any, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:.{digits}f}" if abs(value) < 1e5 else f"{value:.3g}"
    return str(value)


def _influence_tables(rows: Sequence[dict[str, Any]]) -> None:
    """metafor's influence() columns (its names), then Baujat's coordinates."""
    from rich import box

    cols = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "q_del", "hat", "weight")
    heads = ("rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight")
    t = Table(box=box.SIMPLE, title="Influence diagnostics (* influential, metafor's rule)",
              title_justify="left")  # fmt: skip
    t.add_column("Study")
    for h in heads:
        t.add_column(h, justify="right")
    for row in rows:
        name = _esc(str(row["study"])) + (" *" if row["influential"] else "")
        t.add_row(name, *[_cell(row[c]) for c in cols])
    out.print(t)
    b = Table(box=box.SIMPLE, title="Baujat: contribution to Q (x), influence on the result (y)",
              title_justify="left")  # fmt: skip
    for h in ("Study", "x", "y"):
        b.add_column(h, justify="left" if h == "Study" else "right")
    for row in rows:
        b.add_row(_esc(str(row["study"])), _cell(row["baujat_x"]), _cell(row["baujat_y"]))
    out.print(b)


def run_sensitivity(path: Path, opts: dict[str, Any], kinds: Sequence[str], *,
                    order_by: str | None, descending: bool, as_json: bool) -> int:  # fmt: skip
    from metareview.analysis.format import fmt_ci, fmt_p, fmt_pct
    from metareview.analysis.sensitivity import sensitivity_from_table

    try:
        table, spec = _load(path, opts)
        results = [
            sensitivity_from_table(table, spec, kind, order_by=order_by, descending=descending)
            for kind in kinds
        ]
    except (DataError, SpecError) as exc:
        return _fail(str(exc))
    if as_json:
        payload = {"file": str(path), "analyses": [r.to_dict() for r in results]}
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        return 0
    for r in results:
        title = f"{r.kind.capitalize()}: {spec.measure_name} ({r.model})"
        if r.order_by:
            title += f", ordered by {r.order_by}" + (" (descending)" if descending else "")
        t = Table(title=_esc(title), title_justify="left")
        if r.kind in ("leave-one-out", "cumulative"):
            first = "Omitted" if r.kind == "leave-one-out" else "Added"
            t.add_column(first)
            if r.kind == "cumulative" and r.order_by:
                t.add_column(_esc(r.order_by))
            for col in ("k", "Estimate [CI]", "P", "Tau²", "I²"):
                t.add_column(col, justify="right" if col != "Estimate [CI]" else "left")
            for row in r.rows:
                est = row["estimate"]
                ci_text = fmt_ci(est, row["ci_low"], row["ci_high"]) if est is not None else "—"
                cells = [_esc(str(row.get("omitted") or row.get("added")))]
                if r.kind == "cumulative" and r.order_by:
                    cells.append(_esc(str(row["order_value"])))
                p = row["p"]
                cells += [
                    str(row["k"]), ci_text, "" if p is None else _esc(fmt_p(p).lstrip("= ")),
                    _cell(row["tau2"], 4), "" if row["i2"] is None else fmt_pct(row["i2"]),
                ]  # fmt: skip
                t.add_row(*cells)
        else:
            _influence_tables(r.rows)
            continue
        out.print(t)
    return 0


def run_bias(path: Path, opts: dict[str, Any], tests: Sequence[str], *, estimator: str,
             side: str | None, as_json: bool) -> int:  # fmt: skip
    from metareview.analysis.bias import small_study_tests_from_table
    from metareview.analysis.format import fmt_ci, fmt_p

    try:
        table, spec = _load(path, opts)
        if not tests:
            tests = ["egger", "begg", "trimfill", "failsafe"]
            if spec.data_type == "dich":
                tests[2:2] = ["peters", "harbord"]
        res = small_study_tests_from_table(table, spec, tests, estimator=estimator, side=side)
    except (DataError, SpecError) as exc:
        return _fail(str(exc))
    # exit 1 when no test could be computed at all (e.g. too few studies)
    code = 1 if all("error" in r for r in res.results) else 0
    if as_json:
        payload = {"file": str(path), **res.to_dict()}
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        return code
    names = {"egger": "Egger's regression test", "begg": "Begg's rank correlation",
             "peters": "Peters' test", "harbord": "Harbord's score test",
             "trimfill": "Trim and fill", "failsafe": "Fail-safe N"}  # fmt: skip
    t = Table(title=_esc(f"Small-study effects: {spec.measure_name}, k = {res.k}"),
              title_justify="left")  # fmt: skip
    for col in ("Test", "Result", "P"):
        t.add_column(col)
    for r in res.results:
        name = names[r["test"]]
        p = r.get("p")
        p_text = "" if p is None else _esc(fmt_p(p).lstrip("= "))
        if "error" in r:
            t.add_row(name, f"[yellow]not computed: {_esc(r['error'])}[/]", "")
        elif r["test"] in ("egger", "peters", "harbord"):
            what = {"egger": "intercept (bias)", "peters": "slope on 1/N",
                    "harbord": "intercept"}[r["test"]]  # fmt: skip
            t.add_row(name, f"{what} {_cell(r['coef'])} (SE {_cell(r['se'])}), "
                            f"t = {_cell(r['statistic'], 2)}, df = {r['df']}", p_text)  # fmt: skip
        elif r["test"] == "begg":
            kind = "exact" if r["exact"] else "normal approximation"
            t.add_row(name, f"Kendall's tau = {_cell(r['tau'])} ({kind})", p_text)
        elif r["test"] == "trimfill":
            est = fmt_ci(r["estimate"], r["ci_low"], r["ci_high"])
            t.add_row(name, f"{r['k0']} studies filled on the {r['side']} ({r['estimator']}); "
                            f"adjusted estimate {est}", p_text)  # fmt: skip
        else:
            t.add_row(name, f"Rosenthal {_cell(r['rosenthal'], 0)} (alpha {r['alpha']:g}); "
                            f"Orwin {_cell(r['orwin'], 0)} (target "
                            f"{_cell(r['orwin_target'], 4)})", "")  # fmt: skip
    out.print(t)
    for w in res.warnings:
        err.print(f"warning: {w}", markup=False)
    return code


def run_regress(path: Path, opts: dict[str, Any], moderators: Sequence[str], *,
                categorical: Sequence[str], knha: bool, intercept: bool, common_tau2: bool,
                as_json: bool) -> int:  # fmt: skip
    from metareview.analysis.format import fmt_p
    from metareview.analysis.regression import meta_regression_from_table

    try:
        table, spec = _load(path, opts)
        res = meta_regression_from_table(
            table, spec, moderators, categorical=categorical, knha=knha, intercept=intercept,
            common_tau2_subgroups=common_tau2,
        )  # fmt: skip
    except (DataError, SpecError) as exc:
        return _fail(str(exc))
    d = res.to_dict()
    if as_json:
        sys.stdout.write(json.dumps({"file": str(path), **d}, allow_nan=False) + "\n")
        return 0
    model = (
        "fixed-effect" if d["tau2_method"] == "FE" else f"mixed-effects, tau² {d['tau2_method']}"
    )
    stat = "t" if d["test"] != "z" else "z"
    t = Table(title=_esc(f"Meta-regression ({model}; {d['scale']} {spec.measure_name}), "
                         f"k = {d['k']}"), title_justify="left")  # fmt: skip
    for col in ("Coefficient", "Estimate", "SE", stat, "P", f"{spec.ci * 100:g}% CI"):
        t.add_column(col, justify="left" if col == "Coefficient" else "right")
    for c in d["coefficients"]:
        p = c["p"]
        t.add_row(_esc(c["name"]), _cell(c["estimate"], 4), _cell(c["se"], 4),
                  _cell(c["statistic"], 2), "" if p is None else _esc(fmt_p(p).lstrip("= ")),
                  f"[{_cell(c['ci_low'], 4)}, {_cell(c['ci_high'], 4)}]")  # fmt: skip
    out.print(t)

    def pline(p: float | None) -> str:
        return "" if p is None else f"P {fmt_p(p)}"

    if isinstance(d["qm_df"], list):
        qm = f"F({d['qm_df'][0]}, {d['qm_df'][1]}) = {_cell(d['qm'], 2)}"
    else:
        qm = f"Chi² = {_cell(d['qm'], 2)}, df = {d['qm_df']}"
    out.print(_esc(f"Test of moderators: {qm} ({pline(d['qm_p'])})"))
    out.print(_esc(f"Residual heterogeneity: QE = {_cell(d['qe'], 2)}, df = {d['qe_df']} "
                   f"({pline(d['qe_p'])}); tau² = {_cell(d['tau2'], 4)}; "
                   f"I² = {_cell(d['i2'], 1)}%"))  # fmt: skip
    if d["r2"] is not None:
        out.print(_esc(f"Heterogeneity accounted for (pseudo-R²): {_cell(d['r2'], 1)}%"))
    if "subgroup_difference" in d:
        s = d["subgroup_difference"]
        if isinstance(s["df"], list):
            test = f"F({s['df'][0]}, {s['df'][1]}) = {_cell(s['q'], 2)}"
        else:
            test = f"Chi² = {_cell(s['q'], 2)}, df = {s['df']}"
        out.print(_esc(f"Test for subgroup differences (common tau²): {test} ({pline(s['p'])})"))
    if not d["converged"]:
        err.print("warning: the tau² estimator did not converge", markup=False)
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


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def run_validate(directory: Path) -> int:
    """``metareview validate DIR``: print every problem; 1 if any (notices aside)."""
    from rich.text import Text

    from metareview.review.store import check

    review, problems = check(directory)
    errors = [p for p in problems if p.is_error]
    for p in problems:
        # the text comes from the user's files: printed as plain Text, never as markup
        out.print(Text(p.located(), style="red" if p.is_error else "yellow"))
    if errors or review is None:
        out.print(Text(f"{directory}: {_plural(len(errors), 'problem')}", style="bold red"))
        return 1
    parts = [
        _plural(len(review.studies), "study", "studies"),
        _plural(len(review.meta.outcomes()), "outcome"),
        _plural(len(review.meta.comparisons), "comparison"),
        _plural(len(review.rob), "risk-of-bias judgement"),
        _plural(len(review.reported), "reported result"),
    ]
    notices = len(problems) - len(errors)
    if notices:
        parts.append(_plural(notices, "notice"))
    out.print(Text(f"{directory}: valid ({', '.join(parts)})", style="green"))
    return 0


def run_new(directory: Path, title: str | None) -> int:
    """``metareview new DIR``: write an empty, commented review."""
    from rich.text import Text

    from metareview.review.store import new

    try:
        new(directory, title=title)
    except (FileExistsError, ValueError) as exc:
        return _fail(str(exc))
    out.print(
        Text(
            f"created {directory}: review.toml, studies.csv. Describe the review in "
            f"review.toml, list the studies in studies.csv, then run "
            f"`metareview validate {directory}`."
        )
    )
    return 0


def run_import_revman(file: Path, directory: Path, *, force: bool) -> int:
    """``metareview import revman FILE DIR``: convert a .rm5 file into a review folder."""
    from rich.text import Text

    from metareview.exceptions import ReviewError
    from metareview.io.revman import RevManFormatError
    from metareview.review.revman import import_rm5
    from metareview.review.store import save, validate

    if directory.exists() and not directory.is_dir():
        return _fail(f"{directory} is a file, not a folder. Fix: name a new or empty folder")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        return _fail(
            f"{directory} is not empty. Fix: name a new or empty folder, or pass --force to "
            "write into it (files of the same names are replaced)"
        )
    try:
        review, notices = import_rm5(file)
        save(review, directory)
    except (RevManFormatError, ReviewError, OSError) as exc:
        return _fail(str(exc))
    for n in notices:
        err.print(Text(f"notice: {n}", style="yellow"))
    meta = review.meta
    rows = sum(len(r) for r in review.data.values())
    out.print(
        Text(
            f"imported {file} into {directory}: "
            f"{_plural(len(review.studies), 'study', 'studies')}, "
            f"{_plural(len(meta.comparisons), 'comparison')}, "
            f"{_plural(len(meta.outcomes()), 'outcome')} ({_plural(rows, 'data row')}), "
            f"{_plural(len(review.rob), 'risk-of-bias judgement')}"
            + (f"; {_plural(len(notices), 'notice')}" if notices else "")
        )
    )
    errors = [p for p in validate(directory) if p.is_error]
    if errors:
        err.print(
            Text(
                f"warning: the folder has {_plural(len(errors), 'problem')} (data RevMan "
                f"accepts but metareview does not); see `metareview validate {directory}`",
                style="yellow",
            )
        )
    return 0


def run_export_revman(directory: Path, file: Path, *, force: bool, encoding: str) -> int:
    """``metareview export revman DIR FILE``: write a review folder as a .rm5 file."""
    from rich.text import Text

    from metareview.exceptions import ReviewError
    from metareview.review.revman import export_rm5
    from metareview.review.store import load

    if file.exists() and not force:
        return _fail(f"{file} exists. Fix: name another file, or pass --force to replace it")
    try:
        review = load(directory)
        notices = export_rm5(review, file, encoding=encoding)
    except (ReviewError, ValueError, OSError) as exc:
        return _fail(str(exc))
    for n in notices:
        err.print(Text(f"notice: {n}", style="yellow"))
    out.print(
        Text(
            f"wrote {file}: {_plural(len(review.studies), 'study', 'studies')}, "
            f"{_plural(len(review.meta.outcomes()), 'outcome')} with results computed by "
            f"metareview (RevMan 5's methods); `metareview revman check {file}` compares them"
        )
    )
    return 0
