"""The records state of a review folder: search exports and an embedded SQLite database.

Layout::

    records/
      <export files>     the files as the databases exported them, copied byte for byte
      records.db         SQLite: imports, records, warnings, deduplication runs, decisions

The database is derived from the export files plus the people's decisions: every record
keeps its raw fields (JSON) and provenance, every import its file's SHA-256.  The schema
is versioned with ``PRAGMA user_version`` and migrated forward on open (:data:`MIGRATIONS`);
a database written by a newer metareview is refused rather than damaged.

Data flow (one direction): ``import_files`` (files → records) → ``run_dedup`` (records +
decisions → pairs, clusters) → ``prisma_counts`` / ``export_records`` / ``status``.
People's decisions on "maybe" pairs (``record_decisions``) live in their own table and
survive re-runs, keyed by the two records' ids.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from metareview.io.records.model import Provenance, ReadWarning, Record

__all__ = [
    "DB_NAME",
    "MIGRATIONS",
    "RECORDS_DIR",
    "DedupSummary",
    "ImportSummary",
    "RecordsError",
    "RecordsStore",
    "Status",
]

RECORDS_DIR = "records"
DB_NAME = "records.db"

#: schema migrations; entry k brings a database from version k to k + 1
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL UNIQUE,          -- path relative to records/
        database TEXT NOT NULL,
        format TEXT NOT NULL,
        encoding TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        n_records INTEGER NOT NULL,
        n_warnings INTEGER NOT NULL,
        search_set TEXT,                    -- records of one set are never merged together
        imported_at TEXT NOT NULL
    );
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        number INTEGER NOT NULL,            -- 1-based position in the file
        line INTEGER,
        title TEXT, authors TEXT NOT NULL, year INTEGER, journal TEXT, volume TEXT,
        issue TEXT, pages TEXT, doi TEXT, pmid TEXT, issn TEXT, isbn TEXT, abstract TEXT,
        keywords TEXT NOT NULL, language TEXT, type TEXT,
        raw TEXT NOT NULL,                  -- every field as exported (JSON)
        UNIQUE (import_id, number)
    );
    CREATE TABLE import_warnings (
        import_id INTEGER NOT NULL REFERENCES imports(id),
        line INTEGER,
        message TEXT NOT NULL
    );
    CREATE TABLE dedup_runs (
        id INTEGER PRIMARY KEY,
        run_at TEXT NOT NULL,
        n_records INTEGER NOT NULL,
        max_record_id INTEGER NOT NULL,
        n_clusters INTEGER NOT NULL,
        n_removed INTEGER NOT NULL,
        n_maybe INTEGER NOT NULL,
        version TEXT NOT NULL
    );
    CREATE TABLE pairs (
        run_id INTEGER NOT NULL REFERENCES dedup_runs(id),
        a INTEGER NOT NULL REFERENCES records(id),
        b INTEGER NOT NULL REFERENCES records(id),
        decision TEXT NOT NULL,
        rule TEXT NOT NULL,
        reason TEXT NOT NULL,
        similarities TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE TABLE clusters (
        run_id INTEGER NOT NULL REFERENCES dedup_runs(id),
        cluster INTEGER NOT NULL,
        record_id INTEGER NOT NULL REFERENCES records(id),
        position INTEGER NOT NULL           -- 0 = the record kept
    );
    CREATE TABLE decisions (
        a INTEGER NOT NULL REFERENCES records(id),
        b INTEGER NOT NULL REFERENCES records(id),
        decision TEXT NOT NULL CHECK (decision IN ('duplicate', 'distinct')),
        decided_by TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (a, b),
        CHECK (a < b)
    );
    CREATE INDEX records_import ON records(import_id);
    CREATE INDEX pairs_run ON pairs(run_id);
    CREATE INDEX clusters_run ON clusters(run_id);
    """,
)

_FIELDS = (
    "title",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "issn",
    "isbn",
    "abstract",
    "language",
    "type",
)


class RecordsError(Exception):
    """A problem with the records state (the message names the file and the fix)."""


@dataclass(frozen=True, slots=True)
class ImportSummary:
    file: str
    database: str
    format: str
    encoding: str
    n_records: int
    warnings: tuple[ReadWarning, ...]


@dataclass(frozen=True, slots=True)
class DedupSummary:
    n_records: int
    n_clusters: int
    n_removed: int
    n_maybe_pending: int
    n_decisions: int
    seconds: float


@dataclass
class Status:
    """The records state at a glance."""

    imports: list[dict[str, Any]] = field(default_factory=list)
    by_database: dict[str, int] = field(default_factory=dict)
    n_records: int = 0
    last_run: dict[str, Any] | None = None
    stale: bool = False
    n_maybe_pending: int = 0
    n_decisions: int = 0


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def unreadable(path: Path, exc: BaseException) -> str:
    """The message for a records database SQLite cannot use."""
    return (
        f"{path}: cannot be read as a metareview records database ({exc}); restore it from "
        "git (`git checkout -- records/records.db`) or a backup; the exports in records/ "
        "are intact and can be imported again into a fresh database"
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class RecordsStore:
    """The records state of one review folder (``DIR/records``).

    Open with :meth:`open` (creates ``records/`` and the database when ``create``).
    """

    def __init__(self, root: Path, conn: sqlite3.Connection) -> None:
        self.root = root
        self.dir = root / RECORDS_DIR
        self.conn = conn

    # -- opening and migrations ------------------------------------------------------------

    @classmethod
    def exists(cls, review_dir: str | Path) -> bool:
        return (Path(review_dir) / RECORDS_DIR / DB_NAME).is_file()

    @classmethod
    def open(
        cls, review_dir: str | Path, *, create: bool = False, readonly: bool = False
    ) -> RecordsStore:
        """Open (``create``: create) the records state; ``readonly`` opens the database
        without writing anything (no migration: an older schema is reported instead), as
        ``validate`` and ``report`` do: loading a review never writes."""
        root = Path(review_dir)
        if not root.is_dir():
            raise RecordsError(f"{root}: the review folder does not exist")
        path = root / RECORDS_DIR / DB_NAME
        if not path.is_file() and not create:
            raise RecordsError(
                f"{path}: no records yet; import search exports first with "
                f"`metareview records import {root} FILE... --database NAME`"
            )
        if readonly:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            path.parent.mkdir(exist_ok=True)
            conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(root, conn)
            if not readonly:
                store._migrate()
            elif (version := store.version) != len(MIGRATIONS):
                conn.close()
                raise RecordsError(
                    f"{path}: schema version {version}, this metareview uses "
                    f"{len(MIGRATIONS)}; "
                    + (
                        "upgrade metareview"
                        if version > len(MIGRATIONS)
                        else f"run `metareview records status {root}` once to upgrade it"
                    )
                )
        except sqlite3.Error as exc:
            conn.close()
            raise RecordsError(unreadable(path, exc)) from None
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> RecordsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.version
        if current > len(MIGRATIONS):
            raise RecordsError(
                f"{self.dir / DB_NAME}: written by a newer metareview (schema version "
                f"{current}, this one knows {len(MIGRATIONS)}); upgrade metareview"
            )
        for version in range(current, len(MIGRATIONS)):
            with self._tx():
                self.conn.executescript(f"BEGIN; {MIGRATIONS[version]}")
                self.conn.execute(f"PRAGMA user_version = {version + 1}")

    @contextmanager
    def _tx(self) -> Iterator[None]:
        try:
            yield
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    # -- import ------------------------------------------------------------------------------

    def import_files(
        self,
        files: Sequence[str | Path],
        database: str,
        *,
        search_set: str | None = None,
        format: str | None = None,
    ) -> list[ImportSummary]:
        """Copy each export into ``records/`` and load its records (all files or none).

        A file already imported (same name and content) is refused with a clear message;
        a different file with the name of an imported one is refused too (rename it).
        """
        from metareview.io.records import read_records

        if not database.strip():
            raise RecordsError("--database is empty; name the database searched, e.g. MEDLINE")
        plans: list[tuple[Path, Path, str]] = []
        names: dict[str, Path] = {}
        digests: dict[str, Path] = {}
        for f in files:
            src = Path(f)
            if not src.is_file():
                raise RecordsError(f"{src}: no such file")
            digest = _sha256(src)
            target = self.dir / src.name
            if src.name in names or digest in digests:
                first = digests.get(digest) or names[src.name]
                raise RecordsError(
                    f"{src}: given twice in this import (also as {first}): "
                    + (
                        "the same content; give each export once"
                        if digest in digests
                        else "the same name; rename one of the two exports"
                    )
                )
            names[src.name] = src
            digests[digest] = src
            row = self.conn.execute(
                # the same content under another name is the same export again, except
                # for exports without records (two searches with no hits look alike)
                "SELECT file, sha256 FROM imports WHERE file = ? OR (sha256 = ? AND n_records > 0)",
                (src.name, digest),
            ).fetchone()
            if row is not None:
                same = row[1] == digest
                raise RecordsError(
                    f"{src}: "
                    + (
                        f"already imported (as records/{row[0]}); nothing to do"
                        if same
                        else f"records/{row[0]} is another file with this name; rename "
                        "the new export (e.g. add the search date) and import it again"
                    )
                )
            if target.exists() and target.resolve() != src.resolve() and _sha256(target) != digest:
                raise RecordsError(f"{target} exists and differs from {src}; rename the new export")
            plans.append((src, target, digest))
        # read every file before anything is copied or stored: all files or none
        results = []
        for src, _target, _digest in plans:
            result = read_records(src, database=database, format=format)
            problems = [w for w in result.warnings if not w.message.startswith("no records")]
            if not result.records and problems:
                # content that could not be read (a damaged workbook, a wrong --format)
                # is refused rather than counted as a search without hits; an empty
                # export (a search without hits) is imported with its warning
                why = "; ".join(w.message for w in problems[:3])
                raise RecordsError(
                    f"{src}: no records could be read from it as {result.format} ({why}); "
                    "check that it is the database's export of the search (and --format, "
                    "if given); nothing was imported"
                )
            results.append(result)
        out: list[ImportSummary] = []
        copied: list[Path] = []
        try:
            with self._tx():
                for (src, target, digest), result in zip(plans, results, strict=True):
                    if target.resolve() != src.resolve() and not target.exists():
                        copied.append(target)
                        shutil.copyfile(src, target)
                    rel = target.name
                    cur = self.conn.execute(
                        "INSERT INTO imports (file, database, format, encoding, sha256, n_records,"
                        " n_warnings, search_set, imported_at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            rel,
                            database,
                            result.format,
                            result.encoding,
                            digest,
                            len(result.records),
                            len(result.warnings),
                            search_set,
                            _now(),
                        ),
                    )
                    import_id = cur.lastrowid
                    self.conn.executemany(
                        "INSERT INTO records (import_id, number, line, title, authors, year,"
                        " journal, volume, issue, pages, doi, pmid, issn, isbn, abstract,"
                        " keywords, language, type, raw)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            (
                                import_id,
                                k,
                                r.provenance.line if r.provenance else None,
                                r.title,
                                json.dumps(r.authors, ensure_ascii=False),
                                r.year,
                                r.journal,
                                r.volume,
                                r.issue,
                                r.pages,
                                r.doi,
                                r.pmid,
                                r.issn,
                                r.isbn,
                                r.abstract,
                                json.dumps(r.keywords, ensure_ascii=False),
                                r.language,
                                r.type,
                                json.dumps(r.raw, ensure_ascii=False),
                            )
                            for k, r in enumerate(result.records, start=1)
                        ),
                    )
                    self.conn.executemany(
                        "INSERT INTO import_warnings (import_id, line, message) VALUES (?,?,?)",
                        ((import_id, w.line, w.message) for w in result.warnings),
                    )
                    out.append(
                        ImportSummary(
                            rel,
                            database,
                            result.format,
                            result.encoding,
                            len(result.records),
                            tuple(result.warnings),
                        )
                    )
        except BaseException:
            for target in copied:  # no copied file outlives a failed import
                target.unlink(missing_ok=True)
            raise
        return out

    # -- reading -----------------------------------------------------------------------------

    def remove_import(self, file: str) -> tuple[int, int]:
        """Undo the import of ``records/<file>``: its records, its warnings, the people's
        decisions about its records, and the copy in ``records/``.  The last
        deduplication is then out of date.  Returns (records removed, decisions removed).
        """
        name = Path(file).name
        row = self.conn.execute("SELECT id FROM imports WHERE file = ?", (name,)).fetchone()
        if row is None:
            known = [f for (f,) in self.conn.execute("SELECT file FROM imports ORDER BY id")]
            raise RecordsError(
                f"{name}: not an imported file; the imports are: {', '.join(known) or 'none'}"
            )
        import_id = row[0]
        ids = "SELECT id FROM records WHERE import_id = ?"
        with self._tx():
            n_decisions = self.conn.execute(
                f"DELETE FROM decisions WHERE a IN ({ids}) OR b IN ({ids})",
                (import_id, import_id),
            ).rowcount
            # the last run's pairs and clusters refer to these records: drop them (the run
            # itself stays in the history; its counts no longer match, so it is stale)
            self.conn.execute(
                f"DELETE FROM pairs WHERE a IN ({ids}) OR b IN ({ids})", (import_id, import_id)
            )
            self.conn.execute(f"DELETE FROM clusters WHERE record_id IN ({ids})", (import_id,))
            n_records = self.conn.execute(
                "DELETE FROM records WHERE import_id = ?", (import_id,)
            ).rowcount
            self.conn.execute("DELETE FROM import_warnings WHERE import_id = ?", (import_id,))
            self.conn.execute("DELETE FROM imports WHERE id = ?", (import_id,))
        (self.dir / name).unlink(missing_ok=True)
        return n_records, n_decisions

    def records(self) -> tuple[list[int], list[Record], list[str | None]]:
        """Every record in id order: (ids, records, search-set labels)."""
        return self._load()

    def _load(
        self, wanted: Sequence[int] | None = None
    ) -> tuple[list[int], list[Record], list[str | None]]:
        sql = (
            "SELECT r.id, r.number, r.line, r.title, r.authors, r.year, r.journal, r.volume,"
            " r.issue, r.pages, r.doi, r.pmid, r.issn, r.isbn, r.abstract, r.keywords,"
            " r.language, r.type, r.raw, i.file, i.database, i.search_set"
            " FROM records r JOIN imports i ON i.id = r.import_id"
        )
        if wanted is None:
            rows = self.conn.execute(sql + " ORDER BY r.id").fetchall()
        else:  # only these ids (a few pairs to show): not every record of the review
            rows = []
            for k in range(0, len(wanted), 500):
                chunk = wanted[k : k + 500]
                rows += self.conn.execute(
                    f"{sql} WHERE r.id IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
            rows.sort(key=lambda row: row[0])
        ids: list[int] = []
        records: list[Record] = []
        sets: list[str | None] = []
        for row in rows:
            (rid, number, line, title, authors, year, journal, volume, issue, pages, doi, pmid,
             issn, isbn, abstract, keywords, language, type_, raw, file, database,
             search_set) = row  # fmt: skip
            ids.append(rid)
            records.append(
                Record(
                    title=title,
                    authors=json.loads(authors),
                    year=year,
                    journal=journal,
                    volume=volume,
                    issue=issue,
                    pages=pages,
                    doi=doi,
                    pmid=pmid,
                    issn=issn,
                    isbn=isbn,
                    abstract=abstract,
                    keywords=json.loads(keywords),
                    language=language,
                    type=type_,
                    raw=json.loads(raw),
                    provenance=Provenance(f"{RECORDS_DIR}/{file}", database, number, line),
                )
            )
            sets.append(search_set)
        return ids, records, sets

    def decisions(self) -> dict[tuple[int, int], str]:
        """People's decisions by record ids ``(a, b)``, ``a < b``."""
        return {(a, b): d for a, b, d in self.conn.execute("SELECT a, b, decision FROM decisions")}

    # -- deduplication -----------------------------------------------------------------------

    def run_dedup(self) -> DedupSummary:
        """Deduplicate every record, applying the recorded decisions; store the result."""
        import time

        from metareview import __version__
        from metareview.records.dedup import deduplicate

        t0 = time.perf_counter()
        ids, records, sets = self.records()
        index = {rid: k for k, rid in enumerate(ids)}
        human = {
            (index[a], index[b]): d
            for (a, b), d in self.decisions().items()
            if a in index and b in index
        }
        search_sets = sets if any(s is not None for s in sets) else None
        result = deduplicate(records, search_sets=search_sets, decisions=human or None)
        seconds = time.perf_counter() - t0
        decided = {(index_a, index_b) for index_a, index_b in human}
        pending = [p for p in result.maybe if (p.i, p.j) not in decided]
        with self._tx():
            self.conn.execute("DELETE FROM pairs")
            self.conn.execute("DELETE FROM clusters")
            cur = self.conn.execute(
                "INSERT INTO dedup_runs (run_at, n_records, max_record_id, n_clusters,"
                " n_removed, n_maybe, version) VALUES (?,?,?,?,?,?,?)",
                (
                    _now(),
                    len(records),
                    max(ids, default=0),
                    len(result.clusters),
                    len(result.removed),
                    len(pending),
                    __version__,
                ),
            )
            run = cur.lastrowid
            self.conn.executemany(
                "INSERT INTO pairs (run_id, a, b, decision, rule, reason, similarities, source)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (
                    (
                        run,
                        ids[p.i],
                        ids[p.j],
                        p.decision,
                        p.rule,
                        p.reason + (f" [{p.guard}]" if p.guard else ""),
                        json.dumps(p.similarities),
                        p.source,
                    )
                    for p in result.pairs
                ),
            )
            self.conn.executemany(
                "INSERT INTO clusters (run_id, cluster, record_id, position) VALUES (?,?,?,?)",
                (
                    (run, c, ids[i], pos)
                    for c, members in enumerate(result.clusters)
                    for pos, i in enumerate(members)
                ),
            )
        return DedupSummary(
            len(records), len(result.clusters), len(result.removed), len(pending), len(human),
            seconds,
        )  # fmt: skip

    def last_run(self) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT id, run_at, n_records, max_record_id, n_clusters, n_removed, n_maybe,"
            " version FROM dedup_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        keys = ("id", "run_at", "n_records", "max_record_id", "n_clusters", "n_removed",
                "n_maybe", "version")  # fmt: skip
        return dict(zip(keys, row, strict=True))

    def is_stale(self) -> bool:
        """True when records were imported (or none deduplicated) since the last run."""
        run = self.last_run()
        n, top = self.conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM records").fetchone()
        if run is None:
            return n > 0
        return bool(run["n_records"] != n or run["max_record_id"] != top)

    def maybe_pairs(self, *, pending_only: bool = True) -> list[dict[str, Any]]:
        """The last run's questions for a person (those without a person's decision by
        default): as :attr:`~metareview.records.dedup.DedupResult.maybe`, one "maybe" pair
        per two clusters (the most similar titles), none inside a cluster, none between
        clusters a person kept apart; the count is the run's ``n_maybe``.
        """
        decided = self.decisions()
        last = "(SELECT MAX(id) FROM dedup_runs)"
        owner: dict[int, int] = dict(
            self.conn.execute(f"SELECT record_id, cluster FROM clusters WHERE run_id = {last}")
        )
        settled = {
            frozenset((owner.get(a), owner.get(b)))
            for a, b in self.conn.execute(
                f"SELECT a, b FROM pairs WHERE run_id = {last} AND source = 'human'"
                " AND decision = 'distinct'"
            )
        }
        best: dict[frozenset[int | None], dict[str, Any]] = {}
        for a, b, rule, reason, sims in self.conn.execute(
            "SELECT a, b, rule, reason, similarities FROM pairs WHERE decision = 'maybe'"
            f" AND run_id = {last} ORDER BY a, b"
        ):
            if owner.get(a) == owner.get(b):
                continue  # already one cluster through duplicate pairs
            key = frozenset((owner.get(a), owner.get(b)))
            if key in settled:
                continue
            pair = {"a": a, "b": b, "rule": rule, "reason": reason,
                    "similarities": json.loads(sims)}  # fmt: skip
            held = best.get(key)
            if held is None or pair["similarities"].get("title", 0.0) > held["similarities"].get(
                "title", 0.0
            ):
                best[key] = pair
        return [
            p
            for p in sorted(best.values(), key=lambda p: (p["a"], p["b"]))
            if not pending_only or (p["a"], p["b"]) not in decided
        ]

    def record(self, record_id: int) -> tuple[Record, str, str]:
        """One record by id, with its file and database."""
        ids, records, _ = self.records_by_id([record_id])
        if not ids:
            raise RecordsError(f"no record with id {record_id}")
        r = records[0]
        assert r.provenance is not None
        return r, r.provenance.file, r.provenance.database or ""

    def records_by_id(
        self, wanted: Iterable[int]
    ) -> tuple[list[int], list[Record], list[str | None]]:
        return self._load(sorted({int(rid) for rid in wanted}))

    def record_decisions(
        self, decisions: Mapping[tuple[int, int], str], *, decided_by: str, note: str = ""
    ) -> int:
        """Store people's decisions (``"duplicate"``/``"distinct"``) by record ids."""
        known = {r for (r,) in self.conn.execute("SELECT id FROM records")}
        rows = []
        for (x, y), d in decisions.items():
            if d not in ("duplicate", "distinct"):
                raise RecordsError(f"pair {x}/{y}: decision {d!r} is not duplicate or distinct")
            if x == y or x not in known or y not in known:
                raise RecordsError(f"pair {x}/{y}: not two existing record ids")
            a, b = min(x, y), max(x, y)
            rows.append((a, b, d, decided_by, _now(), note))
        with self._tx():
            self.conn.executemany(
                "INSERT INTO decisions (a, b, decision, decided_by, decided_at, note)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT (a, b) DO UPDATE SET"
                " decision = excluded.decision, decided_by = excluded.decided_by,"
                " decided_at = excluded.decided_at, note = excluded.note",
                rows,
            )
        return len(rows)

    # -- maybe pairs as CSV ------------------------------------------------------------------

    MAYBE_COLUMNS = (
        "record_a", "record_b", "decision", "rule", "reason",
        "title_a", "title_b", "authors_a", "authors_b", "year_a", "year_b",
        "journal_a", "journal_b", "volume_a", "volume_b", "pages_a", "pages_b",
        "doi_a", "doi_b", "database_a", "database_b",
    )  # fmt: skip

    def export_maybe(self, path: str | Path) -> int:
        """Write the pending maybe pairs to CSV with an empty ``decision`` column to fill."""
        pairs = self.maybe_pairs()
        ids = {p["a"] for p in pairs} | {p["b"] for p in pairs}
        got_ids, recs, _ = self.records_by_id(ids)
        by_id = dict(zip(got_ids, recs, strict=True))
        with Path(path).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(self.MAYBE_COLUMNS)
            for p in pairs:
                a, b = by_id[p["a"]], by_id[p["b"]]
                cells: list[Any] = [p["a"], p["b"], "", p["rule"], p["reason"]]
                for name in ("title", "authors", "year", "journal", "volume", "pages", "doi"):
                    for r in (a, b):
                        v = getattr(r, name)
                        cells.append(
                            "; ".join(v) if isinstance(v, list) else ("" if v is None else v)
                        )
                for r in (a, b):
                    cells.append(r.provenance.database if r.provenance else "")
                w.writerow(cells)
        return len(pairs)

    def import_decisions(self, path: str | Path, *, decided_by: str) -> int:
        """Read a filled-in maybe-pairs CSV; rows with an empty decision are skipped."""
        import io

        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RecordsError(
                f"{p}: not UTF-8 text ({exc}); save it as CSV UTF-8 (the encoding "
                "`--export-maybe` writes) and import it again"
            ) from None
        except OSError as exc:
            raise RecordsError(f"{p}: cannot be read ({exc.strerror or exc})") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [
            c for c in ("record_a", "record_b", "decision") if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise RecordsError(
                f"{p}: missing column(s) {', '.join(missing)}; use the file written by "
                "`metareview records dedup DIR --export-maybe FILE`"
            )
        words = {"duplicate": "duplicate", "dup": "duplicate", "yes": "duplicate", "y": "duplicate",
                 "distinct": "distinct", "not duplicate": "distinct", "no": "distinct",
                 "n": "distinct"}  # fmt: skip
        known = {r for (r,) in self.conn.execute("SELECT id FROM records")}
        decisions: dict[tuple[int, int], str] = {}
        where: dict[tuple[int, int], int] = {}
        end = reader.line_num  # physical lines: a cell may hold line breaks
        for row in reader:
            line, end = end + 1, reader.line_num
            value = (row.get("decision") or "").strip().lower()
            if not value:
                continue
            if value not in words:
                raise RecordsError(
                    f"{p}:{line}: decision {row['decision']!r} is not understood; write "
                    "duplicate or distinct (or leave it empty to decide later)"
                )
            try:
                a, b = int(row["record_a"]), int(row["record_b"])
            except (TypeError, ValueError):
                raise RecordsError(
                    f"{p}:{line}: record_a/record_b must be record ids (whole numbers)"
                ) from None
            bad = [str(x) for x in (a, b) if x not in known]
            if bad or a == b:
                raise RecordsError(
                    f"{p}:{line}: record_a/record_b "
                    + (f"{' and '.join(bad)}: no such record" if bad else "are the same record")
                    + " in this review; use the ids of a file written by `metareview records "
                    "dedup DIR --export-maybe FILE` for this review folder"
                )
            key = (min(a, b), max(a, b))
            if key in decisions and decisions[key] != words[value]:
                raise RecordsError(
                    f"{p}:{line}: records {a} and {b} are decided {words[value]}, but "
                    f"{decisions[key]} on line {where[key]}; keep one of the two decisions"
                )
            decisions[key] = words[value]
            where[key] = line
        return self.record_decisions(decisions, decided_by=decided_by) if decisions else 0

    # -- outputs -----------------------------------------------------------------------------

    def merged(self) -> list[Record]:
        """The deduplicated records of the last run (merged metadata, one per cluster)."""
        from metareview.records.dedup import merge_records

        if self.last_run() is None:
            raise RecordsError(
                f"{self.dir / DB_NAME}: not deduplicated yet; run `metareview records dedup "
                f"{self.root}` first"
            )
        if self.is_stale():
            raise RecordsError(
                "records were imported after the last deduplication; run `metareview records "
                f"dedup {self.root}` again first"
            )
        ids, records, _ = self.records()
        index = {rid: k for k, rid in enumerate(ids)}
        members: dict[int, list[int]] = {}
        for cluster, rid in self.conn.execute(
            "SELECT cluster, record_id FROM clusters WHERE run_id = (SELECT MAX(id) FROM"
            " dedup_runs) ORDER BY cluster, position"
        ):
            members.setdefault(cluster, []).append(index[rid])
        out: list[Record] = []
        for _, m in sorted(members.items()):
            record, _sources = merge_records(records, m)
            databases: list[str] = []
            for i in m:
                prov = records[i].provenance
                if prov is not None and prov.database and prov.database not in databases:
                    databases.append(prov.database)
            if databases:
                # every database the record was found in (RIS "DB", name of database)
                record = replace(record, raw={**record.raw, "DB": databases})
            out.append(record)
        return out

    def prisma_counts(self) -> dict[str, Any]:
        """PRISMA identification counts: records per database, duplicates removed.

        ``duplicates_removed`` is ``None`` when the last deduplication is out of date (or
        there is none), so that no stale number reaches a report.
        """
        by_db: dict[str, int] = {}
        for db, n in self.conn.execute(
            "SELECT i.database, COUNT(r.id) FROM imports i LEFT JOIN records r ON"
            " r.import_id = i.id GROUP BY i.database ORDER BY MIN(i.id)"
        ):
            by_db[db] = int(n)
        run = self.last_run()
        removed = None if run is None or self.is_stale() else int(run["n_removed"])
        return {"databases": by_db, "duplicates_removed": removed}

    def status(self) -> Status:
        st = Status()
        for row in self.conn.execute(
            "SELECT file, database, format, encoding, n_records, n_warnings, search_set,"
            " imported_at FROM imports ORDER BY id"
        ):
            keys = ("file", "database", "format", "encoding", "records", "warnings",
                    "search_set", "imported_at")  # fmt: skip
            st.imports.append(dict(zip(keys, row, strict=True)))
        st.by_database = self.prisma_counts()["databases"]
        st.n_records = sum(st.by_database.values())
        st.last_run = self.last_run()
        st.stale = self.is_stale()
        st.n_decisions = len(self.decisions())
        st.n_maybe_pending = len(self.maybe_pairs()) if st.last_run else 0
        return st


def effective_prisma(review_dir: str | Path, prisma: Any) -> tuple[Any, list[tuple[str, str]]]:
    """The PRISMA counts a report shows: review.toml's, with the identification counts
    (records per database, duplicates removed) taken from ``records/`` when it exists.

    Returns ``(prisma, problems)``: ``prisma`` is a new :class:`~metareview.review.model.Prisma`
    (or the given one, or ``None``, when there are no records); ``problems`` says where
    review.toml disagrees with the records state or the deduplication is out of date.
    """
    from metareview.review.model import Prisma

    if not RecordsStore.exists(review_dir):
        return prisma, []
    with RecordsStore.open(review_dir, readonly=True) as store:
        counts = store.prisma_counts()
    if not counts["databases"]:
        return prisma, []  # a database without any import (say a first import failed)
    problems: list[tuple[str, str]] = []
    base = prisma if prisma is not None else Prisma()
    update: dict[str, Any] = {"databases": counts["databases"]}
    if base.databases and base.databases != counts["databases"]:
        problems.append(
            (
                "error",
                f"review.toml [prisma] databases {base.databases} differ from the records "
                f"imported in records/ {counts['databases']}; the records are used (remove "
                "databases from [prisma]: they come from records/)",
            )
        )
    removed = counts["duplicates_removed"]
    if removed is None:
        problems.append(
            (
                "notice",
                "the deduplication of records/ is out of date (or was never run): run "
                f"`metareview records dedup {review_dir}`; duplicates removed is "
                + ("review.toml's" if base.duplicates_removed is not None else "not shown"),
            )
        )
    else:
        if base.duplicates_removed is not None and base.duplicates_removed != removed:
            problems.append(
                (
                    "error",
                    f"review.toml [prisma] duplicates_removed = {base.duplicates_removed} differs "
                    f"from the records' deduplication ({removed}); the records are used",
                )
            )
        update["duplicates_removed"] = removed
    return base.model_copy(update=update), problems
