"""Sensitivity analyses of one outcome: leave-one-out, cumulative, influence (+ Baujat).

Thin layer between a table of study rows and :mod:`metareview.stats.sensitivity`: it
validates the data as :func:`~metareview.analysis.meta_analysis` does, runs the batched
refits with the analysis' own settings, and returns rows labelled by study on the display
scale (ratios exponentiated).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from metareview.analysis.api import study_effects
from metareview.analysis.data import StudyTable, prepare
from metareview.analysis.format import json_float
from metareview.analysis.spec import AnalysisSpec, Preset, RevMan5
from metareview.exceptions import SpecError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KINDS", "SensitivityResult", "sensitivity", "sensitivity_from_table"]

KINDS = ("leave-one-out", "cumulative", "influence")


@dataclass(frozen=True, slots=True)
class SensitivityResult:
    """Rows of a sensitivity analysis (JSON-ready dicts, display scale for ratios).

    ``kind`` is ``"leave-one-out"`` (one row per omitted study), ``"cumulative"`` (one row
    per step, the study added) or ``"influence"`` (metafor's ``influence()`` diagnostics
    and the Baujat coordinates, one row per study).  ``model`` describes the fits.
    """

    kind: str
    spec: AnalysisSpec
    model: str
    rows: tuple[dict[str, Any], ...]
    order_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "model": self.model,
            "order_by": self.order_by,
            "measure": self.spec.measure_name,
            "ratio": self.spec.ratio,
            "rows": [dict(r) for r in self.rows],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.rows))


def _order(table: StudyTable, column: str | None, descending: bool) -> tuple[np.ndarray, list]:
    """Row order for a cumulative analysis: by ``column`` (numbers if all parse), stable."""
    n = len(table)
    if column is None:
        return np.arange(n), list(range(1, n + 1))
    if column not in table.extra:
        have = ", ".join(sorted(table.extra)) or "none besides the analysis columns"
        raise SpecError(f"order column {column!r} is not in the data (other columns: {have})")
    raw = list(table.extra[column])
    empty = [table.study[i] for i, x in enumerate(raw) if str(x).strip() in ("", "nan", "None")]
    if empty:
        raise SpecError(
            f"order column {column!r} is empty for {', '.join(empty)}; fill it in "
            "(e.g. the publication year)"
        )
    keys: list[Any]
    try:
        keys = [float(str(x).strip()) for x in raw]
    except ValueError:
        keys = [str(x) for x in raw]
    # Python's sort is stable also with reverse=True: ties keep their input order
    order = sorted(range(n), key=lambda i: keys[i], reverse=descending)
    return np.asarray(order, dtype=np.intp), [raw[i] for i in order]


def sensitivity_from_table(
    table: StudyTable,
    spec: AnalysisSpec,
    kind: str,
    *,
    order_by: str | None = None,
    descending: bool = False,
) -> SensitivityResult:
    """Run one sensitivity analysis on a validated table (see :func:`sensitivity`)."""
    from metareview.stats import sensitivity as sens

    if kind not in KINDS:
        raise SpecError(f"sensitivity kind {kind!r} is unknown; use one of {KINDS}")
    eff = study_effects(spec, table.values)
    tf = math.exp if spec.ratio else (lambda x: x)
    opts: dict[str, Any] = dict(
        method=spec.method, measure=spec.measure, random=spec.random, level=spec.ci,
        tau2_method=spec.tau2_method or "DL", ci_method=spec.ci_method or "z",
    )  # fmt: skip
    model = f"{spec.method_label}" + (f", tau² {spec.tau2_method}" if spec.random else "")
    rows: list[dict[str, Any]] = []

    def fit_row(res: Any, i: int) -> dict[str, Any]:
        est = float(res.estimate[i])
        return {
            "k": int(res.k[i]),
            "estimate": json_float(tf(est)) if math.isfinite(est) else None,
            "ci_low": json_float(tf(float(res.ci_low[i]))) if math.isfinite(est) else None,
            "ci_high": json_float(tf(float(res.ci_high[i]))) if math.isfinite(est) else None,
            "theta": json_float(est),
            "se": json_float(res.se[i]),
            "p": json_float(res.p[i]),
            "q": json_float(res.q[i]),
            "p_q": json_float(res.p_q[i]),
            "i2": json_float(res.i2[i]),
            "tau2": json_float(res.tau2[i]),
        }

    if kind == "leave-one-out":
        loo = sens.leave_one_out(eff, **opts)
        for i in range(len(table)):
            rows.append({"omitted": table.study[i], **fit_row(loo, i)})
        return SensitivityResult(kind, spec, model, tuple(rows))
    if kind == "cumulative":
        order, keys = _order(table, order_by, descending)
        cum = sens.cumulative(eff, order=order, **opts)
        for step, i in enumerate(order.tolist()):
            rows.append({"added": table.study[i], "order_value": keys[step], **fit_row(cum, step)})
        return SensitivityResult(kind, spec, model, tuple(rows), order_by)
    # influence: inverse-variance model (metafor has no influence() for MH or Peto fits)
    tau2_method = spec.tau2_method or "DL"
    inf = sens.influence(eff, random=spec.random, tau2_method=tau2_method, level=spec.ci)
    bj = sens.baujat(eff, random=spec.random, tau2_method=tau2_method)
    # metafor's influence() for a model with Wald z tests (no Knapp-Hartung scaling)
    model = "IV, " + (f"Random (tau² {tau2_method})" if spec.random else "Fixed") + ", Wald z"
    for i in range(len(table)):
        rows.append(
            {
                "study": table.study[i],
                "rstudent": json_float(inf.rstudent[i]),
                "dffits": json_float(inf.dffits[i]),
                "cook_d": json_float(inf.cook_d[i]),
                "cov_r": json_float(inf.cov_r[i]),
                "tau2_del": json_float(inf.tau2_del[i]),
                "q_del": json_float(inf.q_del[i]),
                "hat": json_float(inf.hat[i]),
                "weight": json_float(inf.weight[i]),
                "dfbs": json_float(inf.dfbs[i]),
                "influential": bool(inf.influential[i]),
                "baujat_x": json_float(bj.x[i]),
                "baujat_y": json_float(bj.y[i]),
            }
        )
    return SensitivityResult(kind, spec, model, tuple(rows))


def sensitivity(
    data: Any,
    kind: str,
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
    ci_method: str | None = None,
    order_by: str | None = None,
    descending: bool = False,
    study: str = "study",
    source: str = "",
    lines: Sequence[int] | None = None,
    allow_not_estimable: bool = False,
) -> SensitivityResult:
    """Leave-one-out, cumulative or influence analysis of one outcome.

    ``data`` and the settings are as for :func:`~metareview.analysis.meta_analysis`.
    ``kind`` is ``"leave-one-out"``, ``"cumulative"`` (studies added in the order of the
    column ``order_by``, e.g. ``"year"``, ascending unless ``descending``; input order by
    default) or ``"influence"`` (metafor's case-deletion diagnostics and Baujat's
    coordinates, computed for the inverse-variance model with the analysis' tau²
    estimator).  All refits of one analysis are a single batched engine call.
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
    return sensitivity_from_table(table, spec, kind, order_by=order_by, descending=descending)
