"""The review folder: load, validate, save and new (docs/review-format.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import metareview as mr
from metareview.cli import app
from metareview.exceptions import Problem, ReviewError
from metareview.review import store
from metareview.review.model import (
    Comparison,
    DataRow,
    Outcome,
    ReportedResult,
    Review,
    ReviewMeta,
    RobJudgement,
    Study,
)

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

TOML = """\
# Ketamine review: kept on save
schema = "metareview-review/1"          # format version
title = "Ketamine in neuropathic pain"   # the title
authors = ["J. Pereira", "L. Pereira"]
preset = "revman5"
source = "Cochrane Library"              # an extra key: kept, no notice

[question]                               # PICO
population = "Adults with chronic neuropathic pain"

[[comparisons]]
id = "ket-vs-ctrl"                       # unique
name = "Ketamine versus control"
label_exp = "Ketamine"
label_ctrl = "Control"

  [[comparisons.outcomes]]
  id = "pain"                            # names the data file
  name = "Pain intensity (0-10)"
  data_type = "cont"
  measure = "MD"
  model = "random"
  subgroup_by = "Time point"
  subgroups = ["1 week", "30 days"]

  [[comparisons.outcomes]]
  id = "ae"
  name = "Adverse events"
  data_type = "dich"
  measure = "RR"

  [[comparisons.outcomes]]
  id = "published"
  name = "Reported only"
  data_type = "giv"
  per_study_data = false

[[rob_tools]]
name = "Ten questions"
judgements = ["yes", "no", "unclear"]
low = ["yes"]
high = ["no"]
domains = ["Q1 Random sequence", "Q2 Allocation concealment"]

[prisma]
databases = { CENTRAL = 120, MEDLINE = 340 }
registers = 0
duplicates_removed = 80
records_screened = 380
records_excluded = 340
reports_sought = 40
reports_not_retrieved = 0
reports_assessed = 40
reports_excluded = { "Not randomised" = 10, "Wrong population" = 27 }
studies_included = 3
reports_included = 3
"""

STUDIES = """\
# one row per included study
id,author,year,country,design,dose
Amr 2010,Amr,2010,Egypt,parallel,"0.5 mg/kg, iv"
Bell 2001,Bell,2001,UK,,low
Cruz 2005,Cruz,2005,Brazil,cross-over,
"""

PAIN = """\
study,subgroup,mean_exp,sd_exp,n_exp,mean_ctrl,sd_ctrl,n_ctrl,note
Amr 2010,1 week,2.50,1.2,20,3.1,1.4,20,first period
Bell 2001,1 week,2.0,1.0,15,2.9,1.1,16,
Amr 2010,30 days,2.2,1.1,20,3.0,1.3,19,
"""

AE = """\
study,events_exp,n_exp,events_ctrl,n_ctrl,footnote
Amr 2010,3,20,1,20,
Cruz 2005,2,12,2,12,first period only
"""

ROB = (
    "study,tool,domain,judgement,support\n"
    'Amr 2010,RoB 1,Random sequence generation,low,"""computer generated"""\n'
    "Bell 2001,Ten questions,Q1 Random sequence,yes,\n"
)

REPORTED = """\
outcome,subgroup,measure,estimate,ci_low,ci_high,p,i2,participants,studies,certainty,location
pain,1 week,MD,−0.75,-1.20,-0.30,0.001,45%,71,2,low,Abstract
ae,,RR,1.8,0.5,6.1,<0.00001,0,64,2,very low,Table 2
"""

FILES = {
    "review.toml": TOML,
    "studies.csv": STUDIES,
    "outcomes/pain.csv": PAIN,
    "outcomes/ae.csv": AE,
    "risk_of_bias.csv": ROB,
    "reported_results.csv": REPORTED,
}


def write_review(root: Path, **changes: str) -> Path:
    """Write the test review to ``root``; ``changes`` replace files (``outcomes__ae_csv``)."""
    files = dict(FILES)
    for key, text in changes.items():
        files[key.replace("__", "/").replace("_csv", ".csv").replace("_toml", ".toml")] = text
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


# --- new, load, save ---------------------------------------------------------------------


def test_new_writes_a_valid_commented_review(tmp_path: Path) -> None:
    review = store.new(tmp_path / "r", title='Drug "X" for pain')
    assert review.meta.title == 'Drug "X" for pain'
    assert store.validate(tmp_path / "r") == []
    text = (tmp_path / "r" / "review.toml").read_text()
    assert text.count("#") > 30 and "# [[comparisons]]" in text and "# [prisma]" in text
    assert (tmp_path / "r" / "studies.csv").read_text() == "id,author,year,country,design\n"
    # an example comparison, uncommented, is a valid review too
    body = text.split("# Uncomment and edit:\n#\n", 1)[1].split("\n\n", 1)[0]
    uncommented = "\n".join(line[2:] for line in body.splitlines())
    (tmp_path / "r" / "review.toml").write_text(text + "\n" + uncommented + "\n")
    (tmp_path / "r" / "outcomes").mkdir()
    (tmp_path / "r" / "outcomes" / "mortality.csv").write_text(
        "study,events_exp,n_exp,events_ctrl,n_ctrl\n"
    )
    assert store.validate(tmp_path / "r") == []


def test_new_refuses_a_non_empty_folder_and_accepts_an_empty_one(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        store.new(tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert store.new(tmp_path / "empty").meta.title == "empty"


def test_load_reads_every_file(tmp_path: Path) -> None:
    review = mr.load(write_review(tmp_path))
    assert isinstance(review, mr.Review)
    assert [s.id for s in review.studies] == ["Amr 2010", "Bell 2001", "Cruz 2005"]
    amr = review.study("Amr 2010")
    assert amr.year == 2010 and amr.extra == {"dose": "0.5 mg/kg, iv"} and amr.line == 3
    assert set(review.data) == {"pain", "ae"}  # per_study_data = false: no file
    row = review.data["pain"][0]
    assert row.subgroup == "1 week" and row.values["mean_exp"] == 2.5
    assert row.extra == {"note": "first period"} and row.line == 2
    assert review.data["ae"][1].footnote == "first period only"
    assert review.data["ae"][1].subgroup is None
    assert review.rob[0].support == '"computer generated"'
    rep = review.reported[0]
    assert (rep.estimate, rep.i2, rep.participants, rep.p) == (-0.75, 45.0, 71, "0.001")
    assert review.tables["studies.csv"].comments == ["# one row per included study"]
    assert review.toml["title"] == "Ketamine in neuropathic pain"
    assert review.notices == []


def test_load_then_save_is_byte_identical(tmp_path: Path) -> None:
    src = write_review(tmp_path / "src")
    review = mr.load(src)
    review.save(tmp_path / "copy")
    for rel, text in FILES.items():
        assert (tmp_path / "copy" / rel).read_bytes() == text.encode("utf-8"), rel
    # saving in place touches nothing
    before = snapshot(src)
    store.save(mr.load(src))
    assert snapshot(src) == before


def test_round_trip_keeps_crlf_bom_quotes_and_cp1252(tmp_path: Path) -> None:
    studies = '\ufeff# comment\r\nid,"author"\r\n"Amr 2010",Amr\r\n\r\nBell 2001,Béll'
    root = write_review(tmp_path / "r", studies_csv="")
    (root / "studies.csv").write_bytes(studies.encode("utf-8"))
    ae = "study,events_exp,n_exp,events_ctrl,n_ctrl,centre\nAmr 2010,3,20,1,20,Zürich\n"
    (root / "outcomes" / "ae.csv").write_bytes(ae.encode("cp1252"))
    (root / "reported_results.csv").unlink()
    (root / "risk_of_bias.csv").unlink()
    toml = (root / "review.toml").read_text().replace("\n", "\r\n")
    toml = toml.replace("studies_included = 3", "studies_included = 2")
    (root / "review.toml").write_bytes(toml.encode("utf-8"))
    before = snapshot(root)
    problems = store.validate(root)
    assert [(p.source, p.severity) for p in problems] == [("outcomes/ae.csv", "notice")]
    assert "cp1252" in problems[0].message
    review = mr.load(root)
    assert review.study("Bell 2001").author == "Béll"
    assert review.data["ae"][0].extra == {"centre": "Zürich"}
    assert review.notices == problems
    review.save(tmp_path / "copy")
    for rel, (data, _) in before.items():
        assert (tmp_path / "copy" / rel).read_bytes() == data, rel
    assert not (tmp_path / "copy" / "risk_of_bias.csv").exists()


def test_comments_and_extra_columns_survive_a_change(tmp_path: Path) -> None:
    root = write_review(tmp_path)
    review = mr.load(root)
    review.meta.title = "Ketamine for neuropathic pain"
    review.meta.comparisons[0].outcomes[1].model = "random"
    review.study("Bell 2001").country = "Ireland"
    review.studies.append(Study(id="Dee 2020", year=2020, extra={"dose": "high"}))
    review.data["ae"][0].values["events_exp"] = 4.0
    review.data["ae"].append(
        DataRow("Dee 2020", None, {"events_exp": 1, "n_exp": 10, "events_ctrl": 0, "n_ctrl": 9})
    )
    review.rob.append(RobJudgement("Dee 2020", "RoB 1", "Other bias", "unclear", "none"))
    review.reported[1].estimate = 1.9
    review.data["pain"][0].values["sd_exp"] = 1.3
    assert review.meta.prisma is not None
    review.meta.prisma.studies_included = 4
    review.meta.prisma.reports_included = 4
    review.meta.prisma.reports_excluded["Wrong population"] = 26
    review.save()

    toml = (root / "review.toml").read_text()
    old = TOML.splitlines()
    new = toml.splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    assert changed[0] == (
        'title = "Ketamine in neuropathic pain"   # the title',
        'title = "Ketamine for neuropathic pain"   # the title',
    )
    assert '  measure = "RR"\n  model = "random"\n' in toml
    assert all(line in new for line in old if line.lstrip().startswith("#"))
    assert 'id = "pain"                            # names the data file' in toml
    assert '"Wrong population" = 26' in toml

    studies = (root / "studies.csv").read_text()
    assert studies == STUDIES.replace(
        "Bell 2001,Bell,2001,UK,,low", "Bell 2001,Bell,2001,Ireland,,low"
    ) + ("Dee 2020,,2020,,,high\n")
    ae = (root / "outcomes" / "ae.csv").read_text()
    assert ae == AE.replace("Amr 2010,3,20", "Amr 2010,4,20") + "Dee 2020,1,10,0,9,\n"
    rob = (root / "risk_of_bias.csv").read_text()
    assert rob == ROB + "Dee 2020,RoB 1,Other bias,unclear,none\n"
    reported = (root / "reported_results.csv").read_text()
    assert reported == REPORTED.replace("ae,,RR,1.8,", "ae,,RR,1.9,")
    # the other cells of a changed row keep their text (2.50 stays 2.50)
    pain = (root / "outcomes" / "pain.csv").read_text()
    assert pain == PAIN.replace("1 week,2.50,1.2,", "1 week,2.50,1.3,")
    assert 'source = "Cochrane Library"              # an extra key' in toml
    assert review.meta.model_extra == {"source": "Cochrane Library"}
    # the saved review is valid and loads as saved
    assert store.validate(root) == []
    again = mr.load(root)
    assert again.meta == review.meta
    assert [s.id for s in again.studies][-1] == "Dee 2020"


def test_removing_and_adding_outcomes_and_tools(tmp_path: Path) -> None:
    root = write_review(tmp_path)
    review = mr.load(root)
    comparison = review.meta.comparisons[0]
    comparison.outcomes = [o for o in comparison.outcomes if o.id != "ae"]
    del review.data["ae"]
    review.reported = [r for r in review.reported if r.outcome != "ae"]
    review.meta.comparisons.append(
        Comparison(id="ket-vs-placebo", name="Ketamine versus placebo", outcomes=[
            Outcome(id="sleep", name="Sleep", data_type="cont", measure="SMD")
        ])
    )  # fmt: skip
    review.data["sleep"] = [
        DataRow("Cruz 2005", None, {"mean_exp": 1, "sd_exp": 1, "n_exp": 5, "mean_ctrl": 2,
                                    "sd_ctrl": 1, "n_ctrl": 5})
    ]  # fmt: skip
    review.meta.rob_tools = []
    review.rob = [r for r in review.rob if r.tool == "RoB 1"]
    review.meta.prisma = None
    review.save(tmp_path / "copy")
    toml = (tmp_path / "copy" / "review.toml").read_text()
    assert 'id = "ae"' not in toml and "[[rob_tools]]" not in toml and "[prisma]" not in toml
    assert '  [[comparisons.outcomes]]\n  id = "sleep"' in toml
    assert "# Ketamine review: kept on save" in toml
    assert (tmp_path / "copy" / "outcomes" / "sleep.csv").read_text() == (
        "study,mean_exp,sd_exp,n_exp,mean_ctrl,sd_ctrl,n_ctrl\nCruz 2005,1,1,5,2,1,5\n"
    )
    assert not (tmp_path / "copy" / "outcomes" / "ae.csv").exists()
    assert store.validate(tmp_path / "copy") == []
    assert mr.load(tmp_path / "copy").meta == review.meta


def test_review_built_in_memory_saves_a_valid_readable_folder(tmp_path: Path) -> None:
    meta = ReviewMeta(
        title="Built in memory",
        comparisons=[Comparison(id="c1", name="A vs B", outcomes=[
            Outcome(id="death", name="Death", data_type="dich", measure="OR",
                    subgroup_by="Dose", subgroups=["low", "high"]),
            Outcome(id="hr", name="Hazard ratio", data_type="giv", measure="HR", log=True,
                    model="random", tau2="REML"),
        ])],
    )  # fmt: skip
    review = Review(
        root=tmp_path / "mem",
        meta=meta,
        studies=[Study("S1", author="Smith", year=2001, extra={"arms": "2"}), Study("S2")],
        data={
            "death": [DataRow("S1", "low", {"events_exp": 1, "n_exp": 10, "events_ctrl": 2,
                                             "n_ctrl": 10}, footnote="ITT")],
            "hr": [DataRow("S2", None, {"estimate": -0.2, "se": 0.15})],
        },
        rob=[RobJudgement("S1", "RoB 1", "Other bias", "low")],
        reported=[ReportedResult("hr", "HR", "Abstract", estimate=0.8, ci_low=0.6, ci_high=1.1)],
    )  # fmt: skip
    review.save()
    root = tmp_path / "mem"
    assert (root / "studies.csv").read_text() == (
        "id,author,year,country,design,arms\nS1,Smith,2001,,,2\nS2,,,,,\n"
    )
    assert (root / "outcomes" / "death.csv").read_text() == (
        "study,subgroup,events_exp,n_exp,events_ctrl,n_ctrl,footnote\nS1,low,1,10,2,10,ITT\n"
    )
    assert (root / "outcomes" / "hr.csv").read_text() == "study,estimate,se\nS2,-0.2,0.15\n"
    toml = (root / "review.toml").read_text()
    assert "[[comparisons]]" in toml and '  data_type = "giv"' in toml and "  log = true" in toml
    assert store.validate(root) == []
    loaded = mr.load(root)
    assert loaded.meta == meta
    assert loaded.data["death"][0].values == {"events_exp": 1, "n_exp": 10, "events_ctrl": 2,
                                              "n_ctrl": 10}  # fmt: skip
    assert loaded.reported[0].ci_high == 1.1


def test_loading_never_modifies_files(tmp_path: Path) -> None:
    good = write_review(tmp_path / "good")
    bad = write_review(tmp_path / "bad", outcomes__ae_csv=AE.replace("3,20,1", "30,20,1"))
    (bad / "notes.csv").write_text("x\n")
    for root in (good, bad):
        before = snapshot(root)
        store.validate(root)
        store.check(root)
        try:
            mr.load(root)
        except ReviewError:
            assert root == bad
        assert snapshot(root) == before
        assert sorted(p.name for p in root.iterdir()) == sorted(
            {Path(rel).parts[0] for rel in before}
        )


def test_save_is_atomic_and_leaves_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_review(tmp_path)
    (root / "studies.csv").chmod(0o640)
    review = mr.load(root)
    review.meta.title = "New title"
    review.study("Amr 2010").country = "Egypt (Cairo)"
    review.save()
    names = [p.name for p in root.rglob("*")]
    assert not [n for n in names if n.endswith(".tmp") or n.startswith(".")], names
    assert (root / "studies.csv").stat().st_mode & 0o777 == 0o640  # permissions kept

    # a failure while replacing leaves the old file whole and no temporary file behind
    review.meta.title = "Another title"

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        review.save()
    monkeypatch.undo()
    assert 'title = "New title"' in (root / "review.toml").read_text()
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_save_refuses_text_the_encoding_cannot_hold(tmp_path: Path) -> None:
    root = write_review(tmp_path)
    (root / "studies.csv").write_bytes(STUDIES.replace(",Bell,", ",Béll,").encode("cp1252"))
    review = mr.load(root)
    review.study("Amr 2010").author = "Ämr ✓"
    with pytest.raises(ReviewError, match="cp1252"):
        review.save()
    review.tables["studies.csv"].encoding = "utf-8"
    review.save()
    assert "Ämr ✓" in (root / "studies.csv").read_text(encoding="utf-8")


# --- validate ------------------------------------------------------------------------------


def only(problems: list[Problem]) -> Problem:
    found = errors(problems)
    assert len(found) == 1, [p.located() for p in problems]
    return found[0]


def test_validate_a_good_review_is_empty(tmp_path: Path) -> None:
    assert mr.validate(write_review(tmp_path)) == []


def test_toml_syntax_error_is_located(tmp_path: Path) -> None:
    toml = TOML.replace('preset = "revman5"', "preset = revman5")
    p = only(store.validate(write_review(tmp_path, review_toml=toml)))
    assert (p.source, p.line, p.column) == ("review.toml", line_of(toml, "preset ="), 10)
    assert "invalid TOML" in p.message and p.fix
    with pytest.raises(ReviewError, match=r"review.toml:5:10"):
        mr.load(tmp_path)


def test_toml_schema_errors_are_located(tmp_path: Path) -> None:
    toml = TOML.replace('data_type = "dich"', 'data_type = "dichotomous"').replace(
        'name = "Ten questions"\n', ""
    )
    problems = store.validate(write_review(tmp_path, review_toml=toml))
    found = errors(problems)
    assert [(p.source, p.line, p.column, p.field, p.value) for p in found] == [
        ("review.toml", line_of(toml, "dichotomous"), 15,
         "comparisons[0].outcomes[1].data_type", "dichotomous"),
        ("review.toml", line_of(toml, "[[rob_tools]]"), 1, "rob_tools[0].name", None),
    ]  # fmt: skip
    assert "'dich', 'cont', 'giv' or 'oe'" in found[0].fix
    assert found[1].message == "the required key name is missing"


def test_engine_settings_unique_ids_and_unknown_keys(tmp_path: Path) -> None:
    toml = (
        TOML.replace('  measure = "RR"', '  measure = "RR"\n  method = "PETO"')
        .replace('  id = "published"', '  id = "pain"')
        .replace('model = "random"', 'modle = "random"')
        .replace("  per_study_data = false", '  per_study_data = false\n  tau2 = "REML"')
    )
    problems = store.validate(write_review(tmp_path, review_toml=toml))
    got = [(p.line, p.field, p.severity) for p in problems]
    assert got == [
        (line_of(toml, "modle"), "comparisons[0].outcomes[0].modle", "notice"),
        (line_of(toml, '"PETO"'), "comparisons[0].outcomes[1].method", "error"),
        (toml.splitlines().index('  id = "pain"') + 1, "comparisons[0].outcomes[2].id", "error"),
        (line_of(toml, 'tau2 = "REML"'), "comparisons[0].outcomes[2].tau2", "error"),
    ]
    assert "misspelt model" in problems[0].message
    assert "Peto odds ratio" in problems[1].message
    assert "also used" in problems[2].message
    assert "random-effects" in problems[3].message


def test_prisma_counts_name_the_box(tmp_path: Path) -> None:
    toml = TOML.replace("records_screened = 380", "records_screened = 390").replace(
        "registers = 0", "registers = -1"
    )
    problems = errors(store.validate(write_review(tmp_path, review_toml=toml)))
    assert [(p.line, p.field) for p in problems] == [
        (line_of(toml, "registers"), "prisma.registers"),
        (line_of(toml, "records_screened"), "prisma.records_screened"),
        (line_of(toml, "reports_sought"), "prisma.reports_sought"),
    ]
    assert "'Records screened'" in problems[1].message and "= 379" in problems[1].message


def test_studies_csv_duplicate_id(tmp_path: Path) -> None:
    studies = STUDIES + "Bell 2001,Bell,2002,,,\nEve 19x9,Eve,19x9,,randomised,\n"
    p = store.validate(write_review(tmp_path, studies_csv=studies))
    assert [(q.source, q.line, q.column, q.field, q.value) for q in errors(p)] == [
        ("studies.csv", 6, 1, "id", "Bell 2001"),
        ("studies.csv", 7, 3, "year", "19x9"),
        ("studies.csv", 7, 5, "design", "randomised"),
    ]
    assert "also line 4" in errors(p)[0].message


def test_outcome_data_events_above_total(tmp_path: Path) -> None:
    ae = AE.replace("Cruz 2005,2,12", "Cruz 2005,13,12")
    p = only(store.validate(write_review(tmp_path, outcomes__ae_csv=ae)))
    assert (p.source, p.line, p.column, p.field, p.value, p.study) == (
        "outcomes/ae.csv",
        3,
        2,
        "events_exp",
        "13",
        "Cruz 2005",
    )
    assert p.located().startswith('outcomes/ae.csv:3:2: events_exp "13": events_exp (13) > ')


def test_outcome_data_checks_match_pool(tmp_path: Path) -> None:
    pain = PAIN.replace("Bell 2001,1 week,2.0,1.0", "Bel 2001,1 week,2.0,-1.0").replace(
        "Amr 2010,30 days", "Amr 2010,3 months"
    )
    ae = "# first line is a comment\nstudy,subgroup,events_exp,n_exp,events_ctrl,n_ctrl\n"
    ae += "Amr 2010,x,3,20,1,2o\n"
    problems = errors(store.validate(write_review(tmp_path, outcomes__pain_csv=pain,
                                                  outcomes__ae_csv=ae)))  # fmt: skip
    got = [(p.source, p.line, p.column, p.field) for p in problems]
    assert got == [
        ("outcomes/pain.csv", 3, 1, "study"),  # not in studies.csv
        ("outcomes/pain.csv", 3, 4, "sd_exp"),  # negative SD, as `metareview pool` says
        ("outcomes/pain.csv", 4, 2, "subgroup"),  # not among the outcome's subgroups
        ("outcomes/ae.csv", 2, 2, "subgroup"),  # the outcome has no subgroup_by
    ]
    assert "did you mean Bell 2001?" in problems[0].fix
    (tmp_path / "outcomes" / "ae.csv").write_text(AE.replace("3,20,1,20", "3,20,1,2o"))
    (tmp_path / "outcomes" / "pain.csv").write_text(PAIN)
    p = only(store.validate(tmp_path))
    assert (p.line, p.column, p.value, p.message) == (2, 5, "2o", "'2o' is not a number")


def test_missing_data_file_and_unused_data_file(tmp_path: Path) -> None:
    root = write_review(tmp_path)
    (root / "outcomes" / "ae.csv").rename(root / "outcomes" / "adverse.csv")
    problems = store.validate(root)
    assert [(p.source, p.line, p.severity) for p in problems] == [
        ("review.toml", line_of(TOML, 'id = "ae"') - 1, "error"),
        ("outcomes/adverse.csv", None, "notice"),
    ]
    assert "outcomes/ae.csv" in problems[0].message and "per_study_data" in problems[0].fix


def test_risk_of_bias_unknown_judgement(tmp_path: Path) -> None:
    rob = ROB.replace("Q1 Random sequence,yes", "Q1 Random sequence,maybe")
    rob += "Cruz 2005,RoB 1,Blinding,Low,\nCruz 2005,RoB 9,D1,low,\n"
    problems = errors(store.validate(write_review(tmp_path, risk_of_bias_csv=rob)))
    got = [(p.source, p.line, p.column, p.value) for p in problems]
    assert got == [
        ("risk_of_bias.csv", 3, 4, "maybe"),
        ("risk_of_bias.csv", 4, 3, "Blinding"),
        ("risk_of_bias.csv", 4, 4, "Low"),
        ("risk_of_bias.csv", 5, 2, "RoB 9"),
    ]
    assert "'yes', 'no', 'unclear'" in problems[0].fix
    assert "'low'" in problems[2].fix and "case-sensitive" in problems[2].fix


def test_reported_results_bad_number(tmp_path: Path) -> None:
    reported = REPORTED.replace(",1.8,0.5,", ",1.8x,0.5,") + "pain,,MD,1,2,0.5,0.o5,,7.5,,,Text\n"
    problems = errors(store.validate(write_review(tmp_path, reported_results_csv=reported)))
    got = [(p.source, p.line, p.column, p.field) for p in problems]
    assert got == [
        ("reported_results.csv", 3, 4, "estimate"),
        ("reported_results.csv", 4, 5, "ci_low"),  # lower limit above upper
        ("reported_results.csv", 4, 7, "p"),
        ("reported_results.csv", 4, 9, "participants"),
    ]
    assert problems[0].value == "1.8x" and "not a number" in problems[0].message


def test_malformed_csv_duplicate_columns_and_missing_columns(tmp_path: Path) -> None:
    studies = STUDIES.replace("Bell 2001,Bell,2001,UK,,low", "Bell 2001,Bell,2001,UK,,low,extra")
    rob = "study,tool,domain,judgement,tool\n"
    reported = "# results\nmeasure,estimate\nMD,1\n"
    problems = errors(store.validate(write_review(
        tmp_path, studies_csv=studies, risk_of_bias_csv=rob, reported_results_csv=reported
    )))  # fmt: skip
    got = [(p.source, p.line, p.column) for p in problems]
    assert got == [("studies.csv", 4, None), ("risk_of_bias.csv", 1, 5),
                   ("reported_results.csv", 2, None)]  # fmt: skip
    assert "7 cells" in problems[0].message
    assert problems[1].message == "duplicate column name"
    assert "outcome" in problems[2].message


def test_several_errors_in_one_run(tmp_path: Path) -> None:
    root = write_review(
        tmp_path,
        review_toml=TOML.replace('label_ctrl = "Control"', "label_ctrl = 3"),
        studies_csv=STUDIES + "Amr 2010,,,,,\n",
        outcomes__ae_csv=AE.replace("Cruz 2005,2,12", "Cruz 2005,13,12"),
        risk_of_bias_csv=ROB.replace("Q1 Random sequence,yes", "Q1 Random sequence,maybe"),
        reported_results_csv=REPORTED.replace(",1.8,0.5,", ",1.8x,0.5,"),
    )
    problems = errors(store.validate(root))
    assert [(p.source, p.line, p.column) for p in problems] == [
        ("review.toml", line_of(TOML, "label_ctrl"), 14),
        ("studies.csv", 6, 1),
        ("outcomes/ae.csv", 3, 2),
        ("risk_of_bias.csv", 3, 4),
        ("reported_results.csv", 3, 4),
    ]
    with pytest.raises(ReviewError) as info:
        mr.load(root)
    assert info.value.problems == problems
    assert str(info.value).startswith(f"5 problems in review {root}:\n  - review.toml:")


def test_schema_errors_do_not_stop_the_other_checks(tmp_path: Path) -> None:
    # the first outcome is invalid: the rest of review.toml still checks the other files
    toml = TOML.replace('  data_type = "cont"', '  data_type = "continuous"').replace(
        '  measure = "RR"', '  measure = "RR"\n  method = "PETO"'
    )
    rob = ROB.replace("Q1 Random sequence,yes", "Q1 Random sequence,maybe")
    problems = store.validate(write_review(tmp_path, review_toml=toml, risk_of_bias_csv=rob))
    assert [(p.source, p.line, p.field) for p in problems] == [
        ("review.toml", line_of(toml, "continuous"), "comparisons[0].outcomes[0].data_type"),
        ("review.toml", line_of(toml, '"PETO"'), "comparisons[0].outcomes[1].method"),
        ("risk_of_bias.csv", 3, "judgement"),
    ]


def test_missing_folder_and_files(tmp_path: Path) -> None:
    assert "does not exist" in store.validate(tmp_path / "nope")[0].message
    (tmp_path / "empty").mkdir()
    problems = store.validate(tmp_path / "empty")
    assert [p.source for p in problems] == ["review.toml", "studies.csv"]
    with pytest.raises(ReviewError):
        mr.load(tmp_path / "empty")


# --- schema, API, CLI ----------------------------------------------------------------------


def test_json_schema_file_is_current() -> None:
    from metareview.review.schema import schema_json

    current = (ROOT / "docs" / "review.schema.json").read_text(encoding="utf-8")
    assert current == schema_json(), (
        "run: python -m metareview.review.schema > docs/review.schema.json"
    )
    out = subprocess.run([sys.executable, "-m", "metareview.review.schema"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(out.stdout)["properties"]["title"]["type"] == "string"


def test_top_level_api_is_lazy() -> None:
    code = (
        "import sys, metareview; "
        "print(any(m.startswith('metareview.review') for m in sys.modules)); "
        "metareview.load; print(','.join(m for m in ('numpy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.split("\n")[:2] == ["False", ""]
    assert mr.validate is store.validate and mr.ReviewError is ReviewError


def test_cli_validate_and_new(tmp_path: Path) -> None:
    root = write_review(tmp_path / "r")
    res = runner.invoke(app, ["validate", str(root)])
    assert res.exit_code == 0, res.output
    assert f"{root}: valid (3 studies, 3 outcomes, 1 comparison" in res.stdout

    # user text with rich markup is printed as it is
    (root / "studies.csv").write_text(STUDIES + "[bold]Amr[/bold],,20x0,,,\n")
    res = runner.invoke(app, ["validate", str(root)])
    assert res.exit_code == 1
    assert 'studies.csv:6:3: year "20x0": the year is not a whole number. Fix:' in res.stdout
    assert "1 problem" in res.stdout

    res = runner.invoke(app, ["new", str(tmp_path / "fresh"), "--title", "[red]T[/red]"])
    assert res.exit_code == 0, res.output
    assert mr.load(tmp_path / "fresh").meta.title == "[red]T[/red]"
    res = runner.invoke(app, ["new", str(root)])
    assert res.exit_code == 1 and "not an empty folder" in res.stderr


def test_reported_certainty_must_be_a_grade_level(tmp_path: Path) -> None:
    import shutil

    src = Path(__file__).resolve().parents[1] / "examples" / "ketamine-neuropathic-pain"
    folder = tmp_path / "r"
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("_build"))
    text = (folder / "reported_results.csv").read_text(encoding="utf-8")
    (folder / "reported_results.csv").write_text(text.replace(",low,", ",lowish,", 1))
    problems = [p for p in store.validate(folder) if p.is_error]
    assert len(problems) == 1
    (p,) = problems
    assert "not a GRADE certainty level" in p.message and p.value == "lowish"
    assert (p.source, p.line, p.column) == ("reported_results.csv", 9, 11)
