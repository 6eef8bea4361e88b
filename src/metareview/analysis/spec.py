"""What to compute: presets and the analysis specification.

Presets are immutable objects passed explicitly, never global state.  The spec is
validated when it is made: an unknown or incompatible option is a :class:`SpecError`
listing the allowed values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from metareview.exceptions import SpecError

__all__ = ["DATA_TYPES", "AnalysisSpec", "Preset", "RevMan5"]

DataType = Literal["dich", "cont", "giv", "oe"]
DATA_TYPES: tuple[str, ...] = ("dich", "cont", "giv", "oe")
MODELS = ("fixed", "random")
TOTALS = ("yes", "sub", "no")

#: RevMan's names of data types, as found in .rm5 files
REVMAN_DATA_TYPES = {"DICH": "dich", "CONT": "cont", "IV": "giv", "IPD": "oe"}

_MEASURES: dict[str, tuple[str, ...]] = {
    "dich": ("OR", "RR", "RD", "PETO_OR"),
    "cont": ("MD", "SMD"),
}
_METHODS: dict[str, tuple[str, ...]] = {
    "dich": ("MH", "IV", "PETO"),
    "cont": ("IV",),
    "giv": ("IV",),
    "oe": ("PETO",),
}
_DEFAULT_METHOD = {"dich": "MH", "cont": "IV", "giv": "IV", "oe": "PETO"}
_MEASURE_NAMES = {
    "OR": "Odds Ratio",
    "RR": "Risk Ratio",
    "RD": "Risk Difference",
    "PETO_OR": "Peto Odds Ratio",
    "MD": "Mean Difference",
    "SMD": "Std. Mean Difference",
}


@dataclass(frozen=True, slots=True)
class Preset:
    """A named bundle of statistical conventions.

    Attributes
    ----------
    name
        Display name.
    tau2_method
        Between-study variance estimator.  ``"DL"`` (DerSimonian-Laird) is the only one
        implemented so far.
    ci_method
        Pooled-effect CI: ``"z"`` (Wald, normal quantile).
    increment
        Continuity correction added to every cell of a 2x2 table with a zero cell.
    """

    name: str
    tau2_method: Literal["DL"] = "DL"
    ci_method: Literal["z"] = "z"
    increment: float = 0.5

    def __post_init__(self) -> None:
        if self.tau2_method != "DL":
            raise SpecError(f"tau2_method {self.tau2_method!r} is not available; use 'DL'")
        if self.ci_method != "z":
            raise SpecError(f"ci_method {self.ci_method!r} is not available; use 'z'")
        if not self.increment > 0:
            raise SpecError(f"increment must be positive, got {self.increment}")


#: RevMan 5: DerSimonian-Laird, Wald CIs with exact normal quantiles, 0.5 added to all
#: cells of studies with a zero cell, double-zero studies not estimable for OR/RR/Peto.
RevMan5 = Preset(name="RevMan 5")


def _level(value: float, what: str) -> float:
    """Accept 0.95 or 95 (percent) and return a fraction."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be a number such as 0.95 or 95, got {value!r}") from None
    if v > 1.0:
        v = v / 100.0
    if not 0.5 <= v < 1.0:
        raise SpecError(f"{what} must lie between 50% and 100% (e.g. 0.95 or 95), got {value!r}")
    return v


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """How one analysis is computed (RevMan's outcome settings).

    Parameters
    ----------
    data_type
        ``"dich"`` (events/total per arm), ``"cont"`` (mean, SD, total per arm),
        ``"giv"`` (generic inverse variance: estimate and SE) or ``"oe"`` (O - E and
        variance).
    measure
        dich: ``OR``, ``RR``, ``RD`` or ``PETO_OR`` (``PETO`` accepted); cont: ``MD`` or
        ``SMD``; giv/oe: a free label such as ``"Hazard Ratio"``.
    method
        ``MH``, ``IV`` or ``PETO``; defaults to MH for dich, IV for cont/giv, PETO for oe.
    model
        ``"fixed"`` or ``"random"``.
    ci, ci_study
        Confidence levels of totals and of study rows (0.95 or 95).
    totals
        ``"yes"`` (totals and subtotals), ``"sub"`` (subtotals only) or ``"no"``; decides
        which weights are displayed, as RevMan does.
    swap_events
        Analyse non-events as events (dich).
    log
        giv only: the estimates are on the log scale (ratio measures) and are displayed
        exponentiated.
    """

    data_type: str
    measure: str = ""
    method: str = ""
    model: str = "fixed"
    ci: float = 0.95
    ci_study: float | None = None
    totals: str = "yes"
    swap_events: bool = False
    log: bool = False
    preset: Preset = field(default=RevMan5)

    def __post_init__(self) -> None:
        dt = str(self.data_type).lower()
        dt = REVMAN_DATA_TYPES.get(str(self.data_type).upper(), dt)
        if dt not in DATA_TYPES:
            raise SpecError(f"data_type {self.data_type!r} is unknown; use one of {DATA_TYPES}")
        object.__setattr__(self, "data_type", dt)
        method = (self.method or _DEFAULT_METHOD[dt]).upper()
        measure = (self.measure or "").strip()
        if dt == "dich":
            measure = measure.upper() or ("PETO_OR" if method == "PETO" else "RR")
            if measure in ("PETO", "PETO OR", "PETOOR"):
                measure = "PETO_OR"
            if measure == "PETO_OR" and not self.method:
                method = "PETO"
        elif dt == "cont":
            measure = measure.upper() or "MD"
        if dt in _MEASURES and measure not in _MEASURES[dt]:
            raise SpecError(
                f"measure {self.measure!r} is not available for {dt} data; "
                f"use one of {_MEASURES[dt]}"
            )
        if method not in _METHODS[dt]:
            raise SpecError(
                f"method {self.method!r} is not available for {dt} data; use one of {_METHODS[dt]}"
            )
        if dt == "dich" and (method == "PETO") != (measure == "PETO_OR"):
            raise SpecError(
                "the Peto method goes with the Peto odds ratio: use method='PETO' with "
                "measure='PETO_OR' (or another method with OR, RR or RD)"
            )
        model = str(self.model).lower()
        if model not in MODELS:
            raise SpecError(f"model {self.model!r} is unknown; use one of {MODELS}")
        if model == "random" and method == "PETO":
            raise SpecError(
                "RevMan 5 offers no random-effects model for Peto or O-E data "
                "(Cochrane Handbook 5.1 §9.4.9); use model='fixed', or inverse variance"
            )
        totals = str(self.totals).lower()
        if totals not in TOTALS:
            raise SpecError(f"totals {self.totals!r} is unknown; use one of {TOTALS}")
        if self.log and dt != "giv":
            raise SpecError("log=True applies to generic inverse-variance (giv) data only")
        if self.swap_events and dt != "dich":
            raise SpecError("swap_events applies to dichotomous data only")
        if not isinstance(self.preset, Preset):
            raise SpecError(f"preset must be a Preset object such as RevMan5, got {self.preset!r}")
        ci = _level(self.ci, "ci")
        object.__setattr__(self, "ci", ci)
        object.__setattr__(
            self, "ci_study", ci if self.ci_study is None else _level(self.ci_study, "ci_study")
        )
        object.__setattr__(self, "measure", measure)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "totals", totals)

    @property
    def random(self) -> bool:
        return self.model == "random"

    @property
    def ratio(self) -> bool:
        """True when estimates are analysed on the log scale and displayed exponentiated."""
        if self.data_type == "dich":
            return self.measure != "RD"
        if self.data_type == "giv":
            return self.log
        return self.data_type == "oe"

    @property
    def stats_measure(self) -> str:
        """The measure as :mod:`metareview.stats` knows it."""
        return self.measure if self.data_type in ("dich", "cont") else "GIV"

    @property
    def measure_name(self) -> str:
        """RevMan's effect-measure wording, e.g. 'Risk Ratio'."""
        if self.data_type == "oe":
            return self.measure or "Exp[(O-E) / V]"
        if self.data_type == "giv" and not self.measure:
            return "Ratio" if self.log else "Estimate"
        return _MEASURE_NAMES.get(self.measure, self.measure)

    @property
    def method_label(self) -> str:
        """RevMan's column header, e.g. 'M-H, Random, 95% CI'."""
        method = {"MH": "M-H", "IV": "IV", "PETO": "Peto"}[self.method]
        if self.data_type == "oe":
            method = "Exp[(O-E) / V]"
        model = "Random" if self.random else "Fixed"
        return f"{method}, {model}, {_pct(self.ci_study or self.ci)}% CI"


def _pct(level: float) -> str:
    p = round(level * 100, 6)
    return f"{p:g}"
