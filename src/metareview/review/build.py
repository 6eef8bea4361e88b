"""Build every analysis of a review with the engine: ``build(review) -> ReviewResults``.

The review's files become column arrays here (``analysis.data.prepare``) and each outcome
is pooled by :func:`metareview.analysis.compute`; the results are immutable objects the
renderers (HTML, DOCX, JSON, CSV) only read.  Reported results (as a published review
states them) are kept beside the recomputed ones and compared where both exist.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metareview.analysis.data import prepare
from metareview.analysis.result import MetaAnalysisResult
from metareview.analysis.spec import AnalysisSpec
from metareview.exceptions import MetaReviewWarning
from metareview.review.assessments import Assessment, assess
from metareview.review.model import Comparison, Outcome, Prisma, ReportedResult, Review
from metareview.review.store import outcome_spec

__all__ = ["OutcomeResult", "ReportedCheck", "ReviewResults", "build", "methods_paragraph"]

_MEASURE_WORDS = {
    "RR": ("risk ratios", "Risk ratio"),
    "OR": ("odds ratios", "Odds ratio"),
    "RD": ("risk differences", "Risk difference"),
    "PETO_OR": ("Peto odds ratios", "Peto odds ratio"),
    "MD": ("mean differences", "Mean difference"),
    "SMD": ("standardised mean differences", "Standardised mean difference"),
}


@dataclass(frozen=True, slots=True)
class ReportedCheck:
    """A reported result beside the recomputed one: do they agree at the printed precision?"""

    reported: ReportedResult
    recomputed: dict[str, float] | None
    agrees: bool | None
    note: str


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """One outcome: its settings, the recomputed analysis (if per-study data exist) and
    what the published review reports."""

    comparison: Comparison
    outcome: Outcome
    spec: AnalysisSpec
    result: MetaAnalysisResult | None
    reported: tuple[ReportedResult, ...]
    checks: tuple[ReportedCheck, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReviewResults:
    review: Review
    outcomes: tuple[OutcomeResult, ...]
    methods: str
    warnings: tuple[str, ...] = field(default_factory=tuple)
    #: risk-of-bias assessments reconciled: the judgements the review uses, the RoB 2
    #: algorithm's suggestions and the two assessors' agreement
    rob: Assessment = field(default_factory=Assessment)
    #: the PRISMA counts to show: review.toml's, identification counts from records/
    prisma: Prisma | None = None
    #: where review.toml's PRISMA counts disagree with records/ (or dedup is out of date)
    prisma_notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results of every outcome."""
        out = []
        for o in self.outcomes:
            out.append(
                {
                    "comparison": o.comparison.id,
                    "outcome": o.outcome.id,
                    "name": o.outcome.name,
                    "result": None if o.result is None else o.result.to_dict(),
                    "reported": [_reported_dict(r) for r in o.reported],
                    "checks": [
                        {
                            "location": c.reported.location,
                            "subgroup": c.reported.subgroup,
                            "agrees": c.agrees,
                            "note": c.note,
                            "recomputed": c.recomputed,
                        }
                        for c in o.checks
                    ],
                    "note": o.note,
                }
            )
        meta = self.review.meta
        return {
            "title": meta.title,
            "authors": list(meta.authors),
            "preset": meta.preset,
            "studies": len(self.review.studies),
            "outcomes": out,
            "methods": self.methods,
            "warnings": list(self.warnings),
        }


def _or(own: str | None, default: str) -> str:
    """An outcome's own label when it has one (even empty), else the comparison's."""
    return default if own is None else own


def _reported_dict(r: ReportedResult) -> dict[str, Any]:
    return {
        "outcome": r.outcome, "subgroup": r.subgroup, "measure": r.measure,
        "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high, "p": r.p,
        "i2": r.i2, "participants": r.participants, "studies": r.studies,
        "certainty": r.certainty, "location": r.location,
    }  # fmt: skip


def _decimals(x: float) -> int:
    text = repr(float(x))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


_MEASURE_ALIASES = {
    "RR": "RR", "RISK RATIO": "RR", "OR": "OR", "ODDS RATIO": "OR", "RD": "RD",
    "RISK DIFFERENCE": "RD", "PETO OR": "PETO_OR", "PETO_OR": "PETO_OR", "MD": "MD",
    "MEAN DIFFERENCE": "MD", "SMD": "SMD", "STD. MEAN DIFFERENCE": "SMD",
}  # fmt: skip


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _printed_decimals(reported: ReportedResult, key: str, value: float) -> int:
    text = reported.text.get(key, "").rstrip("%")
    return len(text.split(".")[1]) if "." in text else (0 if text else _decimals(value))


def _p_agrees(printed: str, ours: float) -> bool | None:
    """Whether our P value reads as the printed one ('0.03', '<0.00001', 'p = 0.2')."""
    text = printed.strip().lower().replace("p", "").replace("=", "").replace(" ", "")
    if not text or not math.isfinite(ours):
        return None
    try:
        if text.startswith("<"):
            return ours < float(text[1:])
        if text.startswith(">"):
            return ours > float(text[1:])
        value = float(text)
    except ValueError:
        return None
    d = len(text.split(".")[1]) if "." in text else 0
    return abs(round(ours, d) - value) <= 0.5 * 10.0**-d + 1e-12


def _check(reported: ReportedResult, res: MetaAnalysisResult) -> ReportedCheck:
    """Compare a reported result with ours, at the precision the review printed.

    Compared: estimate, CI, I², P (as printed, e.g. '<0.00001'), number of studies and of
    participants.  A result reported with another measure than the outcome's is not
    compared; neither is one where nothing comparable was printed (``agrees`` is None).
    """
    spec = res.spec
    measure = _MEASURE_ALIASES.get(reported.measure.strip().upper(), reported.measure.strip())
    if measure and spec.data_type in ("dich", "cont") and measure != spec.measure:
        return ReportedCheck(
            reported, None, None,
            f"reported as {reported.measure}, analysed as {spec.measure}: not compared",
        )  # fmt: skip
    group = res.overall
    if reported.subgroup:
        match = [g for g in res.subgroups if g.label == reported.subgroup]
        if not match:
            return ReportedCheck(reported, None, None, f"no subgroup {reported.subgroup!r}")
        group = match[0]
    participants = group.n_exp + group.n_ctrl
    ours: dict[str, float] = {"estimate": group.estimate, "ci_low": group.ci_low,
                              "ci_high": group.ci_high, "i2": group.i2, "p": group.p,
                              "studies": float(group.studies),
                              "participants": participants}  # fmt: skip
    bad: list[str] = []
    compared = 0
    for key in ("estimate", "ci_low", "ci_high", "i2"):
        value = getattr(reported, key)
        if value is None or not math.isfinite(ours[key]):
            continue
        compared += 1
        d = _printed_decimals(reported, key, value)
        if abs(round(ours[key], d) - value) > 0.5 * 10.0**-d + 1e-12:
            bad.append(f"{key} {reported.printed(key)} vs {ours[key]:.{d + 2}f}")
    for key in ("studies", "participants"):
        value = getattr(reported, key)
        if value is None or not math.isfinite(ours[key]):
            continue
        compared += 1
        if int(value) != round(ours[key]):
            bad.append(f"{key} {value} vs {round(ours[key])}")
    p_ok = _p_agrees(reported.p, group.p)
    if p_ok is not None:
        compared += 1
        if not p_ok:
            bad.append(f"P {reported.p} vs {group.p:.2g}")
    clean = {k: _finite(v) for k, v in ours.items()}
    recomputed = {k: v for k, v in clean.items() if v is not None}
    if not compared:
        return ReportedCheck(reported, recomputed, None, "nothing comparable was reported")
    note = "; ".join(bad) if bad else f"agrees at the printed precision ({compared} values)"
    return ReportedCheck(reported, recomputed, not bad, note)


_TAU2_WORDS = {
    "DL": "DerSimonian–Laird", "REML": "restricted maximum likelihood",
    "ML": "maximum likelihood", "PM": "Paule–Mandel", "EB": "empirical Bayes",
    "SJ": "Sidik–Jonkman", "HE": "Hedges", "HS": "Hunter–Schmidt",
}  # fmt: skip
_CI_WORDS = {
    "t": "the t distribution with k − 1 degrees of freedom",
    "hksj": "the Hartung–Knapp–Sidik–Jonkman method",
    "hksj-adhoc": "the Hartung–Knapp–Sidik–Jonkman method (never narrower than the Wald interval)",
}
_PI_WORDS = {
    "z": "the normal distribution",
    "t-k1": "the t distribution with k − 1 degrees of freedom",
    "t-k2": "the t distribution with k − 2 degrees of freedom",
}


def _method_sentence(spec: AnalysisSpec) -> str:
    """'Odds ratios were pooled with the Mantel–Haenszel method under ... model'."""
    plural = _MEASURE_WORDS.get(spec.measure, (f"{spec.measure_name} estimates", ""))[0]
    method = {
        "MH": "the Mantel–Haenszel method",
        "IV": "the inverse-variance method",
        "PETO": "Peto's method",
    }[spec.method]
    ci = f"{round(spec.ci * 100, 6):g}%"
    if spec.random:
        tau = _TAU2_WORDS[spec.tau2_method or "DL"]
        model = (
            f"a random-effects model, with the between-study variance estimated by the {tau} method"
        )
        interval = (
            f"{ci} confidence intervals from {_CI_WORDS[spec.ci_method]}"
            if spec.ci_method in _CI_WORDS
            else f"{ci} confidence intervals"
        )
        if spec.prediction in _PI_WORDS:
            interval += f" and {ci} prediction intervals from {_PI_WORDS[spec.prediction]}"
    else:
        model = "a fixed-effect model"
        interval = f"{ci} confidence intervals"
    return f"{plural.capitalize()} were pooled with {method} under {model}, with {interval}"


def methods_paragraph(results: list[OutcomeResult], preset: str = "revman5") -> str:
    """A methods paragraph generated from the settings of the outcomes actually analysed."""
    if not results:
        return "No outcomes are defined."
    computed = [r for r in results if r.result is not None]
    reported_only = [r for r in results if r.result is None]
    parts: list[str] = []
    if computed:
        sentences: dict[str, list[str]] = {}
        for r in computed:
            sentences.setdefault(_method_sentence(r.spec), []).append(r.outcome.name)
        for sentence, names in sentences.items():
            outcomes = "; ".join(names)
            parts.append(f"{sentence}: {outcomes}.")
        parts.append(
            "Statistical heterogeneity was assessed with the Chi² test and quantified with I²."
        )
        if any(r.outcome.subgroup_by for r in computed):
            parts.append(
                "Subgroups were compared with the test for subgroup differences (a Chi² test "
                "on the subgroup estimates)."
            )
        beyond = any(
            r.spec.random
            and (
                r.spec.tau2_method != "DL" or r.spec.ci_method != "z" or r.spec.prediction != "none"
            )
            for r in computed
        )
        if preset == "revman5" and not beyond:
            tool = "metareview with RevMan 5's methods (its results reproduce RevMan 5)"
        elif preset == "revman5":
            tool = (
                "metareview with RevMan 5's methods, except the random-effects options stated above"
            )
        else:
            tool = f"metareview (preset {preset})"
        parts.append(f"The analyses were computed with {tool}.")
    if reported_only:
        which = "the other outcomes" if computed else "any outcome"
        parts.append(
            f"No per-study data are available for {which}: their results are shown as the "
            "review reports them. According to the review's stated methods:"
        )
        said: dict[str, list[str]] = {}
        for r in reported_only:
            said.setdefault(_method_sentence(r.spec), []).append(r.outcome.name)
        for i, (sentence, names) in enumerate(said.items()):
            text = f"{sentence[0].lower()}{sentence[1:]}" if i == 0 else sentence
            parts.append(f"{text} ({'; '.join(names)}).")
    return " ".join(parts)


def build(review: Review, progress: Callable[[str], None] | None = None) -> ReviewResults:
    """Run every outcome of ``review`` through the engine.

    Outcomes without per-study data (``per_study_data = false``) keep only their reported
    results.  ``progress`` is called with each outcome's name (for a progress bar).
    """
    reported_by: dict[str, list[ReportedResult]] = {}
    for r in review.reported:
        reported_by.setdefault(r.outcome, []).append(r)
    results: list[OutcomeResult] = []
    messages: list[str] = []
    for comparison, outcome in review.meta.outcomes():
        if progress is not None:
            progress(outcome.name)
        spec = outcome_spec(review.meta, outcome)
        reported = tuple(reported_by.get(outcome.id, []))
        rows = review.data.get(outcome.id, [])
        if not outcome.per_study_data or not rows:
            note = (
                "Per-study data are not reported; the result shown is the one the review reports."
                if not outcome.per_study_data
                else "No data rows yet."
            )
            results.append(OutcomeResult(comparison, outcome, spec, None, reported, (), note))
            continue
        cols: dict[str, list[Any]] = {"study": [r.study for r in rows]}
        for key in rows[0].values:
            cols[key] = [r.values.get(key) for r in rows]
        if outcome.subgroup_by:
            cols["subgroup"] = [r.subgroup or "" for r in rows]
        table = prepare(
            cols, spec, subgroup="subgroup" if outcome.subgroup_by else None,
            source=outcome.data_path, lines=[r.line for r in rows], allow_not_estimable=True,
            allow_repeated_studies=outcome.allow_repeated_studies,
        )  # fmt: skip
        if outcome.subgroups and table.subgroup is not None:
            from dataclasses import replace

            table = replace(table, subgroup_labels=tuple(outcome.subgroups))
        from metareview.analysis.api import compute

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaReviewWarning)
            res = compute(
                table, spec, label_exp=_or(outcome.label_exp, comparison.label_exp),
                label_ctrl=_or(outcome.label_ctrl, comparison.label_ctrl), warn=False,
            )  # fmt: skip
        messages.extend(f"{outcome.name}: {w}" for w in res.warnings)
        checks = tuple(_check(r, res) for r in reported)
        results.append(OutcomeResult(comparison, outcome, spec, res, reported, checks))
    from metareview.records.store import effective_prisma

    prisma, prisma_notes = effective_prisma(review.root, review.meta.prisma)
    return ReviewResults(
        review,
        tuple(results),
        methods_paragraph(results, review.meta.preset),
        tuple(messages),
        assess(review.rob, review.rob_answers),
        prisma,
        tuple(m for _, m in prisma_notes),
    )
