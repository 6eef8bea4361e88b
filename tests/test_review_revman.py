"""RevMan 5 interchange: ``import_rm5`` -> save -> load -> ``export_rm5`` -> read and check.

The round trip runs on every RevMan 5 file of the reference data (``../shared``; skipped
when absent) and on small synthetic files that hold what the reference files lack (O-E and
"other data" outcomes, empty subgroups, different CIs for studies and totals, ...).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from metareview.cli import app
from metareview.io.revman import RevManFile, read_rm5
from metareview.io.revman_check import check_file
from metareview.review.model import (
    ROB1,
    Comparison,
    DataRow,
    Outcome,
    Review,
    ReviewMeta,
    RobJudgement,
    Study,
)
from metareview.review.revman import ROB_TOOL_NAME, _num, export_rm5, import_rm5
from metareview.review.store import load, save, validate
from tests.conftest import REVMAN

FILES = sorted(p.name for p in (REVMAN / "rm5").glob("*.rm5")) or ["(reference data absent)"]

# --------------------------------------------------------------------------- comparing files


def _nan(x: float) -> Any:
    return "nan" if isinstance(x, float) and math.isnan(x) else x


def _studies(rm: RevManFile) -> list[tuple[Any, ...]]:
    chars = {c.study_id: dict(c.fields) for c in rm.characteristics}
    return [(s.name, s.year, chars.get(s.id, {})) for s in rm.studies]


def _settings(rm: RevManFile) -> list[tuple[Any, ...]]:
    return [
        (
            o.id, o.no, o.comparison_id, o.comparison_no, o.comparison_name, o.name,
            o.data_type, o.method, o.effect_measure, o.random, o.log_data, o.subgroups_enabled,
            o.subgroup_test, o.totals, o.swap_events, o.ci_study, o.ci_total, o.sort_by,
            _nan(o.scale), o.units, o.group_label_1, o.group_label_2, o.graph_label_1,
            o.graph_label_2, o.attributes.get("SHOW_PARTICIPANTS"),
        )
        for o in rm.outcomes
    ]  # fmt: skip


_VALUES = ("events_1", "total_1", "events_2", "total_2", "mean_1", "sd_1", "mean_2", "sd_2",
           "estimate", "se", "o_e", "var")  # fmt: skip


def _rows(rm: RevManFile) -> list[tuple[Any, ...]]:
    """Every data row: outcome, subgroup name, study, all entered values, footnotes.

    The free-form rows of "other data" outcomes are not imported (a notice says so).
    """
    out = []
    for o in rm.outcomes:
        if o.data_type == "OTHER":
            continue
        for name, rows in [(sg.name, sg.rows) for sg in o.subgroups] or [(None, o.rows)]:
            for r in rows:
                values = tuple(_nan(getattr(r, k)) for k in _VALUES)
                out.append((o.id, name, r.study, values, "\n".join(r.footnotes)))
    return out


def _subgroups(rm: RevManFile) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(o.id, [(sg.name, len(sg.rows)) for sg in o.subgroups]) for o in rm.outcomes]


def _rob(rm: RevManFile) -> set[tuple[str, str, str, str, str]]:
    """Risk of bias: (study, item, outcome group, RevMan result, support)."""
    names = {s.id: s.name for s in rm.studies}
    out = set()
    for q in rm.quality_items:
        groups = dict(q.groups)
        for e in q.entries:
            out.add((names[e.study_id], q.name, groups.get(e.group_id, ""), e.result, e.support))
    return out


def assert_same(original: RevManFile, exported: RevManFile) -> None:
    """The exported file holds the original's studies, data, settings and risk of bias."""
    assert exported.title == original.title
    assert _studies(exported) == _studies(original)
    assert _settings(exported) == _settings(original)
    assert _subgroups(exported) == _subgroups(original)
    assert _rows(exported) == _rows(original)
    assert _rob(exported) == _rob(original)


def assert_checks(path: Path) -> None:
    """``revman check`` recomputes every stored result of the exported file: all match."""
    result = check_file(read_rm5(path))
    mismatches = [str(m) for o in result.outcomes for m in o.mismatches]
    assert result.ok, mismatches[:5]
    assert not mismatches
    skipped = [o.outcome_id for o in result.outcomes if o.status == "skipped"]
    assert skipped == [o.outcome_id for o in result.outcomes if "OTHER" in o.analysis]


# --------------------------------------------------------------------------- every file


@pytest.mark.parametrize("name", FILES)
def test_round_trip(name: str, revman_dir: Path, tmp_path: Path) -> None:
    source = revman_dir / "rm5" / name
    review, _ = import_rm5(source)
    folder = tmp_path / "review"
    save(review, folder)
    errors = [p for p in validate(folder) if p.is_error]
    assert not errors, [str(p) for p in errors[:5]]
    review = load(folder)
    exported = tmp_path / "export.rm5"
    export_rm5(review, exported)
    original = read_rm5(source)
    assert_same(original, read_rm5(exported))
    assert_checks(exported)
    # importing the export gives the review again
    again, _ = import_rm5(exported)
    first, _ = import_rm5(source)
    assert again.meta.model_dump() == first.meta.model_dump()
    assert again.studies == first.studies
    assert again.data == first.data
    assert again.rob == first.rob


def test_corpus_within_a_minute(revman_dir: Path, tmp_path: Path) -> None:
    """Import and export of the largest file (591 studies, 113 outcomes) stay fast."""
    start = time.perf_counter()
    review, _ = import_rm5(revman_dir / "rm5" / "CD012859StatsDataOnly.rm5")
    export_rm5(review, tmp_path / "out.rm5")
    assert time.perf_counter() - start < 10


# --------------------------------------------------------------------------- mapping


def test_fleiss_imports_clean(revman_dir: Path, tmp_path: Path) -> None:
    review, notices = import_rm5(revman_dir / "rm5" / "Fleiss1993.rm5")
    assert notices == []
    save(review, tmp_path / "fleiss")
    assert validate(tmp_path / "fleiss") == []  # no problem, not even a notice
    loaded = load(tmp_path / "fleiss")
    meta = loaded.meta
    assert meta.title == "Examples from Fleiss 1993"
    assert meta.preset == "revman5"
    assert [s.id for s in loaded.studies][:3] == ["AMIS", "CDP", "Davis"]
    assert loaded.study("ISIS-2").year == 1988
    assert list(loaded.studies[0].extra) == [
        "Methods", "Participants", "Interventions", "Outcomes", "Notes"
    ]  # fmt: skip
    (comparison,) = meta.comparisons
    assert (comparison.id, comparison.label_exp, comparison.label_ctrl) == (
        "cmp-001", "Aspirin", "Control"
    )  # fmt: skip
    aspirin, mental = comparison.outcomes
    assert (aspirin.id, aspirin.data_type, aspirin.measure, aspirin.method, aspirin.model) == (
        "cmp-001-01", "dich", "OR", "MH", "fixed"
    )  # fmt: skip
    assert (aspirin.favours_exp, aspirin.favours_ctrl) == (
        "Favours experimental", "Favours control"
    )  # fmt: skip
    assert aspirin.model_extra == {"revman": {"sort_by": "USER"}}
    assert (mental.data_type, mental.measure, mental.method) == ("cont", "SMD", "")
    # this outcome's own group labels (the comparison's are Aspirin / Control)
    assert (mental.label_exp, mental.label_ctrl) == ("Mental Health Treatment", "Control")
    assert not mental.model_extra
    rows = loaded.data["cmp-001-01"]
    assert rows[0] == DataRow(
        "MRC-1", None, {"events_exp": 49, "n_exp": 615, "events_ctrl": 67, "n_ctrl": 624},
        line=2,
    )  # fmt: skip
    (tool,) = meta.rob_tools
    assert tool.name == ROB_TOOL_NAME
    assert tool.domains[:2] == ["Adequate sequence generation?", "Allocation concealment?"]
    assert tool.model_extra == {}  # RevMan 5.0's own items: no description kept
    assert {(j.domain, j.judgement) for j in loaded.rob} == {("Allocation concealment?", "unclear")}
    assert len(loaded.rob) == 12


def test_rob1_and_outcome_groups(revman_dir: Path) -> None:
    """RevMan 5.1+ standard items become RoB 1; YES/NO/UNKNOWN are low/high/unclear risk;
    a judgement for a group of outcomes becomes one row per outcome of the group."""
    source = revman_dir / "rm5" / "CD013656StatsDataOnly.rm5"
    review, _ = import_rm5(source)
    assert review.meta.rob_tools == []  # the built-in RoB 1
    rm = read_rm5(source)
    names = {s.id: s.name for s in rm.studies}
    item = next(q for q in rm.quality_items if q.name.startswith("Allocation"))
    entry = item.entries[0]
    (row,) = [
        j for j in review.rob
        if j.domain == "Allocation concealment" and j.study == names[entry.study_id]
    ]  # fmt: skip
    assert (row.tool, row.judgement, row.support) == (ROB1.name, "unclear", entry.support)
    assert {j.judgement for j in review.rob} == {"low", "high", "unclear"}
    assert {j.domain for j in review.rob} == set(ROB1.domains)
    detection = [
        j for j in review.rob
        if j.study == "Abbou 1995" and j.domain == "Blinding of outcome assessment"
    ]  # fmt: skip
    groups = {j.extra["outcome_group"] for j in detection}
    assert groups == {"Objective outcomes", "Subjective outcomes"}
    assert len(detection) == 8 + 18  # the outcomes the two groups name (REF_IDS)
    assert all(j.outcome.startswith("cmp-") for j in detection)


def test_years_and_duplicates(revman_dir: Path) -> None:
    review, notices = import_rm5(revman_dir / "rm5" / "CD010590StatsDataOnly.rm5")
    odd = [s for s in review.studies if s.extra["revman_year"]]
    assert {s.extra["revman_year"] for s in odd} >= {"2012 Jul", "2007 Oct"}
    assert all(s.year is None for s in odd)
    assert any("revman_year" in str(n) for n in notices)
    _, notices = import_rm5(revman_dir / "rm5" / "CD012859StatsDataOnly.rm5")
    assert sum("stored twice" in str(n) for n in notices) == 3  # identical copies, once each


# --------------------------------------------------------------------------- synthetic file

SYNTHETIC = """<?xml version="1.0" encoding="ISO-8859-1" standalone="no"?>
<COCHRANE_REVIEW REVMAN_SUB_VERSION="5.4.1" REVMAN_VERSION="5" ID="1">
<COVER_SHEET><TITLE>Sm\u00f6rg\u00e5sbord review</TITLE>
<CREATORS><PERSON ROLE="AUTHOR"><FIRST_NAME>Ann</FIRST_NAME><MIDDLE_INITIALS>B</MIDDLE_INITIALS>
<LAST_NAME>Example</LAST_NAME><EMAIL_1>ann@example.org</EMAIL_1></PERSON></CREATORS>
<DATES><LAST_SEARCH><DATE DAY="4" MONTH="3" YEAR="2021"/></LAST_SEARCH></DATES>
</COVER_SHEET>
<STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES>
<STUDY DATA_SOURCE="PUB" ID="STD-M_x00fc_ller-2001" NAME="M\u00fcller 2001" YEAR="2001"/>
<STUDY DATA_SOURCE="PUB" ID="STD-Li-2003" NAME="Li 2003" YEAR="2003 May"/>
<STUDY DATA_SOURCE="PUB" ID="STD-Ode-1999" NAME="Ode 1999" YEAR="1999"/>
</INCLUDED_STUDIES><EXCLUDED_STUDIES><STUDY ID="STD-Out-1990" NAME="Out 1990"/>
</EXCLUDED_STUDIES></STUDIES></STUDIES_AND_REFERENCES>
<CHARACTERISTICS_OF_STUDIES><CHARACTERISTICS_OF_INCLUDED_STUDIES USER_DEF_1_ENABLED="YES"
 USER_DEF_1_NAME="Setting">
<INCLUDED_CHAR STUDY_ID="STD-M_x00fc_ller-2001"><CHAR_METHODS><P>RCT, <B>parallel</B></P>
<P>two centres</P></CHAR_METHODS><CHAR_USER_DEF_1><P>Hospital</P></CHAR_USER_DEF_1>
<CHAR_NOTES><P>Line one <BR/>line two</P></CHAR_NOTES></INCLUDED_CHAR>
</CHARACTERISTICS_OF_INCLUDED_STUDIES></CHARACTERISTICS_OF_STUDIES>
<QUALITY_ITEMS>
<QUALITY_ITEM ID="QIT-01" NO="1" LEVEL="STUDY"><NAME>Sponsor bias</NAME>
<DESCRIPTION><P>Industry funding?</P></DESCRIPTION><QUALITY_ITEM_DATA>
<QUALITY_ITEM_DATA_ENTRY RESULT="NO" STUDY_ID="STD-Li-2003"><DESCRIPTION><P>Funded by maker</P>
</DESCRIPTION></QUALITY_ITEM_DATA_ENTRY>
<QUALITY_ITEM_DATA_ENTRY RESULT="YES" STUDY_ID="STD-Ode-1999"><DESCRIPTION/>
</QUALITY_ITEM_DATA_ENTRY></QUALITY_ITEM_DATA></QUALITY_ITEM>
<QUALITY_ITEM ID="QIT-02" NO="2" LEVEL="GROUP"><NAME>Blinding?</NAME>
<QUALITY_ITEM_DATA_ENTRY_GROUP ID="QIG-02.01" NO="1" REF_IDS="CMP-001.01 CMP-001.02">
<NAME>Hard outcomes</NAME></QUALITY_ITEM_DATA_ENTRY_GROUP>
<QUALITY_ITEM_DATA_ENTRY_GROUP ID="QIG-02.02" NO="2"><NAME>All other outcomes</NAME>
</QUALITY_ITEM_DATA_ENTRY_GROUP>
<QUALITY_ITEM_DATA>
<QUALITY_ITEM_DATA_ENTRY RESULT="UNKNOWN" STUDY_ID="STD-Li-2003" GROUP_ID="QIG-02.01"/>
<QUALITY_ITEM_DATA_ENTRY RESULT="YES" STUDY_ID="STD-Li-2003" GROUP_ID="QIG-02.02">
<DESCRIPTION><P>Double blind</P></DESCRIPTION></QUALITY_ITEM_DATA_ENTRY>
</QUALITY_ITEM_DATA></QUALITY_ITEM>
</QUALITY_ITEMS>
<ANALYSES_AND_DATA CALCULATED_DATA="YES">
<COMPARISON ID="CMP-001" NO="1"><NAME>Drug versus placebo</NAME>
<DICH_OUTCOME EFFECT_MEASURE="RR" ID="CMP-001.01" METHOD="MH" NO="1" RANDOM="NO" SUBGROUPS="YES"
 TOTALS="YES" CI_STUDY="90" CI_TOTAL="99" SWAP_EVENTS="YES" SCALE="10.0" SORT_BY="YEAR"
 SUBGROUP_TEST="NO">
<NAME>Death</NAME><GROUP_LABEL_1>Drug</GROUP_LABEL_1><GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<GRAPH_LABEL_1>Favours drug</GRAPH_LABEL_1><GRAPH_LABEL_2>Favours placebo</GRAPH_LABEL_2>
<DICH_SUBGROUP ID="CMP-001.01.01" NO="1"><NAME>Adults</NAME>
<DICH_DATA EVENTS_1="2" TOTAL_1="10" EVENTS_2="4" TOTAL_2="10" STUDY_ID="STD-M_x00fc_ller-2001">
<FOOTNOTE><P>first line</P><P>second line</P></FOOTNOTE></DICH_DATA>
<DICH_DATA EVENTS_1="0" TOTAL_1="12" EVENTS_2="0" TOTAL_2="11" STUDY_ID="STD-Li-2003"/>
<DICH_DATA EVENTS_1="3" TOTAL_1="12" EVENTS_2="5" TOTAL_2="11" STUDY_ID="STD-Ode-1999"/>
</DICH_SUBGROUP>
<DICH_SUBGROUP ID="CMP-001.01.02" NO="2"><NAME>Children</NAME></DICH_SUBGROUP>
<DICH_SUBGROUP ID="CMP-001.01.03" NO="3"><NAME>Elderly</NAME>
<DICH_DATA EVENTS_1="7" TOTAL_1="30" EVENTS_2="9" TOTAL_2="31" STUDY_ID="STD-Li-2003"/>
</DICH_SUBGROUP>
</DICH_OUTCOME>
<CONT_OUTCOME EFFECT_MEASURE="MD" ID="CMP-001.02" NO="2" RANDOM="YES" TOTALS="SUB"
 SUBGROUPS="YES" UNITS="mm" SCALE="100.0" SORT_BY="STUDY">
<NAME>Pain</NAME><GROUP_LABEL_1>Drug</GROUP_LABEL_1><GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<CONT_SUBGROUP ID="CMP-001.02.01" NO="1"><NAME>Week 1</NAME>
<CONT_DATA MEAN_1="5.5" SD_1="1.5" TOTAL_1="20" MEAN_2="6.5" SD_2="1.7" TOTAL_2="21"
 STUDY_ID="STD-Ode-1999"/>
<CONT_DATA MEAN_1="4.0" SD_1="0" TOTAL_1="20" MEAN_2="6.0" SD_2="1.2" TOTAL_2="20"
 STUDY_ID="STD-Li-2003"/>
<CONT_DATA MEAN_1="4.2" SD_1="1.1" TOTAL_1="25" MEAN_2="5.9" SD_2="1.3" TOTAL_2="24"
 STUDY_ID="STD-M_x00fc_ller-2001"/>
</CONT_SUBGROUP>
<CONT_SUBGROUP ID="CMP-001.02.02" NO="2"><NAME>Week 4</NAME>
<CONT_DATA MEAN_1="3.1" SD_1="1.0" TOTAL_1="20" MEAN_2="5.0" SD_2="1.1" TOTAL_2="21"
 STUDY_ID="STD-Ode-1999"/>
</CONT_SUBGROUP>
</CONT_OUTCOME>
</COMPARISON>
<COMPARISON ID="CMP-002" NO="2"><NAME>Other analyses</NAME>
<IV_OUTCOME ID="CMP-002.01" NO="1" LOG_DATA="YES" RANDOM="YES" SHOW_PARTICIPANTS="NO"
 SCALE="100.0" SORT_BY="STUDY">
<NAME>Time to event</NAME><GROUP_LABEL_1>New</GROUP_LABEL_1><GROUP_LABEL_2>Old</GROUP_LABEL_2>
<EFFECT_MEASURE>Hazard Ratio</EFFECT_MEASURE>
<IV_DATA ESTIMATE="-0.2" SE="0.1" STUDY_ID="STD-M_x00fc_ller-2001" TOTAL_1="5" TOTAL_2="6"/>
<IV_DATA ESTIMATE="0.1" SE="0.25" STUDY_ID="STD-Li-2003" TOTAL_1="8" TOTAL_2="7"/>
</IV_OUTCOME>
<IPD_OUTCOME ID="CMP-002.02" NO="2" SCALE="100.0" SORT_BY="STUDY">
<NAME>Survival</NAME><GROUP_LABEL_1>New</GROUP_LABEL_1><GROUP_LABEL_2>Old</GROUP_LABEL_2>
<EFFECT_MEASURE>Peto Odds Ratio</EFFECT_MEASURE>
<IPD_DATA O_E="-1.5" VAR="3.25" STUDY_ID="STD-M_x00fc_ller-2001"/>
<IPD_DATA O_E="0.5" VAR="2.0" STUDY_ID="STD-Ode-1999"/>
</IPD_OUTCOME>
<OTHER_OUTCOME ID="CMP-002.03" NO="3" SORT_BY="STUDY"><NAME>Narrative</NAME>
<OTHER_DATA STUDY_ID="STD-M_x00fc_ller-2001" ORDER="1"/>
</OTHER_OUTCOME>
</COMPARISON>
<COMPARISON ID="CMP-003" NO="3"><NAME>Planned comparison</NAME></COMPARISON>
</ANALYSES_AND_DATA>
</COCHRANE_REVIEW>
"""


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    path = tmp_path / "synthetic.rm5"
    path.write_bytes(SYNTHETIC.encode("iso-8859-1"))
    return path


def test_synthetic_import(synthetic: Path) -> None:
    review, notices = import_rm5(synthetic)
    meta = review.meta
    assert meta.title == "Sm\u00f6rg\u00e5sbord review"
    assert meta.authors == ["Ann B Example"]
    assert "ann@example.org" not in repr(review)
    assert meta.search.last_search == "2021-03-04"
    assert [c.id for c in meta.comparisons] == ["cmp-001", "cmp-002", "cmp-003"]
    assert meta.comparisons[2].outcomes == []  # an empty comparison is kept
    death, pain = meta.comparisons[0].outcomes
    assert (death.ci, death.swap_events, death.subgroup_by) == (99, True, "Subgroup")
    assert death.subgroups == ["Adults", "Children", "Elderly"]  # the empty one kept
    assert death.model_extra == {
        "revman": {"ci_study": 90, "scale": 10.0, "sort_by": "YEAR", "subgroup_test": False}
    }
    assert (pain.totals, pain.model, pain.allow_not_estimable) == ("sub", "random", True)
    hr, peto, other = meta.comparisons[1].outcomes
    assert (hr.data_type, hr.measure, hr.log, hr.model) == ("giv", "Hazard Ratio", True, "random")
    assert (peto.data_type, peto.measure) == ("oe", "Peto Odds Ratio")
    assert not other.per_study_data
    assert "other data" in other.model_extra["note"]
    assert other.model_extra["revman"]["data_type"] == "OTHER"
    assert "cmp-002-03" not in review.data
    adults = review.data["cmp-001-01"][0]
    assert (adults.subgroup, adults.footnote) == ("Adults", "first line\nsecond line")
    assert review.data["cmp-002-02"][1].values == {"o_minus_e": 0.5, "variance": 2.0}
    assert review.data["cmp-002-01"][1].values == {
        "estimate": 0.1, "se": 0.25, "n_exp": 8, "n_ctrl": 7
    }  # fmt: skip
    muller = review.study("M\u00fcller 2001")
    assert muller.extra["Methods"] == "RCT, parallel\ntwo centres"
    assert muller.extra["Setting"] == "Hospital"
    assert muller.extra["Notes"] == "Line one \nline two"
    li = review.study("Li 2003")
    assert (li.year, li.extra["revman_year"]) == (None, "2003 May")
    (tool,) = meta.rob_tools
    assert tool.domains == ["Sponsor bias", "Blinding?"]
    # descriptions that are not RevMan's own for the item name (5.0's "Blinding?" has one)
    descriptions = {"Sponsor bias": "Industry funding?", "Blinding?": ""}
    assert tool.model_extra == {"revman": {"descriptions": descriptions}}
    rob = {
        (j.study, j.domain, j.judgement, j.outcome, j.extra["outcome_group"]) for j in review.rob
    }
    assert rob == {
        ("Li 2003", "Sponsor bias", "high", "", ""),
        ("Ode 1999", "Sponsor bias", "low", "", ""),
        ("Li 2003", "Blinding?", "unclear", "cmp-001-01", "Hard outcomes"),
        ("Li 2003", "Blinding?", "unclear", "cmp-001-02", "Hard outcomes"),
        ("Li 2003", "Blinding?", "low", "", "All other outcomes"),
    }
    text = "\n".join(map(str, notices))
    assert "OTHER outcomes cannot be analysed" in text
    assert "1 data rows not imported" in text
    assert "not imported: 1 excluded" in text


def test_synthetic_round_trip(synthetic: Path, tmp_path: Path) -> None:
    review, _ = import_rm5(synthetic)
    save(review, tmp_path / "review")
    assert [p for p in validate(tmp_path / "review") if p.is_error] == []
    loaded = load(tmp_path / "review")
    for encoding in ("UTF-8", "ISO-8859-1"):
        out = tmp_path / f"export-{encoding}.rm5"
        notices = export_rm5(loaded, out, encoding=encoding)
        assert notices == []
        assert out.read_bytes().startswith(
            f'<?xml version="1.0" encoding="{encoding}" standalone="no"?>\n'.encode()
        )
        exported = read_rm5(out)
        original = read_rm5(synthetic)
        assert _settings(exported) == _settings(original)
        assert _subgroups(exported) == _subgroups(original)
        assert _rows(exported) == _rows(original)
        assert _rob(exported) == _rob(original)
        # every study gets every characteristic (empty where the original had none)
        name, year, chars = _studies(exported)[0]
        assert (name, year) == _studies(original)[0][:2]
        assert chars == {
            "methods": "RCT, parallel\ntwo centres", "participants": "", "interventions": "",
            "outcomes": "", "Setting": "Hospital", "notes": "Line one \nline two",
        }  # fmt: skip
        assert_checks(out)
        again, _ = import_rm5(out)
        assert again.meta.model_dump() == review.meta.model_dump()
        assert again.data == review.data
        assert again.rob == review.rob
    # the empty subgroup's totals: no studies, not estimable
    death = read_rm5(tmp_path / "export-UTF-8.rm5").outcomes[0]
    children = death.subgroups[1]
    assert (children.name, children.stored.studies, children.stored.estimable) == (
        "Children", 0, False
    )  # fmt: skip
    assert death.stored.studies == 3  # Li 2003 counted once


def test_export_of_a_review_built_in_memory(tmp_path: Path) -> None:
    outcome = Outcome(
        id="pain", name="Pain", data_type="cont", measure="MD", model="random",
        subgroup_by="Time", subgroups=["1 week", "4 weeks"],
    )  # fmt: skip
    meta = ReviewMeta.model_validate(
        {
            "title": "Ketamine",
            "authors": ["J. Pereira"],
            "search": {"last_search": "2022-01"},
            "question": {"population": "Adults"},
            "comparisons": [Comparison(id="k-vs-c", name="Ketamine vs control",
                                       label_exp="Ketamine", outcomes=[outcome])],
        }
    )  # fmt: skip

    def row(study: str, sub: str, m: float) -> DataRow:
        values = {"mean_exp": m, "sd_exp": 1.0, "n_exp": 10.0, "mean_ctrl": 5.0,
                  "sd_ctrl": 1.2, "n_ctrl": 11.0}  # fmt: skip
        return DataRow(study, sub, values)

    review = Review(
        root=tmp_path,
        meta=meta,
        studies=[Study("Amr 2010", year=2010, country="Egypt"), Study("Bo 2012", year=2012)],
        data={
            "pain": [
                row("Amr 2010", "1 week", 4.0),
                row("Bo 2012", "4 weeks", 3.5),
                row("Bo 2012", "1 week", 4.4),
            ]
        },
        rob=[
            RobJudgement("Amr 2010", ROB1.name, "Allocation concealment", "low", "Sealed"),
            RobJudgement(
                "Bo 2012",
                ROB1.name,
                "Blinding of outcome assessment",
                "high",
                "Open",
                outcome="pain",
            ),
        ],
    )
    out = tmp_path / "out.rm5"
    notices = export_rm5(review, out)
    assert [n.where for n in notices] == ["review.toml"]  # the question is not exported
    rm = read_rm5(out)
    assert rm.title == "Ketamine"
    (o,) = rm.outcomes
    assert (o.id, o.data_type, o.effect_measure, o.random, o.totals) == (
        "CMP-001.01", "CONT", "MD", True, "YES"
    )  # fmt: skip
    assert (o.group_label_1, o.group_label_2) == ("Ketamine", "Control")
    assert [(sg.name, [r.study for r in sg.rows]) for sg in o.subgroups] == [
        ("1 week", ["Amr 2010", "Bo 2012"]), ("4 weeks", ["Bo 2012"])
    ]  # fmt: skip
    assert_checks(out)
    assert _rob(rm) == {
        ("Amr 2010", "Allocation concealment (selection bias)", "", "YES", "Sealed"),
        ("Bo 2012", "Blinding of outcome assessment (detection bias)", "Pain", "NO", "Open"),
    }
    item = next(q for q in rm.quality_items if q.name.startswith("Blinding of outcome"))
    assert item.level == "GROUP"
    assert [(c.study_id, dict(c.fields)["Country"]) for c in rm.characteristics] == [
        ("STD-Amr-2010", "Egypt"), ("STD-Bo-2012", "")
    ]  # fmt: skip
    again, _ = import_rm5(out)
    assert again.meta.authors == ["J. Pereira"]
    assert again.meta.search.last_search == "2022-01"
    (judged,) = [j for j in again.rob if j.study == "Bo 2012"]
    assert (judged.outcome, judged.extra["outcome_group"]) == ("cmp-001-01", "Pain")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0.0"), (5.0, "5.0"), (100.00000000000001, "100.00000000000001"),
        (1.9589112895939022e-08, "1.9589112895939022E-8"), (12345678.0, "1.2345678E7"),
        (-0.001, "-0.001"), (-2.5e-4, "-2.5E-4"), (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"), (None, ""),
    ],
)  # fmt: skip
def test_numbers_as_revman_writes_them(value: float | None, text: str) -> None:
    assert _num(value) == text
    if value is not None and math.isfinite(value):
        assert float(text) == value


# --------------------------------------------------------------------------- command line


def test_cli_import_export(synthetic: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "review"
    result = runner.invoke(app, ["import", "revman", str(synthetic), str(folder)])
    assert result.exit_code == 0, result.output
    assert "3 studies, 3 comparisons, 5 outcomes" in result.output
    assert "notice: " in result.output
    assert (folder / "review.toml").is_file()
    assert (folder / "outcomes" / "cmp-001-01.csv").is_file()
    again = runner.invoke(app, ["import", "revman", str(synthetic), str(folder)])
    assert again.exit_code == 1
    assert "not empty" in again.output and "--force" in again.output
    forced = runner.invoke(app, ["import", "revman", str(synthetic), str(folder), "--force"])
    assert forced.exit_code == 0, forced.output
    out = tmp_path / "out.rm5"
    exported = runner.invoke(app, ["export", "revman", str(folder), str(out)])
    assert exported.exit_code == 0, exported.output
    assert "wrote" in exported.output
    refused = runner.invoke(app, ["export", "revman", str(folder), str(out)])
    assert refused.exit_code == 1
    assert "exists" in refused.output
    replaced = runner.invoke(app, ["export", "revman", str(folder), str(out), "--force"])
    assert replaced.exit_code == 0, replaced.output
    check = runner.invoke(app, ["revman", "check", str(out)])
    assert check.exit_code == 0, check.output
    assert "all stored results reproduced" in check.output


def test_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.rm5"
    bad.write_text("<?xml version='1.0'?><NOT_A_REVIEW/>", encoding="utf-8")
    result = runner.invoke(app, ["import", "revman", str(bad), str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "COCHRANE_REVIEW" in result.output
    missing = runner.invoke(app, ["export", "revman", str(tmp_path / "nope"), str(bad) + "x"])
    assert missing.exit_code == 1
    assert "review.toml" in missing.output
