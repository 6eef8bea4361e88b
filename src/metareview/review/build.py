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
from metareview.review.model import Comparison, Outcome, ReportedResult, Review
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


def _check(reported: ReportedResult, res: MetaAnalysisResult) -> ReportedCheck:
    """Compare a reported estimate and CI with ours, rounded as the review printed them."""
    group = res.overall
    if reported.subgroup:
        match = [g for g in res.subgroups if g.label == reported.subgroup]
        if not match:
            return ReportedCheck(reported, None, None, f"no subgroup {reported.subgroup!r}")
        group = match[0]
    ours = {"estimate": group.estimate, "ci_low": group.ci_low, "ci_high": group.ci_high,
            "i2": group.i2, "p": group.p}  # fmt: skip
    bad = []
    for key in ("estimate", "ci_low", "ci_high", "i2"):
        value = getattr(reported, key)
        if value is None or not math.isfinite(ours[key]):
            continue
        text = reported.text.get(key, "")
        d = len(text.split(".")[1]) if "." in text else (0 if text else _decimals(value))
        if abs(round(ours[key], d) - value) > 0.5 * 10.0**-d + 1e-12:
            bad.append(f"{key} {value} vs {ours[key]:.{d + 2}f}")
    note = "; ".join(bad) if bad else "agrees at the printed precision"
    return ReportedCheck(reported, ours, not bad, note)


def _method_sentence(spec: AnalysisSpec) -> str:
    plural = _MEASURE_WORDS.get(spec.measure, (f"{spec.measure_name} estimates", ""))[0]
    method = {
        "MH": "the Mantel–Haenszel method",
        "IV": "the inverse-variance method",
        "PETO": "Peto's method",
    }[spec.method]
    if spec.random:
        tau = {
            "DL": "DerSimonian–Laird", "REML": "restricted maximum likelihood",
            "ML": "maximum likelihood", "PM": "Paule–Mandel", "EB": "empirical Bayes",
            "SJ": "Sidik–Jonkman", "HE": "Hedges", "HS": "Hunter–Schmidt",
        }[spec.tau2_method or "DL"]  # fmt: skip
        model = f"a random-effects model (between-study variance by the {tau} estimator)"
    else:
        model = "a fixed-effect model"
    return f"{plural.capitalize()} were pooled with {method} under {model}"


def methods_paragraph(results: list[OutcomeResult]) -> str:
    """A methods paragraph generated from the analysis settings actually used."""
    if not results:
        return "No outcomes are defined."
    sentences: dict[str, list[str]] = {}
    for r in results:
        sentences.setdefault(_method_sentence(r.spec), []).append(r.outcome.name)
    parts = []
    for sentence, names in sentences.items():
        parts.append(f"{sentence} ({'; '.join(names)}).")
    spec = results[0].spec
    ci = f"{round(spec.ci * 100, 6):g}%"
    extra = [
        f"Results are presented with {ci} confidence intervals.",
        "Statistical heterogeneity was assessed with the Chi² test and quantified with I².",
    ]
    if any(r.outcome.subgroup_by for r in results):
        extra.append(
            "Subgroups were compared with the test for subgroup differences (Chi² test on "
            "the subgroup estimates)."
        )
    if any(r.spec.random and r.spec.ci_method not in (None, "z") for r in results):
        extra.append(
            "Confidence intervals of random-effects estimates use the Hartung–Knapp–Sidik–"
            "Jonkman method or the t distribution as stated per analysis."
        )
    extra.append("All analyses were computed with metareview, which reproduces RevMan 5.")
    return " ".join(parts + extra)


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
    return ReviewResults(review, tuple(results), methods_paragraph(results), tuple(messages))
