"""Small-study effects of one outcome: Egger, Begg, Peters, Harbord, trim-and-fill, fail-safe N.

Validates the table as :func:`~metareview.analysis.meta_analysis` does and runs the tests
of :mod:`metareview.stats.bias` on the estimable study rows.  Results are JSON-ready
dicts; trim-and-fill's pooled result is on the display scale (ratios exponentiated).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metareview.analysis.api import study_effects
from metareview.analysis.data import StudyTable, prepare
from metareview.analysis.format import json_float
from metareview.analysis.spec import AnalysisSpec, Preset, RevMan5
from metareview.exceptions import FewStudiesWarning, MetaReviewWarning, SpecError

__all__ = ["TESTS", "BiasResult", "small_study_tests", "small_study_tests_from_table"]

#: available tests, in the order they are reported
TESTS = ("egger", "begg", "peters", "harbord", "trimfill", "failsafe")
_BINARY_ONLY = ("peters", "harbord")


@dataclass(frozen=True, slots=True)
class BiasResult:
    """One dict per test (``test`` names it) plus the messages the tests raised."""

    spec: AnalysisSpec
    k: int
    results: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.spec.measure_name,
            "k": self.k,
            "results": [dict(r) for r in self.results],
            "warnings": list(self.warnings),
        }


def small_study_tests_from_table(
    table: StudyTable,
    spec: AnalysisSpec,
    tests: Sequence[str] = TESTS,
    *,
    estimator: str = "L0",
    side: str | None = None,
    orwin_target: float | None = None,
) -> BiasResult:
    """Run ``tests`` on a validated table (see :func:`small_study_tests`)."""
    from metareview.stats import bias

    if str(estimator).upper() not in ("L0", "R0", "Q0"):
        raise SpecError(f"trim-and-fill estimator {estimator!r} is unknown; use L0, R0 or Q0")
    if side not in (None, "left", "right"):
        raise SpecError(f"side {side!r} is unknown; use left or right (or leave it automatic)")
    estimator = str(estimator).upper()
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        raise SpecError(f"unknown test(s) {', '.join(unknown)}; use any of {TESTS}")
    if spec.data_type != "dich":
        wrong = [t for t in tests if t in _BINARY_ONLY]
        if wrong:
            verb = "needs" if len(wrong) == 1 else "need"
            raise SpecError(
                f"{' and '.join(wrong)} {verb} dichotomous data (events and totals per arm); "
                f"this is {spec.data_type} data: use egger, begg, trimfill or failsafe"
            )
    eff = study_effects(spec, table.values)
    ok = eff.estimable
    y, v = eff.y[ok], eff.se[ok] ** 2
    k = int(ok.sum())
    tf = math.exp if spec.ratio else (lambda x: x)
    out: list[dict[str, Any]] = []
    msgs: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetaReviewWarning)
        for name in tests:
            try:
                out.append(_run(name, bias, spec, table, ok, y, v, tf, estimator, side,
                                orwin_target))  # fmt: skip
            except ValueError as exc:  # too few studies, degenerate data: say so, go on
                out.append({"test": name, "error": str(exc)})
    few = []
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, FewStudiesWarning):
            few.append(text.split(" on k = ")[0])
        elif issubclass(w.category, MetaReviewWarning) and text not in msgs:
            msgs.append(text)
    if few:  # one message for all the tests instead of one each
        msgs.insert(
            0,
            f"only {k} studies: with fewer than 10, tests for funnel-plot asymmetry and "
            "methods built on them have too little power to tell chance from real "
            f"asymmetry (Cochrane Handbook §13.3.5.4); applies to: {', '.join(dict.fromkeys(few))}",
        )
    return BiasResult(spec, k, tuple(out), tuple(msgs))


def _regression(name: str, r: Any) -> dict[str, Any]:
    return {
        "test": name,
        "k": r.k,
        "coef": json_float(r.coef),
        "se": json_float(r.se),
        "statistic": json_float(r.t),
        "df": r.df,
        "p": json_float(r.p),
    }


def _run(name: str, bias: Any, spec: AnalysisSpec, table: StudyTable, ok: np.ndarray,
         y: np.ndarray, v: np.ndarray, tf: Any, estimator: str, side: str | None,
         orwin_target: float | None) -> dict[str, Any]:  # fmt: skip
    if name == "egger":
        r = bias.egger(y, v)
        d = _regression("egger", r)
        d["limit"] = json_float(tf(r.limit))
        return d
    if name == "begg":
        b = bias.begg(y, v)
        return {
            "test": "begg",
            "k": b.k,
            "tau": json_float(b.tau),
            "p": json_float(b.p),
            "exact": b.exact,
        }
    if name in _BINARY_ONLY:
        vals = table.values
        args = [np.asarray(vals[c])[ok] for c in ("events_exp", "n_exp", "events_ctrl", "n_ctrl")]
        if spec.swap_events:
            args = [args[1] - args[0], args[1], args[3] - args[2], args[3]]
        if name == "harbord":
            return _regression("harbord", bias.harbord(*args))
        # Peters' test regresses the log odds ratio whatever the analysis' measure
        from metareview import stats

        e1, n1, e2, n2 = args
        lor = stats.dichotomous(e1, n1, e2, n2, "OR", increment=spec.preset.increment)
        keep = lor.estimable
        return _regression("peters", bias.peters(*(a[keep] for a in args), lor.y[keep]))
    if name == "trimfill":
        t = bias.trim_and_fill(
            y, v, estimator=estimator, side=side, random=spec.random,
            tau2_method=spec.tau2_method or "DL", level=spec.ci,
        )  # fmt: skip
        return {
            "test": "trimfill",
            "ci_method": "z",  # Wald z CI for the filled analysis, as metafor's trimfill
            "estimator": t.estimator,
            "side": t.side,
            "k0": t.k0,
            "k": t.k,
            "estimate": json_float(tf(t.estimate)),
            "ci_low": json_float(tf(t.ci_low)),
            "ci_high": json_float(tf(t.ci_high)),
            "p": json_float(t.p),
            "tau2": json_float(t.tau2),
            "filled": [
                {
                    "estimate": json_float(tf(yy)),
                    "theta": json_float(yy),
                    "se": json_float(math.sqrt(vv)),
                }
                for yy, vv in zip(t.y_filled.tolist(), t.v_filled.tolist(), strict=True)
            ],
        }
    # fail-safe N: Rosenthal's and Orwin's
    ros = bias.fail_safe_n(y, v, kind="rosenthal")
    orw = bias.fail_safe_n(y, v, kind="orwin", target=orwin_target)
    return {
        "test": "failsafe",
        "k": ros.k,
        "rosenthal": json_float(ros.fsnum),
        "rosenthal_p": json_float(ros.p),
        "alpha": json_float(ros.alpha),
        "orwin": json_float(orw.fsnum),
        "orwin_target": json_float(orw.target),
    }


def small_study_tests(
    data: Any,
    tests: Sequence[str] = TESTS,
    *,
    data_type: str,
    measure: str = "",
    method: str = "",
    model: str = "fixed",
    ci: float = 0.95,
    swap_events: bool = False,
    log: bool = False,
    preset: Preset = RevMan5,
    tau2_method: str | None = None,
    estimator: str = "L0",
    side: str | None = None,
    orwin_target: float | None = None,
    study: str = "study",
    source: str = "",
    lines: Sequence[int] | None = None,
    allow_not_estimable: bool = False,
) -> BiasResult:
    """Tests for small-study effects (funnel-plot asymmetry) of one outcome.

    ``tests`` is any of ``egger`` (Egger 1997 regression), ``begg`` (Begg-Mazumdar rank
    correlation), ``peters`` (Peters 2006) and ``harbord`` (Harbord 2006), both for
    dichotomous data only, ``trimfill`` (Duval-Tweedie, ``estimator`` L0 or R0,
    ``side`` automatic unless given, pooled with the analysis' model) and ``failsafe``
    (Rosenthal's and Orwin's fail-safe N).  Fewer than 10 studies give a
    ``FewStudiesWarning`` message (Cochrane Handbook §13.3.5.4).  A test that cannot be
    computed (too few studies, all variances equal) reports an ``error`` instead of
    stopping the others.
    """
    spec = AnalysisSpec(
        data_type=data_type, measure=measure, method=method, model=model, ci=ci,
        swap_events=swap_events, log=log, preset=preset, tau2_method=tau2_method,
    )  # fmt: skip
    table = prepare(
        data, spec, study=study, source=source, lines=lines,
        allow_not_estimable=allow_not_estimable,
    )  # fmt: skip
    return small_study_tests_from_table(
        table, spec, tests, estimator=estimator, side=side, orwin_target=orwin_target
    )
