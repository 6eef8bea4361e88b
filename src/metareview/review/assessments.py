"""Risk-of-bias assessments as recorded: two assessors, RoB 2 signalling answers, consensus.

A review records risk of bias in two files:

* ``risk_of_bias.csv``: judgements.  A row without an ``assessor`` is the review's own
  (consensus) judgement; a row with one is that assessor's independent judgement.
* ``rob_answers.csv`` (optional): answers to the RoB 2 signalling questions, per study
  (and outcome) and assessor.  The RoB 2 algorithms (:mod:`metareview.rob`) turn a
  domain's answers into its suggested judgement.

:func:`assess` reconciles them, one direction only (answers → domain judgements →
overall → consensus), and returns the judgements the review uses plus every problem:

1. **Answers → suggestions.**  Each (study, outcome, assessor) with answers to a domain's
   questions gets the algorithm's suggestion for that domain; incomplete or inconsistent
   answers are errors (the message is the algorithm's).  When the five domains are all
   judged, the overall judgement follows from them (Sterne et al. 2019, Table 2).
2. **Recorded vs suggested.**  A recorded judgement that differs from the suggestion is an
   *override*: allowed (the guidance lets assessors depart from the algorithm) but only
   with the reason in ``support``; without one it is an error.  A domain with answers and
   no recorded judgement takes the suggestion (origin ``"algorithm"``).
3. **Two assessors → consensus.**  At most two named assessors per tool.  Where a
   consensus row (no assessor) exists it is the review's judgement.  Otherwise, where both
   assessors gave the same judgement it is adopted (origin ``"agreement"``); where they
   disagree it is an error until the consensus is recorded; where the tool has a single
   named assessor their judgement is adopted (origin ``"single assessor"``).  A consensus
   that contradicts what both assessors agreed on is reported as a notice.
4. **Agreement.**  Per tool with two assessors: percentage agreement and Cohen's kappa over
   every domain both judged (the overall judgement excluded), per domain, and over the
   signalling answers both gave.

Nothing here reads or writes files; the review store turns the issues into located
problems and the report shows the agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from metareview import rob as rob2
from metareview.review.model import ROB2, RobAnswer, RobJudgement

__all__ = ["ANSWERS_FILE", "Assessment", "AssessmentIssue", "ToolAgreement", "assess"]

ANSWERS_FILE = "rob_answers.csv"
ROB_FILE = "risk_of_bias.csv"

#: RoB 2 domain number -> the domain's name in the built-in tool (and back)
DOMAIN_NAMES: dict[int, str] = {i: ROB2.domains[i - 1] for i in rob2.DOMAINS}
OVERALL = "Overall"

_Key = tuple[str, str, str, str]  # tool, study, outcome, domain


@dataclass(frozen=True, slots=True)
class AssessmentIssue:
    """A problem with the assessments, located by file and line."""

    source: str
    line: int
    field: str
    message: str
    fix: str
    study: str
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class Disagreement:
    """An item the two assessors judged differently and its consensus (``""`` if none)."""

    study: str
    outcome: str
    domain: str
    first: str
    second: str
    consensus: str


@dataclass(frozen=True, slots=True)
class ToolAgreement:
    """Agreement between the two assessors of one tool."""

    tool: str
    assessors: tuple[str, str]
    domains: rob2.Agreement | None
    by_domain: dict[str, rob2.Agreement]
    answers: rob2.Agreement | None
    disagreements: list[Disagreement]


@dataclass
class Assessment:
    """What :func:`assess` found: final judgements, suggestions, agreement and issues."""

    final: list[RobJudgement] = field(default_factory=list)
    #: the algorithm's suggestion per (tool, study, outcome, domain, assessor)
    suggested: dict[tuple[str, str, str, str, str], str] = field(default_factory=dict)
    agreement: list[ToolAgreement] = field(default_factory=list)
    issues: list[AssessmentIssue] = field(default_factory=list)


def _where(outcome: str) -> str:
    return f", outcome {outcome}" if outcome else ""


def _suggestions(
    answers: Sequence[RobAnswer], out: Assessment
) -> dict[tuple[str, str, str, str, str], tuple[str, int]]:
    """The algorithm's domain suggestions from the answers: key -> (judgement, first line)."""
    groups: dict[tuple[str, str, str, int], dict[str, RobAnswer]] = {}
    for a in answers:
        if a.tool != ROB2.name or not a.question:
            continue
        head = a.question.split(".", 1)[0]
        if not head.isdigit() or int(head) not in rob2.DOMAINS:
            continue
        key = (a.study, a.outcome, a.assessor, int(head))
        groups.setdefault(key, {})[a.question] = a
    result: dict[tuple[str, str, str, str, str], tuple[str, int]] = {}
    for (study, outcome, assessor, d), given in groups.items():
        first = min(a.line for a in given.values())
        try:
            j = rob2.domain_judgement(d, {q: a.answer for q, a in given.items()})
        except ValueError as exc:
            who = f" by {assessor}" if assessor else ""
            out.issues.append(
                AssessmentIssue(
                    ANSWERS_FILE,
                    first,
                    "answer",
                    f"RoB 2 {DOMAIN_NAMES[d]} ({study}{_where(outcome)}{who}): {exc}",
                    "answer every signalling question the domain asks (NA, or no row, for "
                    "the questions that do not apply)",
                    study,
                )
            )
            continue
        result[(ROB2.name, study, outcome, DOMAIN_NAMES[d], assessor)] = (j, first)
    return result


def _note_disagreement(
    key: _Key,
    by: dict[str, RobJudgement],
    pair: Sequence[str],
    into: dict[str, list[Disagreement]],
) -> None:
    if len(pair) == 2 and all(a in by for a in pair):
        first, second = (by[a].judgement for a in pair)
        if first != second:
            cons = by.get("")
            into.setdefault(key[0], []).append(
                Disagreement(key[1], key[2], key[3], first, second, cons.judgement if cons else "")
            )


def assess(rob: Sequence[RobJudgement], answers: Sequence[RobAnswer] = ()) -> Assessment:
    """Reconcile recorded judgements, signalling answers and two assessors (module docs)."""
    out = Assessment()
    suggestions = _suggestions(answers, out)
    recorded: dict[tuple[str, str, str, str, str], RobJudgement] = {}
    for j in rob:
        recorded.setdefault((j.tool, j.study, j.outcome, j.domain, j.assessor), j)

    # 1-2: each assessor's (and the consensus's) adopted judgements
    adopted: dict[tuple[str, str, str, str, str], RobJudgement] = dict(recorded)
    for key, (sug, line) in suggestions.items():
        out.suggested[key] = sug
        tool, study, outcome, domain, assessor = key
        have = recorded.get(key)
        if have is None:
            adopted[key] = RobJudgement(
                study=study,
                tool=tool,
                domain=domain,
                judgement=sug,
                support="Suggested by the RoB 2 algorithm from the signalling answers.",
                outcome=outcome,
                line=line,
                assessor=assessor,
                origin="algorithm",
            )
        elif have.judgement != sug and not have.support.strip():
            out.issues.append(
                AssessmentIssue(
                    ROB_FILE,
                    have.line,
                    "judgement",
                    f"{have.judgement!r} differs from {sug!r}, the RoB 2 algorithm's "
                    f"suggestion from the signalling answers ({ANSWERS_FILE} line {line}), "
                    "and gives no reason",
                    f"write the reason for departing from the algorithm in support, or "
                    f"write {sug!r}",
                    study,
                )
            )
    # overall RoB 2 judgement from the five adopted domain judgements, per assessor
    per_result: dict[tuple[str, str, str], dict[str, RobJudgement]] = {}
    for (tool, study, outcome, domain, assessor), j in adopted.items():
        if tool == ROB2.name:
            per_result.setdefault((study, outcome, assessor), {})[domain] = j
    for (study, outcome, assessor), doms in per_result.items():
        if not all(DOMAIN_NAMES[d] in doms for d in rob2.DOMAINS):
            continue
        names = [DOMAIN_NAMES[d] for d in rob2.DOMAINS]
        if not any(doms[n].origin == "algorithm" for n in names):
            continue  # judged by hand throughout: the overall is the assessor's own
        if any(doms[n].judgement not in rob2.JUDGEMENTS for n in names):
            continue  # the store reports judgements that are not RoB 2's
        sug = rob2.overall_judgement([doms[n].judgement for n in names])
        key = (ROB2.name, study, outcome, OVERALL, assessor)
        out.suggested[key] = sug
        have = doms.get(OVERALL)
        if have is None:
            line = min(doms[n].line for n in names)
            adopted[key] = RobJudgement(
                study=study,
                tool=ROB2.name,
                domain=OVERALL,
                judgement=sug,
                support="Follows from the five domain judgements (Sterne et al. 2019, Table 2).",
                outcome=outcome,
                line=line,
                assessor=assessor,
                origin="algorithm",
            )
        elif have.judgement != sug and not have.support.strip() and have.origin == "recorded":
            out.issues.append(
                AssessmentIssue(
                    ROB_FILE,
                    have.line,
                    "judgement",
                    f"overall {have.judgement!r} does not follow from the domain judgements "
                    f"(which give {sug!r}: low only if every domain is low, high if any is "
                    "high) and gives no reason",
                    f"write the reason in support (e.g. some concerns in several domains "
                    f"that substantially lower confidence), or write {sug!r}",
                    study,
                )
            )

    # 3: consensus from two assessors
    assessors: dict[str, list[str]] = {}
    for (tool, *_rest, assessor), j in sorted(adopted.items(), key=lambda kv: kv[1].line):
        if assessor and assessor not in assessors.setdefault(tool, []):
            assessors[tool].append(assessor)
            if len(assessors[tool]) == 3:
                out.issues.append(
                    AssessmentIssue(
                        ANSWERS_FILE if j.origin == "algorithm" else ROB_FILE,
                        j.line,
                        "assessor",
                        f"a third assessor ({assessor}) for {tool}; agreement and consensus "
                        f"are between two assessors ({', '.join(assessors[tool][:2])})",
                        "record a third person's arbitration as the consensus row (empty assessor)",
                        j.study,
                    )
                )
    items: dict[_Key, dict[str, RobJudgement]] = {}
    for (tool, study, outcome, domain, assessor), j in adopted.items():
        items.setdefault((tool, study, outcome, domain), {})[assessor] = j
    final: list[RobJudgement] = []
    disagreements: dict[str, list[Disagreement]] = {}
    deferred: list[_Key] = []  # RoB 2 overall without a consensus row: from the domains
    for item, by in items.items():
        tool, study, outcome, domain = item
        pair = assessors.get(tool, [])[:2]
        split = len(pair) == 2 and len({by[a].judgement for a in pair if a in by}) == 2
        if tool == ROB2.name and domain == OVERALL and "" not in by and split:
            # the assessors' overall judgements differ; the consensus overall follows
            # from the consensus domain judgements when those are settled
            deferred.append(item)
            _note_disagreement(item, by, pair, disagreements)
            continue
        judged = [by[a] for a in pair if a in by]
        cons = by.get("")
        _note_disagreement(item, by, pair, disagreements)
        if cons is not None:
            if (
                len(judged) == 2
                and judged[0].judgement == judged[1].judgement != cons.judgement
                and cons.origin == "recorded"
            ):
                out.issues.append(
                    AssessmentIssue(
                        ROB_FILE,
                        cons.line,
                        "judgement",
                        f"the consensus {cons.judgement!r} differs from the "
                        f"{judged[0].judgement!r} both assessors gave ({tool}, {domain}, "
                        f"{study}{_where(outcome)})",
                        "check it is meant; say why in support",
                        study,
                        severity="notice",
                    )
                )
            final.append(cons)
            continue
        if not judged:
            continue
        if len(pair) == 1:
            final.append(replace(judged[0], assessor="", origin="single assessor"))
        elif len(judged) == 2 and judged[0].judgement == judged[1].judgement:
            support = " / ".join(dict.fromkeys(j.support for j in judged if j.support))
            final.append(replace(judged[0], assessor="", origin="agreement", support=support))
        else:
            last = max(judged, key=lambda j: j.line)
            if len(judged) == 2:
                message = (
                    f"the assessors disagree on {tool} {domain!r} for {study}"
                    f"{_where(outcome)} ({pair[0]}: {judged[0].judgement!r}, "
                    f"{pair[1]}: {judged[1].judgement!r}) and no consensus is recorded"
                )
            else:
                missing = next(a for a in pair if a not in by)
                message = (
                    f"{tool} {domain!r} for {study}{_where(outcome)} is judged by "
                    f"{last.assessor} only, not by {missing}, and no consensus is recorded"
                )
            out.issues.append(
                AssessmentIssue(
                    ANSWERS_FILE if last.origin == "algorithm" else ROB_FILE,
                    last.line,
                    "judgement",
                    message,
                    f"add a row to {ROB_FILE} with an empty assessor giving the agreed "
                    "judgement (and the reason in support)",
                    study,
                )
            )
    settled = {(j.study, j.outcome, j.domain): j for j in final if j.tool == ROB2.name}
    for tool, study, outcome, _ in deferred:
        picked = [settled.get((study, outcome, DOMAIN_NAMES[d])) for d in rob2.DOMAINS]
        if any(j is None or j.judgement not in rob2.JUDGEMENTS for j in picked):
            if not any(i.study == study and i.severity == "error" for i in out.issues):
                judged_overall = items[(tool, study, outcome, OVERALL)]
                last = max(judged_overall.values(), key=lambda j: j.line)
                out.issues.append(
                    AssessmentIssue(
                        ANSWERS_FILE if last.origin == "algorithm" else ROB_FILE,
                        last.line,
                        "judgement",
                        f"the assessors disagree on the RoB 2 overall judgement for {study}"
                        f"{_where(outcome)} and the consensus domain judgements it would "
                        "follow from are not all recorded",
                        f"add the consensus overall judgement (a row of {ROB_FILE} with an "
                        "empty assessor), or the consensus of all five domains",
                        study,
                    )
                )
            continue
        adopted_doms = [j for j in picked if j is not None]
        final.append(
            RobJudgement(
                study=study,
                tool=tool,
                domain=OVERALL,
                judgement=rob2.overall_judgement([j.judgement for j in adopted_doms]),
                support="Follows from the five domain judgements (Sterne et al. 2019, Table 2).",
                outcome=outcome,
                line=min(j.line for j in adopted_doms),
                origin="algorithm",
            )
        )
    final.sort(key=lambda j: (j.line, j.domain))
    out.final = final

    # 4: agreement per tool with two assessors
    for tool, names in assessors.items():
        if len(names) < 2:
            continue
        a, b = names[:2]
        both = [
            (key, by[a].judgement, by[b].judgement)
            for key, by in items.items()
            if key[0] == tool and a in by and b in by
        ]
        domains = [x for x in both if x[0][3] != OVERALL]
        by_domain: dict[str, rob2.Agreement] = {}
        for dom in dict.fromkeys(k[3] for k, _, _ in both):
            rows = [(x, y) for k, x, y in both if k[3] == dom]
            by_domain[dom] = rob2.agreement([x for x, _ in rows], [y for _, y in rows])
        answered: dict[tuple[str, str, str], dict[str, str]] = {}
        for ans in answers:
            if ans.tool == tool and ans.assessor in (a, b):
                answered.setdefault((ans.study, ans.outcome, ans.question), {})[ans.assessor] = (
                    ans.answer.strip().upper()
                )
        pairs = [
            (v[a], v[b])
            for v in answered.values()
            if v.get(a) in rob2.ANSWERS and v.get(b) in rob2.ANSWERS
        ]
        out.agreement.append(
            ToolAgreement(
                tool=tool,
                assessors=(a, b),
                domains=rob2.agreement([x for _, x, _ in domains], [y for _, _, y in domains])
                if domains
                else None,
                by_domain=by_domain,
                answers=rob2.agreement(
                    [x for x, _ in pairs],
                    [y for _, y in pairs],
                    categories=[c for c in rob2.ANSWERS if c in {p for q in pairs for p in q}],
                )
                if pairs
                else None,
                disagreements=disagreements.get(tool, []),
            )
        )
    return out
