"""Meta-regression of one outcome on study-level moderators (columns of the data).

Validates the table as :func:`~metareview.analysis.meta_analysis` does, builds the model
matrix from the moderator columns (numbers stay numeric; text columns, or those named
in ``categorical``, become treatment dummies with the first level in sorted order as the
reference, as R's ``factor()``), and fits :func:`metareview.stats.metareg.meta_regression`
to the estimable study rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metareview.analysis.api import study_effects
from metareview.analysis.data import StudyTable, prepare
from metareview.analysis.format import json_float
from metareview.analysis.spec import AnalysisSpec, Preset, RevMan5
from metareview.exceptions import SpecError

__all__ = ["RegressionResult", "meta_regression", "meta_regression_from_table"]


_MISSING = ("", "na", "nan", "none", "null", "n/a")


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return str(x).strip().lower() in _MISSING


@dataclass(frozen=True, slots=True)
class RegressionResult:
    """A fitted meta-regression with the settings it came from (JSON via ``to_dict``).

    ``fit`` is the :class:`~metareview.stats.metareg.MetaRegression` (coefficients on the
    analysis scale, e.g. log risk ratios).  ``subgroups``, when the regression was a
    subgroup analysis with a common tau², is the
    :class:`~metareview.stats.metareg.SubgroupCommonTau2`.
    """

    spec: AnalysisSpec
    moderators: tuple[str, ...]
    fit: Any
    subgroups: Any = None

    def to_dict(self) -> dict[str, Any]:
        f = self.fit
        coefs = [
            {
                "name": n,
                "estimate": json_float(f.beta[j]),
                "se": json_float(f.se[j]),
                "statistic": json_float(f.stat[j]),
                "p": json_float(f.pval[j]),
                "ci_low": json_float(f.ci_low[j]),
                "ci_high": json_float(f.ci_high[j]),
            }
            for j, n in enumerate(f.names)
        ]
        qm_df = list(f.qm_df) if isinstance(f.qm_df, tuple) else f.qm_df
        out: dict[str, Any] = {
            "measure": self.spec.measure_name,
            "scale": "log" if self.spec.ratio else "identity",
            "moderators": list(self.moderators),
            "tau2_method": f.tau2_method,
            "test": f.test,
            "k": f.k,
            "coefficients": coefs,
            "qm": json_float(f.qm), "qm_df": qm_df, "qm_p": json_float(f.qm_p),
            "qe": json_float(f.qe), "qe_df": f.qe_df, "qe_p": json_float(f.qe_p),
            "tau2": json_float(f.tau2), "i2": json_float(f.i2), "h2": json_float(f.h2),
            "r2": json_float(f.r2),
            "converged": f.converged,
        }  # fmt: skip
        if self.subgroups is not None:
            s = self.subgroups
            df = list(s.qm_df) if isinstance(s.qm_df, tuple) else s.qm_df
            out["subgroup_difference"] = {"q": json_float(s.qm), "df": df, "p": json_float(s.qm_p)}
        return out


def meta_regression_from_table(
    table: StudyTable,
    spec: AnalysisSpec,
    moderators: Sequence[str],
    *,
    categorical: Sequence[str] = (),
    knha: bool = False,
    intercept: bool = True,
    common_tau2_subgroups: bool = False,
) -> RegressionResult:
    """Fit the meta-regression of a validated table (see :func:`meta_regression`)."""
    from metareview.stats import metareg

    if not moderators:
        raise SpecError("name at least one moderator column (e.g. moderators=['year'])")
    missing = [m for m in moderators if m not in table.extra]
    if missing:
        have = ", ".join(sorted(table.extra)) or "none besides the analysis columns"
        raise SpecError(
            f"moderator column(s) {', '.join(missing)} not in the data (other columns: {have})"
        )
    dup = sorted({m for m in moderators if list(moderators).count(m) > 1})
    if dup:
        raise SpecError(f"moderator {', '.join(dup)} is named more than once")
    eff = study_effects(spec, table.values)
    ok = eff.estimable
    rows = np.flatnonzero(ok)
    y, v = eff.y[ok], eff.se[ok] ** 2
    # the CI method of the analysis carries over: HKSJ is Knapp-Hartung here
    if spec.ci_method == "hksj-adhoc":
        raise SpecError(
            "the ad hoc HKSJ variant is not available for meta-regression; use "
            "--ci-method hksj (Knapp-Hartung, also --knha) or t"
        )
    test = "knha" if knha or spec.ci_method == "hksj" else ("t" if spec.ci_method == "t" else "z")
    method = (spec.tau2_method or "REML") if spec.random else "FE"
    # every moderator value must be there: a missing one is an error naming the study
    empty = [
        f"{table.study[i]} ({m})"
        for m in moderators
        for i in rows
        if _is_missing(table.extra[m][i])
    ]
    if empty:
        raise SpecError(
            f"moderator values missing for {', '.join(empty)}; fill them in or leave these "
            "studies out of the meta-regression"
        )
    try:
        if common_tau2_subgroups:
            if len(moderators) != 1:
                raise SpecError("a subgroup analysis with a common tau² takes exactly one column")
            labels = [str(table.extra[moderators[0]][i]).strip() for i in rows]
            sub = metareg.subgroup_common_tau2(
                y, v, labels, tau2_method=method, test=test, level=spec.ci, name=moderators[0]
            )
            return RegressionResult(spec, tuple(moderators), sub.fit, sub)
        mods: dict[str, list[Any]] = {}
        for m in moderators:
            raw = [table.extra[m][i] for i in rows]
            if m in categorical:
                mods[m] = [str(x).strip() for x in raw]
                continue
            try:
                mods[m] = [float(str(x).strip()) for x in raw]
            except ValueError:
                mods[m] = [str(x).strip() for x in raw]  # text: categorical
        X = metareg.design(mods, intercept=intercept, categorical=tuple(categorical))
        fit = metareg.meta_regression(y, v, X, tau2_method=method, test=test, level=spec.ci)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    return RegressionResult(spec, tuple(moderators), fit)


def meta_regression(
    data: Any,
    moderators: Sequence[str],
    *,
    data_type: str,
    measure: str = "",
    method: str = "",
    model: str = "random",
    ci: float = 0.95,
    swap_events: bool = False,
    log: bool = False,
    preset: Preset = RevMan5,
    tau2_method: str | None = None,
    ci_method: str | None = None,
    categorical: Sequence[str] = (),
    knha: bool = False,
    intercept: bool = True,
    common_tau2_subgroups: bool = False,
    study: str = "study",
    source: str = "",
    lines: Sequence[int] | None = None,
    allow_not_estimable: bool = False,
) -> RegressionResult:
    """Meta-regression of an outcome on the columns ``moderators`` of ``data``.

    ``model="random"`` fits the mixed-effects model with the tau² estimator of
    ``tau2_method`` (default: the preset's), ``model="fixed"`` a fixed-effect
    meta-regression.  ``knha`` (or ``ci_method="hksj"``, e.g. from the Cochrane2025
    preset) uses the Knapp-Hartung adjustment (t and F tests); ``ci_method="t"`` t tests
    with Wald SEs.
    ``common_tau2_subgroups`` with one categorical column is a subgroup analysis with
    one tau² shared by the subgroups; its ``subgroup_difference`` is the QM test.
    Missing moderator values are an error naming the study row.
    """
    spec = AnalysisSpec(
        data_type=data_type, measure=measure, method=method, model=model, ci=ci,
        swap_events=swap_events, log=log, preset=preset, tau2_method=tau2_method,
        ci_method=ci_method,
    )  # fmt: skip
    table = prepare(
        data, spec, study=study, source=source, lines=lines,
        allow_not_estimable=allow_not_estimable,
    )  # fmt: skip
    return meta_regression_from_table(
        table, spec, moderators, categorical=categorical, knha=knha, intercept=intercept,
        common_tau2_subgroups=common_tau2_subgroups,
    )  # fmt: skip
