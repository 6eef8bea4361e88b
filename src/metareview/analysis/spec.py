"""What to compute: presets and the analysis specification.

Presets are immutable objects passed explicitly, never global state.  The spec is
validated when it is made: an unknown or incompatible option is a :class:`SpecError`
listing the allowed values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from metareview.exceptions import SpecError
from metareview.stats.pooling import CI_METHODS, PREDICTION
from metareview.stats.tau2 import TAU2_METHODS

__all__ = [
    "DATA_TYPES",
    "PRESETS",
    "AnalysisSpec",
    "Cochrane2025",
    "Metafor",
    "Preset",
    "RevMan5",
    "preset_named",
]


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
        Between-study variance estimator for random effects: ``DL``, ``REML``, ``ML``,
        ``PM``, ``EB``, ``SJ``, ``HE`` or ``HS``.
    ci_method
        CI and test of a random-effects pooled effect: ``z`` (Wald), ``t`` (Wald SE,
        t with k - 1 df), ``hksj`` (Hartung-Knapp-Sidik-Jonkman) or ``hksj-adhoc``
        (HKSJ never narrower than Wald).  Fixed-effect analyses always use ``z``.
    prediction
        Prediction interval shown for random-effects analyses: ``none``, ``z``, ``t-k1``
        or ``t-k2``.
    tau2_ci
        Show the Q-profile CI of tau² and I² (always computed for random effects).
    increment
        Continuity correction added to every cell of a 2x2 table with a zero cell.
    """

    name: str
    tau2_method: str = "DL"
    ci_method: str = "z"
    prediction: str = "none"
    tau2_ci: bool = False
    increment: float = 0.5

    def __post_init__(self) -> None:
        tau2 = str(self.tau2_method).upper()
        if tau2 not in TAU2_METHODS:
            raise SpecError(
                f"tau2_method {self.tau2_method!r} is unknown; use one of {TAU2_METHODS}"
            )
        object.__setattr__(self, "tau2_method", tau2)
        if self.ci_method not in CI_METHODS:
            raise SpecError(f"ci_method {self.ci_method!r} is unknown; use one of {CI_METHODS}")
        if self.prediction not in PREDICTION:
            raise SpecError(f"prediction {self.prediction!r} is unknown; use one of {PREDICTION}")
        if not self.increment > 0:
            raise SpecError(f"increment must be positive, got {self.increment}")


#: RevMan 5: DerSimonian-Laird, Wald CIs with exact normal quantiles, 0.5 added to all
#: cells of studies with a zero cell, double-zero studies not estimable for OR/RR/Peto.
RevMan5 = Preset(name="RevMan 5")

#: Cochrane's 2025 defaults (RevMan Web, statistics spec §11.1): REML, Hartung-Knapp-
#: Sidik-Jonkman CI, prediction interval (t, k - 1 df, as meta's default; which df RevMan
#: Web uses is still to be confirmed), Q-profile CI for tau², I² from tau².
Cochrane2025 = Preset(
    name="Cochrane 2025", tau2_method="REML", ci_method="hksj", prediction="t-k1", tau2_ci=True
)

#: metafor's defaults for ``rma()``: REML with Wald z CIs; ``predict()`` uses the normal
#: quantile.  (metafor's ``escalc`` keeps double-zero studies by default; metareview
#: always treats them as not estimable for OR and RR, as RevMan does.)
Metafor = Preset(name="metafor", tau2_method="REML", ci_method="z", prediction="z")

PRESETS: dict[str, Preset] = {"revman5": RevMan5, "cochrane2025": Cochrane2025, "metafor": Metafor}


def preset_named(name: str) -> Preset:
    """The preset called ``name`` (``revman5``, ``cochrane2025`` or ``metafor``)."""
    key = str(name).lower().replace(" ", "").replace("-", "").replace("_", "")
    if key not in PRESETS:
        raise SpecError(f"preset {name!r} is unknown; use one of {tuple(PRESETS)}")
    return PRESETS[key]


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
    preset
        Conventions (default :data:`RevMan5`); ``tau2_method``, ``ci_method`` and
        ``prediction`` override the preset's for this analysis.
    tau2_method, ci_method, prediction
        See :class:`Preset`.  Once the spec is made they hold the resolved values; a
        fixed-effect analysis has ``ci_method="z"`` and ``prediction="none"``, and asking
        for anything else with a fixed-effect model is an error.
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
    tau2_method: str | None = None
    ci_method: str | None = None
    prediction: str | None = None

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
        pr = self.preset
        tau2 = (self.tau2_method or pr.tau2_method).upper()
        if tau2 not in TAU2_METHODS:
            raise SpecError(
                f"tau2_method {self.tau2_method!r} is unknown; use one of {TAU2_METHODS}"
            )
        ci_method = (self.ci_method or pr.ci_method).lower()
        if ci_method not in CI_METHODS:
            raise SpecError(f"ci_method {self.ci_method!r} is unknown; use one of {CI_METHODS}")
        prediction = (self.prediction or pr.prediction).lower()
        if prediction not in PREDICTION:
            raise SpecError(f"prediction {self.prediction!r} is unknown; use one of {PREDICTION}")
        if model == "fixed":
            if self.tau2_method is not None:
                raise SpecError(
                    f"tau2_method {self.tau2_method!r} applies to random-effects analyses; "
                    "use model='random' or leave tau2_method out"
                )
            if self.ci_method not in (None, "z"):
                raise SpecError(
                    f"ci_method {self.ci_method!r} applies to random-effects analyses; "
                    "use model='random' or ci_method='z'"
                )
            if self.prediction not in (None, "none"):
                raise SpecError(
                    "a prediction interval needs a random-effects model; use model='random'"
                )
            ci_method, prediction = "z", "none"
        object.__setattr__(self, "tau2_method", tau2)
        object.__setattr__(self, "ci_method", ci_method)
        object.__setattr__(self, "prediction", prediction)
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
