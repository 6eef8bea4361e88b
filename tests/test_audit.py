"""metareview.audit: planted inconsistencies of every kind, consistent data, the examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import metareview as mr
from metareview.audit import Finding, audit
from metareview.cli import app
from metareview.review.model import (
    Comparison,
    Outcome,
    ReportedResult,
    Review,
    ReviewMeta,
    Study,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
KETAMINE = EXAMPLES / "ketamine-neuropathic-pain"
ASPIRIN = EXAMPLES / "aspirin-fleiss1993"


def _outcomes() -> list[Outcome]:
    return [
        Outcome(id="pain", name="Pain", data_type="cont", measure="MD", per_study_data=False),
        Outcome(id="ae", name="Adverse events", data_type="dich", measure="RR",
                per_study_data=False),
    ]  # fmt: skip


def _review(
    rows: list[ReportedResult],
    grade: list[dict[str, Any]] | None = None,
    studies: list[Study] | None = None,
) -> Review:
    extra: dict[str, Any] = {}
    if grade is not None:
        extra["grade"] = {"source": "Table 2", "outcomes": grade}
    meta = ReviewMeta(
        title="t",
        comparisons=[Comparison(id="c", name="c", outcomes=_outcomes())],
        **extra,
    )
    return Review(root=Path("/nonexistent"), meta=meta, studies=studies or [], reported=rows)


def _row(outcome: str = "pain", measure: str = "MD", **kw: Any) -> ReportedResult:
    """A reported row; numbers given as text keep their printed precision."""
    text: dict[str, str] = {}
    for key in ("estimate", "ci_low", "ci_high", "i2"):
        if isinstance(kw.get(key), str):
            text[key] = kw[key]
            kw[key] = float(kw[key])
    kw.setdefault("location", "Results")
    return ReportedResult(outcome=outcome, measure=measure, text=text, **kw)


def _checks(findings: list[Finding]) -> list[str]:
    return sorted(f.check for f in findings)


# --- consistent data --------------------------------------------------------------------


def test_consistent_results_give_no_findings() -> None:
    rows = [
        _row(estimate="-1.00", ci_low="-1.50", ci_high="-0.50", p="<0.0001", i2="0",
             participants=100, studies=3, certainty="moderate", location="Abstract"),
        _row(estimate="-1.0", ci_low="-1.5", ci_high="-0.5", p="p = 0.0001",
             participants=100, studies=3, certainty="moderate", location="Table 2"),
        _row("ae", "RR", estimate="4.94", ci_low="2.76", ci_high="8.84", p="<0.00001",
             participants=266, studies=9, extra={"events_exp": "56/132", "events_ctrl": "8/134"}),
        _row("ae", "RR", estimate="4.06", ci_low="1.18", ci_high="13.95", p="0.03",
             subgroup="s", i2="20", extra={"q": "2.50", "df": "2"}),
        _row(estimate="-3.22", ci_low="-7.66", ci_high="1.22", p="0.15", subgroup="3 months"),
    ]  # fmt: skip
    grade = [
        {"outcome": "ae", "risk_of_bias": "No serious limitations",
         "inconsistency": "No serious limitations", "indirectness": "No serious",
         "imprecision": "Serious imprecision", "publication_bias": "Undetected",
         "certainty": "moderate", "events_control": "8/134", "relative_effect": "4.94 (2.76–8.84)",
         "risk_control": "60 per 1000", "absolute_effect": "236 more per 1000"},
    ]  # fmt: skip
    assert audit(_review(rows, grade)) == []


# --- one planted inconsistency of each kind ---------------------------------------------


def test_estimate_outside_ci() -> None:
    found = audit(_review([_row(estimate="2.50", ci_low="0.10", ci_high="2.00")]))
    assert _checks(found) == ["ci-symmetry", "estimate-in-ci"]
    f = next(f for f in found if f.check == "estimate-in-ci")
    assert f.severity == "error"
    assert f.numbers == {"estimate": "2.50", "ci_low": "0.10", "ci_high": "2.00"}


def test_reversed_ci() -> None:
    found = audit(_review([_row(estimate="1.00", ci_low="2.00", ci_high="0.50")]))
    assert [f.check for f in found if f.severity == "error"] == ["estimate-in-ci"]
    assert "above its upper limit" in found[0].message


def test_ratio_must_be_positive() -> None:
    found = audit(_review([_row("ae", "RR", estimate="-0.50", ci_low="-1.00", ci_high="0.20")]))
    assert [f.check for f in found] == ["estimate-in-ci"]


def test_asymmetric_ci_on_log_scale() -> None:
    found = audit(_review([_row("ae", "RR", estimate="2.00", ci_low="1.50", ci_high="3.50")]))
    assert _checks(found) == ["ci-symmetry"]
    assert found[0].severity == "warning"
    assert "2.29" in found[0].consistent_value  # sqrt(1.5 * 3.5)


def test_symmetry_allows_for_rounding() -> None:
    # -1.30 [-2.04, -0.57]: half-widths 0.74 and 0.73, within the printed rounding
    row = _row(estimate="-1.30", ci_low="-2.04", ci_high="-0.57", p="0.0005")
    assert audit(_review([row])) == []
    # a linear (MD) CI that is symmetric on the log scale is not symmetric
    found = audit(_review([_row(estimate="2.00", ci_low="1.00", ci_high="4.00")]))
    assert _checks(found) == ["ci-symmetry"]


def test_p_inconsistent_with_ci() -> None:
    found = audit(_review([_row(estimate="-1.00", ci_low="-1.50", ci_high="-0.50", p="0.03")]))
    assert _checks(found) == ["p-value"]
    f = found[0]
    assert f.severity == "error"
    assert f.numbers["p"] == "0.03"
    assert f.consistent_value.startswith("p ≈ 8.9e-05")


def test_p_range_accounts_for_rounding() -> None:
    # p at the printed numbers is 0.924 (0.92) but 0.93 is reachable within rounding
    row = _row(estimate="-0.02", ci_low="-0.43", ci_high="0.39", p="0.93")
    assert audit(_review([row])) == []
    row = _row(estimate="-0.02", ci_low="-0.43", ci_high="0.39", p="0.80")
    assert _checks(audit(_review([row]))) == ["p-value"]


def test_unreadable_p_is_a_note() -> None:
    found = audit(_review([_row(estimate="-1.00", ci_low="-1.50", ci_high="-0.50", p="n.s.")]))
    assert [(f.severity, f.check) for f in found] == [("note", "p-value")]


def test_i2_inconsistent_with_q() -> None:
    row = _row(i2="50", extra={"q": "10.00", "df": "4"})
    found = audit(_review([row]))
    assert _checks(found) == ["i2"]
    assert found[0].consistent_value == "I² = 60%"


def test_i2_with_q_and_studies_as_df() -> None:
    assert _checks(audit(_review([_row(i2="50", studies=5, extra={"q": "10.0"})]))) == ["i2"]
    assert audit(_review([_row(i2="60", studies=5, extra={"q": "10.0"})])) == []


def test_i2_single_study_and_range() -> None:
    assert _checks(audit(_review([_row(i2="30", studies=1)]))) == ["i2"]
    assert _checks(audit(_review([_row(i2="130")]))) == ["i2"]


def test_participants_vs_event_denominators() -> None:
    row = _row("ae", "RR", participants=120,
               extra={"events_exp": "10/50", "events_ctrl": "5/50"})  # fmt: skip
    found = audit(_review([row]))
    assert _checks(found) == ["totals"]
    assert found[0].consistent_value == "100 participants"


def test_more_events_than_participants() -> None:
    row = _row("ae", "RR", extra={"events_exp": "60/50", "events_ctrl": "5/50"})
    assert _checks(audit(_review([row]))) == ["totals"]


def test_participants_vs_randomised() -> None:
    studies = [
        Study(id="A", design="parallel", extra={"n_randomised": "40"}),
        Study(id="B", design="parallel", extra={"n_randomised": "30"}),
        Study(id="C", design="cross-over", extra={"n_randomised": "10 (cross-over)"}),
    ]
    row = _row(participants=80, studies=2, extra={"studies_cited": "A; B"})
    found = audit(_review([row], studies=studies))
    assert _checks(found) == ["totals"]
    assert found[0].numbers == {"participants": 80, "randomised": 70}
    # not clearly comparable (a cross-over trial): not checked
    row = _row(participants=80, studies=2, extra={"studies_cited": "A; C"})
    assert audit(_review([row], studies=studies)) == []


def test_studies_vs_cited_and_included() -> None:
    studies = [Study(id="A"), Study(id="B")]
    found = audit(_review([_row(studies=3, extra={"studies_cited": "A; B"})], studies=studies))
    assert [(f.check, f.severity) for f in found] == [("studies", "error"), ("studies", "error")]
    assert any("review includes 2" in f.message for f in found)
    found = audit(_review([_row(studies=2, extra={"studies_cited": "A; X"})], studies=studies))
    assert [(f.check, f.severity) for f in found] == [("studies", "warning")]


def test_studies_vs_reference_numbers() -> None:
    found = audit(_review([_row(studies=6, extra={"refs_as_printed": "28–35,31,37"})]))
    assert _checks(found) == ["studies"]
    assert found[0].numbers["references"] == 9
    assert audit(_review([_row(studies=5, extra={"refs_as_printed": "25–27,29,42"})])) == []


@pytest.mark.parametrize(
    ("key", "a", "b"),
    [
        ("estimate", "-1.00", "-1.20"),
        ("ci_low", "-1.50", "-1.60"),
        ("ci_high", "-0.50", "-0.40"),
        ("p", "<0.0001", "0.0007"),
        ("i2", "40", "45"),
        ("participants", 100, 110),
        ("studies", 3, 4),
        ("certainty", "low", "very low"),
    ],
)
def test_same_result_printed_differently(key: str, a: Any, b: Any) -> None:
    base: dict[str, Any] = {"estimate": "-1.00", "ci_low": "-1.50", "ci_high": "-0.50"}
    one = _row(**{**base, key: a}, location="Abstract")
    two = _row(**{**base, key: b}, location="Table 2")
    found = [f for f in audit(_review([one, two])) if f.check == "same-result"]
    assert len(found) == 1
    f = found[0]
    assert f.severity == "error"
    assert f.locations == ["Abstract", "Table 2"]
    assert f.numbers == {f"{key} (Abstract)": str(a), f"{key} (Table 2)": str(b)}


def test_same_result_events_and_rounding() -> None:
    one = _row("ae", "RR", extra={"events_exp": "56/132"}, location="Results")
    two = _row("ae", "RR", extra={"events_exp": "55/132"}, location="Table 2")
    assert _checks(audit(_review([one, two]))) == ["same-result"]
    # 1.3 and 1.30 are the same number; different subgroups are different quantities
    rows = [
        _row(estimate="1.3", location="Abstract"),
        _row(estimate="1.30", location="Results"),
        _row(estimate="2.00", location="Results", subgroup="s"),
    ]
    assert audit(_review(rows)) == []


def test_same_result_p_says_what_is_consistent() -> None:
    rows = [
        _row("ae", "RR", estimate="4.94", ci_low="2.76", ci_high="8.84", p="<0.00001",
             location="Abstract"),
        _row("ae", "RR", estimate="4.94", ci_low="2.76", ci_high="8.84", p="0.0007",
             location="Table 2"),
    ]  # fmt: skip
    found = audit(_review(rows))
    assert _checks(found) == ["p-value", "same-result"]
    same = next(f for f in found if f.check == "same-result")
    assert "(<0.00001)" in same.consistent_value


def _grade(**kw: Any) -> dict[str, Any]:
    entry = {
        "outcome": "ae", "risk_of_bias": "No serious limitations",
        "inconsistency": "No serious limitations", "indirectness": "No serious limitations",
        "imprecision": "Serious imprecision", "publication_bias": "Undetected",
        "certainty": "moderate",
    }  # fmt: skip
    entry.update(kw)
    return entry


def test_grade_certainty_from_domains() -> None:
    found = audit(_review([], [_grade(certainty="low")]))
    assert _checks(found) == ["grade-certainty"]
    assert found[0].consistent_value == "moderate"
    assert found[0].severity == "warning"
    # very serious (-2) and an upgrade (+1); observational studies start at low
    assert audit(_review([], [_grade(imprecision="Very serious", certainty="low")])) == []
    assert audit(_review([], [_grade(large_effect="+1", certainty="high")])) == []
    entry = _grade(design="observational", imprecision="No serious", certainty="low")
    assert audit(_review([], [entry])) == []
    found = audit(_review([], [_grade(inconsistency="Serious", certainty="XXXX VERY LOW")]))
    assert [f.consistent_value for f in found] == ["low"]


def test_grade_rating_not_understood_is_a_note() -> None:
    found = audit(_review([], [_grade(indirectness="some doubts")]))
    assert [(f.severity, f.check) for f in found] == [("note", "grade-certainty")]


def test_absolute_effect() -> None:
    entry = _grade(relative_effect="2.00 (1.50–2.67)", risk_control="100 per 1000",
                   absolute_effect="150 more per 1000")  # fmt: skip
    found = audit(_review([], [entry]))
    assert _checks(found) == ["absolute-effect"]
    assert found[0].severity == "error"
    assert found[0].consistent_value == "100 more per 1000"
    ok = _grade(relative_effect="2.00 (1.50–2.67)", risk_control="100 per 1000",
                absolute_effect="100 more per 1000")  # fmt: skip
    assert audit(_review([], [ok])) == []
    fewer = _grade(relative_effect="0.50 (0.30–0.83)", risk_control="200 per 1000",
                   absolute_effect="100 fewer per 1000")  # fmt: skip
    assert audit(_review([], [fewer])) == []


def test_impossible_corresponding_risk() -> None:
    entry = _grade(relative_effect="6.00 (3.00–12.00)", risk_control="200 per 1000",
                   absolute_effect="1000 more per 1000")  # fmt: skip
    found = audit(_review([], [entry]))
    assert _checks(found) == ["absolute-effect"]
    assert "impossible" in found[0].message


def test_absolute_effect_not_readable_is_a_note() -> None:
    entry = _grade(relative_effect="2.00 (1.50–2.67)", risk_control="moderate",
                   absolute_effect="more")  # fmt: skip
    assert [(f.severity, f.check) for f in audit(_review([], [entry]))] == [
        ("note", "absolute-effect")
    ]


def test_comparator_risk_vs_pooled_control_events() -> None:
    entry = _grade(relative_effect="2.00 (1.50–2.67)", risk_control="200 per 1000",
                   absolute_effect="200 more per 1000", events_control="10/100")  # fmt: skip
    found = audit(_review([], [entry]))
    assert [(f.severity, f.check) for f in found] == [("note", "comparator-risk")]
    assert found[0].consistent_value == "100 more per 1000"


def test_grade_profile_is_a_place_when_not_in_reported_results() -> None:
    row = _row("ae", "RR", estimate="4.94", ci_low="2.76", ci_high="8.84", p="<0.00001",
               participants=266, studies=9)  # fmt: skip
    entry = _grade(p="0.0007", participants=266, studies=9, relative_effect="4.94 (2.76–8.84)")
    found = audit(_review([row], [entry]))
    assert _checks(found) == ["p-value", "same-result"]
    assert all(any("[grade] Table 2" in loc for loc in f.locations) for f in found)


def test_measure_differs_from_outcome() -> None:
    found = audit(_review([_row(measure="SMD")]))
    assert _checks(found) == ["measure"]


def test_direction_vs_events() -> None:
    row = _row("ae", "RR", estimate="0.50", ci_low="0.25", ci_high="1.00",
               extra={"events_exp": "40/100", "events_ctrl": "10/100"})  # fmt: skip
    assert _checks(audit(_review([row]))) == ["direction"]


def test_reported_vs_computed(tmp_path: Path) -> None:
    review = mr.load(ASPIRIN)
    _, outcome = review.meta.outcomes()[0]
    results = mr.build(review)
    g = results.outcomes[0].result
    assert g is not None
    ov = g.overall
    good = _row(outcome.id, outcome.measure, estimate=f"{ov.estimate:.2f}",
                ci_low=f"{ov.ci_low:.2f}", ci_high=f"{ov.ci_high:.2f}",
                participants=round(ov.n_exp + ov.n_ctrl), studies=ov.studies)  # fmt: skip
    review.reported = [good]
    assert audit(review) == []
    bad = _row(outcome.id, outcome.measure, estimate=f"{ov.estimate:.2f}",
               ci_low=f"{ov.ci_low:.2f}", ci_high=f"{ov.ci_high:.2f}",
               participants=round(ov.n_exp + ov.n_ctrl) + 10,
               studies=ov.studies + 1)  # fmt: skip
    review.reported = [bad]
    found = audit(review)
    assert _checks(found) == ["computed"]
    assert found[0].numbers["studies_computed"] == ov.studies


# --- the examples -----------------------------------------------------------------------


def test_aspirin_has_no_findings() -> None:
    assert audit(mr.load(ASPIRIN)) == []


@pytest.fixture(scope="module")
def ketamine() -> list[Finding]:
    return audit(mr.load(KETAMINE))


def test_ketamine_psychedelic_p(ketamine: list[Finding]) -> None:
    p = [f for f in ketamine if f.check == "p-value"]
    # only Table 4's p = 0.0007 is inconsistent; RR 4.94 [2.76, 8.84] gives p ≈ 7.5e-08
    assert len(p) == 1
    assert p[0].locations == ["reported_results.csv:28 (Table 4)"]
    assert p[0].numbers["p"] == "0.0007"
    assert 6e-8 < float(p[0].numbers["p_consistent"]) < 9e-8
    same = [f for f in ketamine if f.check == "same-result"]
    assert len(same) == 1
    assert same[0].locations == [
        "reported_results.csv:8 (Abstract)",
        "reported_results.csv:19 (Results: adverse outcomes)",
        "reported_results.csv:28 (Table 4)",
    ]


def test_ketamine_other_findings(ketamine: list[Finding]) -> None:
    got = sorted((f.severity, f.check, f.message.split(":")[0]) for f in ketamine)
    assert got == sorted([
        ("error", "p-value", "psychedelic-effects RR"),
        ("error", "same-result", "psychedelic-effects RR"),
        ("warning", "studies", "pain-overall MD"),
        ("warning", "measure", "pain-multidimensional"),
        ("warning", "grade-certainty", "pain-after-treatment [2 weeks]"),
        ("warning", "grade-certainty", "pain-after-treatment [4 weeks (30 days)]"),
        ("warning", "grade-certainty", "psychedelic-effects"),
        ("warning", "grade-certainty", "discomfort"),
        ("note", "comparator-risk", "psychedelic-effects"),
        ("note", "comparator-risk", "discomfort"),
    ])  # fmt: skip
    # the absolute effects follow from the printed comparator risks (200 and 167 per 1000)
    assert not [f for f in ketamine if f.check == "absolute-effect"]


# --- CLI --------------------------------------------------------------------------------


def test_cli_audit_text_and_json() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["audit", str(KETAMINE)])
    assert res.exit_code == 0, res.output
    assert "Errors (2)" in res.output
    assert "0.0007" in res.output
    res = runner.invoke(app, ["audit", str(KETAMINE), "--json"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["counts"] == {"error": 2, "warning": 6, "note": 2}
    assert {"severity", "check", "message", "locations", "numbers", "consistent_value"} == set(
        data["findings"][0]
    )
    res = runner.invoke(app, ["audit", str(ASPIRIN)])
    assert res.exit_code == 0
    assert "no inconsistencies" in res.output


def test_cli_audit_invalid_folder(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["audit", str(tmp_path / "missing")])
    assert res.exit_code == 1


def test_cli_audit_escapes_markup(tmp_path: Path) -> None:
    review = mr.load(KETAMINE)
    review.save(tmp_path / "r")
    csv = tmp_path / "r" / "reported_results.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Table 4", "[bold]Table 4[/bold]"),
                   encoding="utf-8")  # fmt: skip
    res = CliRunner().invoke(app, ["audit", str(tmp_path / "r")])
    assert res.exit_code == 0
    assert "[bold]Table 4[/bold]" in res.output
