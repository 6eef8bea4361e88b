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
