"""Immutable results of a meta-analysis and their renderings (frame, dict, text, HTML)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from metareview.analysis.format import fmt_ci, fmt_num, fmt_p, fmt_pct
from metareview.analysis.spec import AnalysisSpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MetaAnalysisResult", "PooledResult", "StudyResult", "SubgroupDifferences"]


def _clean(x: Any) -> Any:
    """JSON-ready: NaN/inf become None."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


@dataclass(frozen=True, slots=True)
class StudyResult:
    """One study row.

    ``estimate``, ``ci_low`` and ``ci_high`` are on the display scale (ratios
    exponentiated); ``theta`` and ``se`` on the analysis scale (log for ratios).
    ``weight`` is the percentage RevMan displays (see :attr:`AnalysisSpec.totals`).
    """

    study: str
    subgroup: str | None
    estimate: float
    ci_low: float
    ci_high: float
    theta: float
    se: float
    weight: float
    estimable: bool
    reason: str
    corrected: bool
    data: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "subgroup": self.subgroup,
            "estimate": _clean(self.estimate),
            "ci_low": _clean(self.ci_low),
            "ci_high": _clean(self.ci_high),
            "theta": _clean(self.theta),
            "se": _clean(self.se),
            "weight": _clean(self.weight),
            "estimable": self.estimable,
            "reason": self.reason or None,
            "continuity_corrected": self.corrected,
            **{k: _clean(v) for k, v in self.data.items()},
        }


@dataclass(frozen=True, slots=True)
class PooledResult:
    """A pooled total (overall or one subgroup).

    ``k`` counts estimable rows (those with weight), ``studies`` distinct study names.
    ``q``, ``df``, ``p_q`` and ``i2`` are RevMan's Chi², df, P and I² (percent); ``tau2``
    is 0 for fixed-effect analyses.  ``weight`` is the displayed percentage.

    ``z`` is the test statistic: a Z value, or a t value on ``stat_df`` degrees of freedom
    for t-based CI methods (then ``se`` is the SE the CI used, e.g. Hartung-Knapp's).
    ``h2`` is H²; ``tau2_ci_*`` and ``i2_ci_*`` the Q-profile CIs (random effects only);
    ``pi_low``/``pi_high`` the prediction interval on the display scale (NaN when not
    asked for or not available); ``converged`` is False when an iterative tau² estimate
    did not converge.
    """

    label: str
    k: int
    studies: int
    estimate: float
    ci_low: float
    ci_high: float
    theta: float
    se: float
    z: float
    p: float
    q: float
    df: int
    p_q: float
    i2: float
    tau2: float
    weight: float
    estimable: bool
    events_exp: float | None
    n_exp: float
    events_ctrl: float | None
    n_ctrl: float
    h2: float = math.nan
    tau2_ci_low: float = math.nan
    tau2_ci_high: float = math.nan
    i2_ci_low: float = math.nan
    i2_ci_high: float = math.nan
    pi_low: float = math.nan
    pi_high: float = math.nan
    stat_df: float | None = None
    converged: bool = True

    def to_dict(self, ratio: bool) -> dict[str, Any]:
        d = {
            "label": self.label,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "log_estimate": self.theta if ratio else None,
            "theta": self.theta,
            "se": self.se,
            "z": self.z,
            "p": self.p,
            "q": self.q,
            "df": self.df,
            "p_q": self.p_q,
            "i2": self.i2,
            "tau2": self.tau2,
            "tau2_ci_low": self.tau2_ci_low,
            "tau2_ci_high": self.tau2_ci_high,
            "i2_ci_low": self.i2_ci_low,
            "i2_ci_high": self.i2_ci_high,
            "h2": self.h2,
            "pi_low": self.pi_low,
            "pi_high": self.pi_high,
            "stat": "t" if self.stat_df is not None else "z",
            "stat_df": self.stat_df,
            "converged": self.converged,
            "k": self.k,
            "studies": self.studies,
            "weight": self.weight,
            "estimable": self.estimable,
            "events_exp": self.events_exp,
            "n_exp": self.n_exp,
            "events_ctrl": self.events_ctrl,
            "n_ctrl": self.n_ctrl,
        }
        return {k: _clean(v) for k, v in d.items()}

    def heterogeneity_line(
        self, random: bool, tau2_method: str = "DL", with_ci: bool = False
    ) -> str:
        """'Heterogeneity: Tau² = 0.06; Chi² = 85.89, df = 14 (P < 0.00001); I² = 84%'.

        With another estimator than DL its name follows Tau² ('Tau² (REML) = ...'); with
        ``with_ci`` the Q-profile CIs of tau² and I² follow the values in brackets.
        """
        if self.df < 1 or not math.isfinite(self.q):
            return "Heterogeneity: Not applicable"
        tau = i2_ci = ""
        if random:
            name = "" if tau2_method == "DL" else f" ({tau2_method})"
            ci = ""
            if with_ci and math.isfinite(self.tau2_ci_low):
                ci = f" [{fmt_num(self.tau2_ci_low)}, {fmt_num(self.tau2_ci_high)}]"
                i2_ci = f" [{fmt_pct(self.i2_ci_low)}, {fmt_pct(self.i2_ci_high)}]"
            tau = f"Tau²{name} = {fmt_num(self.tau2)}{ci}; "
        return (
            f"Heterogeneity: {tau}Chi² = {fmt_num(self.q)}, df = {self.df} "
            f"(P {fmt_p(self.p_q)}); I² = {fmt_pct(self.i2)}{i2_ci}"
        )

    def effect_line(self) -> str:
        """'Test for overall effect: Z = 3.29 (P = 0.001)' (or 't = 2.10, df = 4 (P = ...)')."""
        if not self.estimable or not math.isfinite(self.z):
            return "Test for overall effect: Not applicable"
        if self.stat_df is not None:
            return (
                f"Test for overall effect: t = {fmt_num(self.z)}, df = {self.stat_df:g} "
                f"(P {fmt_p(self.p)})"
            )
        return f"Test for overall effect: Z = {fmt_num(self.z)} (P {fmt_p(self.p)})"

    def prediction_line(self, level: float) -> str:
        """'95% prediction interval: [0.15, 1.76]', or why there is none."""
        pct = f"{round(level * 100, 6):g}%"
        if not math.isfinite(self.pi_low):
            return f"{pct} prediction interval: Not applicable (too few studies)"
        return f"{pct} prediction interval: [{fmt_num(self.pi_low)}, {fmt_num(self.pi_high)}]"


@dataclass(frozen=True, slots=True)
class SubgroupDifferences:
    """Test for subgroup differences (Chi², df, P, I² in percent)."""

    q: float
    df: int
    p: float
    i2: float

    def to_dict(self) -> dict[str, Any]:
        return {"q": _clean(self.q), "df": self.df, "p": _clean(self.p), "i2": _clean(self.i2)}

    def line(self) -> str:
        if self.df < 1 or not math.isfinite(self.q):
            return "Test for subgroup differences: Not applicable"
        return (
            f"Test for subgroup differences: Chi² = {fmt_num(self.q)}, df = {self.df} "
            f"(P {fmt_p(self.p)}), I² = {fmt_pct(self.i2, 1)}"
        )


@dataclass(frozen=True, slots=True)
class MetaAnalysisResult:
    """The complete, immutable result of one analysis.

    Attributes
    ----------
    spec
        The settings it was computed with.
    studies
        Study rows in input order (grouped by subgroup when there are subgroups).
    subgroups
        Subtotals in order of first appearance (empty without subgroups).
    overall
        Pool of all rows ignoring subgroups (a study in two subgroups counts twice),
        as RevMan computes it.  Whether it is displayed depends on ``spec.totals``.
    subgroup_test
        Test for subgroup differences, or None without subgroups.
    warnings
        Messages about continuity corrections, not-estimable rows, k = 0 and k = 1.
    """

    spec: AnalysisSpec
    studies: tuple[StudyResult, ...]
    subgroups: tuple[PooledResult, ...]
    overall: PooledResult
    subgroup_test: SubgroupDifferences | None
    warnings: tuple[str, ...] = ()
    label_exp: str = "Experimental"
    label_ctrl: str = "Control"

    # ----------------------------------------------------------------- exports
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None)."""
        s = self.spec
        return {
            "settings": {
                "data_type": s.data_type,
                "measure": s.measure,
                "measure_name": s.measure_name,
                "method": s.method,
                "model": s.model,
                "ci": s.ci,
                "ci_study": s.ci_study,
                "totals": s.totals,
                "swap_events": s.swap_events,
                "log": s.log,
                "preset": s.preset.name,
                "tau2_method": s.tau2_method if s.random else None,
                "ci_method": s.ci_method,
                "prediction": s.prediction,
            },
            "overall": self.overall.to_dict(s.ratio),
            "studies": [r.to_dict() for r in self.studies],
            "subgroups": [g.to_dict(s.ratio) for g in self.subgroups],
            "subgroup_test": None if self.subgroup_test is None else self.subgroup_test.to_dict(),
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per study, then one per subtotal and the total (column ``row_type``)."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for r in self.studies:
            d = r.to_dict()
            d["row_type"] = "study"
            rows.append(d)
        for g in (*self.subgroups, self.overall):
            d = g.to_dict(self.spec.ratio)
            d["row_type"] = "subtotal" if g is not self.overall else "total"
            d["study"] = g.label
            rows.append(d)
        cols = ["row_type", "study", "subgroup"]
        frame = pd.DataFrame(rows)
        return frame[cols + [c for c in frame.columns if c not in cols]]

    # ----------------------------------------------------------------- text
    def summary_lines(self) -> list[str]:
        """RevMan's summary lines for each subtotal, the total and the subgroup test."""
        s = self.spec
        lines: list[str] = []
        if s.totals == "no":  # RevMan: no totals at all
            return lines

        def block(g: PooledResult, title: str) -> None:
            lines.append(f"{title}: {fmt_ci(g.estimate, g.ci_low, g.ci_high)}")
            lines.append(
                "  " + g.heterogeneity_line(s.random, s.tau2_method or "DL", s.preset.tau2_ci)
            )
            lines.append("  " + g.effect_line())
            if s.random and s.prediction != "none":
                lines.append("  " + g.prediction_line(s.ci))

        for g in self.subgroups:
            block(g, f"Subtotal {g.label}")
        if s.totals == "yes":
            block(self.overall, "Total")
        if self.subgroup_test is not None:
            lines.append(self.subgroup_test.line())
        return lines

    def summary(self) -> str:
        """A plain-text table of study rows and RevMan's summary lines."""
        s = self.spec
        head = f"{s.measure_name} ({s.method_label})".strip()
        name_w = max([5, *(len(r.study) for r in self.studies)])
        out = [head, f"{'Study':<{name_w}}  {'Estimate [CI]':<26} {'Weight':>7}"]
        current: str | None = None
        for r in self.studies:
            if r.subgroup is not None and r.subgroup != current:
                current = r.subgroup
                out.append(f"-- {current}")
            text = fmt_ci(r.estimate, r.ci_low, r.ci_high)
            w = f"{r.weight:.1f}%" if r.estimable and s.totals != "no" else ""
            out.append(f"{r.study:<{name_w}}  {text:<26} {w:>7}")
        out.append("")
        out.extend(self.summary_lines())
        out.extend(f"Warning: {w}" for w in self.warnings)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        s = self.spec
        e = html.escape
        rows = []
        for r in self.studies:
            sub = e(r.subgroup) if r.subgroup is not None else ""
            w = f"{r.weight:.1f}%" if r.estimable and s.totals != "no" else ""
            rows.append(
                f"<tr><td>{e(r.study)}</td><td>{sub}</td>"
                f"<td>{e(fmt_ci(r.estimate, r.ci_low, r.ci_high))}</td><td>{w}</td></tr>"
            )
        lines = "".join(f"<li>{e(x)}</li>" for x in self.summary_lines())
        warn = "".join(f"<li>{e(x)}</li>" for x in self.warnings)
        return (
            f"<div class='metareview-result'><strong>{e(s.measure_name)}</strong> "
            f"({e(s.method_label)})<table><thead><tr><th>Study</th><th>Subgroup</th>"
            f"<th>{e(s.measure_name)} [CI]</th><th>Weight</th></tr></thead><tbody>"
            + "".join(rows)
            + f"</tbody></table><ul>{lines}</ul>"
            + (f"<ul class='warnings'>{warn}</ul>" if warn else "")
            + "</div>"
        )
