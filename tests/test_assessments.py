"""Risk-of-bias assessments in the review folder: RoB 2 signalling answers, two assessors,
consensus and agreement (metareview.review.assessments; docs/review-format.md).

The algorithm paths themselves are tested in test_rob.py; here: how recorded judgements,
answers and assessors are reconciled, located problems, and the report's agreement table.
Kappa values are hand-computed in the comments (Cohen 1960: kappa = (p_o - p_e)/(1 - p_e)).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import metareview as mr
from metareview.review.assessments import assess
from metareview.review.model import RobAnswer, RobJudgement
from tests.test_review_store import errors, write_review

D1, D2, D3, D4, D5 = (
    "Randomization process",
    "Deviations from intended interventions",
    "Missing outcome data",
    "Measurement of the outcome",
    "Selection of the reported result",
)
LOW_ANSWERS = {  # every domain "Low" by the algorithm
    "1.1": "Y", "1.2": "Y", "1.3": "N",
    "2.1": "N", "2.2": "N", "2.6": "Y",
    "3.1": "Y",
    "4.1": "N", "4.2": "N", "4.3": "N",
    "5.1": "Y", "5.2": "N", "5.3": "N",
}  # fmt: skip


def J(study: str, domain: str, judgement: str, assessor: str = "", support: str = "",
      line: int = 0, tool: str = "RoB 2") -> RobJudgement:  # fmt: skip
    return RobJudgement(study, tool, domain, judgement, support, "", {}, line, assessor)


def answers(
    study: str, given: dict[str, str], assessor: str = "", line: int = 10
) -> list[RobAnswer]:
    return [
        RobAnswer(study, "RoB 2", q, a, assessor, line=line + i)
        for i, (q, a) in enumerate(given.items())
    ]


def final(result: object) -> dict[tuple[str, str], tuple[str, str]]:
    return {(j.study, j.domain): (j.judgement, j.origin) for j in result.final}  # type: ignore[attr-defined]


# --- signalling answers --------------------------------------------------------------------


def test_answers_give_each_domain_and_the_overall_judgement() -> None:
    got = assess([], answers("Amr", LOW_ANSWERS))
    assert not got.issues
    f = final(got)
    assert {f[("Amr", d)] for d in (D1, D2, D3, D4, D5, "Overall")} == {("Low", "algorithm")}
    # 1.2 NI with 1.3 N: some concerns (domain 1 algorithm) -> overall some concerns
    got = assess([], answers("Amr", {**LOW_ANSWERS, "1.2": "NI"}))
    assert final(got)[("Amr", D1)] == ("Some concerns", "algorithm")
    assert final(got)[("Amr", "Overall")] == ("Some concerns", "algorithm")


def test_recorded_judgement_agreeing_with_the_algorithm_is_kept() -> None:
    got = assess([J("Amr", D1, "Low", line=2)], answers("Amr", LOW_ANSWERS))
    assert not got.issues
    assert final(got)[("Amr", D1)] == ("Low", "recorded")


def test_override_needs_a_reason() -> None:
    got = assess([J("Amr", D1, "High", line=2)], answers("Amr", LOW_ANSWERS))
    (issue,) = got.issues
    assert (issue.source, issue.line, issue.field) == ("risk_of_bias.csv", 2, "judgement")
    assert "'High' differs from 'Low'" in issue.message
    assert "rob_answers.csv line 10" in issue.message
    assert "reason" in issue.fix
    # with the reason it is an accepted override; the overall follows the adopted judgement
    got = assess(
        [J("Amr", D1, "High", support="baseline imbalance in pain scores", line=2)],
        answers("Amr", LOW_ANSWERS),
    )
    assert not got.issues
    assert got.suggested[("RoB 2", "Amr", "", D1, "")] == "Low"
    assert final(got)[("Amr", D1)] == ("High", "recorded")
    assert final(got)[("Amr", "Overall")] == ("High", "algorithm")


def test_overall_that_does_not_follow_needs_a_reason() -> None:
    rows = [J("Amr", "Overall", "Low", line=3)]
    got = assess(rows, answers("Amr", {**LOW_ANSWERS, "5.2": "Y"}))  # domain 5 high
    (issue,) = got.issues
    assert "overall 'Low' does not follow" in issue.message and "'High'" in issue.message


def test_incomplete_answers_are_located_errors() -> None:
    given = {k: v for k, v in LOW_ANSWERS.items() if k != "1.2"}
    got = assess([], answers("Amr", given))
    (issue,) = got.issues
    assert issue.source == "rob_answers.csv" and issue.line == 10
    assert "Randomization process" in issue.message and "1.2" in issue.message
    assert ("Amr", D1) not in final(got) and ("Amr", "Overall") not in final(got)


# --- two assessors ---------------------------------------------------------------------------


def test_two_assessors_consensus_and_kappa() -> None:
    rows = [
        J("Amr", D1, "Low", "A", line=2), J("Amr", D1, "Low", "B", line=3),
        J("Amr", D2, "Low", "A", line=4), J("Amr", D2, "Some concerns", "B", line=5),
        J("Amr", D2, "Some concerns", support="agreed after discussion", line=6),
        J("Bell", D1, "High", "A", line=7), J("Bell", D1, "High", "B", line=8),
        J("Bell", D2, "Some concerns", "A", line=9), J("Bell", D2, "Some concerns", "B", line=10),
        J("Cruz", D1, "Low", "A", line=11), J("Cruz", D1, "Low", "B", line=12),
        J("Cruz", D2, "Low", "A", line=13), J("Cruz", D2, "Low", "B", line=14),
    ]  # fmt: skip
    got = assess(rows)
    assert not got.issues
    f = final(got)
    assert f[("Amr", D2)] == ("Some concerns", "recorded")
    assert f[("Amr", D1)] == ("Low", "agreement")
    assert f[("Bell", D1)] == ("High", "agreement")
    assert len(got.final) == 6  # one per study and domain, assessors' rows not repeated
    (ag,) = got.agreement
    assert ag.assessors == ("A", "B")
    # 6 pairs, 5 agree: p_o = 5/6.  A: Low 4, SC 1, High 1; B: Low 3, SC 2, High 1.
    # p_e = (4*3 + 1*2 + 1*1)/36 = 15/36; kappa = (30/36 - 15/36)/(21/36) = 15/21
    assert ag.domains is not None
    assert ag.domains.n == 6
    assert ag.domains.percent == pytest.approx(500 / 6, rel=1e-12)
    assert ag.domains.kappa == pytest.approx(15 / 21, rel=1e-12)
    # domain 2 alone: pairs (L,SC),(SC,SC),(L,L): p_o = 2/3; A: L2 SC1, B: L1 SC2;
    # p_e = (2*1 + 1*2)/9 = 4/9; kappa = (6/9 - 4/9)/(5/9) = 0.4
    assert ag.by_domain[D2].kappa == pytest.approx(0.4, rel=1e-12)
    assert [(d.study, d.domain, d.first, d.second, d.consensus) for d in ag.disagreements] == [
        ("Amr", D2, "Low", "Some concerns", "Some concerns")
    ]


def test_unresolved_disagreement_is_an_error() -> None:
    rows = [J("Amr", D1, "Low", "A", line=2), J("Amr", D1, "High", "B", line=3)]
    got = assess(rows)
    (issue,) = got.issues
    assert issue.line == 3 and "disagree" in issue.message
    assert "A: 'Low'" in issue.message and "B: 'High'" in issue.message
    assert "empty assessor" in issue.fix
    assert ("Amr", D1) not in final(got)


def test_only_one_of_two_assessors_judged() -> None:
    rows = [
        J("Amr", D1, "Low", "A", line=2), J("Amr", D1, "Low", "B", line=3),
        J("Bell", D1, "High", "A", line=4),
    ]  # fmt: skip
    (issue,) = assess(rows).issues
    assert issue.line == 4 and "judged by A only, not by B" in issue.message


def test_third_assessor_and_single_assessor() -> None:
    rows = [
        J("Amr", D1, "Low", "A", line=2), J("Amr", D1, "Low", "B", line=3),
        J("Amr", D1, "Low", "C", line=4),
    ]  # fmt: skip
    (issue,) = assess(rows).issues
    assert issue.field == "assessor" and "third assessor (C)" in issue.message
    got = assess([J("Amr", D1, "Low", "A", line=2)])
    assert not got.issues and final(got)[("Amr", D1)] == ("Low", "single assessor")
    assert got.agreement == []


def test_consensus_contradicting_both_assessors_is_a_notice() -> None:
    rows = [
        J("Amr", D1, "Low", "A", line=2), J("Amr", D1, "Low", "B", line=3),
        J("Amr", D1, "High", line=4),
    ]  # fmt: skip
    (issue,) = assess(rows).issues
    assert issue.severity == "notice" and issue.line == 4


def test_assessors_answers_agreement_and_derived_disagreement() -> None:
    a = answers("Amr", LOW_ANSWERS, "A", line=2)
    b = answers("Amr", {**LOW_ANSWERS, "1.2": "NI"}, "B", line=40)
    got = assess([J("Amr", D1, "Some concerns", support="concealment not described", line=5)],
                 a + b)  # fmt: skip
    assert not got.issues  # the consensus overall follows from the consensus domains
    f = final(got)
    assert f[("Amr", "Overall")] == ("Some concerns", "algorithm")
    assert f[("Amr", D1)] == ("Some concerns", "recorded")  # the consensus row
    assert f[("Amr", D2)] == ("Low", "agreement")
    (ag,) = got.agreement
    # 13 answers each, one differs (Y vs NI): p_o = 12/13
    assert ag.answers is not None and ag.answers.n == 13
    assert ag.answers.percent == pytest.approx(1200 / 13, rel=1e-12)
    # derived domain judgements disagree on D1 and on the overall (Low vs Some concerns)
    assert {(d.domain, d.first, d.second) for d in ag.disagreements} == {
        (D1, "Low", "Some concerns"),
        ("Overall", "Low", "Some concerns"),
    }
    # without the consensus on domain 1 neither it nor the overall can be settled
    got = assess([], a + b)
    assert sum("disagree" in i.message for i in got.issues) == 1
    assert ("Amr", D1) not in final(got) and ("Amr", "Overall") not in final(got)


# --- the review folder ---------------------------------------------------------------------

ROB_2 = """\
study,tool,domain,judgement,support,assessor
Amr 2010,RoB 2,Randomization process,Low,,JP
Amr 2010,RoB 2,Randomization process,Some concerns,,LP
Amr 2010,RoB 2,Randomization process,Some concerns,sealed envelopes not described,
Bell 2001,RoB 2,Randomization process,High,,JP
Bell 2001,RoB 2,Randomization process,High,,LP
"""

ANSWERS_CSV = """\
study,tool,question,answer,assessor
Cruz 2005,RoB 2,1.1,Y,JP
Cruz 2005,RoB 2,1.2,Y,JP
Cruz 2005,RoB 2,1.3,N,JP
Cruz 2005,RoB 2,1.1,PY,LP
Cruz 2005,RoB 2,1.2,py,LP
Cruz 2005,RoB 2,1.3,PN,LP
"""


def test_review_folder_with_assessors_and_answers(tmp_path: Path) -> None:
    root = write_review(tmp_path, risk_of_bias_csv=ROB_2, rob_answers_csv=ANSWERS_CSV)
    assert errors(mr.validate(root)) == []
    review = mr.load(root)
    assert len(review.rob) == 5 and len(review.rob_answers) == 6
    f = {(j.study, j.domain): (j.judgement, j.origin) for j in review.judgements()}
    assert f[("Amr 2010", D1)] == ("Some concerns", "recorded")
    assert f[("Bell 2001", D1)] == ("High", "agreement")
    assert f[("Cruz 2005", D1)] == ("Low", "agreement")  # both assessors' answers give Low
    before = {p: p.read_bytes() for p in root.rglob("*.csv")}
    review.save()
    assert {p: p.read_bytes() for p in root.rglob("*.csv")} == before


def test_review_folder_problems_are_located(tmp_path: Path) -> None:
    bad = ANSWERS_CSV + "Cruz 2005,RoB 2,1.4,Y,JP\nCruz 2005,RoB 1,1.1,maybe,LP\n"
    rob = "".join(line for line in ROB_2.splitlines(True) if "sealed envelopes" not in line)
    root = write_review(tmp_path, risk_of_bias_csv=rob, rob_answers_csv=bad)
    got = [(p.source, p.line, p.field, p.message) for p in errors(mr.validate(root))]
    assert got[0][:3] == ("risk_of_bias.csv", 3, "judgement")
    assert "disagree" in got[0][3]
    assert ("rob_answers.csv", 8, "question", "not a RoB 2 signalling question") in got
    assert (
        "rob_answers.csv",
        9,
        "tool",
        "signalling questions are supported for RoB 2 only",
    ) in got
    assert ("rob_answers.csv", 9, "answer", "not an answer to this question") in got


def test_report_shows_agreement_and_overrides(tmp_path: Path) -> None:
    from metareview.report import render_html

    rob = ROB_2 + (
        "Cruz 2005,RoB 2,Randomization process,High,allocation list kept by surgeon,JP\n"
        "Cruz 2005,RoB 2,Randomization process,Some concerns,discussed with a third author,\n"
    )
    root = write_review(tmp_path, risk_of_bias_csv=rob, rob_answers_csv=ANSWERS_CSV)
    assert errors(mr.validate(root)) == []
    html = render_html(mr.build(mr.load(root)))
    assert "Agreement between the assessors (JP and LP)" in html
    assert "Cohen&#39;s kappa" in html
    # JP's recorded High departs from the algorithm's Low for JP's own answers
    section = html.split("Judgements departing from the RoB 2 algorithm")[1].split("</table>")[0]
    assert "Cruz 2005" in section and "allocation list kept by surgeon" in section
    assert "<td>JP</td><td>High</td><td>Low</td>" in section
    # Amr (Low vs Some concerns) and Cruz (High vs Low) are the disagreements
    dis = html.split("Disagreements and their consensus")[1].split("</table>")[0]
    assert dis.count("<tr>") == 3  # header + two
    assert "discussed with a third author" not in dis and "Some concerns" in dis


def test_overall_disagreement_without_settled_domains_is_an_error() -> None:
    rows = [J("Amr", "Overall", "Low", "A", line=2), J("Amr", "Overall", "High", "B", line=3),
            J("Amr", D1, "Low", "A", line=4), J("Amr", D1, "Low", "B", line=5)]  # fmt: skip
    (issue,) = assess(rows).issues
    assert issue.line == 3 and "overall" in issue.message
    # the single assessor's hand-made overall is theirs, never replaced
    got = assess([J("Amr", "Overall", "High", "A", support="several concerns", line=2)])
    assert final(got)[("Amr", "Overall")] == ("High", "single assessor")
