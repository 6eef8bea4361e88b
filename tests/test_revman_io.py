"""Tests of the RevMan readers (metareview.io.revman).

Tests marked ``refdata`` need the reference corpus in ``../shared/refdata/revman`` and are
skipped with a reason when it is absent; the others build small files in ``tmp_path``.
"""

from __future__ import annotations

import csv
import math
import pickle
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from metareview.io.revman import (
    Outcome,
    RevManFile,
    RevManFormatError,
    read_revman,
    read_revman5_csv,
    read_revman_web_package,
    read_rm5,
)

REF = Path(__file__).resolve().parents[2] / "shared" / "refdata" / "revman"
RM5 = REF / "rm5"
SKIP_REASON = "../shared/refdata/revman not found: reference data absent"


@pytest.fixture(scope="module")
def ref() -> Path:
    if not REF.is_dir():
        pytest.skip(SKIP_REASON)
    return REF


@pytest.fixture(scope="module")
def rm5_files(ref: Path) -> dict[str, RevManFile]:
    return {p.name: read_rm5(p) for p in sorted((ref / "rm5").glob("*.rm5"))}


def same(a: float, b: float) -> bool:
    """Float equality where nan equals nan."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def fnum(text: str) -> float:
    return float(text) if text.strip() else math.nan


def yes_no(flag: bool) -> str:
    return "YES" if flag else "NO"


def row_data(outcome: Outcome) -> dict[str, tuple[float, float, float, float]]:
    return {r.study: (r.events_1, r.total_1, r.events_2, r.total_2) for r in outcome.all_rows()}


# --------------------------------------------------------------------------- rm5 corpus


@pytest.mark.refdata
def test_all_rm5_files_parse_fast(ref: Path) -> None:
    paths = sorted((ref / "rm5").glob("*.rm5"))
    assert len(paths) == 18
    start = time.perf_counter()
    files = [read_rm5(p) for p in paths]
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"parsing the 18 files took {elapsed:.2f} s"
    assert all(f.format == "rm5" and f.outcomes for f in files)


@pytest.mark.refdata
def test_corpus_counts(ref: Path, rm5_files: dict[str, RevManFile]) -> None:
    with (ref / "INDEX.csv").open(encoding="utf-8", newline="") as handle:
        index = list(csv.DictReader(handle))
    assert len(index) == 553
    with_results = [r for r in index if r["effect_size"].strip()]
    assert len(with_results) == 552
    assert sum(int(r["data_rows"]) for r in with_results) == 3821  # verified against INDEX.csv

    outcomes = [
        o
        for f in rm5_files.values()
        for o in f.outcomes
        if o.has_results and o.data_type in ("DICH", "CONT", "IV")
    ]
    assert len(outcomes) == 552
    assert sum(len(f.outcomes) for f in rm5_files.values()) == 553
    rows = [r for o in outcomes for r in o.all_rows()]
    assert len(rows) == 3821
    assert sum(r.stored.estimable is True for r in rows) == 3402
    assert sum(r.stored.estimable is False for r in rows) == 419
    # 771 subgroup elements in all; 724 carry stored subtotals (ESTIMABLE="YES"), as the
    # README says.  The other 47: 45 subgroups without any estimable row (ESTIMABLE="NO",
    # results 0) and the 2 subgroups of CD008625 CMP-015.05, an outcome with TOTALS="NO".
    subgroups = [s for o in outcomes for s in o.subgroups]
    assert len(subgroups) == 771
    assert sum(s.stored.estimable is True for s in subgroups) == 724
    # tests for subgroup differences: outcomes with >= 2 subgroups with an estimate
    tests = [o for o in outcomes if sum(s.stored.estimable is True for s in o.subgroups) >= 2]
    assert len(tests) == 171


@pytest.mark.refdata
def test_every_outcome_matches_index(ref: Path, rm5_files: dict[str, RevManFile]) -> None:
    with (ref / "INDEX.csv").open(encoding="utf-8", newline="") as handle:
        index = list(csv.DictReader(handle))
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for rec in index:
        outcome = rm5_files[rec["file"]].outcome(rec["outcome_id"])
        seen.add((rec["file"], outcome.id))
        if outcome.data_type == "IV":
            measure = f"(generic, LOG_DATA={yes_no(outcome.log_data)})"
        else:
            measure = outcome.effect_measure
        expected: dict[str, object] = {
            "comparison": outcome.comparison_name,
            "outcome": outcome.name,
            "data_type": outcome.data_type,
            "method": outcome.method,
            "effect_measure": measure,
            "model": "random" if outcome.random else "fixed",
            "subgroups": yes_no(outcome.subgroups_enabled),
            "n_subgroups": str(len(outcome.subgroups)),
            "totals": outcome.totals,
            "subgroup_test": yes_no(outcome.subgroup_test),
            "ci_study": str(outcome.ci_study),
            "ci_total": str(outcome.ci_total),
            "data_rows": str(len(outcome.all_rows())),
        }
        if rec["swap_events"]:
            expected["swap_events"] = yes_no(outcome.swap_events)
        for key, value in expected.items():
            if rec[key] != value:
                problems.append(
                    f"{rec['file']} {rec['outcome_id']} {key}: {rec[key]!r} != {value!r}"
                )
        st = outcome.stored
        numbers = {
            "effect_size": st.effect_size,
            "ci_start": st.ci_start,
            "ci_end": st.ci_end,
            "chi2": st.chi2,
            "df": st.df,
            "i2": st.i2,
            "tau2": st.tau2,
            "z": st.z,
            "p_z": st.p_z,
            "studies": st.studies,
            "q_subgroup": outcome.stored_q,
            "p_q_subgroup": outcome.stored_p_q,
            "i2_q_subgroup": outcome.stored_i2_q,
        }
        for key, number in numbers.items():
            if not same(fnum(rec[key]), number):
                problems.append(f"{rec['file']} {rec['outcome_id']} {key}: {rec[key]} != {number}")
    assert not problems, "\n".join(problems[:30])
    every = {(name, o.id) for name, f in rm5_files.items() for o in f.outcomes}
    assert seen == every


@pytest.mark.refdata
def test_fleiss_aspirin(rm5_files: dict[str, RevManFile]) -> None:
    fleiss = rm5_files["Fleiss1993.rm5"]
    assert fleiss.title == "Examples from Fleiss 1993"
    assert fleiss.revman_version == "5.0.23"
    assert fleiss.encoding == "ISO-8859-1"
    aspirin = fleiss.outcome("CMP-001.01")
    assert (aspirin.data_type, aspirin.method, aspirin.effect_measure) == ("DICH", "MH", "OR")
    assert not aspirin.random
    assert aspirin.totals == "YES"
    assert aspirin.has_results
    assert aspirin.comparison_name == "Examples from Fleiss (1993)"
    assert (aspirin.group_label_1, aspirin.group_label_2) == ("Aspirin", "Control")
    assert aspirin.graph_label_1 == "Favours experimental"
    assert len(aspirin.rows) == 7
    assert aspirin.all_rows() == aspirin.rows
    first = aspirin.rows[0]
    assert first.study == "MRC-1"
    assert first.year == "1974"
    assert first.order == 1
    assert (first.events_1, first.total_1, first.events_2, first.total_2) == (49, 615, 67, 624)
    assert first.stored.effect_size == 0.7197141500975687
    assert first.stored.estimable is True
    assert first.stored.var == 0.038895652988376536  # Peto variance: stored only
    assert math.isnan(first.var)
    assert math.isnan(first.mean_1)
    assert first.attributes["EVENTS_1"] == "49"
    assert "MODIFIED_BY" not in first.attributes
    isis = aspirin.rows[-1]
    assert (isis.study_id, isis.study, isis.year) == ("STD-ISIS_x002d_2", "ISIS-2", "1988")
    assert aspirin.stored.effect_size == 0.8968655609130709
    assert aspirin.stored.studies == 7
    assert aspirin.stored.events_1 == 2128
    assert {s.name for s in fleiss.studies} >= {"ISIS-2", "MRC-1", "Davis"}
    assert len(fleiss.studies) == 12

    cont = fleiss.outcome("CMP-001.02")
    assert not cont.has_results
    assert cont.data_type == "CONT"
    assert cont.method == "IV"
    assert cont.effect_measure == "SMD"
    assert math.isnan(cont.stored.effect_size)
    assert cont.stored.df == 4
    davis = cont.rows[0]
    assert (davis.mean_1, davis.sd_1, davis.total_1) == (5.0, 4.7, 13)
    assert math.isnan(davis.stored.effect_size)
    with pytest.raises(KeyError, match=r"CMP-001\.01"):
        fleiss.outcome("CMP-009.09")


@pytest.mark.refdata
def test_giv_and_subgroups(rm5_files: dict[str, RevManFile]) -> None:
    outcome = rm5_files["CD003188StatsDataOnly.rm5"].outcome("CMP-001.01")
    assert outcome.data_type == "IV"
    assert outcome.method == "IV"
    assert outcome.effect_measure == "Hazard Ratio"
    assert outcome.log_data
    assert outcome.random
    assert outcome.subgroups
    assert not outcome.rows
    assert outcome.all_rows() == tuple(r for s in outcome.subgroups for r in s.rows)
    row = outcome.all_rows()[0]
    assert not math.isnan(row.estimate)
    assert row.se == row.stored.se
    assert outcome.subgroups[0].id == "CMP-001.01.01"
    assert outcome.subgroups[0].no == 1
    sub_totals = rm5_files["CD010590StatsDataOnly.rm5"].outcome("CMP-001.01")
    assert sub_totals.totals == "SUB"
    assert len(sub_totals.subgroups) == 9
    # hidden outcome-level numbers of "subtotals only" analyses: WEIGHT = 100 x subgroups
    assert sub_totals.stored.weight == 900


@pytest.mark.refdata
def test_row_footnote(rm5_files: dict[str, RevManFile]) -> None:
    # In .rm5 files the footnote is a <FOOTNOTE> child of the *_DATA row element.
    cholera = rm5_files["CD008625StatsDataOnly.rm5"]
    noted = [
        (o.id, r)
        for o in cholera.outcomes
        for r in o.all_rows()
        if r.study_id == "STD-Lindenbaum-1967b-PAK" and r.footnotes
    ]
    assert len(noted) == 5
    outcome_id, row = noted[0]
    assert outcome_id == "CMP-011.01"
    assert row.study == "Lindenbaum 1967b PAK"
    assert row.footnotes == (
        "Lindenbaum 1967_B PAK: Tetracycline 125/250 mg qid for 2/3/4 days vs. "
        "Chloramphenicol 125/500 mg qid for 2/3 days.",
    )
    assert sum(len(r.footnotes) for o in cholera.outcomes for r in o.all_rows()) == 136


@pytest.mark.refdata
def test_quality_items_and_characteristics(rm5_files: dict[str, RevManFile]) -> None:
    vitd = rm5_files["CD011564StatsDataOnly.rm5"]
    names = [q.name for q in vitd.quality_items]
    assert names[0] == "Random sequence generation (selection bias)"
    assert "Blinding of outcome assessment (detection bias)" in names
    assert len(vitd.quality_items) == 8
    first = vitd.quality_items[0]
    assert (first.id, first.no, first.level, first.core_item) == ("QIT-01", 1, "STUDY", True)
    assert first.description.startswith("Selection bias (biased allocation")
    assert len(first.entries) == 27
    entry = first.entries[0]
    assert (entry.study_id, entry.result, entry.group_id) == ("STD-Abu_x002d_Mouch-2011", "YES", "")
    assert entry.support == "Sequence generation performed using computer random number generation."
    detection = next(q for q in vitd.quality_items if q.id == "QIT-08")
    assert detection.level == "GROUP"
    assert detection.groups == (("QIG-08.01", "All outcomes"),)
    assert detection.entries[0].group_id == "QIG-08.01"
    assert detection.entries[0].result == "NO"
    assert len(vitd.characteristics) == 27
    assert "Stated aim of study" in vitd.characteristics[0].fields  # enabled user-defined label

    # multi-paragraph support text, joined with "\n"
    ponv = rm5_files["CD012859StatsDataOnly.rm5"]
    aasboe = ponv.quality_items[0].entries[0]
    assert aasboe.study_id == "STD-Aasboe-1998"
    assert aasboe.result == "UNKNOWN"
    assert aasboe.support.split("\n")[1] == (
        "Judgement comment: no further information on sequence generation provided"
    )

    sore = rm5_files["CD000023.pub4-antibiotics-for-sore-throat.rm5"]
    bennike = sore.characteristics[0]
    assert bennike.study_id == "STD-Bennike-1951"
    assert bennike.fields["methods"] == "Open study, quasi-randomised"
    assert set(bennike.fields) == {"methods", "participants", "interventions", "outcomes", "notes"}
    assert bennike.fields["participants"].startswith("669 patients")


@pytest.mark.refdata
def test_iso_8859_1_text(rm5_files: dict[str, RevManFile]) -> None:
    rota = rm5_files["CD008521StatsDataOnly.rm5"]
    assert rota.encoding == "ISO-8859-1"
    rix = next(s for s in rota.studies if s.id == "STD-RIX_x00a0_Anh-2011_x002d_PHL")
    assert rix.name == "RIX\u00a0Anh 2011-PHL"  # byte 0xA0 decoded as a no-break space
    supports = [e.support for q in rota.quality_items for e in q.entries]
    assert any("standard SAS\u00ae program" in s for s in supports)
    assert rm5_files["CD012859StatsDataOnly.rm5"].encoding == "UTF-8"


@pytest.mark.refdata
def test_no_cover_sheet_contact_data(rm5_files: dict[str, RevManFile]) -> None:
    text = repr(rm5_files["CD000023.pub4-antibiotics-for-sore-throat.rm5"])
    assert "Dooley" not in text  # a contact person, also in MODIFIED_BY attributes
    assert "@" not in repr(rm5_files["Fleiss1993.rm5"])


# --------------------------------------------------------------------------- CSV and Web


@pytest.mark.refdata
def test_revman5_csv(ref: Path, rm5_files: dict[str, RevManFile]) -> None:
    data = read_revman5_csv(ref / "revman5-csv-export" / "Fleiss1993_CR.csv")
    assert data.format == "revman5-csv"
    assert data.encoding == "utf-8"
    assert [o.id for o in data.outcomes] == ["CMP-001.01", "CMP-001.02"]
    md = data.outcome("CMP-001.02")
    assert (md.data_type, md.method, md.effect_measure, md.random) == ("CONT", "IV", "MD", False)
    assert md.has_results
    assert len(md.rows) == 5
    davis = md.rows[0]
    assert davis.study == "Davis"
    assert davis.year == "1973"
    assert (davis.mean_1, davis.sd_1, davis.total_1) == (5, 4.7, 13)
    assert (davis.mean_2, davis.sd_2, davis.total_2) == (6.5, 3.8, 13)
    assert math.isnan(davis.events_1)
    assert davis.stored.effect_size == -1.5
    assert davis.stored.se == 1.67630546
    st = md.stored
    assert (st.effect_size, st.ci_start, st.ci_end) == (-0.70938839, -1.25848502, -0.16029176)
    assert (st.chi2, st.df, st.i2, st.z) == (5.66012379, 4, 29.33016758, 2.53211477)
    assert (md.group_label_1, md.graph_label_2) == ("Mental Health Treatment", "Favours control")
    assert md.comparison_name == "Examples from Fleiss (1993)"

    aspirin = data.outcome("CMP-001.01")
    assert (aspirin.data_type, aspirin.method, aspirin.effect_measure) == ("DICH", "MH", "OR")
    assert not aspirin.random
    assert len(aspirin.rows) == 7
    rm5_aspirin = rm5_files["Fleiss1993.rm5"].outcome("CMP-001.01")
    assert row_data(aspirin) == row_data(rm5_aspirin)
    assert [r.study for r in aspirin.rows] == [r.study for r in rm5_aspirin.rows]
    assert [r.order for r in aspirin.rows] == [r.order for r in rm5_aspirin.rows]
    assert aspirin.rows[0].stored.effect_size == 0.71971415
    assert len(data.studies) == 12
    assert data.studies[0].id == "MRC-1"


@pytest.mark.refdata
@pytest.mark.parametrize("kind", ["outer-zip", "inner-zip", "folder"])
def test_web_package(
    ref: Path, rm5_files: dict[str, RevManFile], tmp_path: Path, kind: str
) -> None:
    package = ref / "revmanweb-data-package"
    if kind == "outer-zip":
        path = package / "Fleiss1993.zip"
    elif kind == "folder":
        path = package / "Fleiss1993-analysis-data"
    else:
        with zipfile.ZipFile(package / "Fleiss1993.zip") as zf:
            name = next(n for n in zf.namelist() if n.endswith("-data.zip"))
            path = tmp_path / "package-data.zip"
            path.write_bytes(zf.read(name))
    data = read_revman(path)
    assert data.format == "revman-web"
    assert data.encoding == "utf-8-sig"
    assert len(data.outcomes) == 2
    aspirin, cont = data.outcomes
    assert aspirin.id == "CMP-001.01"
    assert aspirin.has_results
    assert (aspirin.data_type, aspirin.method, aspirin.effect_measure) == ("DICH", "MH", "OR")
    assert not aspirin.random
    assert aspirin.totals == "YES"
    assert aspirin.ci_study == 95
    assert (aspirin.group_label_1, aspirin.group_label_2) == ("", "")
    assert row_data(aspirin) == row_data(rm5_files["Fleiss1993.rm5"].outcome("CMP-001.01"))
    assert aspirin.stored.effect_size == 0.896866
    assert aspirin.stored.df == 6
    amis = aspirin.rows[0]
    assert amis.study == "AMIS"
    assert amis.stored.weight == 10.153491
    assert cont.data_type == "CONT"
    assert cont.effect_measure == "SMD"
    assert not cont.has_results
    assert math.isnan(cont.rows[0].stored.effect_size)
    assert cont.rows[0].mean_1 == 5.0
    assert cont.rows[0].total_2 == 13


# --------------------------------------------------------------------------- synthetic files

SMALL_RM5 = """<?xml version="1.0" encoding="ISO-8859-1" standalone="no"?>
<COCHRANE_REVIEW REVMAN_SUB_VERSION="5.4.1" REVMAN_VERSION="5" ID="1">
<COVER_SHEET><TITLE>Sm\u00f6rg\u00e5sbord review</TITLE>
<CONTACT><PERSON><FIRST_NAME>Ann</FIRST_NAME><LAST_NAME>Secretperson</LAST_NAME>
<EMAIL_1>ann@example.org</EMAIL_1></PERSON></CONTACT></COVER_SHEET>
<STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES>
<STUDY DATA_SOURCE="PUB" ID="STD-M_x00fc_ller-2001" NAME="M\u00fcller 2001" YEAR="2001"
 MODIFIED_BY="Ann Secretperson"/>
</INCLUDED_STUDIES></STUDIES></STUDIES_AND_REFERENCES>
<ANALYSES_AND_DATA CALCULATED_DATA="YES">
<COMPARISON ID="CMP-001" NO="1"><NAME>Drug versus placebo</NAME>
<DICH_OUTCOME CHI2="0.0" DF="0" EFFECT_MEASURE="RR" EFFECT_SIZE="0.5" ESTIMABLE="YES"
 ID="CMP-001.01" METHOD="MH" NO="1" RANDOM="NO" SUBGROUPS="NO" TOTALS="YES" CI_STUDY="90"
 CI_TOTAL="99" SWAP_EVENTS="YES" SCALE="10.0" SORT_BY="YEAR" Q="0.0" TAU2="NaN"
 P_Z="6.844958108730426E-4">
<NAME>Death</NAME><GROUP_LABEL_1>Drug</GROUP_LABEL_1><GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<DICH_DATA EVENTS_1="{events}" TOTAL_1="10" EVENTS_2="4" TOTAL_2="10" ORDER="3"
 STUDY_ID="STD-M_x00fc_ller-2001" EFFECT_SIZE="0.5" ESTIMABLE="YES" MODIFIED_BY="Ann Secretperson">
<FOOTNOTES><FOOTNOTE>first <I>note</I></FOOTNOTE><FOOTNOTE>second</FOOTNOTE></FOOTNOTES>
</DICH_DATA>
<DICH_DATA EVENTS_1="1" TOTAL_1="10" EVENTS_2="1" TOTAL_2="10" STUDY_ID="STD-ISIS_x002d_2"/>
</DICH_OUTCOME>
<IV_OUTCOME ID="CMP-001.02" NO="2" LOG_DATA="YES" RANDOM="YES" EFFECT_SIZE="" TOTALS="SUB">
<NAME>Time to event</NAME><EFFECT_MEASURE>Hazard Ratio</EFFECT_MEASURE>
<IV_SUBGROUP ID="CMP-001.02.01" NO="1" EFFECT_SIZE="0.8" ESTIMABLE="YES"><NAME>Adults</NAME>
<IV_DATA ESTIMATE="-0.2" SE="0.1" STUDY_ID="STD-M_x00fc_ller-2001" TOTAL_1="5" TOTAL_2="6"/>
</IV_SUBGROUP>
</IV_OUTCOME>
<IPD_OUTCOME ID="CMP-001.03" NO="3" EFFECT_SIZE="1.2">
<NAME>Survival</NAME><EFFECT_MEASURE>Peto Odds Ratio</EFFECT_MEASURE>
<IPD_DATA O_E="-1.5" VAR="3.25" STUDY_ID="STD-M_x00fc_ller-2001"/>
</IPD_OUTCOME>
<OTHER_OUTCOME ID="CMP-001.04" NO="4"><NAME>Narrative</NAME>
<OTHER_DATA STUDY_ID="STD-M_x00fc_ller-2001" ORDER="1" CUSTOM="x"/>
</OTHER_OUTCOME>
</COMPARISON>
</ANALYSES_AND_DATA>
</COCHRANE_REVIEW>
"""


def write_rm5(tmp_path: Path, events: str = "2", name: str = "small.rm5") -> Path:
    path = tmp_path / name
    path.write_bytes(SMALL_RM5.replace("{events}", events).encode("iso-8859-1"))
    return path


def test_synthetic_rm5(tmp_path: Path) -> None:
    data = read_revman(write_rm5(tmp_path))
    assert data.title == "Sm\u00f6rg\u00e5sbord review"
    assert data.revman_version == "5.4.1"
    assert data.encoding == "ISO-8859-1"
    assert "Secretperson" not in repr(data)
    assert "ann@example.org" not in repr(data)
    assert [(s.id, s.name) for s in data.studies] == [("STD-M_x00fc_ller-2001", "M\u00fcller 2001")]
    dich, giv, ipd, other = data.outcomes
    assert (dich.ci_study, dich.ci_total, dich.swap_events, dich.scale) == (90, 99, True, 10.0)
    assert dich.sort_by == "YEAR"
    assert dich.stored.p_z == 6.844958108730426e-4
    assert math.isnan(dich.stored.tau2)
    assert math.isnan(dich.stored.weight)
    first, second = dich.rows
    assert first.study == "M\u00fcller 2001"
    assert first.order == 3
    assert first.footnotes == ("first note", "second")
    assert second.study == "ISIS-2"
    assert second.year == ""
    assert second.order is None
    assert second.stored.estimable is None
    assert giv.method == "IV"
    assert giv.effect_measure == "Hazard Ratio"
    assert giv.log_data
    assert not giv.has_results
    assert giv.totals == "SUB"
    assert giv.subgroups[0].name == "Adults"
    assert giv.subgroups[0].stored.effect_size == 0.8
    assert giv.all_rows()[0].estimate == -0.2
    assert giv.all_rows()[0].se == 0.1
    assert (ipd.data_type, ipd.method, ipd.effect_measure) == ("IPD", "PETO", "Peto Odds Ratio")
    assert (ipd.rows[0].o_e, ipd.rows[0].var) == (-1.5, 3.25)
    assert other.data_type == "OTHER"
    assert not other.has_results
    assert other.rows[0].attributes["CUSTOM"] == "x"
    copy = pickle.loads(pickle.dumps(data))
    assert copy == data  # nan fields compare equal: one shared nan object
    assert hash(copy) == hash(data)


def test_truncated_xml(tmp_path: Path) -> None:
    path = write_rm5(tmp_path)
    path.write_bytes(path.read_bytes()[:900])
    with pytest.raises(RevManFormatError, match=r"line \d+, column \d+") as info:
        read_rm5(path)
    assert str(path) in str(info.value)
    assert "Fix:" in str(info.value)


def test_bad_number_in_rm5(tmp_path: Path) -> None:
    with pytest.raises(RevManFormatError) as info:
        read_rm5(write_rm5(tmp_path, events="abc"))
    message = str(info.value)
    for part in ("small.rm5", "CMP-001.01", "M\u00fcller 2001", "EVENTS_1", "'abc'"):
        assert part in message


def test_not_a_review(tmp_path: Path) -> None:
    path = tmp_path / "other.rm5"
    path.write_text('<?xml version="1.0"?><SOMETHING/>', encoding="utf-8")
    with pytest.raises(RevManFormatError, match="COCHRANE_REVIEW"):
        read_rm5(path)
    entity = tmp_path / "entity.rm5"
    entity.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><COCHRANE_REVIEW>&a;</COCHRANE_REVIEW>',
        encoding="utf-8",
    )
    with pytest.raises(RevManFormatError, match="forbidden"):
        read_rm5(entity)


CSV_HEADER = (
    "Comparison Number,Outcome Number,Subgroup Number,Name,Data Type,Statistical Method,"
    "Effect Measure,Analysis Model,Events 1,Total 1,Events 2,Total 2,Effect Estimate,SE,"
    "CI Start,CI End,Weight,Q,P(Q),I²(Q),Tau²,Z,P(Z),Qint,P(Qint),I²(Qint),df,"
    "Year of study,User defined order"
)
CSV_ROWS = [
    "1,0,0,Comparaison é,,,,,,,,,,,,,,,,,,,,,,,,,",
    "1,1,0,Décès,DIC,MH,RR,Random,3,20,6,20,0.5,,0.2,1.2,100,1.1,0.29,10,0.01,1.5,0.13,2,0.15,50,1,,",
    "1,1,1,Adults,DIC,MH,RR,Random,1,10,3,10,0.33,,0.1,1.1,50,0,1,0,0,1.2,0.2,,,,0,,",
    "1,1,1,Müller 2001,,,,,1,10,3,10,0.33,0.9,0.1,1.1,50,,,,,,,,,,,2001,1",
    "1,1,2,Children,DIC,MH,RR,Random,2,10,3,10,0.67,,0.1,1.1,50,0,1,0,0,0.4,0.6,,,,0,,",
    "1,1,2,Smith 2002,,,,,2,10,{x},10,0.67,0.8,0.1,1.1,50,,,,,,,,,,,2002,2",
]


def write_csv(tmp_path: Path, header: str = CSV_HEADER, x: str = "3") -> Path:
    path = tmp_path / "export.csv"
    text = "\r\n".join([header, *CSV_ROWS]).replace("{x}", x) + "\r\n"
    path.write_bytes(text.encode("cp1252"))
    return path


def test_synthetic_csv_cp1252_with_subgroups(tmp_path: Path) -> None:
    data = read_revman(write_csv(tmp_path))
    assert data.encoding == "cp1252"
    assert data.format == "revman5-csv"
    (outcome,) = data.outcomes
    assert outcome.name == "Décès"
    assert outcome.comparison_name == "Comparaison é"
    assert outcome.random
    assert outcome.subgroups_enabled
    assert not outcome.rows
    assert [s.id for s in outcome.subgroups] == ["CMP-001.01.01", "CMP-001.01.02"]
    assert [s.name for s in outcome.subgroups] == ["Adults", "Children"]
    assert outcome.subgroups[0].stored.z == 1.2
    assert (outcome.stored_q, outcome.stored_p_q, outcome.stored_i2_q) == (2, 0.15, 50)
    assert outcome.stored.i2 == 10
    assert outcome.stored.tau2 == 0.01
    assert [r.study for r in outcome.all_rows()] == ["Müller 2001", "Smith 2002"]
    assert [r.order for r in outcome.all_rows()] == [1, 2]
    assert [s.id for s in data.studies] == ["Müller 2001", "Smith 2002"]


def test_csv_missing_column(tmp_path: Path) -> None:
    header = CSV_HEADER.replace("Subgroup Number,", "")
    path = tmp_path / "broken.csv"
    path.write_text("\n".join([header, "1,0,Comparison"]) + "\n", encoding="utf-8")
    with pytest.raises(RevManFormatError) as info:
        read_revman5_csv(path)
    assert "'Subgroup Number'" in str(info.value)
    assert str(path) in str(info.value)


def test_csv_bad_number_names_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path, x="three")
    with pytest.raises(RevManFormatError) as info:
        read_revman5_csv(path)
    message = str(info.value)
    assert "line 7" in message
    assert "'Events 2'" in message
    assert "'three'" in message
    assert str(path) in message


def test_csv_outcome_without_data_type(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(CSV_HEADER + "\n1,1,0,Study A,,,,,1,2,1,2,,,,,,,,,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(RevManFormatError, match=r"line 2: .*Data Type"):
        read_revman5_csv(path)


@pytest.mark.refdata
def test_web_package_errors(ref: Path, tmp_path: Path) -> None:
    with pytest.raises(RevManFormatError, match=r"data-rows\.csv"):
        read_revman_web_package(tmp_path)
    folder = tmp_path / "pkg"
    shutil.copytree(ref / "revmanweb-data-package" / "Fleiss1993-analysis-data", folder)
    rows_csv = next(folder.glob("*-data-rows.csv"))
    text = rows_csv.read_text(encoding="utf-8-sig").replace(",246,2267,", ",2x6,2267,")
    rows_csv.write_text(text, encoding="utf-8-sig")
    with pytest.raises(RevManFormatError, match=r"line 2: column 'Experimental cases'='2x6'"):
        read_revman_web_package(folder)
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(RevManFormatError, match="zip"):
        read_revman(bad_zip)


def test_unrecognised_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(RevManFormatError, match="not recognised"):
        read_revman(path)
