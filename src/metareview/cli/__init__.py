"""The ``metareview`` command.  Thin: parse, call, print.

Heavy modules (numpy, scipy, pandas, the engine) are imported inside the commands so that
``metareview --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metareview import __version__

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


def main() -> None:
    """Entry point of the ``metareview`` script."""
    app()
