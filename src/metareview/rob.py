"""RoB 2 signalling questions, the suggested-judgement algorithms, and two-assessor agreement.

Pure logic, no I/O.  The module encodes the revised Cochrane risk-of-bias tool for randomized
trials (RoB 2) for **individually randomized, parallel-group trials** and the effect of
**assignment** to intervention (the "intention-to-treat" effect; Domain 2 in its
*assignment* version):

* the signalling questions of the five domains (:data:`DOMAINS`; the short wording here is
  ours, the numbering, the response options and the "If ... to ..." conditions are the
  guidance's);
* :func:`domain_judgement`: the guidance's algorithm mapping the answers of one domain to the
  suggested judgement ``"Low"``, ``"Some concerns"`` or ``"High"`` (the labels of
  :data:`metareview.review.model.ROB2`);
* :func:`overall_judgement`: the overall risk of bias of the result from the five domain
  judgements (Sterne et al. 2019, Table 2);
* :func:`agreement` and :func:`consensus`: Cohen's kappa between two assessors and the
  consensus judgement after disagreements have been discussed.

Answers are ``Y`` (yes), ``PY`` (probably yes), ``PN`` (probably no), ``N`` (no), ``NI``
(no information) and ``NA`` (not applicable).  ``NA`` is allowed only for the questions the
guidance asks conditionally ("If Y/PY/NI to 2.1 or 2.2: ..."), and only when their condition
is not met; such questions may also simply be left out.  Question 3.2 has no ``NI`` option
(the guidance offers NA/Y/PY/PN/N: absence of evidence is "No").

The algorithms are *suggestions*: the guidance lets assessors override them with a reason.

How the logic was checked.  Domain 1 and the overall judgement were checked against the
criteria table of Sterne et al. (2019) as reproduced in Syst Rev 2021;10:171, Table 2.  The
guidance document itself (riskofbias.info) could not be opened on the machine where this was
written, so Domains 2-5 follow its flow charts as we know them and were cross-checked with
the summary in the project's workflow specification.  They differ in one respect, and we
keep the flow charts' reading: at the last question of a path (2.4 on the way to 2.5, 2.7,
3.4 and 4.5) "No information" goes with "Yes/Probably yes", the more severe branch, where
the summary groups it with "No".  Every path, including these, is tested in test_rob.py,
and a review can override any suggestion with its reason (rob_answers.csv).

References
----------
Sterne JAC, Savović J, Page MJ, et al. (2019). RoB 2: a revised tool for assessing risk of
bias in randomised trials. *BMJ* 366:l4898.

Higgins JPT, Savović J, Page MJ, Sterne JAC, on behalf of the RoB2 Development Group
(2019). Revised Cochrane risk-of-bias tool for randomized trials (RoB 2), guidance document
(22 August 2019).  Each domain's detailed guidance ends with an "algorithm for suggested
judgement" (a flow chart and the equivalent table of answer patterns): Domain 1 "Risk of
bias arising from the randomization process", Domain 2 "Risk of bias due to deviations from
the intended interventions (effect of assignment to intervention)", Domain 3 "Risk of bias
due to missing outcome data", Domain 4 "Risk of bias in measurement of the outcome" and
Domain 5 "Risk of bias in selection of the reported result".  The overall judgement is
Table 2 of Sterne et al. (2019) and the guidance's "Overall risk of bias" table.

Cohen J (1960). A coefficient of agreement for nominal scales. *Educ Psychol Meas*
20:37-46.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "ANSWERS",
    "DOMAINS",
    "HIGH",
    "JUDGEMENTS",
    "LOW",
    "SOME_CONCERNS",
    "Agreement",
    "Domain",
    "SignallingQuestion",
    "UnresolvedDisagreementError",
    "agreement",
    "consensus",
    "domain_judgement",
    "overall_judgement",
]

LOW = "Low"
SOME_CONCERNS = "Some concerns"
HIGH = "High"
#: the RoB 2 judgements, from least to most concern (as in ``ROB2.judgements``)
JUDGEMENTS: tuple[str, ...] = (LOW, SOME_CONCERNS, HIGH)

#: every response code: yes, probably yes, probably no, no, no information, not applicable
ANSWERS: tuple[str, ...] = ("Y", "PY", "PN", "N", "NI", "NA")

_YES = frozenset({"Y", "PY"})
_NO = frozenset({"N", "PN"})
_STANDARD = ("Y", "PY", "PN", "N", "NI")
_CONDITIONAL = ("NA", "Y", "PY", "PN", "N", "NI")

_Answers = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SignallingQuestion:
    """One signalling question.

    Attributes
    ----------
    id : str
        The guidance's number, e.g. ``"2.3"``.
    text : str
        Short wording of the question.
    options : tuple of str
        The allowed responses.
    condition : str
        The guidance's condition for asking it (``""`` if always asked).
    applies : callable or None
        ``applies(answers)`` is True when the condition is met; ``None`` for questions
        that are always asked.  Only called with the earlier questions answered.
    """

    id: str
    text: str
    options: tuple[str, ...]
    condition: str = ""
    applies: Callable[[_Answers], bool] | None = None

    @property
    def conditional(self) -> bool:
        """True for a question asked only if earlier answers call for it."""
        return self.applies is not None


@dataclass(frozen=True, slots=True)
class Domain:
    """One RoB 2 domain: number, name, signalling questions and its section in the guidance."""

    number: int
    name: str
    questions: tuple[SignallingQuestion, ...]
    section: str

    def question(self, qid: str) -> SignallingQuestion:
        """The question with id ``qid``."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)


def _in(qid: str, allowed: frozenset[str]) -> Callable[[_Answers], bool]:
    return lambda a: a[qid] in allowed


_Q = SignallingQuestion

DOMAINS: dict[int, Domain] = {
    1: Domain(
        1,
        "Randomization process",
        (
            _Q("1.1", "Was the allocation sequence random?", _STANDARD),
            _Q(
                "1.2",
                "Was the allocation sequence concealed until participants were enrolled and "
                "assigned to interventions?",
                _STANDARD,
            ),
            _Q(
                "1.3",
                "Did baseline differences between intervention groups suggest a problem with "
                "the randomization process?",
                _STANDARD,
            ),
        ),
        "RoB 2 guidance, Domain 1, algorithm for suggested judgement",
    ),
    2: Domain(
        2,
        "Deviations from intended interventions",
        (
            _Q(
                "2.1",
                "Were participants aware of their assigned intervention during the trial?",
                _STANDARD,
            ),
            _Q(
                "2.2",
                "Were carers and people delivering the interventions aware of participants' "
                "assigned intervention during the trial?",
                _STANDARD,
            ),
            _Q(
                "2.3",
                "Were there deviations from the intended intervention that arose because of "
                "the trial context?",
                _CONDITIONAL,
                "If Y/PY/NI to 2.1 or 2.2",
                lambda a: a["2.1"] not in _NO or a["2.2"] not in _NO,
            ),
            _Q(
                "2.4",
                "Were these deviations likely to have affected the outcome?",
                _CONDITIONAL,
                "If Y/PY to 2.3",
                _in("2.3", _YES),
            ),
            _Q(
                "2.5",
                "Were these deviations from intended intervention balanced between groups?",
                _CONDITIONAL,
                "If Y/PY/NI to 2.4",
                _in("2.4", _YES | {"NI"}),
            ),
            _Q(
                "2.6",
                "Was an appropriate analysis used to estimate the effect of assignment to "
                "intervention?",
                _STANDARD,
            ),
            _Q(
                "2.7",
                "Was there potential for a substantial impact (on the result) of the failure "
                "to analyse participants in the group to which they were randomized?",
                _CONDITIONAL,
                "If N/PN/NI to 2.6",
                _in("2.6", _NO | {"NI"}),
            ),
        ),
        "RoB 2 guidance, Domain 2 (effect of assignment), algorithm for suggested judgement",
    ),
    3: Domain(
        3,
        "Missing outcome data",
        (
            _Q(
                "3.1",
                "Were data for this outcome available for all, or nearly all, participants "
                "randomized?",
                _STANDARD,
            ),
            _Q(
                "3.2",
                "Is there evidence that the result was not biased by missing outcome data?",
                ("NA", "Y", "PY", "PN", "N"),
                "If N/PN/NI to 3.1",
                _in("3.1", _NO | {"NI"}),
            ),
            _Q(
                "3.3",
                "Could missingness in the outcome depend on its true value?",
                _CONDITIONAL,
                "If N/PN to 3.2",
                _in("3.2", _NO),
            ),
            _Q(
                "3.4",
                "Is it likely that missingness in the outcome depended on its true value?",
                _CONDITIONAL,
                "If Y/PY/NI to 3.3",
                _in("3.3", _YES | {"NI"}),
            ),
        ),
        "RoB 2 guidance, Domain 3, algorithm for suggested judgement",
    ),
    4: Domain(
        4,
        "Measurement of the outcome",
        (
            _Q("4.1", "Was the method of measuring the outcome inappropriate?", _STANDARD),
            _Q(
                "4.2",
                "Could measurement or ascertainment of the outcome have differed between "
                "intervention groups?",
                _STANDARD,
            ),
            _Q(
                "4.3",
                "Were outcome assessors aware of the intervention received by study participants?",
                _CONDITIONAL,
                "If N/PN/NI to 4.1 and 4.2",
                lambda a: a["4.1"] not in _YES and a["4.2"] not in _YES,
            ),
            _Q(
                "4.4",
                "Could assessment of the outcome have been influenced by knowledge of "
                "intervention received?",
                _CONDITIONAL,
                "If Y/PY/NI to 4.3",
                _in("4.3", _YES | {"NI"}),
            ),
            _Q(
                "4.5",
                "Is it likely that assessment of the outcome was influenced by knowledge of "
                "intervention received?",
                _CONDITIONAL,
                "If Y/PY/NI to 4.4",
                _in("4.4", _YES | {"NI"}),
            ),
        ),
        "RoB 2 guidance, Domain 4, algorithm for suggested judgement",
    ),
    5: Domain(
        5,
        "Selection of the reported result",
        (
            _Q(
                "5.1",
                "Were the data that produced this result analysed in accordance with a "
                "pre-specified analysis plan that was finalized before unblinded outcome data "
                "were available for analysis?",
                _STANDARD,
            ),
            _Q(
                "5.2",
                "Is the numerical result likely to have been selected, on the basis of the "
                "results, from multiple eligible outcome measurements within the outcome "
                "domain?",
                _STANDARD,
            ),
            _Q(
                "5.3",
                "Is the numerical result likely to have been selected, on the basis of the "
                "results, from multiple eligible analyses of the data?",
                _STANDARD,
            ),
        ),
        "RoB 2 guidance, Domain 5, algorithm for suggested judgement",
    ),
}


# --- the algorithms ----------------------------------------------------------------------
# Each takes complete answers: every question present, "NA" for those that do not apply.


def _domain1(a: _Answers) -> str:
    """Randomization process (guidance, Domain 1 algorithm)."""
    if a["1.2"] in _NO:  # sequence not concealed
        return HIGH
    if a["1.2"] == "NI":
        return HIGH if a["1.3"] in _YES else SOME_CONCERNS
    # concealed (Y/PY)
    if a["1.1"] in _NO:  # sequence not random
        return SOME_CONCERNS
    return SOME_CONCERNS if a["1.3"] in _YES else LOW


def _domain2_part1(a: _Answers) -> str:
    """Domain 2, questions 2.1-2.5: deviations arising because of the trial context."""
    if a["2.1"] in _NO and a["2.2"] in _NO:  # nobody aware
        return LOW
    if a["2.3"] in _NO:
        return LOW
    if a["2.3"] == "NI":
        return SOME_CONCERNS
    # deviations because of the trial context (2.3 Y/PY)
    if a["2.4"] in _NO:
        return SOME_CONCERNS
    # ... that were likely (or NI) to have affected the outcome
    return SOME_CONCERNS if a["2.5"] in _YES else HIGH


def _domain2_part2(a: _Answers) -> str:
    """Domain 2, questions 2.6-2.7: the analysis of the effect of assignment."""
    if a["2.6"] in _YES:
        return LOW
    return SOME_CONCERNS if a["2.7"] in _NO else HIGH


def _domain2(a: _Answers) -> str:
    """Deviations from intended interventions, effect of assignment (Domain 2 algorithm)."""
    return _worst((_domain2_part1(a), _domain2_part2(a)))


def _domain3(a: _Answers) -> str:
    """Missing outcome data (guidance, Domain 3 algorithm)."""
    if a["3.1"] in _YES:
        return LOW
    if a["3.2"] in _YES:
        return LOW
    if a["3.3"] in _NO:
        return LOW
    return SOME_CONCERNS if a["3.4"] in _NO else HIGH


def _domain4(a: _Answers) -> str:
    """Measurement of the outcome (guidance, Domain 4 algorithm)."""
    if a["4.1"] in _YES or a["4.2"] in _YES:
        return HIGH
    # without information on 4.2 the best the domain can reach is "Some concerns"
    best = LOW if a["4.2"] in _NO else SOME_CONCERNS
    if a["4.3"] in _NO:  # assessors not aware
        return best
    if a["4.4"] in _NO:  # assessment could not have been influenced
        return best
    return SOME_CONCERNS if a["4.5"] in _NO else HIGH


def _domain5(a: _Answers) -> str:
    """Selection of the reported result (guidance, Domain 5 algorithm)."""
    if a["5.2"] in _YES or a["5.3"] in _YES:
        return HIGH
    if a["5.2"] in _NO and a["5.3"] in _NO:
        return LOW if a["5.1"] in _YES else SOME_CONCERNS
    return SOME_CONCERNS  # at least one NI, neither Y/PY


_ALGORITHMS: dict[int, Callable[[_Answers], str]] = {
    1: _domain1,
    2: _domain2,
    3: _domain3,
    4: _domain4,
    5: _domain5,
}


def _worst(judgements: Iterable[str]) -> str:
    return max(judgements, key=JUDGEMENTS.index)


# --- public API --------------------------------------------------------------------------


def _normalise(value: str) -> str:
    return str(value).strip().upper()


def _complete(domain: Domain, answers: Mapping[str, str]) -> dict[str, str]:
    """Validate ``answers`` for ``domain`` and fill "NA" for questions that do not apply."""
    d = domain.number
    known = {q.id for q in domain.questions}
    unknown = sorted(str(k) for k in answers if k not in known)
    if unknown:
        raise ValueError(
            f"domain {d}: unknown question id(s) {', '.join(unknown)}; "
            f"the questions are {', '.join(q.id for q in domain.questions)}"
        )
    given = {k: _normalise(v) for k, v in answers.items()}
    bad = [
        f"{q.id}={answers[q.id]!r} (allowed: {'/'.join(q.options)})"
        for q in domain.questions
        if q.id in given and given[q.id] not in q.options
    ]
    if bad:
        raise ValueError(f"domain {d}: invalid answer(s) {'; '.join(bad)}")
    missing = [q.id for q in domain.questions if not q.conditional and q.id not in given]
    if missing:
        raise ValueError(f"domain {d}: missing answer(s) to question(s) {', '.join(missing)}")
    out: dict[str, str] = {}
    for q in domain.questions:  # conditions only refer to earlier questions
        if q.applies is None:
            out[q.id] = given[q.id]
            continue
        if q.applies(out):
            if q.id not in given:
                raise ValueError(
                    f"domain {d}: missing answer to question {q.id} ({q.condition}: it applies)"
                )
            if given[q.id] == "NA":
                raise ValueError(
                    f"domain {d}: question {q.id} is answered NA but applies "
                    f"({q.condition}); answer {'/'.join(o for o in q.options if o != 'NA')}"
                )
            out[q.id] = given[q.id]
        else:
            if given.get(q.id, "NA") != "NA":
                raise ValueError(
                    f"domain {d}: question {q.id} is answered {given[q.id]} but does not "
                    f"apply (it is asked only {q.condition[0].lower()}{q.condition[1:]}); "
                    "answer NA or leave it out"
                )
            out[q.id] = "NA"
    return out


def domain_judgement(domain: int, answers: Mapping[str, str]) -> str:
    """The suggested RoB 2 judgement of one domain from its signalling questions.

    Parameters
    ----------
    domain : int
        1 (randomization process), 2 (deviations from intended interventions, effect of
        assignment), 3 (missing outcome data), 4 (measurement of the outcome) or 5
        (selection of the reported result).
    answers : mapping of str to str
        Question id (``"1.1"``...) to response (``Y``, ``PY``, ``PN``, ``N``, ``NI``,
        ``NA``; case and surrounding spaces are ignored).  Questions asked only
        conditionally may be left out (or answered ``NA``) when their condition is not met.

    Returns
    -------
    str
        ``"Low"``, ``"Some concerns"`` or ``"High"``.

    Raises
    ------
    ValueError
        For an unknown domain; unknown question ids; responses the question does not allow;
        missing answers to questions that are always asked, or to conditional questions
        whose condition is met; ``NA`` to a question that applies; or a substantive
        answer to a question that does not apply (all named in the message).

    Notes
    -----
    The decision logic is that of the algorithms for suggested judgements in the RoB 2
    guidance (Higgins et al. 2019), for individually randomized parallel-group trials;
    see each :class:`Domain`'s ``section``.  Domain 2 combines its two parts (2.1-2.5 and
    2.6-2.7) by taking the worse of the two judgements.
    """
    if domain not in DOMAINS:
        raise ValueError(f"unknown RoB 2 domain {domain!r}; use 1 to 5")
    return _ALGORITHMS[domain](_complete(DOMAINS[domain], answers))


def _judgement(value: str, where: str) -> str:
    for j in JUDGEMENTS:
        if str(value).strip().lower() == j.lower():
            return j
    raise ValueError(f"{where}: {value!r} is not a RoB 2 judgement ({', '.join(JUDGEMENTS)})")


def overall_judgement(
    domain_judgements: Mapping[int, str] | Sequence[str],
    *,
    multiple_some_concerns_high: bool = False,
) -> str:
    """The overall RoB 2 judgement of a result from its five domain judgements.

    Parameters
    ----------
    domain_judgements : mapping of int to str, or sequence of str
        The judgements of domains 1 to 5 (a mapping keyed 1 to 5, or five in order);
        ``"Low"``, ``"Some concerns"`` or ``"High"`` (case is ignored).
    multiple_some_concerns_high : bool, default False
        Apply the guidance's optional escalation: "High" when some concerns in multiple
        domains substantially lower confidence in the result.  Whether they do is a
        judgement; with True, two or more "Some concerns" are taken to do so.

    Returns
    -------
    str
        ``"Low"`` if every domain is low; ``"High"`` if any domain is high (or, with
        ``multiple_some_concerns_high``, two or more are "Some concerns"); otherwise
        ``"Some concerns"``.

    Raises
    ------
    ValueError
        If there are not exactly the five domains or a judgement is not a RoB 2 one.

    Notes
    -----
    Sterne et al. (2019), Table 2: low risk of bias if the trial is judged at low risk in
    all domains; some concerns if some concerns in at least one domain and not high in any;
    high if high in at least one domain, or some concerns for multiple domains in a way that
    substantially lowers confidence in the result.
    """
    if isinstance(domain_judgements, Mapping):
        keys = set(domain_judgements)
        if keys != set(DOMAINS):
            raise ValueError(f"overall judgement needs domains 1 to 5; got {sorted(keys, key=str)}")
        values = [domain_judgements[d] for d in sorted(DOMAINS)]
    else:
        if isinstance(domain_judgements, str):
            raise TypeError("domain_judgements must be five judgements, not one string")
        values = list(domain_judgements)
        if len(values) != len(DOMAINS):
            raise ValueError(
                f"overall judgement needs the five domain judgements; got {len(values)}"
            )
    js = [_judgement(v, f"domain {i}") for i, v in enumerate(values, start=1)]
    if HIGH in js:
        return HIGH
    n_some = js.count(SOME_CONCERNS)
    if n_some >= 2 and multiple_some_concerns_high:
        return HIGH
    return SOME_CONCERNS if n_some else LOW


# --- two assessors -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement between two assessors on the same items.

    Attributes
    ----------
    n : int
        Number of items.
    percent : float
        Observed agreement as a percentage (100 × p_o).
    kappa : float
        Cohen's kappa, (p_o − p_e) / (1 − p_e).  When p_e = 1 (both assessors used one
        and the same category for every item) kappa is 0/0; it is then defined as 1.0,
        since the observed agreement is perfect (p_e = 1 implies p_o = 1).
    categories : tuple of str
        The categories, in the order of the rows and columns of ``confusion``.
    confusion : tuple of tuple of int
        ``confusion[i][j]``: items assessor A put in ``categories[i]`` and B in
        ``categories[j]``.
    """

    n: int
    percent: float
    kappa: float
    categories: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]

    @property
    def observed(self) -> float:
        """Observed proportion of agreement p_o."""
        return sum(self.confusion[i][i] for i in range(len(self.categories))) / self.n

    @property
    def expected(self) -> float:
        """Proportion of agreement expected by chance p_e, from the two assessors' margins."""
        return _chance(self.confusion) / self.n**2


def _chance(confusion: Sequence[Sequence[int]]) -> int:
    """Σ row_i × column_i (n² × p_e), exact."""
    k = len(confusion)
    return sum(sum(confusion[i]) * sum(row[i] for row in confusion) for i in range(k))


def _check_pair(a: Sequence[str], b: Sequence[str]) -> None:
    if isinstance(a, str) or isinstance(b, str):
        raise TypeError("a and b must be sequences of judgements, not strings")
    if len(a) != len(b):
        raise ValueError(f"the assessors judged different numbers of items ({len(a)}, {len(b)})")


def agreement(
    a: Sequence[str], b: Sequence[str], categories: Sequence[str] | None = None
) -> Agreement:
    """Percent agreement and Cohen's kappa between two assessors.

    Parameters
    ----------
    a, b : sequence of str
        The two assessors' judgements of the same items, in the same order.
    categories : sequence of str, optional
        The possible categories and their order in the confusion table (categories nobody
        used still count: they change nothing in kappa).  By default the categories used,
        the RoB 2 judgements first in their order (Low, Some concerns, High), then any
        others in order of first appearance (in ``a``, then ``b``).

    Returns
    -------
    Agreement

    Raises
    ------
    ValueError
        If there are no items, the assessors judged different numbers of items, or a
        judgement is not one of ``categories``.

    Notes
    -----
    p_o = Σ n_ii / n, p_e = Σ n_i. n_.i / n², kappa = (p_o − p_e) / (1 − p_e), computed
    from the integer counts so that p_e = 1 is detected exactly; kappa is then 1.0.
    """
    _check_pair(a, b)
    n = len(a)
    if n == 0:
        raise ValueError("no items to compare")
    if categories is None:
        seen = list(dict.fromkeys([*a, *b]))
        cats = [j for j in JUDGEMENTS if j in seen] + [c for c in seen if c not in JUDGEMENTS]
    else:
        cats = list(dict.fromkeys(categories))
        unknown = sorted({str(x) for x in (*a, *b) if x not in cats})
        if unknown:
            raise ValueError(f"judgement(s) not among the categories: {', '.join(unknown)}")
    index = {c: i for i, c in enumerate(cats)}
    table = [[0] * len(cats) for _ in cats]
    for x, y in zip(a, b, strict=True):
        table[index[x]][index[y]] += 1
    agree = sum(table[i][i] for i in range(len(cats)))
    chance = _chance(table)
    if chance == n * n:  # p_e = 1: 0/0; p_o is then 1 as well
        kappa = 1.0 if agree == n else math.nan
    else:
        kappa = (n * agree - chance) / (n * n - chance)
    return Agreement(
        n=n,
        percent=100.0 * agree / n,
        kappa=kappa,
        categories=tuple(cats),
        confusion=tuple(tuple(r) for r in table),
    )


class UnresolvedDisagreementError(ValueError):
    """Items on which the assessors disagree and no consensus was recorded.

    Attributes
    ----------
    items : list of tuple of (int, str, str)
        ``(index, judgement of A, judgement of B)`` for each unresolved item.
    """

    def __init__(self, items: list[tuple[int, str, str]]) -> None:
        self.items = items
        listed = "; ".join(f"item {i}: {x!r} vs {y!r}" for i, x, y in items)
        super().__init__(
            f"{len(items)} disagreement(s) not resolved ({listed}); "
            "record the consensus judgement for each in `resolved`"
        )


def consensus(
    a: Sequence[str], b: Sequence[str], resolved: Mapping[int, str] | None = None
) -> list[str]:
    """The consensus judgement of each item from two assessors and the resolved disagreements.

    Parameters
    ----------
    a, b : sequence of str
        The two assessors' judgements of the same items, in the same order.
    resolved : mapping of int to str, optional
        The judgement agreed on (by discussion or a third assessor) for items, by 0-based
        index, where the assessors disagree.

    Returns
    -------
    list of str
        The judgement both gave where they agree, the resolved one where they do not.

    Raises
    ------
    UnresolvedDisagreementError
        (a ValueError) listing every disagreement without an entry in ``resolved``.
    ValueError
        If the assessors judged different numbers of items, ``resolved`` names an item
        that does not exist, or it gives an item both assessors agreed on a different
        judgement (a resolution contradicting an agreement is taken to be a mistake).
    """
    _check_pair(a, b)
    res = dict(resolved or {})
    outside = sorted(str(k) for k in res if not (isinstance(k, int) and 0 <= k < len(a)))
    if outside:
        raise ValueError(
            f"resolved names item(s) {', '.join(outside)} that do not exist "
            f"(items are 0 to {len(a) - 1})"
        )
    out: list[str] = []
    unresolved: list[tuple[int, str, str]] = []
    contradicting: list[str] = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            if i in res and res[i] != x:
                contradicting.append(f"item {i}: both {x!r}, resolved {res[i]!r}")
            out.append(x)
        elif i in res:
            out.append(res[i])
        else:
            unresolved.append((i, x, y))
            out.append("")
    if contradicting:
        raise ValueError(
            "resolved contradicts items both assessors agreed on: " + "; ".join(contradicting)
        )
    if unresolved:
        raise UnresolvedDisagreementError(unresolved)
    return out
