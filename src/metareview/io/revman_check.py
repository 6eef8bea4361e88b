"""Recompute every outcome of a RevMan file and compare with RevMan's stored numbers.

This is what a user runs to confirm they can leave RevMan: each outcome is rebuilt from
its raw study rows by :func:`metareview.analysis.compute` and every number RevMan stored
is compared within the tolerances of ``statistics.md`` §10:

==========================================  ==============================
quantity                                    tolerance
==========================================  ==============================
effects, SEs, CIs, weights, Q, I², τ², Z    relative 1e-9 (absolute 1e-12)
P(Z)                                        relative 1e-6 or absolute 1e-7
P(Chi²), P of the subgroup test             relative 1e-4 or absolute 1e-6
df, studies, events and participants        exact
==========================================  ==============================

The CSV formats print rounded numbers: RevMan 5's analysis export has 8 decimals and the
RevMan Web data package 6, so for those files an absolute tolerance of half a unit in the
last printed decimal is allowed on top.  Numbers a file does not hold (empty cells) are not
compared.  Values RevMan does not display are not compared: I², τ² and P(Chi²) when df = 0 (RevMan
stores floating-point noise there) and the hidden outcome-level totals of "subtotals only"
analyses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metareview.analysis.api import compute
from metareview.analysis.data import COLUMNS, OPTIONAL, StudyTable
from metareview.analysis.result import MetaAnalysisResult, PooledResult
from metareview.analysis.spec import AnalysisSpec
from metareview.exceptions import DataError, SpecError
from metareview.io.revman import DataRow, Outcome, RevManFile, StoredTotals

__all__ = ["FileCheck", "Mismatch", "OutcomeCheck", "check_file", "outcome_spec", "outcome_table"]

TOL_VALUE = (1e-9, 1e-12)  # rel, abs
TOL_P_NORMAL = (1e-6, 1e-7)
TOL_P_CHI2 = (1e-4, 1e-6)
#: printed decimals of the formats that round their numbers
DECIMALS = {"revman5-csv": 8, "revman-web": 6}


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One stored number that our recomputation does not reproduce."""

    where: str
    item: str
    ours: float
    revman: float

    def __str__(self) -> str:
        return f"{self.where} {self.item}: ours {self.ours!r}, RevMan {self.revman!r}"


@dataclass(slots=True)
class OutcomeCheck:
    """Result of checking one outcome: ``status`` is 'match', 'mismatch' or 'skipped'."""

    outcome_id: str
    name: str
    analysis: str
    status: str = "match"
    compared: int = 0
    #: subgroup totals with an estimate, and subgroup-difference tests, that were compared
    subgroup_totals: int = 0
    subgroup_tests: int = 0
    max_rel_error: float = 0.0
    mismatches: list[Mismatch] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome_id": self.outcome_id,
            "name": self.name,
            "analysis": self.analysis,
            "status": self.status,
            "compared": self.compared,
            "subgroup_totals": self.subgroup_totals,
            "subgroup_tests": self.subgroup_tests,
            "max_rel_error": self.max_rel_error,
            "mismatches": [
                {"where": m.where, "item": m.item, "ours": _j(m.ours), "revman": _j(m.revman)}
                for m in self.mismatches
            ],
            "note": self.note,
        }


def _j(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class FileCheck:
    """All outcome checks of one file."""

    path: str
    outcomes: tuple[OutcomeCheck, ...]

    @property
    def ok(self) -> bool:
        return all(o.status != "mismatch" for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        out = {"match": 0, "mismatch": 0, "skipped": 0}
        for o in self.outcomes:
            out[o.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "counts": self.counts(),
            "compared": sum(o.compared for o in self.outcomes),
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


# --------------------------------------------------------------------------- mapping
_TYPES = {"DICH": "dich", "CONT": "cont", "IV": "giv", "IPD": "oe"}


def outcome_spec(outcome: Outcome) -> AnalysisSpec:
    """The :class:`AnalysisSpec` equivalent to a RevMan outcome's settings."""
    dt = _TYPES[outcome.data_type]
    return AnalysisSpec(
        data_type=dt,
        measure=outcome.effect_measure,
        method=outcome.method if dt == "dich" else "",
        model="random" if outcome.random else "fixed",
        ci=outcome.ci_total or 95,
        ci_study=outcome.ci_study or 95,
        totals=outcome.totals.lower() or "yes",
        swap_events=outcome.swap_events if dt == "dich" else False,
        log=outcome.log_data if dt == "giv" else False,
    )


def _row_values(dt: str, r: DataRow) -> dict[str, float]:
    if dt == "dich":
        return {
            "events_exp": r.events_1, "n_exp": r.total_1,
            "events_ctrl": r.events_2, "n_ctrl": r.total_2,
        }  # fmt: skip
    if dt == "cont":
        return {
            "mean_exp": r.mean_1, "sd_exp": r.sd_1, "n_exp": r.total_1,
            "mean_ctrl": r.mean_2, "sd_ctrl": r.sd_2, "n_ctrl": r.total_2,
        }  # fmt: skip
    if dt == "giv":
        return {"estimate": r.estimate, "se": r.se, "n_exp": r.total_1, "n_ctrl": r.total_2}
    return {"o_minus_e": r.o_e, "variance": r.var, "n_exp": r.total_1, "n_ctrl": r.total_2}


def outcome_table(outcome: Outcome, spec: AnalysisSpec) -> StudyTable:
    """The outcome's study rows as a :class:`StudyTable` (subgroups by subgroup name).

    Rows are kept exactly as RevMan holds them; values RevMan shows as "Not estimable"
    (zero SD, zero participants, empty cells) become not-estimable rows.
    """
    all_labels: tuple[str, ...] | None = None
    if outcome.subgroups:

        def label(sg: Any) -> str:
            return f"{sg.no if sg.no is not None else ''} {sg.name}".strip()

        pairs = [(sg, r) for sg in outcome.subgroups for r in sg.rows]
        labels: tuple[str, ...] | None = tuple(label(sg) for sg, _ in pairs)
        all_labels = tuple(label(sg) for sg in outcome.subgroups)  # empty subgroups too
        rows = [r for _, r in pairs]
    else:
        labels, rows = None, list(outcome.rows)
    dt = spec.data_type
    cols: dict[str, list[float]] = {k: [] for k in (*COLUMNS[dt], *OPTIONAL.get(dt, ()))}
    for r in rows:
        for k, v in _row_values(dt, r).items():
            cols[k].append(v)
    values = {k: np.asarray(v, dtype=np.float64) for k, v in cols.items()}
    return StudyTable(tuple(r.study for r in rows), labels, values, {}, all_labels)


# --------------------------------------------------------------------------- comparing
class _Cmp:
    def __init__(self, check: OutcomeCheck, decimals: int | None = None) -> None:
        self.check = check
        # half a unit in the last printed decimal (plus a hair for binary rounding)
        self.rounding = 0.0 if decimals is None else 0.5 * 10.0**-decimals * (1 + 1e-6)

    def value(self, where: str, item: str, ours: float, revman: float,
              tol: tuple[float, float] = TOL_VALUE) -> None:  # fmt: skip
        if not math.isfinite(revman):
            return  # the file holds no number here
        self.check.compared += 1
        rel, ab = tol
        ab = max(ab, self.rounding)
        diff = abs(ours - revman)
        scale = max(abs(ours), abs(revman))
        if tol is TOL_VALUE and math.isfinite(diff) and scale > 0:
            self.check.max_rel_error = max(self.check.max_rel_error, diff / scale)
        if not (math.isfinite(diff) and (diff <= ab or diff <= rel * scale)):
            self.check.mismatches.append(Mismatch(where, item, ours, revman))

    def exact(self, where: str, item: str, ours: float, revman: float) -> None:
        if not math.isfinite(revman):
            return
        self.check.compared += 1
        if ours != revman:
            self.check.mismatches.append(Mismatch(where, item, ours, revman))


def _compare_total(
    c: _Cmp, where: str, ours: PooledResult, st: StoredTotals, *, random: bool, dich: bool,
    weights: bool,
) -> None:  # fmt: skip
    c.exact(where, "STUDIES", ours.studies, st.studies)
    if dich:
        c.exact(where, "EVENTS_1", ours.events_exp or 0.0, st.events_1)
        c.exact(where, "EVENTS_2", ours.events_ctrl or 0.0, st.events_2)
    c.exact(where, "TOTAL_1", ours.n_exp, st.total_1)
    c.exact(where, "TOTAL_2", ours.n_ctrl, st.total_2)
    if not ours.estimable:
        if st.estimable:
            c.check.compared += 1
            c.check.mismatches.append(Mismatch(where, "ESTIMABLE", 0.0, 1.0))
        return
    c.value(where, "EFFECT_SIZE", ours.estimate, st.effect_size)
    c.value(where, "CI_START", ours.ci_low, st.ci_start)
    c.value(where, "CI_END", ours.ci_high, st.ci_end)
    c.value(where, "Z", ours.z, st.z)
    c.value(where, "P_Z", ours.p, st.p_z, TOL_P_NORMAL)
    if weights:
        c.value(where, "WEIGHT", ours.weight, st.weight)
    c.exact(where, "DF", float(ours.df), st.df)
    if ours.df >= 1:
        c.value(where, "CHI2", ours.q, st.chi2)
        c.value(where, "P_CHI2", ours.p_q, st.p_chi2, TOL_P_CHI2)
        c.value(where, "I2", ours.i2, st.i2)
        c.value(where, "TAU2", ours.tau2 if random else 0.0, st.tau2)
    else:
        c.value(where, "CHI2", 0.0, st.chi2, (0.0, 1e-9))


def check_outcome(outcome: Outcome, decimals: int | None = None) -> OutcomeCheck:
    """Recompute one outcome and compare every stored number.

    ``decimals``: how many decimals the source printed (None for full precision, .rm5).
    """
    label = f"{outcome.data_type} {outcome.method} {outcome.effect_measure}".strip()
    label += " random" if outcome.random else " fixed"
    check = OutcomeCheck(outcome.id, outcome.name, label)
    if outcome.data_type not in _TYPES:
        check.status, check.note = "skipped", f"{outcome.data_type} outcomes carry no statistics"
        return check
    if not outcome.has_results:
        check.status, check.note = "skipped", "RevMan stored no computed results"
        return check
    try:
        spec = outcome_spec(outcome)
        table = outcome_table(outcome, spec)
        res = compute(table, spec, warn=False)
    except (SpecError, DataError) as exc:
        check.status, check.note = "mismatch", f"cannot recompute: {exc}"
        return check
    _compare(check, _Cmp(check, decimals), outcome, spec, res)
    if check.mismatches:
        check.status = "mismatch"
    return check


def _compare(check: OutcomeCheck, c: _Cmp, outcome: Outcome, spec: AnalysisSpec,
             res: MetaAnalysisResult) -> None:  # fmt: skip
    rows = outcome.all_rows()
    # RevMan displays no weights without totals, nor with "subtotals only" and no subgroups
    show_weights = spec.totals == "yes" or (spec.totals == "sub" and bool(outcome.subgroups))
    peto = spec.method == "PETO" and spec.data_type == "dich"
    for r, ours in zip(rows, res.studies, strict=True):
        where = f"row {r.study!r}"
        st = r.stored
        if st.estimable is not None:
            c.exact(where, "ESTIMABLE", float(ours.estimable), float(st.estimable))
        if not ours.estimable:
            c.value(where, "WEIGHT", 0.0, st.weight)
            continue
        c.value(where, "EFFECT_SIZE", ours.estimate, st.effect_size)
        if spec.data_type in ("dich", "cont"):
            c.value(where, "SE", ours.se, st.se)
        c.value(where, "CI_START", ours.ci_low, st.ci_start)
        c.value(where, "CI_END", ours.ci_high, st.ci_end)
        c.value(where, "WEIGHT", ours.weight if show_weights else 0.0, st.weight)
        if peto:
            o_e = ours.theta / ours.se**2
            c.value(where, "O_E", o_e, st.o_e)
            c.value(where, "VAR", 1.0 / ours.se**2, st.var)
    dich = spec.data_type == "dich"
    if outcome.subgroups and spec.totals != "no":
        for sg, ours_sg in zip(outcome.subgroups, res.subgroups, strict=True):
            check.subgroup_totals += ours_sg.estimable
            _compare_total(
                c, f"subgroup {sg.id}", ours_sg, sg.stored, random=spec.random, dich=dich,
                weights=show_weights,
            )  # fmt: skip
        test = res.subgroup_test
        if test is not None and test.df >= 1:
            check.subgroup_tests += 1
            c.value("subgroup test", "Q", test.q, outcome.stored_q)
            c.value("subgroup test", "P_Q", test.p, outcome.stored_p_q, TOL_P_CHI2)
            c.value("subgroup test", "I2_Q", test.i2, outcome.stored_i2_q)
    if spec.totals == "yes":
        _compare_total(
            c, "total", res.overall, outcome.stored, random=spec.random, dich=dich, weights=True
        )
    else:
        check.note = f"TOTALS={outcome.totals}: no overall total displayed, none compared"


def check_file(rm: RevManFile, outcomes: Iterable[str] | None = None) -> FileCheck:
    """Check every outcome of ``rm`` (or the given outcome ids)."""
    wanted = set(outcomes) if outcomes else None
    decimals = DECIMALS.get(rm.format)
    checks = tuple(
        check_outcome(o, decimals) for o in rm.outcomes if wanted is None or o.id in wanted
    )
    return FileCheck(rm.path, checks)
