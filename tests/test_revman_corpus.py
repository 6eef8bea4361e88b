"""Every outcome of the 18 real RevMan 5 files reproduces RevMan's stored numbers.

Reference: ``../shared/refdata/revman`` (RevMan 5.x output of published Cochrane reviews;
statistics.md §1.2: 552 outcomes with results, 3,402 estimable study rows, 724 subgroup
totals, 171 tests for subgroup differences).  Tolerances: statistics.md §10, applied in
:mod:`metareview.io.revman_check`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import metareview as mr
from metareview.io.revman import read_revman5_csv, read_revman_web_package, read_rm5
from metareview.io.revman_check import check_file, check_outcome


@pytest.fixture(scope="module")
def corpus(revman_dir: Path) -> dict[str, object]:
    files = sorted((revman_dir / "rm5").glob("*.rm5"))
    return {p.name: check_file(read_rm5(p)) for p in files}


def test_all_552_outcomes_reproduce_revman(corpus: dict) -> None:
    assert len(corpus) == 18
    failures = [
        f"{name} {o.outcome_id}: {o.note} {[str(m) for m in o.mismatches[:3]]}"
        for name, fc in corpus.items()
        for o in fc.outcomes
        if o.status == "mismatch"
    ]
    assert failures == []
    matched = sum(fc.counts()["match"] for fc in corpus.values())
    skipped = [(n, o.outcome_id, o.note) for n, fc in corpus.items() for o in fc.outcomes
               if o.status == "skipped"]  # fmt: skip
    assert matched == 552
    # the one outcome without stored results: Fleiss1993 CMP-001.02 (README "Known oddity")
    assert skipped == [("Fleiss1993.rm5", "CMP-001.02", "RevMan stored no computed results")]


def test_the_check_compares_every_kind_of_number(corpus: dict) -> None:
    # counts of what was compared, to make sure nothing is skipped silently:
    # 3,821 rows each give at least ESTIMABLE + EFFECT_SIZE/WEIGHT...
    compared = sum(o.compared for fc in corpus.values() for o in fc.outcomes)
    assert compared > 38_000
    # max relative error of effects, SEs, CIs, weights, Q, I², tau², Z (not P values):
    # statistics.md §10 observed 4e-13
    worst = max(o.max_rel_error for fc in corpus.values() for o in fc.outcomes)
    assert worst < 1e-12


def test_subgroup_totals_and_tests_are_all_compared(corpus: dict) -> None:
    # statistics.md §1.2: 724 subgroup totals and 171 tests for subgroup differences
    outcomes = [o for fc in corpus.values() for o in fc.outcomes]
    assert sum(o.subgroup_totals for o in outcomes) == 724
    assert sum(o.subgroup_tests for o in outcomes) == 171


@pytest.mark.parametrize(
    ("file", "outcome_id", "what"),
    [
        ("Fleiss1993.rm5", "CMP-001.01", "MH OR fixed"),
        ("CD013210StatsDataOnly.rm5", "CMP-001.02", "MH RR fixed with a zero-cell study"),
        ("CD000023.pub4-antibiotics-for-sore-throat.rm5", "CMP-001.02", "MH RR random + subgroups"),
        ("CD010590StatsDataOnly.rm5", "CMP-001.01", "MH OR random, subtotals only"),
        ("CD008625StatsDataOnly.rm5", "CMP-001.03", "MH RD, double-zero, 1-study subgroup"),
        ("CD008625StatsDataOnly.rm5", "CMP-014.03", "MH RD quirk"),
        ("CD008625StatsDataOnly.rm5", "CMP-009.03", "MH RD single double-zero study"),
        ("CD009865StatsDataOnly.rm5", "CMP-001.04", "Peto OR with zero cells"),
        ("CD008521StatsDataOnly.rm5", "CMP-001.36", "IV OR fixed with zero cells"),
        ("CD012859StatsDataOnly.rm5", "CMP-001.04", "IV RR random + subgroups, double-zero"),
        ("CD007868StatsDataOnly.rm5", "CMP-008.01", "SMD random, 55 rows"),
        ("CD008625StatsDataOnly.rm5", "CMP-001.01", "MD random + subgroups"),
        ("CD003188StatsDataOnly.rm5", "CMP-001.01", "GIV hazard ratio, log data"),
        ("CD007419StatsDataOnly.rm5", "CMP-001.01", "GIV MD fixed"),
        ("CD003188StatsDataOnly.rm5", "CMP-001.05", "df = 0 subgroup"),
    ],
)
def test_anchor_outcomes(revman_dir: Path, file: str, outcome_id: str, what: str) -> None:
    # anchors from ../shared/refdata/revman/README.md "Suggested anchor outcomes"
    check = check_outcome(read_rm5(revman_dir / "rm5" / file).outcome(outcome_id))
    assert check.status == "match", (what, [str(m) for m in check.mismatches])
    assert check.compared > 5


def test_mh_rd_quirk_value(revman_dir: Path) -> None:
    # statistics.md §4.4: RevMan RD -0.016114, SE 0.071734 (meta-style would give -0.015651)
    o = read_rm5(revman_dir / "rm5" / "CD008625StatsDataOnly.rm5").outcome("CMP-014.03")
    rows = o.all_rows()
    data = {
        "study": [r.study for r in rows],
        "events_exp": [r.events_1 for r in rows], "n_exp": [r.total_1 for r in rows],
        "events_ctrl": [r.events_2 for r in rows], "n_ctrl": [r.total_2 for r in rows],
    }  # fmt: skip
    with pytest.warns(mr.exceptions.ContinuityCorrectionWarning):
        res = mr.meta_analysis(data, data_type="dich", measure="RD", method="MH")
    assert res.overall.estimate == pytest.approx(-0.016114, abs=5e-7)
    assert res.overall.se == pytest.approx(0.071734, abs=5e-7)
    assert res.overall.estimate == pytest.approx(o.stored.effect_size, rel=1e-9)


def test_revman5_csv_export_agrees(revman_dir: Path) -> None:
    fc = check_file(read_revman5_csv(revman_dir / "revman5-csv-export" / "Fleiss1993_CR.csv"))
    assert [o.status for o in fc.outcomes] == ["match", "match"]


def test_revman_web_data_package_agrees(revman_dir: Path) -> None:
    for src in (revman_dir / "revmanweb-data-package" / "Fleiss1993.zip",
                revman_dir / "revmanweb-data-package" / "Fleiss1993-analysis-data"):  # fmt: skip
        fc = check_file(read_revman_web_package(src))
        statuses = {o.outcome_id: o.status for o in fc.outcomes}
        # the continuous analysis has all-zero results in the package (not computed)
        assert sorted(statuses.values()) == ["match", "skipped"]


def test_check_detects_a_changed_number(revman_dir: Path, tmp_path: Path) -> None:
    # the check must be able to fail: alter one stored CI bound in a copy of Fleiss1993
    text = (revman_dir / "rm5" / "Fleiss1993.rm5").read_bytes()
    altered = text.replace(b'CI_END="0.9569947088336491"', b'CI_END="0.9569947188336491"')
    assert altered != text
    path = tmp_path / "altered.rm5"
    path.write_bytes(altered)
    fc = check_file(read_rm5(path))
    assert not fc.ok
    bad = [o for o in fc.outcomes if o.status == "mismatch"]
    assert [m.item for m in bad[0].mismatches] == ["CI_END"]
    json.dumps(fc.to_dict(), allow_nan=False)
