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

    def heterogeneity_line(self, random: bool) -> str:
        """'Heterogeneity: Tau² = 0.06; Chi² = 85.89, df = 14 (P < 0.00001); I² = 84%'."""
        if self.df < 1 or not math.isfinite(self.q):
            return "Heterogeneity: Not applicable"
        tau = f"Tau² = {fmt_num(self.tau2)}; " if random else ""
        return (
            f"Heterogeneity: {tau}Chi² = {fmt_num(self.q)}, df = {self.df} "
            f"(P {fmt_p(self.p_q)}); I² = {fmt_pct(self.i2)}"
        )

    def effect_line(self) -> str:
        """'Test for overall effect: Z = 3.29 (P = 0.001)'."""
        if not self.estimable:
            return "Test for overall effect: Not applicable"
        return f"Test for overall effect: Z = {fmt_num(self.z)} (P {fmt_p(self.p)})"


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
                "tau2_method": s.preset.tau2_method,
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
        random = self.spec.random
        lines: list[str] = []
        if self.spec.totals == "no":  # RevMan: no totals at all
            return lines
        for g in self.subgroups:
            lines.append(f"Subtotal {g.label}: {fmt_ci(g.estimate, g.ci_low, g.ci_high)}")
            lines.append("  " + g.heterogeneity_line(random))
            lines.append("  " + g.effect_line())
        if self.spec.totals == "yes":
            o = self.overall
            lines.append(f"Total: {fmt_ci(o.estimate, o.ci_low, o.ci_high)}")
            lines.append("  " + o.heterogeneity_line(random))
            lines.append("  " + o.effect_line())
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
