"""The ``metareview`` command.  Thin: parse, call, print.

Heavy modules (numpy, scipy, pandas, the engine) are imported inside the commands so that
``metareview --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metareview import __version__
from metareview.cli.records import records_app  # light: typer only

app = typer.Typer(
    name="metareview",
    help="Systematic reviews with meta-analysis: RevMan-exact statistics from text files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
revman_app = typer.Typer(
    help="Work with RevMan 5 files (.rm5), CSV exports and RevMan Web packages.",
    no_args_is_help=True,
)
app.add_typer(revman_app, name="revman")
app.add_typer(records_app, name="records")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"metareview {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """metareview: systematic reviews with meta-analysis, reproducible and RevMan-exact."""


# Options shared by the commands that analyse one CSV file (pool, sensitivity, bias).
FileArg = Annotated[Path, typer.Argument(help="CSV file, one row per study (see --help).")]
TypeOpt = Annotated[
    str, typer.Option("--type", help="dich | cont | giv | oe", case_sensitive=False)
]
MeasureOpt = Annotated[
    str, typer.Option(help="dich: RR | OR | RD | PETO; cont: MD | SMD; giv/oe: a label")
]
MethodOpt = Annotated[str, typer.Option(help="MH | IV | PETO (default: MH for dich)")]
ModelOpt = Annotated[str, typer.Option(help="fixed | random")]
CiOpt = Annotated[float, typer.Option(help="Confidence level in percent (90, 95, 99, ...).")]
LogOpt = Annotated[
    bool, typer.Option("--log", help="giv: the estimates are on the log scale (ratios).")
]
SwapOpt = Annotated[bool, typer.Option("--swap-events", help="dich: analyse non-events as events.")]
StudyOpt = Annotated[str, typer.Option(help="Column holding study names.")]
AllowOpt = Annotated[
    bool,
    typer.Option(
        "--allow-not-estimable",
        help="Keep rows with n = 0, SD = 0, SE = 0 or empty values as 'Not estimable' "
        "(as RevMan does) instead of refusing them.",
    ),
]
Tau2Opt = Annotated[
    str | None,
    typer.Option(
        "--tau2",
        help="Random effects: DL | REML | ML | PM | EB | SJ | HE | HS (default: preset's).",
    ),
]
CiMethodOpt = Annotated[
    str | None,
    typer.Option(help="Random effects: z | t | hksj | hksj-adhoc (default: preset's)."),
]
PredictionOpt = Annotated[
    str | None,
    typer.Option(help="Random effects: none | z | t-k1 | t-k2 (default: preset's)."),
]
PresetOpt = Annotated[
    str, typer.Option(help="revman5 | cochrane2025 (REML, HKSJ, PI) | metafor (REML, z).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@app.command()
def pool(
    file: FileArg,
    data_type: TypeOpt,
    measure: MeasureOpt = "",
    method: MethodOpt = "",
    model: ModelOpt = "fixed",
    subgroup: Annotated[
        str | None, typer.Option(help="Column whose values define subgroups.")
    ] = None,
    ci: CiOpt = 95,
    log: LogOpt = False,
    totals: Annotated[str, typer.Option(help="yes | sub (subtotals only) | no")] = "yes",
    swap_events: SwapOpt = False,
    study_column: StudyOpt = "study",
    allow_not_estimable: AllowOpt = False,
    tau2: Tau2Opt = None,
    ci_method: CiMethodOpt = None,
    prediction: PredictionOpt = None,
    preset: PresetOpt = "revman5",
    as_json: JsonOpt = False,
) -> None:
    """Pool a CSV of study rows (RevMan 5's methods by default).

    Columns by --type: dich study,events_exp,n_exp,events_ctrl,n_ctrl;
    cont study,mean_exp,sd_exp,n_exp,mean_ctrl,sd_ctrl,n_ctrl;
    giv study,estimate,se; oe study,o_minus_e,variance.
    Other columns are allowed and ignored.
    """
    from metareview.cli.commands import run_pool

    raise typer.Exit(
        run_pool(
            file,
            dict(
                data_type=data_type,
                measure=measure,
                method=method,
                model=model,
                subgroup=subgroup,
                ci=ci,
                log=log,
                totals=totals,
                swap_events=swap_events,
                study=study_column,
                allow_not_estimable=allow_not_estimable,
                tau2_method=tau2,
                ci_method=ci_method,
                prediction=prediction,
                preset=preset,
            ),
            as_json=as_json,
        )
    )


def _common(
    data_type: str, measure: str, method: str, model: str, ci: float, log: bool,
    swap_events: bool, study_column: str, allow_not_estimable: bool, tau2: str | None,
    ci_method: str | None, preset: str,
) -> dict[str, object]:  # fmt: skip
    return dict(
        data_type=data_type, measure=measure, method=method, model=model, ci=ci, log=log,
        swap_events=swap_events, study=study_column, allow_not_estimable=allow_not_estimable,
        tau2_method=tau2, ci_method=ci_method, preset=preset,
    )  # fmt: skip


@app.command()
def sensitivity(
    file: FileArg,
    data_type: TypeOpt,
    leave_one_out: Annotated[
        bool, typer.Option("--leave-one-out", help="Refit without each study in turn.")
    ] = False,
    cumulative: Annotated[
        bool, typer.Option("--cumulative", help="Add studies one at a time (see --order-by).")
    ] = False,
    influence: Annotated[
        bool,
        typer.Option(
            "--influence",
            help="metafor's influence diagnostics (studentized residuals, DFFITS, Cook's "
            "distance, covariance ratio, tau² and Q when left out, hat, weight) and Baujat's "
            "coordinates.",
        ),
    ] = False,
    order_by: Annotated[
        str | None, typer.Option(help="--cumulative: column to order by, e.g. year.")
    ] = None,
    descending: Annotated[
        bool, typer.Option("--descending", help="--cumulative: largest first.")
    ] = False,
    measure: MeasureOpt = "",
    method: MethodOpt = "",
    model: ModelOpt = "fixed",
    ci: CiOpt = 95,
    log: LogOpt = False,
    swap_events: SwapOpt = False,
    study_column: StudyOpt = "study",
    allow_not_estimable: AllowOpt = False,
    tau2: Tau2Opt = None,
    ci_method: CiMethodOpt = None,
    preset: PresetOpt = "revman5",
    as_json: JsonOpt = False,
) -> None:
    """Sensitivity analyses of one outcome: leave-one-out, cumulative, influence.

    Give one or more of --leave-one-out, --cumulative, --influence (all three if none).
    All refits use the analysis' own settings and run as one batched engine call.
    """
    from metareview.cli.commands import run_sensitivity

    kinds = [k for k, on in (("leave-one-out", leave_one_out), ("cumulative", cumulative),
                             ("influence", influence)) if on]  # fmt: skip
    if kinds and not cumulative and (order_by is not None or descending):
        typer.echo("error: --order-by and --descending apply to --cumulative", err=True)
        raise typer.Exit(2)
    opts = _common(data_type, measure, method, model, ci, log, swap_events, study_column,
                   allow_not_estimable, tau2, ci_method, preset)  # fmt: skip
    raise typer.Exit(
        run_sensitivity(
            file,
            opts,
            kinds or ["leave-one-out", "cumulative", "influence"],
            order_by=order_by,
            descending=descending,
            as_json=as_json,
        )
    )


@app.command()
def bias(
    file: FileArg,
    data_type: TypeOpt,
    egger: Annotated[bool, typer.Option("--egger", help="Egger's regression test.")] = False,
    begg: Annotated[bool, typer.Option("--begg", help="Begg's rank correlation.")] = False,
    peters: Annotated[bool, typer.Option("--peters", help="Peters' test (dich).")] = False,
    harbord: Annotated[bool, typer.Option("--harbord", help="Harbord's test (dich).")] = False,
    trimfill: Annotated[bool, typer.Option("--trimfill", help="Trim and fill.")] = False,
    failsafe: Annotated[
        bool, typer.Option("--failsafe", help="Rosenthal's and Orwin's fail-safe N.")
    ] = False,
    estimator: Annotated[str, typer.Option(help="Trim and fill: L0 | R0 | Q0.")] = "L0",
    side: Annotated[
        str | None, typer.Option(help="Trim and fill: left | right (default: automatic).")
    ] = None,
    measure: MeasureOpt = "",
    method: MethodOpt = "",
    model: ModelOpt = "fixed",
    ci: CiOpt = 95,
    log: LogOpt = False,
    swap_events: SwapOpt = False,
    study_column: StudyOpt = "study",
    allow_not_estimable: AllowOpt = False,
    tau2: Tau2Opt = None,
    preset: PresetOpt = "revman5",
    as_json: JsonOpt = False,
) -> None:
    """Small-study effects: Egger, Begg, Peters, Harbord, trim and fill, fail-safe N.

    Without a test option every test that applies to the data type is run.  With fewer
    than 10 studies the tests have little power (Cochrane Handbook §13.3.5.4): a warning
    says so.
    """
    from metareview.cli.commands import run_bias

    chosen = [n for n, on in (("egger", egger), ("begg", begg), ("peters", peters),
                              ("harbord", harbord), ("trimfill", trimfill),
                              ("failsafe", failsafe)) if on]  # fmt: skip
    opts = _common(data_type, measure, method, model, ci, log, swap_events, study_column,
                   allow_not_estimable, tau2, None, preset)  # fmt: skip
    raise typer.Exit(run_bias(file, opts, chosen, estimator=estimator, side=side, as_json=as_json))


@app.command()
def regress(
    file: FileArg,
    data_type: TypeOpt,
    moderator: Annotated[
        list[str], typer.Option("--moderator", "-m", help="Moderator column (repeatable).")
    ],
    categorical: Annotated[
        list[str] | None,
        typer.Option(help="Treat this numeric column as categorical (repeatable)."),
    ] = None,
    knha: Annotated[
        bool, typer.Option("--knha", help="Knapp-Hartung adjustment (t and F tests).")
    ] = False,
    no_intercept: Annotated[
        bool, typer.Option("--no-intercept", help="Fit the model without an intercept.")
    ] = False,
    common_tau2: Annotated[
        bool,
        typer.Option(
            "--common-tau2",
            help="Subgroup analysis with one tau² shared by the subgroups of the (single) "
            "moderator column.",
        ),
    ] = False,
    measure: MeasureOpt = "",
    method: MethodOpt = "",
    model: ModelOpt = "random",
    ci: CiOpt = 95,
    log: LogOpt = False,
    swap_events: SwapOpt = False,
    study_column: StudyOpt = "study",
    allow_not_estimable: AllowOpt = False,
    tau2: Tau2Opt = None,
    ci_method: Annotated[
        str | None,
        typer.Option(help="z | t | hksj (Knapp-Hartung, as --knha) (default: preset's)."),
    ] = None,
    preset: PresetOpt = "revman5",
    as_json: JsonOpt = False,
) -> None:
    """Meta-regression on study-level moderators (mixed-effects unless --model fixed).

    Numeric columns enter as they are, text columns as dummies (reference: the first
    level in sorted order).  Coefficients are on the analysis scale (log for ratios).
    """
    from metareview.cli.commands import run_regress

    opts = _common(data_type, measure, method, model, ci, log, swap_events, study_column,
                   allow_not_estimable, tau2, ci_method, preset)  # fmt: skip
    raise typer.Exit(
        run_regress(
            file,
            opts,
            moderator,
            categorical=categorical or [],
            knha=knha,
            intercept=not no_intercept,
            common_tau2=common_tau2,
            as_json=as_json,
        )
    )


@revman_app.command("check")
def revman_check(
    files: Annotated[
        list[Path], typer.Argument(help=".rm5 file(s), RevMan 5 CSV exports or Web data packages.")
    ],
    outcome: Annotated[
        list[str] | None, typer.Option(help="Only this outcome id (repeatable), e.g. CMP-001.01.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every outcome, not only failures.")
    ] = False,
) -> None:
    """Recompute every outcome and compare with RevMan's stored results.

    Exits 1 if any stored number is not reproduced within the tolerances of the
    statistics spec (§10).
    """
    from metareview.cli.commands import run_revman_check

    raise typer.Exit(run_revman_check(files, outcome or [], as_json=as_json, verbose=verbose))


@app.command("validate")
def validate_review(
    directory: Annotated[Path, typer.Argument(help="The review folder (holding review.toml).")],
) -> None:
    """Check a review folder: every problem, as file:line:column: value: what is wrong.

    Exits 1 if there is any problem (notices alone do not count).
    """
    from metareview.cli.commands import run_validate

    raise typer.Exit(run_validate(directory))


@app.command("new")
def new_review(
    directory: Annotated[Path, typer.Argument(help="Folder to create (new or empty).")],
    title: Annotated[
        str | None, typer.Option(help="The review's title (default: the folder's name).")
    ] = None,
) -> None:
    """Start a review folder: a commented review.toml and an empty studies.csv."""
    from metareview.cli.commands import run_new

    raise typer.Exit(run_new(directory, title))


@app.command()
def report(
    directory: Annotated[Path, typer.Argument(help="The review folder.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: DIR/_build).")
    ] = None,
    format_: Annotated[
        str, typer.Option("--format", help="Comma-separated: html,docx,json,csv.")
    ] = "html,docx,json,csv",
) -> None:
    """Build every analysis of a review folder and write the report (the main job).

    Writes one self-contained HTML file, the results as JSON and CSV, and a DOCX with the
    tables journals ask for.
    """
    from metareview.cli.report import run_report

    formats = [f.strip().lower() for f in format_.split(",") if f.strip()]
    raise typer.Exit(run_report(directory, out, formats))


@app.command()
def figure(
    kind: Annotated[
        str,
        typer.Argument(
            help="forest | funnel | contour-funnel | galbraith | labbe | baujat | "
            "leave-one-out | cumulative | rob | robsummary | prisma"
        ),
    ],
    directory: Annotated[Path, typer.Argument(help="The review folder.")],
    out: Annotated[Path, typer.Option("--out", help="FILE.svg, FILE.pdf or FILE.png (300 dpi).")],
    outcome: Annotated[
        str | None, typer.Option(help="Outcome id (forest, funnel), e.g. cmp-001-01.")
    ] = None,
    tool: Annotated[str | None, typer.Option(help="Risk-of-bias tool (rob, robsummary).")] = None,
) -> None:
    """Draw one figure of a review: forest or funnel plot of an outcome, risk-of-bias
    traffic-light or summary plot, or the PRISMA 2020 flow diagram."""
    from metareview.cli.figure import run_figure

    raise typer.Exit(run_figure(kind, directory, out, outcome, tool))


prisma_app = typer.Typer(
    help="PRISMA 2020 counts: the PRISMA2020 R package's CSV in and out.", no_args_is_help=True
)
app.add_typer(prisma_app, name="prisma")


@prisma_app.command("import")
def prisma_import(
    csv_file: Annotated[Path, typer.Argument(help="The PRISMA2020 package's CSV.")],
    directory: Annotated[Path, typer.Argument(help="The review folder.")],
) -> None:
    """Put the counts of a PRISMA2020 CSV into review.toml's [prisma] table."""
    from metareview.cli.figure import run_prisma_csv

    raise typer.Exit(run_prisma_csv("import", directory, csv_file))


@prisma_app.command("export")
def prisma_export(
    directory: Annotated[Path, typer.Argument(help="The review folder.")],
    csv_file: Annotated[Path, typer.Argument(help="CSV to write.")],
) -> None:
    """Write the review's PRISMA counts as the PRISMA2020 package's CSV."""
    from metareview.cli.figure import run_prisma_csv

    raise typer.Exit(run_prisma_csv("export", directory, csv_file))


def main() -> None:
    """Entry point of the ``metareview`` script."""
    app()


# --------------------------------------------------------------------------- import / export
import_app = typer.Typer(
    help="Import a review from another program into a review folder.", no_args_is_help=True
)
export_app = typer.Typer(
    help="Export a review folder as another program's file.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


@import_app.command("revman")
def import_revman(
    file: Annotated[Path, typer.Argument(help="RevMan 5 review file (.rm5).")],
    directory: Annotated[Path, typer.Argument(help="Review folder to write (new or empty).")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder that is not empty (files of the same names are replaced, "
            "others are left as they are).",
        ),
    ] = False,
) -> None:
    """Convert a RevMan 5 review (.rm5) into a review folder.

    Studies with their characteristics, comparisons, outcomes with their settings, subgroups,
    data rows with footnotes, and risk-of-bias judgements are imported; everything that
    cannot be imported exactly is listed as a notice.  RevMan's stored results are not
    imported: they are recomputed (compare them first with `metareview revman check`).
    """
    from metareview.cli.commands import run_import_revman

    raise typer.Exit(run_import_revman(file, directory, force=force))


@export_app.command("revman")
def export_revman(
    directory: Annotated[Path, typer.Argument(help="The review folder (holding review.toml).")],
    file: Annotated[Path, typer.Argument(help="RevMan 5 file to write (.rm5).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    encoding: Annotated[
        str, typer.Option(help="UTF-8 (RevMan 5.3+) or ISO-8859-1 (RevMan 5.0-5.2).")
    ] = "UTF-8",
) -> None:
    """Write a review folder as a RevMan 5 file (.rm5) with metareview's results.

    The file holds the studies, characteristics, risk of bias, comparisons, outcomes and
    data rows, and every result RevMan 5 stores (effects, CIs, weights, heterogeneity,
    subgroup tests) computed by metareview with RevMan 5's methods; `metareview revman
    check FILE` recomputes and compares them.
    """
    from metareview.cli.commands import run_export_revman

    raise typer.Exit(run_export_revman(directory, file, force=force, encoding=encoding))


@app.command("audit")
def audit_review(
    directory: Annotated[Path, typer.Argument(help="The review folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a review's printed results for internal consistency.

    Estimate inside its CI, CI symmetry, P value vs estimate and CI, I² vs Q, totals and
    numbers of studies, the same result printed differently in two places, GRADE certainty
    vs the domain ratings, absolute effects vs comparator risk.  Findings are grouped by
    severity (error, warning, note).  Exits 0 whatever the findings (they are not errors
    of the tool); 1 only when the review folder is invalid.
    """
    from metareview.cli.audit import run_audit

    raise typer.Exit(run_audit(directory, as_json=as_json))
