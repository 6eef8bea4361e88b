"""The records state of a review folder (metareview.records.store) and `metareview records`.

Real files in a temporary review folder, a real SQLite database: import, refusal of
re-imports, deduplication with people's decisions (terminal and CSV), export, migrations,
and the PRISMA identification counts the report shows.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import metareview as mr
from metareview.cli import app
from metareview.records.store import MIGRATIONS, RecordsError, RecordsStore, effective_prisma

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[2] / "shared" / "refdata" / "formats"

MEDLINE = """\
TY  - JOUR
TI  - Ketamine infusion for complex regional pain syndrome: a double-blind placebo-controlled study
AU  - Schwartzman, R. J.
AU  - Alexander, G. M.
PY  - 2009
JO  - Pain
VL  - 147
SP  - 107
EP  - 115
DO  - 10.1016/j.pain.2009.08.015
ER  - 

TY  - JOUR
TI  - Oral ketamine for chronic neuropathic pain in adults: a randomised trial
AU  - Rigo, F.
AU  - Ruiz, M.
PY  - 2017
ER  - 

TY  - JOUR
TI  - Magnesium and ketamine in postherpetic neuralgia
AU  - Eide, K.
PY  - 1995
JO  - Pain
VL  - 61
SP  - 221
ER  - 
"""  # noqa: W291

EMBASE = """\
TY  - JOUR
TI  - Ketamine infusion for complex regional pain syndrome: A double-blind placebo-controlled study.
AU  - Schwartzman R.J.
AU  - Alexander G.M.
PY  - 2009
JO  - Pain
VL  - 147
IS  - 1-3
SP  - 107-115
DO  - 10.1016/J.PAIN.2009.08.015
ER  - 

TY  - JOUR
TI  - Oral ketamine for chronic neuropathic pains in adults: a randomized trial
AU  - Rigo F
AU  - Ruiz M
PY  - 2017
ER  - 
"""  # noqa: W291


@pytest.fixture
def review(tmp_path: Path) -> Path:
    root = tmp_path / "rev"
    assert runner.invoke(app, ["new", str(root)]).exit_code == 0
    (tmp_path / "medline.ris").write_text(MEDLINE, encoding="utf-8")
    (tmp_path / "embase.ris").write_text(EMBASE, encoding="utf-8")
    return root


def _import(root: Path, name: str, db: str) -> None:
    result = runner.invoke(app, ["records", "import", str(root), str(root.parent / name),
                                 "--database", db])  # fmt: skip
    assert result.exit_code == 0, result.output


def test_import_copies_the_file_and_loads_every_field(review: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    copied = review / "records" / "medline.ris"
    assert copied.read_bytes() == (review.parent / "medline.ris").read_bytes()
    with RecordsStore.open(review) as store:
        ids, records, sets = store.records()
        assert len(ids) == 3 and sets == [None, None, None]
        first = records[0]
        assert first.doi == "10.1016/j.pain.2009.08.015" and first.year == 2009
        assert first.authors == ["Schwartzman, R. J.", "Alexander, G. M."]
        assert first.raw["EP"] == ["115"]  # the raw fields survive the database
        assert first.provenance is not None
        assert (first.provenance.database, first.provenance.record_number) == ("MEDLINE", 1)
        assert first.provenance.file == "records/medline.ris"


def test_reimport_and_name_clash_are_refused(review: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    medline = str(review.parent / "medline.ris")
    again = runner.invoke(app, ["records", "import", str(review), medline, "-d", "MEDLINE"])
    assert again.exit_code == 1 and "already imported" in again.output
    other = review.parent / "other" / "medline.ris"
    other.parent.mkdir()
    other.write_text(EMBASE, encoding="utf-8")
    clash = runner.invoke(app, ["records", "import", str(review), str(other), "-d", "Embase"])
    assert clash.exit_code == 1 and "another file with this name" in clash.output
    missing = runner.invoke(app, ["records", "import", str(review), "nope.ris", "-d", "X"])
    assert missing.exit_code == 1 and "no such file" in missing.output
    with RecordsStore.open(review) as store:
        assert len(store.records()[0]) == 3  # nothing half-imported


def test_dedup_decisions_and_prisma_counts(review: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    _import(review, "embase.ris", "Embase")
    result = runner.invoke(app, ["records", "dedup", str(review)])
    assert result.exit_code == 0, result.output
    assert "5 records -> 4 unique (1 duplicates removed); 1 maybe pairs undecided" in result.output
    with RecordsStore.open(review) as store:
        assert store.prisma_counts() == {
            "databases": {"MEDLINE": 3, "Embase": 2},
            "duplicates_removed": 1,
        }
        (pair,) = store.maybe_pairs()
        assert pair["rule"] == "similar_title_uncorroborated"
    # a person decides the maybe pair in the terminal; the decision survives re-runs
    result = runner.invoke(app, ["records", "dedup", str(review), "--review-maybe",
                                 "--reviewer", "JP"], input="d\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Oral ketamine" in result.output and "1 decisions recorded" in result.output
    assert "5 records -> 3 unique (2 duplicates removed); 0 maybe pairs" in result.output
    result = runner.invoke(app, ["records", "dedup", str(review)])
    assert "2 duplicates removed" in result.output and "1 decided by people" in result.output
    with sqlite3.connect(review / "records" / "records.db") as conn:
        assert conn.execute("SELECT decision, decided_by FROM decisions").fetchall() == [
            ("duplicate", "JP")
        ]
    # the report's PRISMA identification counts are the records state
    build = mr.build(mr.load(review))
    assert build.prisma is not None
    assert build.prisma.databases == {"MEDLINE": 3, "Embase": 2}
    assert build.prisma.duplicates_removed == 2
    from metareview.report import view

    prisma_rows = dict(view(build)["prisma"])
    assert prisma_rows["Records from MEDLINE"] == "3"
    assert prisma_rows["Records from Embase"] == "2"
    assert prisma_rows["Duplicate records removed"] == "2"


def test_maybe_pairs_round_trip_through_csv(review: Path, tmp_path: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    _import(review, "embase.ris", "Embase")
    out = tmp_path / "maybe.csv"
    result = runner.invoke(app, ["records", "dedup", str(review), "--export-maybe", str(out)])
    assert "1 undecided maybe pairs written" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["decision"] == ""
    assert rows[0]["database_a"] == "MEDLINE" and rows[0]["database_b"] == "Embase"
    rows[0]["decision"] = "maybe later"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    bad = runner.invoke(app, ["records", "dedup", str(review), "--import-decisions", str(out)])
    assert bad.exit_code == 1 and f"{out}:2: decision 'maybe later' is not understood" in bad.output
    rows[0]["decision"] = "distinct"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    good = runner.invoke(app, ["records", "dedup", str(review), "--import-decisions", str(out)])
    assert good.exit_code == 0, good.output
    assert "1 decisions read" in good.output and "4 unique (1 duplicates removed); 0 maybe" in (
        good.output
    )


def test_export_status_and_stale_dedup(review: Path, tmp_path: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    not_yet = runner.invoke(app, ["records", "export", str(review)])
    assert not_yet.exit_code == 1 and "not deduplicated yet" in not_yet.output
    runner.invoke(app, ["records", "dedup", str(review)])
    _import(review, "embase.ris", "Embase")
    stale = runner.invoke(app, ["records", "export", str(review)])
    assert stale.exit_code == 1 and "dedup" in stale.output
    status = runner.invoke(app, ["records", "status", str(review)])
    assert "Records were imported since" in status.output
    # out-of-date deduplication: the report shows no stale duplicate count, and says why
    prisma, notes = effective_prisma(review, None)
    assert prisma.duplicates_removed is None and notes[0][0] == "notice"
    runner.invoke(app, ["records", "dedup", str(review)])
    ris = tmp_path / "out.ris"
    assert runner.invoke(app, ["records", "export", str(review), "-o", str(ris)]).exit_code == 0
    from metareview.io.records import read_records

    merged = read_records(ris).records
    assert len(merged) == 4
    csr = next(r for r in merged if r.doi and "pain.2009" in r.doi.lower())
    assert csr.issue == "1-3"  # the most complete metadata of the two copies
    assert csr.raw["DB"] == ["MEDLINE", "Embase"]  # found in both databases
    text = runner.invoke(app, ["records", "export", str(review), "--format", "csv"]).output
    assert text.splitlines()[0].startswith("title,authors,year")


def test_validate_flags_prisma_counts_that_contradict_the_records(review: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    _import(review, "embase.ris", "Embase")
    runner.invoke(app, ["records", "dedup", str(review)])
    toml = review / "review.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + "\n[prisma]\ndatabases = { MEDLINE = 30, Embase = 2 }\nduplicates_removed = 1\n",
        encoding="utf-8",
    )
    problems = [p for p in mr.validate(review) if p.source == "records/records.db"]
    assert [p.severity for p in problems] == ["error"]
    assert "{'MEDLINE': 30, 'Embase': 2}" in problems[0].message
    assert "{'MEDLINE': 3, 'Embase': 2}" in problems[0].message


def test_migrations_and_a_newer_database(tmp_path: Path) -> None:
    root = tmp_path / "rev"
    root.mkdir()
    with RecordsStore.open(root, create=True) as store:
        assert store.version == len(MIGRATIONS)
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert {"imports", "records", "decisions", "pairs", "clusters", "dedup_runs"} <= tables
    with sqlite3.connect(root / "records" / "records.db") as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RecordsError, match="newer metareview"):
        RecordsStore.open(root)
    with pytest.raises(RecordsError, match="no records yet"):
        RecordsStore.open(tmp_path)


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/refdata/formats (reference data)")
def test_real_exports_from_several_databases(review: Path) -> None:
    """The same Zotero library of 1,000 records exported as RIS and as BibTeX
    (refdata/formats README): imported as two searches, deduplication finds each record
    in both (search sets keep each export's own records apart)."""
    base = SHARED / "asysd_testthat"
    for name, db in (("zotero_export.ris", "A"), ("zotero_export.bib", "B")):
        result = runner.invoke(app, ["records", "import", str(review), str(base / name),
                                     "-d", db, "--search-set", db])  # fmt: skip
        assert result.exit_code == 0, result.output
    with RecordsStore.open(review) as store:
        summary = store.run_dedup()
        assert store.prisma_counts()["databases"] == {"A": 1000, "B": 1000}
    assert summary.n_records == 2000
    # every cluster has at most one record per export; nearly all pair up
    assert 1000 <= summary.n_clusters <= 1010


# -- regressions ------------------------------------------------------------------------------

RIGO = """\
TY  - JOUR
TI  - Oral ketamine for chronic neuropathic pain in adults: a randomised trial{dot}
AU  - Rigo, F.
AU  - Ruiz, M.
PY  - 2017
{doi}ER  - 
"""  # noqa: W291


def _rigo_review(review: Path) -> None:
    """Two copies with one DOI (one cluster) and a third without: two maybe pairs between
    the same two clusters, one question."""
    files = (
        ("a.ris", "", "DO  - 10.1000/rigo.2017\n"),
        ("b.ris", ".", "DO  - 10.1000/RIGO.2017\n"),
        ("c.ris", "", ""),
    )
    for name, dot, doi in files:
        text = RIGO.format(dot=dot, doi=doi)
        if name == "c.ris":
            text = text.replace("pain in adults: a randomised", "pains in adults: a randomized")
        (review.parent / name).write_text(text, encoding="utf-8")
        _import(review, name, name[0])


def test_failed_import_leaves_no_copied_file_and_no_rows(review: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello world\nthis is not a records export\n", encoding="utf-8")
    medline, embase = str(review.parent / "medline.ris"), str(review.parent / "embase.ris")
    # a first import that fails leaves no records state (review.toml's [prisma] stands)
    first = runner.invoke(app, ["records", "import", str(review), medline, str(junk), "-d", "X"])
    assert first.exit_code == 1 and "junk.txt" in first.output
    assert not (review / "records").exists()
    assert effective_prisma(review, None) == (None, [])
    _import(review, "medline.ris", "MEDLINE")
    again = runner.invoke(app, ["records", "import", str(review), embase, str(junk), "-d", "X"])
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert sorted(p.name for p in (review / "records").iterdir()) == ["medline.ris", "records.db"]
    # the same file twice in one import: a clear error, not an IntegrityError
    twice = runner.invoke(app, ["records", "import", str(review), embase, embase, "-d", "X"])
    assert twice.exit_code == 1 and "given twice in this import" in twice.output
    assert twice.exception is None or isinstance(twice.exception, SystemExit)
    with RecordsStore.open(review) as store:
        assert len(store.records()[0]) == 3
        assert store.conn.execute("SELECT COUNT(*) FROM imports").fetchone() == (1,)


def test_failed_commit_removes_the_copies(review: Path) -> None:
    with RecordsStore.open(review, create=True) as store:

        class Failing:
            def __init__(self, conn: sqlite3.Connection) -> None:
                self.conn = conn

            def __getattr__(self, name: str) -> object:
                return getattr(self.conn, name)

            def commit(self) -> None:
                raise sqlite3.OperationalError("disk I/O error")

        store.conn = Failing(store.conn)  # type: ignore[assignment]
        with pytest.raises(sqlite3.OperationalError):
            store.import_files([review.parent / "medline.ris"], "MEDLINE")
    assert not (review / "records" / "medline.ris").exists()


def test_unreadable_exports_are_refused_but_an_empty_one_is_not(
    review: Path, tmp_path: Path
) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "damaged.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    _import(review, "medline.ris", "MEDLINE")
    for args in (["damaged.xlsx"], ["embase.ris", "--format", "bibtex"]):
        result = runner.invoke(app, ["records", "import", str(review),
                                     str(tmp_path / args[0]), *args[1:], "-d", "X"])  # fmt: skip
        assert result.exit_code == 1 and "no records could be read from it" in result.output
        assert args[0] in result.output and not (review / "records" / args[0]).exists()
    (tmp_path / "nothing.ris").write_text("", encoding="utf-8")  # a search without hits
    _import(review, "nothing.ris", "CINAHL")


def test_import_into_a_folder_that_is_not_a_review(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "medline.ris").write_text(MEDLINE, encoding="utf-8")
    result = runner.invoke(app, ["records", "import", str(tmp_path / "plain"),
                                 str(tmp_path / "medline.ris"), "-d", "MEDLINE"])  # fmt: skip
    assert result.exit_code == 1 and "not a review folder (no review.toml)" in result.output
    assert not (tmp_path / "plain" / "records").exists()


def test_one_question_per_two_clusters(review: Path, tmp_path: Path) -> None:
    _rigo_review(review)
    out = tmp_path / "maybe.csv"
    result = runner.invoke(app, ["records", "dedup", str(review), "--export-maybe", str(out)])
    assert "3 records -> 2 unique (1 duplicates removed); 1 maybe pairs undecided" in result.output
    assert "1 undecided maybe pairs written" in result.output
    status = runner.invoke(app, ["records", "status", str(review)])
    assert "Maybe pairs undecided: 1;" in status.output
    with RecordsStore.open(review) as store:
        assert [(p["a"], p["b"]) for p in store.maybe_pairs()] == [(1, 3)]
        assert store.records_by_id([3])[0] == [3]
    # one answer decides for both clusters: nothing more to ask
    result = runner.invoke(app, ["records", "dedup", str(review), "--review-maybe"], input="n\n")
    assert "1 decisions recorded" in result.output and "0 maybe pairs undecided" in result.output
    with RecordsStore.open(review) as store:
        assert store.maybe_pairs() == []


def test_review_maybe_asks_again_and_keeps_answers_when_stopped(review: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    _import(review, "embase.ris", "Embase")
    # "x" is no answer (asked again); "y" means duplicate
    result = runner.invoke(app, ["records", "dedup", str(review), "--review-maybe"],
                           input="x\ny\n")  # fmt: skip
    assert "'x' is not an answer" in result.output and "1 decisions recorded" in result.output
    with RecordsStore.open(review) as store:
        assert list(store.decisions().values()) == ["duplicate"]


def test_review_maybe_end_of_input_keeps_the_decisions(review: Path, tmp_path: Path) -> None:
    _rigo_review(review)
    (tmp_path / "d.ris").write_text(MEDLINE, encoding="utf-8")
    (tmp_path / "e.ris").write_text(EMBASE, encoding="utf-8")
    _import(review, "d.ris", "MEDLINE")
    _import(review, "e.ris", "Embase")
    result = runner.invoke(app, ["records", "dedup", str(review), "--review-maybe"], input="n\n")
    assert "Stopped: the decisions made so far are kept" in result.output
    assert "1 decisions recorded" in result.output
    with RecordsStore.open(review) as store:
        assert len(store.decisions()) == 1


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_imported_decisions_name_file_and_line(review: Path, tmp_path: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    _import(review, "embase.ris", "Embase")
    out = tmp_path / "maybe.csv"
    runner.invoke(app, ["records", "dedup", str(review), "--export-maybe", str(out)])
    (row,) = csv.DictReader(out.open(encoding="utf-8"))

    def run(rows: list[dict[str, str]]) -> str:
        _write_rows(out, rows)
        result = runner.invoke(app, ["records", "dedup", str(review), "--import-decisions",
                                     str(out)])  # fmt: skip
        assert result.exit_code == 1 and "Traceback" not in result.output
        return result.output

    assert f"{out}:2: record_a/record_b 999: no such record" in run(
        [{**row, "record_a": "999", "decision": "duplicate"}]
    )
    both = run([{**row, "decision": "duplicate"}, {**row, "decision": "distinct"}])
    assert f"{out}:3: records" in both and "duplicate on line 2" in both
    # a cell with line breaks: the line of the row is the line in the file
    lines = run([{**row, "title_a": "one\ntwo\u2028three"}, {**row, "decision": "perhaps"}])
    assert f"{out}:4: decision 'perhaps'" in lines
    with RecordsStore.open(review) as store:
        assert store.decisions() == {}


def test_damaged_database_and_unwritable_outputs_are_clean_errors(
    review: Path, tmp_path: Path
) -> None:
    _import(review, "medline.ris", "MEDLINE")
    runner.invoke(app, ["records", "dedup", str(review)])
    missing = tmp_path / "no"
    for args in (
        ["export", str(review), "-o", str(missing / "out.ris")],
        ["dedup", str(review), "--export-maybe", str(missing / "m.csv")],
    ):
        result = runner.invoke(app, ["records", *args])
        assert result.exit_code == 1 and "No such file or directory" in result.output
        assert "create it first" in result.output
    db = review / "records" / "records.db"
    with sqlite3.connect(db) as conn:  # opens, then fails on the first query
        conn.execute("DROP TABLE clusters")
    result = runner.invoke(app, ["records", "export", str(review)])
    assert result.exit_code == 1 and "no such table: clusters" in result.output
    assert "cannot be read as a metareview records database" in result.output
    db.write_bytes(b"\x00garbage" * 1000)
    for args in (["status", str(review)], ["dedup", str(review)], ["export", str(review)]):
        result = runner.invoke(app, ["records", *args])
        assert result.exit_code == 1, result.output
        assert "cannot be read as a metareview records database" in result.output
        assert "git checkout" in result.output
    assert any("cannot be read" in p.message for p in mr.validate(review))


def test_validate_and_report_never_write_the_records_database(review: Path) -> None:
    """Loading a review never writes: the records state is opened read-only, and an
    older schema is reported rather than migrated."""
    _import(review, "medline.ris", "MEDLINE")
    runner.invoke(app, ["records", "dedup", str(review)])
    db = review / "records" / "records.db"
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    mr.validate(review)
    mr.build(mr.load(review))
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 0")
    problems = [p for p in mr.validate(review) if p.source == "records/records.db"]
    assert len(problems) == 1 and "records status" in problems[0].message
    assert "cannot be read: " not in problems[0].message  # said once, not wrapped


def test_two_searches_without_hits_can_both_be_imported(review: Path) -> None:
    empty = review.parent / "lilacs.ris"
    empty.write_text("", encoding="utf-8")
    other = review.parent / "wos.ris"
    other.write_text("", encoding="utf-8")
    for path, db in ((empty, "LILACS"), (other, "Web of Science")):
        result = runner.invoke(app, ["records", "import", str(review), str(path), "-d", db])
        assert result.exit_code == 0, result.output
    with RecordsStore.open(review) as store:
        assert store.prisma_counts()["databases"] == {"LILACS": 0, "Web of Science": 0}


def test_remove_an_import_made_with_the_wrong_database(review: Path) -> None:
    _import(review, "medline.ris", "MEDLINE")
    _import(review, "embase.ris", "MEDLINE")  # meant: Embase
    runner.invoke(app, ["records", "dedup", str(review), "--review-maybe"], input="d\n")
    result = runner.invoke(app, ["records", "remove", str(review), "embase.ris"])
    assert result.exit_code == 0, result.output
    assert "2 records, 1 decisions" in result.output
    assert not (review / "records" / "embase.ris").exists()
    with RecordsStore.open(review) as store:
        assert store.is_stale() and store.decisions() == {}
        assert store.prisma_counts()["databases"] == {"MEDLINE": 3}
    _import(review, "embase.ris", "Embase")
    result = runner.invoke(app, ["records", "dedup", str(review)])
    assert "5 records -> 4 unique" in result.output
    missing = runner.invoke(app, ["records", "remove", str(review), "nope.ris"])
    assert missing.exit_code == 1 and "imports are: medline.ris, embase.ris" in missing.output
