"""``meta_analysis()``: one analysis from a table, computed by the vectorized engine."""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from metareview import stats
from metareview.analysis.data import StudyTable, prepare
from metareview.analysis.result import (
    MetaAnalysisResult,
    PooledResult,
    StudyResult,
    SubgroupDifferences,
)
from metareview.analysis.spec import AnalysisSpec, Preset, RevMan5
from metareview.exceptions import (
    ContinuityCorrectionWarning,
    ConvergenceWarning,
    IntervalNotAvailableWarning,
    MetaReviewWarning,
    NoEstimableStudiesWarning,
    NotEstimableWarning,
    SingleStudyWarning,
)
from metareview.stats.effects import NotEstimable, StudyEffects

__all__ = ["compute", "meta_analysis", "study_effects"]


def study_effects(spec: AnalysisSpec, values: Any) -> StudyEffects:
    """Study-level estimates for the validated columns ``values`` of a table."""
    v = values
    if spec.data_type == "dich":
        return stats.dichotomous(
            v["events_exp"], v["n_exp"], v["events_ctrl"], v["n_ctrl"], spec.measure,
            swap_events=spec.swap_events, increment=spec.preset.increment,
        )  # fmt: skip
    if spec.data_type == "cont":
        return stats.continuous(
            v["mean_exp"], v["sd_exp"], v["n_exp"], v["mean_ctrl"], v["sd_ctrl"], v["n_ctrl"],
            spec.measure,
        )  # fmt: skip
    if spec.data_type == "giv":
        return stats.generic_inverse_variance(v["estimate"], v["se"])
    return stats.o_minus_e(v["o_minus_e"], v["variance"])


def compute(
    table: StudyTable,
    spec: AnalysisSpec,
    *,
    label_exp: str = "Experimental",
    label_ctrl: str = "Control",
    warn: bool = True,
    _stacklevel: int = 3,
) -> MetaAnalysisResult:
    """Compute one analysis from a validated :class:`StudyTable`.

    The overall analysis and every subgroup are pooled in a single call of
    :func:`metareview.stats.pool` (a batch of 1 + J groups).
    """
    n = len(table)
    eff = study_effects(spec, table.values)
    ratio = spec.ratio

    # --- batch: group 0 = all rows; groups 1..J = subgroups in order of first appearance
    if table.subgroup is not None:
        labels = list(table.subgroup_labels or ())
        labels += [s for s in dict.fromkeys(table.subgroup) if s not in labels]
        code = {s: j for j, s in enumerate(labels)}
        sub_of_row = np.array([code[s] for s in table.subgroup], dtype=np.intp)
        order = np.argsort(sub_of_row, kind="stable")
        idx = np.concatenate([np.arange(n), order])
        counts = np.concatenate([[n], np.bincount(sub_of_row, minlength=len(labels))])
    else:
        labels = []
        sub_of_row = np.zeros(n, dtype=np.intp)
        idx = np.arange(n)
        counts = np.array([n])
    groups = stats.Groups.from_counts(counts)
    batch = eff.take(idx)
    pooled = stats.pool(
        batch, groups, method=spec.method, measure=spec.measure,
        random=spec.random, level=spec.ci, tau2_method=spec.tau2_method or "DL",
        ci_method=spec.ci_method or "z", prediction=spec.prediction or "none",
        tau2_ci=spec.random,
    )  # fmt: skip
    n_groups = groups.n

    # --- displayed weights (spec §9)
    overall_w = pooled.weights[:n]
    pct: NDArray[np.float64] = np.zeros(n)
    sub_weight: NDArray[np.float64] = np.zeros(len(labels))
    if spec.totals == "yes":
        total = pooled.weight_sum[0]
        if total > 0:
            pct = 100.0 * overall_w / total
        if labels:
            sub_weight = np.bincount(sub_of_row, weights=pct, minlength=len(labels)).astype(
                np.float64
            )
    elif spec.totals == "sub" and labels:
        sub_rows = pooled.weights[n:]
        sub_sums = groups.expand(pooled.weight_sum)[n:]
        with np.errstate(invalid="ignore", divide="ignore"):
            in_sub = np.where(sub_sums > 0, 100.0 * sub_rows / sub_sums, 0.0)
        pct[order] = in_sub
        sub_weight = np.where(pooled.k[1:] > 0, 100.0, 0.0)

    # --- study rows
    z_row = stats.normal_quantile(spec.ci_study or spec.ci)
    lo, hi = eff.y - z_row * eff.se, eff.y + z_row * eff.se
    tf = np.exp if ratio else (lambda x: x)
    est_d, lo_d, hi_d = tf(eff.y), tf(lo), tf(hi)
    cols = list(table.values)
    studies = []
    # rows grouped by subgroup, in input order within each (as RevMan lists them)
    for i in order.tolist() if labels else range(n):
        ok = bool(eff.estimable[i])
        studies.append(
            StudyResult(
                study=table.study[i],
                subgroup=None if table.subgroup is None else table.subgroup[i],
                estimate=float(est_d[i]) if ok else float("nan"),
                ci_low=float(lo_d[i]) if ok else float("nan"),
                ci_high=float(hi_d[i]) if ok else float("nan"),
                theta=float(eff.y[i]) if ok else float("nan"),
                se=float(eff.se[i]) if ok else float("nan"),
                weight=float(pct[i]),
                estimable=ok,
                reason=NotEstimable(int(eff.reason[i])).message,
                corrected=bool(eff.corrected[i]),
                data={c: float(table.values[c][i]) for c in cols},
            )
        )

    # --- totals per group
    dich = spec.data_type == "dich"
    arms = {c: np.asarray(table.values[c])[idx] for c in cols if c.startswith(("events", "n_"))}
    sums = {c: groups.sum(np.nan_to_num(v)) for c, v in arms.items()}
    names_b = np.asarray(table.study, dtype=object)[idx]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    distinct = [len(set(names_b[s : s + c])) for s, c in zip(starts, counts, strict=True)]
    est = np.exp(pooled.estimate) if ratio else pooled.estimate
    clo = np.exp(pooled.ci_low) if ratio else pooled.ci_low
    chi = np.exp(pooled.ci_high) if ratio else pooled.ci_high
    nan = np.full(n_groups, np.nan)
    pil = nan if pooled.pi_low is None else (np.exp if ratio else np.asarray)(pooled.pi_low)
    pih = nan if pooled.pi_high is None else (np.exp if ratio else np.asarray)(pooled.pi_high)
    t2l = nan if pooled.tau2_ci_low is None else pooled.tau2_ci_low
    t2h = nan if pooled.tau2_ci_high is None else pooled.tau2_ci_high
    i2l = nan if pooled.i2_ci_low is None else pooled.i2_ci_low
    i2h = nan if pooled.i2_ci_high is None else pooled.i2_ci_high
    h2 = nan if pooled.h2 is None else pooled.h2
    conv = np.ones(n_groups, dtype=bool) if pooled.tau2_converged is None else pooled.tau2_converged
    stat_df = pooled.stat_df  # NaN for a single study: its Wald z result is reported
    weights = np.concatenate([[100.0 if pooled.k[0] > 0 else 0.0], sub_weight])
    if spec.totals == "sub":  # RevMan's hidden outcome weight: 100 per subgroup
        weights[0] = 100.0 * float(np.count_nonzero(pooled.k[1:]))
    if spec.totals == "no":
        weights[:] = 0.0
    totals = []
    for j in range(n_groups):
        has = bool(pooled.estimable[j])
        totals.append(
            PooledResult(
                label="Total" if j == 0 else labels[j - 1],
                k=int(pooled.k[j]),
                studies=distinct[j],
                estimate=float(est[j]),
                ci_low=float(clo[j]),
                ci_high=float(chi[j]),
                theta=float(pooled.estimate[j]),
                se=float(pooled.se[j]),
                z=float(pooled.z[j]),
                p=float(pooled.p_z[j]),
                q=float(pooled.q[j]) if has else float("nan"),
                df=int(pooled.df[j]),
                p_q=float(pooled.p_q[j]),
                i2=float(pooled.i2[j]),
                tau2=float(pooled.tau2[j]),
                h2=float(h2[j]),
                tau2_ci_low=float(t2l[j]),
                tau2_ci_high=float(t2h[j]),
                i2_ci_low=float(i2l[j]),
                i2_ci_high=float(i2h[j]),
                pi_low=float(pil[j]),
                pi_high=float(pih[j]),
                stat_df=None if stat_df is None or not stat_df[j] >= 1 else float(stat_df[j]),
                converged=bool(conv[j]),
                weight=float(weights[j]),
                estimable=has,
                events_exp=float(sums["events_exp"][j]) if dich else None,
                n_exp=float(sums["n_exp"][j]) if "n_exp" in sums else float("nan"),
                events_ctrl=float(sums["events_ctrl"][j]) if dich else None,
                n_ctrl=float(sums["n_ctrl"][j]) if "n_ctrl" in sums else float("nan"),
            )
        )

    test = None
    if labels:
        # model-based SEs (1/sqrt(sum w)) also when the CIs are t/HKSJ-based, so that a
        # single-study subgroup keeps its place in the test
        se_model = pooled.se if pooled.se_wald is None else pooled.se_wald
        sg = stats.subgroup_test(
            pooled.estimate[1:], se_model[1:], pooled.estimable[1:],
            stats.Groups(np.zeros(len(labels), dtype=np.intp), 1),
        )  # fmt: skip
        test = SubgroupDifferences(
            q=float(sg.q[0]), df=int(sg.df[0]), p=float(sg.p[0]), i2=float(sg.i2[0])
        )

    messages = _messages(
        spec, table, eff, pooled.k, ["the analysis", *labels], _stacklevel if warn else 0,
        converged=conv,
    )  # fmt: skip
    return MetaAnalysisResult(
        spec=spec,
        studies=tuple(studies),
        subgroups=tuple(totals[1:]),
        overall=totals[0],
        subgroup_test=test,
        warnings=tuple(messages),
        label_exp=label_exp,
        label_ctrl=label_ctrl,
    )


def _messages(
    spec: AnalysisSpec,
    table: StudyTable,
    eff: StudyEffects,
    k: np.ndarray,
    names: list[str],
    stacklevel: int,
    converged: NDArray[np.bool_] | None = None,
) -> list[str]:
    out: list[tuple[type[MetaReviewWarning], str]] = []
    corrected = [table.study[i] for i in np.flatnonzero(eff.corrected)]
    if corrected:
        out.append(
            (
                ContinuityCorrectionWarning,
                f"{spec.preset.increment:g} added to every cell of {len(corrected)} "
                f"stud{'y' if len(corrected) == 1 else 'ies'} with a zero cell: "
                + ", ".join(corrected),
            )
        )
    bad = np.flatnonzero(~eff.estimable)
    if bad.size:
        detail = "; ".join(
            f"{table.study[i]} ({NotEstimable(int(eff.reason[i])).message})" for i in bad
        )
        out.append((NotEstimableWarning, f"not estimable, given no weight: {detail}"))
    subgroups_present = len(names) > 1
    for j, name in enumerate(names):
        if j == 0 and subgroups_present and spec.totals != "yes":
            continue
        where = name if j == 0 else f'subgroup "{name}"'
        if k[j] == 0:
            out.append((NoEstimableStudiesWarning, f"{where} has no estimable study: no result"))
        elif k[j] == 1:
            out.append(
                (SingleStudyWarning, f"{where} has one estimable study: its result is that study's")
            )
        if converged is not None and not converged[j]:
            out.append(
                (
                    ConvergenceWarning,
                    f"{where}: the {spec.tau2_method} estimate of tau² (or its Q-profile CI) "
                    f"did not converge; choose another estimator (e.g. tau2_method='PM')",
                )
            )
        if spec.random and k[j] >= 1:
            if spec.ci_method != "z" and k[j] < 2:
                out.append(
                    (
                        IntervalNotAvailableWarning,
                        f"{where}: a {spec.ci_method} CI needs at least 2 studies: the Wald "
                        "z CI of the single study is shown",
                    )
                )
            need = 3 if spec.prediction == "t-k2" else 2
            if spec.prediction != "none" and k[j] < need:
                out.append(
                    (
                        IntervalNotAvailableWarning,
                        f"{where}: a prediction interval ({spec.prediction}) needs at least "
                        f"{need} studies: none given",
                    )
                )
    if stacklevel:  # 0: do not warn
        for cat, msg in out:
            _warnings.warn(msg, cat, stacklevel=stacklevel)
    return [m for _, m in out]


def meta_analysis(
    data: Any,
    *,
    data_type: str,
    measure: str = "",
    method: str = "",
    model: str = "fixed",
    subgroup: str | None = None,
    ci: float = 0.95,
    ci_study: float | None = None,
    totals: str = "yes",
    swap_events: bool = False,
    log: bool = False,
    preset: Preset = RevMan5,
    tau2_method: str | None = None,
    ci_method: str | None = None,
    prediction: str | None = None,
    study: str = "study",
    source: str = "",
    first_line: int | None = None,
    lines: Sequence[int] | None = None,
    allow_not_estimable: bool = False,
    label_exp: str = "Experimental",
    label_ctrl: str = "Control",
    warn: bool = True,
) -> MetaAnalysisResult:
    """Meta-analysis of one outcome, as RevMan 5 computes it.

    Parameters
    ----------
    data
        pandas DataFrame (or mapping of column -> values) with a ``study`` column and, by
        ``data_type``: dich ``events_exp, n_exp, events_ctrl, n_ctrl``; cont ``mean_exp,
        sd_exp, n_exp, mean_ctrl, sd_ctrl, n_ctrl``; giv ``estimate, se``; oe
        ``o_minus_e, variance``.
    data_type, measure, method, model, ci, ci_study, totals, swap_events, log, preset
        See :class:`~metareview.analysis.spec.AnalysisSpec`.
    tau2_method, ci_method, prediction
        Override the preset's random-effects conventions: tau² estimator (``DL``,
        ``REML``, ``ML``, ``PM``, ``EB``, ``SJ``, ``HE``, ``HS``), CI method (``z``,
        ``t``, ``hksj``, ``hksj-adhoc``) and prediction interval (``none``, ``z``,
        ``t-k1``, ``t-k2``).
    subgroup
        Name of a column whose values define subgroups (kept in order of first
        appearance); each subgroup is pooled with its own tau² and the test for subgroup
        differences is computed.
    source, first_line, lines
        File name, and the line of the first data row or of every row, used in error
        messages.
    allow_not_estimable
        Keep rows that cannot be weighted (n = 0, SD = 0, SE = 0, missing values) as
        "Not estimable" instead of raising :class:`~metareview.exceptions.DataError`.
    warn
        Also emit the result's messages as Python warnings.

    Returns
    -------
    MetaAnalysisResult

    Examples
    --------
    >>> import metareview as mr
    >>> data = {"study": ["A", "B"], "events_exp": [3, 5], "n_exp": [20, 22],
    ...         "events_ctrl": [6, 9], "n_ctrl": [21, 20]}
    >>> res = mr.meta_analysis(data, data_type="dich", measure="RR", model="fixed")
    >>> round(res.overall.estimate, 4)
    0.5127
    """
    spec = AnalysisSpec(
        data_type=data_type, measure=measure, method=method, model=model, ci=ci,
        ci_study=ci_study, totals=totals, swap_events=swap_events, log=log, preset=preset,
        tau2_method=tau2_method, ci_method=ci_method, prediction=prediction,
    )  # fmt: skip
    table = prepare(
        data, spec, study=study, subgroup=subgroup, source=source, first_line=first_line,
        lines=lines,
        allow_not_estimable=allow_not_estimable,
    )  # fmt: skip
    return compute(
        table, spec, label_exp=label_exp, label_ctrl=label_ctrl, warn=warn, _stacklevel=4
    )
