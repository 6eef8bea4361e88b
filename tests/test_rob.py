"""RoB 2 algorithms (every leaf of every domain's decision tree), overall judgement,
validation, Cohen's kappa and consensus (:mod:`metareview.rob`).

"Guidance" is Higgins JPT et al., Revised Cochrane risk-of-bias tool for randomized trials
(RoB 2), guidance document, 22 August 2019: each domain's "algorithm for suggested
judgement".  Each leaf is reached with every response in the answer group that leads to it
(e.g. ``Y/PY/NI``), the other questions held at one representative value.
"""

from __future__ import annotations

import itertools
import math
from typing import cast

import pytest

from metareview.review.model import ROB2
from metareview.rob import (
    DOMAINS,
    HIGH,
    JUDGEMENTS,
    LOW,
    SOME_CONCERNS,
    UnresolvedDisagreementError,
    agreement,
    consensus,
    domain_judgement,
    overall_judgement,
)

L, S, H = LOW, SOME_CONCERNS, HIGH

YPY = ("Y", "PY")
NPN = ("N", "PN")
YPYNI = ("Y", "PY", "NI")
NPNNI = ("N", "PN", "NI")
ANY = ("Y", "PY", "PN", "N", "NI")


def _expand(pattern: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    """Every answer set matching a row of the guidance's table (a group per question)."""
    keys = list(pattern)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*pattern.values())]


def _check(domain: int, pattern: dict[str, tuple[str, ...]], expected: str) -> None:
    for answers in _expand(pattern):
        assert domain_judgement(domain, answers) == expected, answers


def test_judgements_are_the_rob2_tool_labels() -> None:
    assert list(JUDGEMENTS) == ROB2.judgements
    assert [DOMAINS[d].name for d in range(1, 6)] == ROB2.domains[:5]


# --- Domain 1: randomization process ---------------------------------------------------

# leaves of the Domain 1 flow chart: (1.1, 1.2, 1.3) answer groups -> judgement
D1_LEAVES = [
    pytest.param({"1.1": ANY, "1.2": NPN, "1.3": ANY}, H, id="1.2 N/PN -> High"),
    pytest.param({"1.1": ANY, "1.2": ("NI",), "1.3": YPY}, H, id="1.2 NI, 1.3 Y/PY -> High"),
    pytest.param({"1.1": ANY, "1.2": ("NI",), "1.3": NPNNI}, S, id="1.2 NI, 1.3 N/PN/NI -> SC"),
    pytest.param({"1.1": NPN, "1.2": YPY, "1.3": ANY}, S, id="1.2 Y/PY, 1.1 N/PN -> SC"),
    pytest.param(
        {"1.1": YPYNI, "1.2": YPY, "1.3": YPY}, S, id="1.2 Y/PY, 1.1 Y/PY/NI, 1.3 Y/PY -> SC"
    ),
    pytest.param(
        {"1.1": YPYNI, "1.2": YPY, "1.3": NPNNI}, L, id="1.2 Y/PY, 1.1 Y/PY/NI, 1.3 N/PN/NI -> Low"
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), D1_LEAVES)
def test_domain1_every_leaf(pattern: dict[str, tuple[str, ...]], expected: str) -> None:
    """Guidance, Domain 1 (randomization process), algorithm for suggested judgement:
    concealment (1.2) first; N/PN is High; NI is High only with baseline imbalance (1.3);
    concealed with a non-random sequence (1.1 N/PN) is Some concerns; concealed and random
    (or NI) is Low unless baseline differences suggest a problem."""
    _check(1, pattern, expected)


# --- Domain 2: deviations from intended interventions (effect of assignment) -------------

# Part 1 leaves (questions 2.1-2.5) -> judgement of part 1
# "aware" (2.1 or 2.2 Y/PY/NI) as two disjoint answer groups: participants aware (or NI),
# or participants not aware but carers / people delivering the interventions aware (or NI)
_AWARE: list[tuple[dict[str, tuple[str, ...]], str]] = [
    ({"2.1": YPYNI, "2.2": ANY}, "participants aware"),
    ({"2.1": NPN, "2.2": YPYNI}, "carers aware"),
]
_AFTER_AWARE: list[tuple[dict[str, tuple[str, ...]], str, str]] = [
    ({"2.3": NPN}, L, "2.3 N/PN -> Low"),
    ({"2.3": ("NI",)}, S, "2.3 NI -> SC"),
    ({"2.3": YPY, "2.4": NPN}, S, "2.3 Y/PY, 2.4 N/PN -> SC"),
    ({"2.3": YPY, "2.4": YPYNI, "2.5": YPY}, S, "2.3 Y/PY, 2.4 Y/PY/NI, 2.5 Y/PY -> SC"),
    ({"2.3": YPY, "2.4": YPYNI, "2.5": NPNNI}, H, "2.3 Y/PY, 2.4 Y/PY/NI, 2.5 N/PN/NI -> High"),
]
D2_PART1 = [
    pytest.param({"2.1": NPN, "2.2": NPN}, L, id="2.1, 2.2 N/PN -> Low"),
    *(
        pytest.param({**aware, **rest}, j, id=f"{who}, {label}")
        for aware, who in _AWARE
        for rest, j, label in _AFTER_AWARE
    ),
]

# Part 2 leaves (questions 2.6-2.7) -> judgement of part 2
D2_PART2 = [
    pytest.param({"2.6": YPY}, L, id="2.6 Y/PY -> Low"),
    pytest.param({"2.6": NPNNI, "2.7": NPN}, S, id="2.6 N/PN/NI, 2.7 N/PN -> SC"),
    pytest.param({"2.6": NPNNI, "2.7": YPYNI}, H, id="2.6 N/PN/NI, 2.7 Y/PY/NI -> High"),
]


@pytest.mark.parametrize(("part1", "j1"), D2_PART1)
@pytest.mark.parametrize(("part2", "j2"), D2_PART2)
def test_domain2_every_leaf(
    part1: dict[str, tuple[str, ...]], j1: str, part2: dict[str, tuple[str, ...]], j2: str
) -> None:
    """Guidance, Domain 2 (effect of assignment to intervention), algorithm for suggested
    judgement: part 1 (2.1-2.5, deviations arising because of the trial context) and part 2
    (2.6-2.7, appropriateness of the analysis) are judged separately; the domain is Low if
    both are Low, High if either is High, otherwise Some concerns.  Every combination of a
    part-1 leaf with a part-2 leaf."""
    expected = JUDGEMENTS[max(JUDGEMENTS.index(j1), JUDGEMENTS.index(j2))]
    _check(2, {**part1, **part2}, expected)


def test_domain2_conditional_questions_default_to_na() -> None:
    """Questions 2.3-2.5 and 2.7 may be omitted or answered NA when they do not apply."""
    base = {"2.1": "N", "2.2": "PN", "2.6": "Y"}
    assert domain_judgement(2, base) == L
    assert domain_judgement(2, {**base, "2.3": "NA", "2.4": "NA", "2.5": "NA", "2.7": "NA"}) == L
    # 2.5 is asked only if Y/PY/NI to 2.4
    assert domain_judgement(2, {"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "N", "2.6": "Y"}) == S


# --- Domain 3: missing outcome data ----------------------------------------------------

D3_LEAVES = [
    pytest.param({"3.1": YPY}, L, id="3.1 Y/PY -> Low"),
    pytest.param({"3.1": NPNNI, "3.2": YPY}, L, id="3.2 Y/PY -> Low"),
    pytest.param({"3.1": NPNNI, "3.2": NPN, "3.3": NPN}, L, id="3.3 N/PN -> Low"),
    pytest.param({"3.1": NPNNI, "3.2": NPN, "3.3": YPYNI, "3.4": NPN}, S, id="3.4 N/PN -> SC"),
    pytest.param(
        {"3.1": NPNNI, "3.2": NPN, "3.3": YPYNI, "3.4": YPYNI}, H, id="3.4 Y/PY/NI -> High"
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), D3_LEAVES)
def test_domain3_every_leaf(pattern: dict[str, tuple[str, ...]], expected: str) -> None:
    """Guidance, Domain 3 (missing outcome data), algorithm for suggested judgement: Low if
    data for (nearly) all participants (3.1), or evidence of no bias (3.2), or missingness
    could not depend on the true value (3.3); otherwise Some concerns if it is not likely
    that it did (3.4 N/PN), High if it is likely or NI (3.4 Y/PY/NI)."""
    _check(3, pattern, expected)


def test_domain3_question_3_2_has_no_ni() -> None:
    """Guidance, Domain 3: question 3.2 offers NA/Y/PY/PN/N only."""
    with pytest.raises(ValueError, match=r"3\.2='NI'.*NA/Y/PY/PN/N"):
        domain_judgement(3, {"3.1": "N", "3.2": "NI"})


# --- Domain 4: measurement of the outcome ------------------------------------------------

D4_LEAVES = [
    pytest.param({"4.1": YPY, "4.2": ANY}, H, id="4.1 Y/PY -> High"),
    pytest.param({"4.1": NPNNI, "4.2": YPY}, H, id="4.2 Y/PY -> High"),
    # 4.2 N/PN branch
    pytest.param({"4.1": NPNNI, "4.2": NPN, "4.3": NPN}, L, id="4.2 N/PN, 4.3 N/PN -> Low"),
    pytest.param(
        {"4.1": NPNNI, "4.2": NPN, "4.3": YPYNI, "4.4": NPN}, L, id="4.2 N/PN, 4.4 N/PN -> Low"
    ),
    pytest.param(
        {"4.1": NPNNI, "4.2": NPN, "4.3": YPYNI, "4.4": YPYNI, "4.5": NPN},
        S,
        id="4.2 N/PN, 4.5 N/PN -> SC",
    ),
    pytest.param(
        {"4.1": NPNNI, "4.2": NPN, "4.3": YPYNI, "4.4": YPYNI, "4.5": YPYNI},
        H,
        id="4.2 N/PN, 4.5 Y/PY/NI -> High",
    ),
    # 4.2 NI branch
    pytest.param({"4.1": NPNNI, "4.2": ("NI",), "4.3": NPN}, S, id="4.2 NI, 4.3 N/PN -> SC"),
    pytest.param(
        {"4.1": NPNNI, "4.2": ("NI",), "4.3": YPYNI, "4.4": NPN}, S, id="4.2 NI, 4.4 N/PN -> SC"
    ),
    pytest.param(
        {"4.1": NPNNI, "4.2": ("NI",), "4.3": YPYNI, "4.4": YPYNI, "4.5": NPN},
        S,
        id="4.2 NI, 4.5 N/PN -> SC",
    ),
    pytest.param(
        {"4.1": NPNNI, "4.2": ("NI",), "4.3": YPYNI, "4.4": YPYNI, "4.5": YPYNI},
        H,
        id="4.2 NI, 4.5 Y/PY/NI -> High",
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), D4_LEAVES)
def test_domain4_every_leaf(pattern: dict[str, tuple[str, ...]], expected: str) -> None:
    """Guidance, Domain 4 (measurement of the outcome), algorithm for suggested judgement:
    High if the method is inappropriate (4.1 Y/PY) or measurement could differ between
    groups (4.2 Y/PY); with 4.2 N/PN, Low if assessors unaware (4.3 N/PN) or assessment
    could not be influenced (4.4 N/PN), Some concerns if influence is not likely (4.5 N/PN),
    High if likely (4.5 Y/PY/NI); with 4.2 NI the same tree, but its Low leaves are Some
    concerns."""
    _check(4, pattern, expected)


# --- Domain 5: selection of the reported result -------------------------------------------

D5_LEAVES = [
    pytest.param({"5.1": ANY, "5.2": YPY, "5.3": ANY}, H, id="5.2 Y/PY -> High"),
    pytest.param({"5.1": ANY, "5.2": NPNNI, "5.3": YPY}, H, id="5.3 Y/PY -> High"),
    pytest.param({"5.1": YPY, "5.2": NPN, "5.3": NPN}, L, id="both N/PN, 5.1 Y/PY -> Low"),
    pytest.param({"5.1": NPNNI, "5.2": NPN, "5.3": NPN}, S, id="both N/PN, 5.1 N/PN/NI -> SC"),
    pytest.param({"5.1": ANY, "5.2": ("NI",), "5.3": NPNNI}, S, id="5.2 NI, 5.3 not Y -> SC"),
    pytest.param({"5.1": ANY, "5.2": NPN, "5.3": ("NI",)}, S, id="5.3 NI, 5.2 N/PN -> SC"),
]


@pytest.mark.parametrize(("pattern", "expected"), D5_LEAVES)
def test_domain5_every_leaf(pattern: dict[str, tuple[str, ...]], expected: str) -> None:
    """Guidance, Domain 5 (selection of the reported result), algorithm for suggested
    judgement: High if either 5.2 or 5.3 is Y/PY; if both are N/PN, Low when analysed to a
    pre-specified plan (5.1 Y/PY), else Some concerns; at least one NI and neither Y/PY is
    Some concerns."""
    _check(5, pattern, expected)


# --- every valid answer set reaches exactly one leaf ---------------------------------------


def _valid_answer_sets(domain: int) -> list[dict[str, str]]:
    """Every complete, valid answer set of a domain (questions that do not apply left out)."""
    out: list[dict[str, str]] = [{}]
    for q in DOMAINS[domain].questions:
        grown: list[dict[str, str]] = []
        for a in out:
            if q.applies is not None and not q.applies(
                {**{k: "NA" for k in (x.id for x in DOMAINS[domain].questions)}, **a}
            ):
                grown.append(a)
            else:
                grown += [{**a, q.id: o} for o in q.options if o != "NA"]
        out = grown
    return out


def _pattern(param: object) -> dict[str, tuple[str, ...]]:
    """The answer-group pattern of a ``pytest.param`` leaf."""
    return cast("dict[str, tuple[str, ...]]", param.values[0])  # type: ignore[attr-defined]


def _leaf_sets(domain: int) -> list[dict[str, str]]:
    leaves = {1: D1_LEAVES, 3: D3_LEAVES, 4: D4_LEAVES, 5: D5_LEAVES}
    if domain == 2:
        return [
            {**a, **b}
            for p1 in D2_PART1
            for p2 in D2_PART2
            for a in _expand(_pattern(p1))
            for b in _expand(_pattern(p2))
        ]
    return [a for p in leaves[domain] for a in _expand(_pattern(p))]


@pytest.mark.parametrize("domain", [1, 2, 3, 4, 5])
def test_leaves_partition_all_answer_sets(domain: int) -> None:
    """The leaves tested above are disjoint and together cover every valid answer set, so
    every path of each algorithm is tested."""
    valid = _valid_answer_sets(domain)
    for a in valid:  # all valid: no error
        domain_judgement(domain, a)
    leaf = _leaf_sets(domain)
    as_keys = [tuple(sorted(a.items())) for a in leaf]
    assert len(as_keys) == len(set(as_keys))  # disjoint
    assert set(as_keys) == {tuple(sorted(a.items())) for a in valid}  # exhaustive


# --- answers are accepted in any case -----------------------------------------------------


def test_answers_ignore_case_and_spaces() -> None:
    assert domain_judgement(1, {"1.1": " y", "1.2": "py ", "1.3": "n"}) == L


# --- validation ---------------------------------------------------------------------------


def test_unknown_domain() -> None:
    with pytest.raises(ValueError, match="unknown RoB 2 domain 6"):
        domain_judgement(6, {})


def test_unknown_question_ids_are_named() -> None:
    with pytest.raises(ValueError, match=r"unknown question id\(s\) 1\.4, 2\.1"):
        domain_judgement(1, {"1.1": "Y", "1.2": "Y", "1.3": "N", "1.4": "N", "2.1": "Y"})


def test_missing_required_answers_are_named() -> None:
    with pytest.raises(
        ValueError, match=r"domain 1: missing answer\(s\) to question\(s\) 1.1, 1.3"
    ):
        domain_judgement(1, {"1.2": "Y"})
    with pytest.raises(ValueError, match=r"missing answer\(s\) to question\(s\) 2\.2, 2\.6"):
        domain_judgement(2, {"2.1": "N"})


def test_missing_conditional_answer_that_applies() -> None:
    with pytest.raises(ValueError, match=r"missing answer to question 2\.3 \(If Y/PY/NI to 2\.1"):
        domain_judgement(2, {"2.1": "Y", "2.2": "N", "2.6": "Y"})
    with pytest.raises(ValueError, match=r"question 3\.4"):
        domain_judgement(3, {"3.1": "N", "3.2": "N", "3.3": "NI"})
    with pytest.raises(ValueError, match=r"question 4\.5"):
        domain_judgement(4, {"4.1": "N", "4.2": "N", "4.3": "Y", "4.4": "PY"})


def test_invalid_answer_values() -> None:
    with pytest.raises(ValueError, match=r"1\.1='maybe'"):
        domain_judgement(1, {"1.1": "maybe", "1.2": "Y", "1.3": "N"})
    # NA is not an option for questions that are always asked
    with pytest.raises(ValueError, match=r"5\.1='NA'"):
        domain_judgement(5, {"5.1": "NA", "5.2": "N", "5.3": "N"})


def test_na_to_a_question_that_applies() -> None:
    with pytest.raises(ValueError, match=r"2\.7 is answered NA but applies"):
        domain_judgement(2, {"2.1": "N", "2.2": "N", "2.6": "N", "2.7": "NA"})


def test_answer_to_a_question_that_does_not_apply() -> None:
    with pytest.raises(ValueError, match=r"3\.2 is answered Y but does not apply"):
        domain_judgement(3, {"3.1": "Y", "3.2": "Y"})
    with pytest.raises(ValueError, match=r"4\.3 is answered N but does not apply"):
        domain_judgement(4, {"4.1": "Y", "4.2": "N", "4.3": "N"})


# --- overall judgement --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("judgements", "expected"),
    [
        ([L, L, L, L, L], L),
        ([L, S, L, L, L], S),
        ([S, S, S, S, S], S),
        ([L, L, L, L, H], H),
        ([H, S, L, L, L], H),
        ([H, H, H, H, H], H),
    ],
)
def test_overall_judgement(judgements: list[str], expected: str) -> None:
    """Sterne et al. 2019, Table 2: Low if all domains low; High if any high; otherwise
    Some concerns (multiple some concerns stay Some concerns by default)."""
    assert overall_judgement(judgements) == expected
    assert overall_judgement(dict(enumerate(judgements, start=1))) == expected


def test_overall_all_combinations() -> None:
    for combo in itertools.product(JUDGEMENTS, repeat=5):
        expected = H if H in combo else S if S in combo else L
        assert overall_judgement(combo) == expected
        escalated = H if (H in combo or combo.count(S) >= 2) else expected
        assert overall_judgement(combo, multiple_some_concerns_high=True) == escalated


def test_overall_multiple_some_concerns_escalation() -> None:
    """Sterne et al. 2019, Table 2: optional High for some concerns in multiple domains."""
    assert overall_judgement([S, L, L, L, L], multiple_some_concerns_high=True) == S
    assert overall_judgement([S, S, L, L, L], multiple_some_concerns_high=True) == H
    assert overall_judgement([S, S, L, L, L]) == S


def test_overall_validation() -> None:
    assert overall_judgement(["low", "some concerns", "LOW", "Low", "low"]) == S
    with pytest.raises(ValueError, match="five domain judgements; got 4"):
        overall_judgement([L, L, L, L])
    with pytest.raises(ValueError, match="domains 1 to 5"):
        overall_judgement({1: L, 2: L, 3: L, 4: L, 6: L})
    with pytest.raises(ValueError, match=r"domain 3: 'unclear' is not a RoB 2 judgement"):
        overall_judgement([L, L, "unclear", L, L])
    with pytest.raises(TypeError):
        overall_judgement("Low")


# --- agreement ----------------------------------------------------------------------------


def _from_table(cats: list[str], table: list[list[int]]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [cats[i]] * count
            b += [cats[j]] * count
    return a, b


def test_kappa_classic_2x2() -> None:
    """50 items, table [[20, 5], [10, 15]]: p_o = 35/50 = 0.7; margins A (25, 25),
    B (30, 20): p_e = (25*30 + 25*20)/2500 = 0.5; kappa = (0.7-0.5)/(1-0.5) = 0.4."""
    a, b = _from_table(["yes", "no"], [[20, 5], [10, 15]])
    ag = agreement(a, b)
    assert ag.n == 50
    assert ag.categories == ("yes", "no")
    assert ag.confusion == ((20, 5), (10, 15))
    assert ag.percent == pytest.approx(70.0)
    assert ag.observed == pytest.approx(0.7)
    assert ag.expected == pytest.approx(0.5)
    assert ag.kappa == pytest.approx(0.4)


def test_kappa_three_categories() -> None:
    """40 items, RoB 2 judgements, table (rows A, columns B)
    [[10, 2, 1], [3, 8, 2], [1, 1, 12]]: p_o = 30/40 = 0.75; margins A (13, 13, 14),
    B (14, 11, 15): p_e = (182 + 143 + 210)/1600 = 535/1600 = 0.334375;
    kappa = (0.75 - 0.334375)/(1 - 0.334375) = 665/1065 = 133/213 = 0.624413..."""
    a, b = _from_table([L, S, H], [[10, 2, 1], [3, 8, 2], [1, 1, 12]])
    # order the items differently: nothing may depend on it
    order = [(i * 7) % 40 for i in range(40)]
    ag = agreement([a[i] for i in order], [b[i] for i in order])
    assert ag.categories == (L, S, H)
    assert ag.confusion == ((10, 2, 1), (3, 8, 2), (1, 1, 12))
    assert ag.percent == pytest.approx(75.0)
    assert ag.expected == pytest.approx(0.334375)
    assert ag.kappa == pytest.approx(133 / 213, rel=1e-12)


def test_kappa_categories_argument_and_unused_category() -> None:
    """An unused category adds a zero row and column and does not change kappa."""
    a, b = _from_table(["yes", "no"], [[20, 5], [10, 15]])
    ag = agreement(a, b, categories=["no", "yes", "unclear"])
    assert ag.categories == ("no", "yes", "unclear")
    assert ag.confusion == ((15, 10, 0), (5, 20, 0), (0, 0, 0))
    assert ag.kappa == pytest.approx(0.4)
    with pytest.raises(ValueError, match="not among the categories: maybe"):
        agreement(["yes", "maybe"], ["yes", "no"], categories=["yes", "no"])


def test_kappa_perfect_and_degenerate() -> None:
    """p_e = 1 (both used one category only): kappa is 0/0 and defined as 1.0."""
    ag = agreement([L] * 4, [L] * 4)
    assert ag.kappa == 1.0
    assert ag.percent == 100.0
    assert not math.isnan(ag.kappa)
    assert agreement([L, H, S], [L, H, S]).kappa == 1.0
    # complete disagreement with balanced margins: p_o = 0, p_e = 0.5 -> kappa = -1
    assert agreement([L, H], [H, L]).kappa == pytest.approx(-1.0)
    # one assessor constant, the other not: p_e = p_o = 0.5 -> kappa = 0
    assert agreement([L, L], [L, H]).kappa == pytest.approx(0.0)


def test_agreement_validation() -> None:
    with pytest.raises(ValueError, match="no items"):
        agreement([], [])
    with pytest.raises(ValueError, match=r"different numbers of items \(2, 1\)"):
        agreement([L, L], [L])


# --- consensus ----------------------------------------------------------------------------


def test_consensus_without_disagreement() -> None:
    assert consensus([L, S, H], [L, S, H]) == [L, S, H]


def test_consensus_with_resolution() -> None:
    a = [L, S, H, L]
    b = [L, H, H, S]
    assert consensus(a, b, {1: H, 3: L}) == [L, H, H, L]
    # a resolution agreeing with the agreed judgement is harmless
    assert consensus(a, b, {0: L, 1: S, 3: S}) == [L, S, H, S]


def test_consensus_unresolved_disagreements_are_listed() -> None:
    a = [L, S, H, L]
    b = [L, H, H, S]
    with pytest.raises(UnresolvedDisagreementError) as err:
        consensus(a, b)
    assert err.value.items == [(1, S, H), (3, L, S)]
    assert "item 1: 'Some concerns' vs 'High'" in str(err.value)
    with pytest.raises(UnresolvedDisagreementError, match="1 disagreement") as err:
        consensus(a, b, {1: H})
    assert err.value.items == [(3, L, S)]
    assert isinstance(err.value, ValueError)


def test_consensus_validation() -> None:
    with pytest.raises(ValueError, match="different numbers of items"):
        consensus([L], [L, L])
    with pytest.raises(ValueError, match=r"item\(s\) 5 that do not exist"):
        consensus([L, H], [L, L], {1: H, 5: L})
    with pytest.raises(ValueError, match="contradicts items both assessors agreed on"):
        consensus([L, H], [L, L], {0: H, 1: H})
