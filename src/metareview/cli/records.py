"""``metareview records``: import search exports, deduplicate, review maybe pairs, export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from metareview.io.records.model import Record
    from metareview.records.store import RecordsStore

records_app = typer.Typer(
    help="Search records: import exports (RIS, MEDLINE, EndNote, BibTeX, CSV, ...), "
    "deduplicate, review uncertain pairs, export.",
    no_args_is_help=True,
)

DirArg = Annotated[Path, typer.Argument(help="The review folder (records go in DIR/records).")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _open(directory: Path, *, create: bool = False) -> RecordsStore:
    from metareview.records.store import RecordsError, RecordsStore

    try:
        return RecordsStore.open(directory, create=create)
    except RecordsError as exc:
        _fail(str(exc))
        raise  # unreachable


@records_app.command("import")
def import_(
    directory: DirArg,
    files: Annotated[list[Path], typer.Argument(help="Export files of one database.")],
    database: Annotated[
        str, typer.Option("--database", "-d", help="The database searched, e.g. MEDLINE.")
    ],
    search_set: Annotated[
        str | None,
        typer.Option(
            help="Label of an already-deduplicated search (e.g. the original search before "
            "an update): its records are never merged with each other."
        ),
    ] = None,
    format: Annotated[
        str | None, typer.Option(help="Force a format instead of detecting it.")
    ] = None,
) -> None:
    """Copy search exports into DIR/records and load their records."""
    from metareview.records.store import RecordsError

    with _open(directory, create=True) as store:
        try:
            done = store.import_files(files, database, search_set=search_set, format=format)
        except (RecordsError, ValueError) as exc:
            _fail(str(exc))
            return
    for s in done:
        typer.echo(
            f"records/{s.file}: {s.n_records} records ({s.format}, {s.encoding}) from {s.database}"
        )
        for w in s.warnings[:20]:
            typer.echo(f"  warning: {w}")
        if len(s.warnings) > 20:
            typer.echo(f"  ... and {len(s.warnings) - 20} more warnings")
    typer.echo("Run `metareview records dedup` to deduplicate.")


def _show_pair(store: RecordsStore, pair: dict[str, object]) -> None:
    from rich.console import Console
    from rich.table import Table

    a, file_a, db_a = store.record(int(pair["a"]))  # type: ignore[call-overload]
    b, file_b, db_b = store.record(int(pair["b"]))  # type: ignore[call-overload]

    def cell(r: Record, name: str) -> str:
        v = getattr(r, name)
        if isinstance(v, list):
            return "; ".join(v[:8]) + (" …" if len(v) > 8 else "")
        return "" if v is None else str(v)

    t = Table(title=f"{pair['rule']}: {pair['reason']}", show_lines=False)
    t.add_column("")
    t.add_column(f"record {pair['a']} ({db_a}, {file_a})", overflow="fold")
    t.add_column(f"record {pair['b']} ({db_b}, {file_b})", overflow="fold")
    for name in ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi",
                 "pmid", "type"):  # fmt: skip
        x, y = cell(a, name), cell(b, name)
        style = "" if x == y else "bold"
        t.add_row(name, x, y, style=style)
    Console().print(t)


@records_app.command("dedup")
def dedup(
    directory: DirArg,
    review_maybe: Annotated[
        bool,
        typer.Option("--review-maybe", help="Decide the uncertain pairs one by one here."),
    ] = False,
    export_maybe: Annotated[
        Path | None,
        typer.Option(help="Write the undecided maybe pairs to this CSV (fill in 'decision')."),
    ] = None,
    import_decisions: Annotated[
        Path | None,
        typer.Option(help="Read decisions from a filled-in maybe-pairs CSV, then re-run."),
    ] = None,
    reviewer: Annotated[
        str, typer.Option(help="Who decides (recorded with each decision).")
    ] = "reviewer",
) -> None:
    """Deduplicate every imported record; maybe pairs are left for a person."""
    from metareview.records.store import RecordsError

    with _open(directory) as store:
        try:
            if import_decisions is not None:
                n = store.import_decisions(import_decisions, decided_by=reviewer)
                typer.echo(f"{n} decisions read from {import_decisions}")
            summary = store.run_dedup()
            if review_maybe:
                pending = store.maybe_pairs()
                decided: dict[tuple[int, int], str] = {}
                for k, pair in enumerate(pending, start=1):
                    typer.echo(f"\nPair {k} of {len(pending)}")
                    _show_pair(store, pair)
                    answer = (
                        typer.prompt(
                            "[d]uplicate, [n]ot a duplicate, [s]kip, [q]uit",
                            default="s",
                            show_default=False,
                        )
                        .strip()
                        .lower()[:1]
                    )
                    if answer == "q":
                        break
                    if answer in ("d", "n"):
                        decided[(int(pair["a"]), int(pair["b"]))] = (
                            "duplicate" if answer == "d" else "distinct"
                        )
                if decided:
                    store.record_decisions(decided, decided_by=reviewer)
                    summary = store.run_dedup()
                    typer.echo(f"\n{len(decided)} decisions recorded")
            if export_maybe is not None:
                n = store.export_maybe(export_maybe)
                typer.echo(f"{n} undecided maybe pairs written to {export_maybe}")
        except RecordsError as exc:
            _fail(str(exc))
            return
    typer.echo(
        f"{summary.n_records} records -> {summary.n_clusters} unique "
        f"({summary.n_removed} duplicates removed); {summary.n_maybe_pending} maybe pairs "
        f"undecided, {summary.n_decisions} decided by people ({summary.seconds:.1f} s)"
    )


@records_app.command("export")
def export(
    directory: DirArg,
    format: Annotated[str, typer.Option("--format", help="ris | csv")] = "ris",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write the deduplicated records (merged metadata) as RIS or CSV."""
    import io

    from metareview.io.records import write_csv, write_ris
    from metareview.records.store import RecordsError

    fmt = format.lower()
    if fmt not in ("ris", "csv"):
        _fail(f"--format {format!r}: use ris or csv")
    with _open(directory) as store:
        try:
            merged = store.merged()
        except RecordsError as exc:
            _fail(str(exc))
            return
    writer = write_ris if fmt == "ris" else write_csv
    if output is None:
        buf = io.StringIO()
        writer(merged, buf)
        typer.echo(buf.getvalue(), nl=False)
    else:
        writer(merged, output)
        typer.echo(f"{len(merged)} records written to {output}", err=True)


@records_app.command("status")
def status(directory: DirArg) -> None:
    """Imports, records per database, the last deduplication and pending decisions."""
    from rich.console import Console
    from rich.table import Table

    with _open(directory) as store:
        st = store.status()
    t = Table(title="Imports")
    for col in ("file", "database", "format", "records", "warnings", "search set"):
        t.add_column(col)
    for i in st.imports:
        t.add_row(i["file"], i["database"], i["format"], str(i["records"]), str(i["warnings"]),
                  i["search_set"] or "")  # fmt: skip
    console = Console()
    console.print(t)
    for db, n in st.by_database.items():
        console.print(f"{db}: {n} records")
    console.print(f"Total: {st.n_records} records")
    if st.last_run is None:
        console.print("Not deduplicated yet: run `metareview records dedup`.")
    else:
        run = st.last_run
        console.print(
            f"Last deduplication {run['run_at']}: {run['n_records']} records -> "
            f"{run['n_clusters']} unique, {run['n_removed']} duplicates removed"
        )
        if st.stale:
            console.print("[bold]Records were imported since: run `metareview records dedup`.")
        console.print(
            f"Maybe pairs undecided: {st.n_maybe_pending}; decisions by people: {st.n_decisions}"
        )
