"""``metareview records``: import search exports, deduplicate, review maybe pairs, export."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _clean_errors(directory: Path) -> Iterator[None]:
    """The records state's errors as one-line messages, never a traceback: a damaged
    records.db (SQLite errors after opening) and files that cannot be written."""
    import sqlite3

    from metareview.records.store import DB_NAME, RECORDS_DIR, RecordsError, unreadable

    try:
        yield
    except RecordsError as exc:
        _fail(str(exc))
    except sqlite3.Error as exc:
        _fail(unreadable(directory / RECORDS_DIR / DB_NAME, exc))
    except OSError as exc:
        where = exc.filename if exc.filename is not None else ""
        _fail(
            f"{where}: {exc.strerror or exc}; check the path (a file to write needs an "
            "existing folder: create it first)"
        )


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
    from metareview.records.store import DB_NAME, RECORDS_DIR, RecordsError, RecordsStore

    if directory.is_dir() and not (directory / "review.toml").is_file():
        _fail(
            f"{directory}: not a review folder (no review.toml); give the review's folder, "
            f"or create one with `metareview new {directory}`"
        )
    new_dir = not (directory / RECORDS_DIR).exists()
    new_db = not RecordsStore.exists(directory)
    failed: str | None = None
    with _open(directory, create=True) as store, _clean_errors(directory):
        try:
            done = store.import_files(files, database, search_set=search_set, format=format)
        except (RecordsError, ValueError) as exc:
            failed = str(exc)
        except OSError as exc:
            failed = f"{exc.filename or ''}: cannot be read ({exc.strerror or exc})"
    if failed is not None:
        if new_db:  # a failed first import leaves no empty records state behind
            (directory / RECORDS_DIR / DB_NAME).unlink(missing_ok=True)
            if new_dir and not any((directory / RECORDS_DIR).iterdir()):
                (directory / RECORDS_DIR).rmdir()
        _fail(failed)
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


_ANSWERS = {"d": "d", "duplicate": "d", "y": "d", "yes": "d",
            "n": "n", "no": "n", "not": "n", "distinct": "n", "not a duplicate": "n",
            "s": "s", "skip": "s", "": "s", "q": "q", "quit": "q"}  # fmt: skip


def _ask() -> str:
    """One answer: d, n, s or q; anything else is asked again (never taken as a skip)."""
    while True:
        answer = typer.prompt(
            "[d]uplicate, [n]ot a duplicate, [s]kip, [q]uit", default="s", show_default=False
        )
        key = _ANSWERS.get(answer.strip().lower())
        if key is not None:
            return key
        typer.echo(f"{answer!r} is not an answer: type d, n, s or q")


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
    with _open(directory) as store, _clean_errors(directory):
        if import_decisions is not None:
            n = store.import_decisions(import_decisions, decided_by=reviewer)
            typer.echo(f"{n} decisions read from {import_decisions}")
        summary = store.run_dedup()
        if review_maybe:
            pending = store.maybe_pairs()
            decided: dict[tuple[int, int], str] = {}
            try:
                for k, pair in enumerate(pending, start=1):
                    typer.echo(f"\nPair {k} of {len(pending)}")
                    _show_pair(store, pair)
                    answer = _ask()
                    if answer == "q":
                        break
                    if answer in ("d", "n"):
                        decided[(int(pair["a"]), int(pair["b"]))] = (
                            "duplicate" if answer == "d" else "distinct"
                        )
            except (typer.Abort, EOFError, KeyboardInterrupt):
                typer.echo("\nStopped: the decisions made so far are kept.")
            if decided:
                store.record_decisions(decided, decided_by=reviewer)
                summary = store.run_dedup()
                typer.echo(f"\n{len(decided)} decisions recorded")
        if export_maybe is not None:
            n = store.export_maybe(export_maybe)
            typer.echo(f"{n} undecided maybe pairs written to {export_maybe}")
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

    fmt = format.lower()
    if fmt not in ("ris", "csv"):
        _fail(f"--format {format!r}: use ris or csv")
    with _open(directory) as store, _clean_errors(directory):
        merged = store.merged()
    writer = write_ris if fmt == "ris" else write_csv
    if output is None:
        buf = io.StringIO()
        writer(merged, buf)
        typer.echo(buf.getvalue(), nl=False)
    else:
        with _clean_errors(directory):
            writer(merged, output)
        typer.echo(f"{len(merged)} records written to {output}", err=True)


@records_app.command("remove")
def remove(
    directory: DirArg,
    file: Annotated[str, typer.Argument(help="The imported file (its name in records/).")],
) -> None:
    """Undo an import (e.g. one given the wrong --database): its records, the decisions
    about them and its copy in records/.  Run `records dedup` again afterwards."""
    with _open(directory) as store, _clean_errors(directory):
        n_records, n_decisions = store.remove_import(file)
    typer.echo(
        f"removed records/{Path(file).name}: {n_records} records, {n_decisions} decisions "
        "about them; run `metareview records dedup` again"
    )


@records_app.command("status")
def status(directory: DirArg) -> None:
    """Imports, records per database, the last deduplication and pending decisions."""
    from rich.console import Console
    from rich.table import Table

    with _open(directory) as store, _clean_errors(directory):
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
