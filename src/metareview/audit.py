"""Audit a review's printed results for internal consistency: ``audit(review) -> findings``.

A published review prints the same pooled results in several places (abstract, results
text, tables, GRADE profile).  This module checks, at the precision the review printed,
what a careful peer reviewer would check by hand:

1. ``estimate-in-ci``: the estimate lies inside its confidence interval;
2. ``ci-symmetry``: the interval is symmetric on the analysis scale (log scale for ratio
   measures), within the rounding of the printed numbers;
3. ``p-value``: the printed P value is consistent with the estimate and its interval
   (z = estimate / SE, SE from the interval's width; the range of P over the rounding
   interval of the printed numbers is computed);
4. ``i2``: I² is consistent with Q and its degrees of freedom (when printed), and lies in
   [0, 100] (0 with a single study);
5. ``totals``: participants equal the sum of the printed event denominators and of the
   recomputed analysis; they do not exceed what the cited studies randomised (only where
   clearly comparable: parallel trials with a plain number in ``studies.csv``);
6. ``studies``: the number of studies equals the studies cited or recomputed and does not
   exceed the included studies;
7. ``same-result``: the same quantity (outcome, subgroup, measure) is printed the same way
   everywhere (estimate, CI, P, I², participants, studies, events, certainty);
8. ``grade-certainty``: the certainty follows from the GRADE profile's domain ratings;
9. ``absolute-effect``: the absolute effect follows from the comparator risk and the
   relative effect;

and also ``measure`` (reported measure vs the outcome's), ``direction`` (a ratio's side
of 1 vs the printed event rates), ``computed`` (reported vs recomputed results) and
``comparator-risk`` (the GRADE comparator risk vs the pooled control events).

Findings are not errors of the tool: they are what the printed numbers show.  Severity
``error`` means the printed numbers cannot all be right; ``warning`` that they are very
likely inconsistent (or inconsistent with a convention, e.g. GRADE's arithmetic);
``note`` something worth a look, or something that could not be checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

from metareview.review.model import Outcome, ReportedResult, Review

if TYPE_CHECKING:
    from metareview.analysis.result import PooledResult
    from metareview.review.build import ReviewResults

__all__ = ["CHECKS", "Finding", "Severity", "audit"]

Severity = Literal["error", "warning", "note"]

#: every check name a finding can carry
CHECKS = (
    "estimate-in-ci",
    "ci-symmetry",
    "p-value",
    "i2",
    "totals",
    "studies",
    "same-result",
    "grade-certainty",
    "absolute-effect",
    "comparator-risk",
    "measure",
    "direction",
    "computed",
)

_SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}
_RATIO = {"RR", "OR", "HR", "PETO_OR", "PETO OR", "IRR", "RATIO OF MEANS", "ROM"}
_LINEAR = {"MD", "SMD", "RD", "WMD"}
_ALIASES = {
    "RISK RATIO": "RR", "ODDS RATIO": "OR", "HAZARD RATIO": "HR", "PETO OR": "PETO_OR",
    "PETO ODDS RATIO": "PETO_OR", "RISK DIFFERENCE": "RD", "MEAN DIFFERENCE": "MD",
    "STD. MEAN DIFFERENCE": "SMD", "STANDARDISED MEAN DIFFERENCE": "SMD",
    "STANDARDIZED MEAN DIFFERENCE": "SMD", "WMD": "MD",
}  # fmt: skip
_EPS = 1e-9


@dataclass(slots=True)
class Finding:
    """One inconsistency (or a thing that could not be checked) in a review's results.

    Attributes
    ----------
    severity
        ``"error"`` (the printed numbers cannot all be right), ``"warning"`` (very likely
        inconsistent) or ``"note"``.
    check
        Which check found it (one of :data:`CHECKS`).
    message
        What is wrong, in words, with the numbers as printed.
    locations
        Where: ``file:line (printed location)`` of every place involved.
    numbers
        The numbers involved, as printed (text) or computed (float).
    consistent_value
        What would be consistent (e.g. ``"p ≈ 7.6e-08 (<0.00001)"``); empty if nothing
        can be said.
    """

    severity: Severity
    check: str
    message: str
    locations: list[str] = field(default_factory=list)
    numbers: dict[str, float | str] = field(default_factory=dict)
    consistent_value: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


# --- printed numbers --------------------------------------------------------------------


def _half_unit(text: str) -> float:
    """Half a unit in the last printed place of a number ('1.30' -> 0.005)."""
    t = text.strip().rstrip("%").replace("−", "-")
    if "e" in t.lower():
        mant, _, exp = t.lower().partition("e")
        return _half_unit(mant) * 10.0 ** int(exp)
    return 0.5 * 10.0 ** -(len(t.split(".")[1]) if "." in t else 0)


@dataclass(slots=True)
class _Num:
    """A printed number: value, text and its rounding interval."""

    value: float
    text: str

    @property
    def half(self) -> float:
        return _half_unit(self.text) if self.text else 0.0

    @property
    def lo(self) -> float:
        return self.value - self.half

    @property
    def hi(self) -> float:
        return self.value + self.half


def _num(r: ReportedResult, key: str) -> _Num | None:
    value = getattr(r, key)
    if value is None or not math.isfinite(float(value)):
        return None
    text = r.text.get(key, "") or _shortest(float(value))
    return _Num(float(value), text)


def _shortest(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _p_interval(text: str) -> tuple[float, float] | None:
    """The values a printed P value stands for: '0.03' -> [0.025, 0.035], '<0.001'."""
    t = text.strip().lower().replace("$", "").replace(" ", "").replace("−", "-")
    t = re.sub(r"^p", "", t).lstrip("=")
    t = t.replace("≤", "<").replace("≥", ">").replace("<=", "<").replace(">=", ">")
    try:
        if t.startswith("<"):
            return (0.0, float(t[1:]))
        if t.startswith(">"):
            return (float(t[1:]), 1.0)
        value = float(t)
    except ValueError:
        return None
    h = _half_unit(t)
    return (max(0.0, value - h), min(1.0, value + h))


def _p_text(p: float) -> str:
    """A P value as RevMan prints it."""
    if p < 0.00001:
        return "<0.00001"
    if p < 0.001:
        return f"{p:.1g}"
    return f"{p:.2g}" if p < 0.01 else f"{p:.2f}"


def _measure(text: str) -> str:
    t = text.strip().upper()
    return _ALIASES.get(t, t)


def _scale(measure: str) -> str | None:
    """'log', 'linear' or None (unknown) for a measure."""
    m = _measure(measure)
    if m in _RATIO:
        return "log"
    if m in _LINEAR:
        return "linear"
    return None


def _where(r: ReportedResult) -> str:
    if r.line:
        return f"reported_results.csv:{r.line} ({r.location})"
    return r.location or "(in memory)"


def _what(r: ReportedResult) -> str:
    sub = f" [{r.subgroup}]" if r.subgroup else ""
    return f"{r.outcome}{sub} {r.measure}"


def _fraction(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


# --- the review's context ---------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    review: Review
    findings: list[Finding]
    outcomes: dict[str, Outcome]
    z_crit: dict[str, float]
    t_based: set[str]

    def add(
        self,
        severity: Severity,
        check: str,
        message: str,
        locations: Iterable[str],
        numbers: dict[str, float | str] | None = None,
        consistent: str = "",
    ) -> None:
        self.findings.append(
            Finding(severity, check, message, list(locations), dict(numbers or {}), consistent)
        )


def _context(review: Review) -> _Context:
    from metareview.review.store import outcome_spec

    outcomes: dict[str, Outcome] = {}
    z_crit: dict[str, float] = {}
    t_based: set[str] = set()
    for _, o in review.meta.outcomes():
        outcomes[o.id] = o
        level = o.ci / 100 if o.ci > 1 else o.ci
        z_crit[o.id] = NormalDist().inv_cdf(1 - (1 - level) / 2)
        try:
            spec = outcome_spec(review.meta, o)
        except Exception:  # an invalid spec is validate's business
            continue
        if spec.random and spec.ci_method not in ("z", "", None):
            t_based.add(o.id)
    return _Context(review, [], outcomes, z_crit, t_based)


# --- checks on one printed result -------------------------------------------------------


def _check_in_ci(ctx: _Context, r: ReportedResult) -> None:
    est, lo, hi = _num(r, "estimate"), _num(r, "ci_low"), _num(r, "ci_high")
    if lo is not None and hi is not None and lo.lo > hi.hi + _EPS:
        ctx.add(
            "error", "estimate-in-ci",
            f"{_what(r)}: the CI's lower limit {lo.text} is above its upper limit {hi.text}",
            [_where(r)], {"ci_low": lo.text, "ci_high": hi.text},
            f"CI {hi.text} to {lo.text}",
        )  # fmt: skip
        return
    if est is None or lo is None or hi is None:
        return
    if est.hi < lo.lo - _EPS or est.lo > hi.hi + _EPS:
        ctx.add(
            "error", "estimate-in-ci",
            f"{_what(r)}: estimate {est.text} lies outside its CI {lo.text} to {hi.text}",
            [_where(r)], {"estimate": est.text, "ci_low": lo.text, "ci_high": hi.text},
            f"an estimate between {lo.text} and {hi.text}",
        )  # fmt: skip
    scale = _scale(r.measure)
    if scale == "log" and min(est.value, lo.value, hi.value) <= 0:
        ctx.add(
            "error", "estimate-in-ci",
            f"{_what(r)}: a ratio and its CI must be positive "
            f"({est.text} [{lo.text}, {hi.text}])",
            [_where(r)], {"estimate": est.text, "ci_low": lo.text, "ci_high": hi.text},
        )  # fmt: skip


def _log_bounds(n: _Num) -> tuple[float, float] | None:
    """Rounding interval of a printed ratio on the log scale (None if it reaches 0)."""
    if n.lo <= 0:
        return None
    return math.log(n.lo), math.log(n.hi)


def _bounds(n: _Num, scale: str) -> tuple[float, float] | None:
    return _log_bounds(n) if scale == "log" else (n.lo, n.hi)


def _check_symmetry(ctx: _Context, r: ReportedResult) -> None:
    est, lo, hi = _num(r, "estimate"), _num(r, "ci_low"), _num(r, "ci_high")
    scale = _scale(r.measure)
    if est is None or lo is None or hi is None or scale is None:
        return
    e, low, up = _bounds(est, scale), _bounds(lo, scale), _bounds(hi, scale)
    if e is None or low is None or up is None:
        return
    # asymmetry a = (e - low) - (up - e) = 2e - low - up, over the rounding intervals
    a_min = 2 * e[0] - low[1] - up[1]
    a_max = 2 * e[1] - low[0] - up[0]
    if a_min - _EPS <= 0 <= a_max + _EPS:
        return
    f = math.log if scale == "log" else (lambda x: x)
    centre = (f(lo.value) + f(hi.value)) / 2
    mid = math.exp(centre) if scale == "log" else centre
    where = "on the log scale" if scale == "log" else ""
    lower = f(est.value) - f(lo.value)
    upper = f(hi.value) - f(est.value)
    ctx.add(
        "warning", "ci-symmetry",
        f"{_what(r)}: CI {lo.text} to {hi.text} is not symmetric about {est.text} {where}"
        f" beyond the printed rounding (half-widths {lower:.4g} and {upper:.4g})".replace(
            "  ", " "
        ),
        [_where(r)],
        {"estimate": est.text, "ci_low": lo.text, "ci_high": hi.text,
         "half_width_low": lower, "half_width_high": upper},
        f"estimate {mid:.{_decimals(est.text)}f} (the CI's centre {where})".replace(" )", ")"),
    )  # fmt: skip


def _decimals(text: str) -> int:
    t = text.strip().rstrip("%")
    return len(t.split(".")[1]) if "." in t else 0


def _p_range(
    est: _Num, lo: _Num, hi: _Num, scale: str, z_crit: float
) -> tuple[float, float, float] | None:
    """(p at the printed values, smallest and largest p over their rounding intervals)."""
    e, low, up = _bounds(est, scale), _bounds(lo, scale), _bounds(hi, scale)
    if e is None or low is None or up is None:
        return None
    w_min, w_max = up[0] - low[1], up[1] - low[0]
    if w_max <= 0:
        return None
    f = math.log if scale == "log" else (lambda x: x)
    w = f(hi.value) - f(lo.value)
    if w <= 0:
        return None
    se = w / (2 * z_crit)
    p = math.erfc(abs(f(est.value)) / se / math.sqrt(2))
    abs_min = 0.0 if e[0] <= 0 <= e[1] else min(abs(e[0]), abs(e[1]))
    abs_max = max(abs(e[0]), abs(e[1]))
    z_min = abs_min / (w_max / (2 * z_crit))
    z_max = abs_max / (w_min / (2 * z_crit)) if w_min > 0 else math.inf
    return p, math.erfc(z_max / math.sqrt(2)), math.erfc(z_min / math.sqrt(2))


def _check_p(ctx: _Context, r: ReportedResult) -> None:
    est, lo, hi = _num(r, "estimate"), _num(r, "ci_low"), _num(r, "ci_high")
    scale = _scale(r.measure)
    if not r.p.strip() or est is None or lo is None or hi is None:
        return
    printed = _p_interval(r.p)
    if printed is None:
        ctx.add(
            "note", "p-value", f"{_what(r)}: P value {r.p!r} could not be read; not checked",
            [_where(r)], {"p": r.p},
        )  # fmt: skip
        return
    if scale is None or r.outcome in ctx.t_based:
        return
    rng = _p_range(est, lo, hi, scale, ctx.z_crit.get(r.outcome, 1.959963984540054))
    if rng is None:
        return
    p, p_lo, p_hi = rng
    if printed[1] < p_lo * (1 - 1e-9) - 1e-15 or printed[0] > p_hi * (1 + 1e-9) + 1e-15:
        ctx.add(
            "error", "p-value",
            f"{_what(r)}: P printed as {r.p} but {est.text} [{lo.text}, {hi.text}] gives "
            f"p = {p:.2g} (between {p_lo:.2g} and {p_hi:.2g} over the printed rounding)",
            [_where(r)],
            {"p": r.p, "estimate": est.text, "ci_low": lo.text, "ci_high": hi.text,
             "p_consistent": p, "p_consistent_min": p_lo, "p_consistent_max": p_hi},
            f"p ≈ {p:.2g} ({_p_text(p)})",
        )  # fmt: skip


def _extra_num(r: ReportedResult, *names: str) -> _Num | None:
    for name in names:
        for key, text in r.extra.items():
            if key.strip().lower() == name and text.strip():
                try:
                    return _Num(float(text.strip()), text.strip())
                except ValueError:
                    return None
    return None


def _check_i2(ctx: _Context, r: ReportedResult) -> None:
    i2 = _num(r, "i2")
    if i2 is None:
        return
    if i2.value < 0 or i2.value > 100:
        ctx.add(
            "error", "i2", f"{_what(r)}: I² = {i2.text}% is outside 0-100%",
            [_where(r)], {"i2": i2.text},
        )  # fmt: skip
        return
    if r.studies == 1 and i2.lo > 0:
        ctx.add(
            "error", "i2", f"{_what(r)}: I² = {i2.text}% with a single study (must be 0)",
            [_where(r)], {"i2": i2.text, "studies": 1}, "I² = 0% (or not applicable)",
        )  # fmt: skip
    q = _extra_num(r, "q", "chi2", "chi²", "chi_squared")
    df_num = _extra_num(r, "df")
    df = df_num.value if df_num is not None else (r.studies - 1 if r.studies else None)
    if q is None or df is None or df <= 0:
        return
    qs = [max(q.lo, 1e-300), q.value, q.hi]
    vals = [max(0.0, (x - df) / x) * 100 for x in qs]
    if i2.hi < min(vals) - _EPS or i2.lo > max(vals) + _EPS:
        ctx.add(
            "error", "i2",
            f"{_what(r)}: I² = {i2.text}% but Q = {q.text} on {df:g} df gives I² = "
            f"{vals[1]:.1f}%",
            [_where(r)], {"i2": i2.text, "q": q.text, "df": df, "i2_consistent": vals[1]},
            f"I² = {vals[1]:.0f}%",
        )  # fmt: skip


def _cited(r: ReportedResult) -> list[str]:
    text = r.extra.get("studies_cited", "")
    return [s.strip() for s in text.split(";") if s.strip()]


def _refs(text: str) -> set[int] | None:
    """Reference numbers as printed: '28–35,31,37' -> {28, ..., 35, 37}."""
    out: set[int] = set()
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*[–—-]\s*(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a or b - a > 500:
                return None
            out.update(range(a, b + 1))
        elif part.isdigit():
            out.add(int(part))
        else:
            return None
    return out


_N_COLUMNS = ("n", "n_randomised", "n_randomized", "participants", "n_total")


def _check_counts(ctx: _Context, r: ReportedResult) -> None:
    review = ctx.review
    where = [_where(r)]
    if r.studies is not None and review.studies and r.studies > len(review.studies):
        ctx.add(
            "error", "studies",
            f"{_what(r)}: {r.studies} studies, but the review includes {len(review.studies)}",
            where, {"studies": r.studies, "included": len(review.studies)},
        )  # fmt: skip
    cited = _cited(r)
    if cited and r.studies is not None and len(set(cited)) != r.studies:
        ctx.add(
            "error", "studies",
            f"{_what(r)}: {r.studies} studies printed, {len(set(cited))} cited "
            f"({'; '.join(cited)})",
            where, {"studies": r.studies, "cited": len(set(cited))},
            f"{len(set(cited))} studies",
        )  # fmt: skip
    known = {s.id for s in review.studies}
    unknown = [s for s in cited if known and s not in known]
    if unknown:
        ctx.add(
            "warning", "studies",
            f"{_what(r)}: cited studies not in studies.csv: {'; '.join(unknown)}",
            where, {"unknown": "; ".join(unknown)},
        )  # fmt: skip
    refs_text = r.extra.get("refs_as_printed", "") or r.extra.get("refs", "")
    refs = _refs(refs_text) if refs_text.strip() else None
    if refs is not None and r.studies is not None and len(refs) != r.studies:
        ctx.add(
            "warning", "studies",
            f"{_what(r)}: {r.studies} studies printed, but the references cited with it "
            f"({refs_text}) are {len(refs)} distinct references",
            where, {"studies": r.studies, "references": len(refs), "refs": refs_text},
            f"{r.studies} references (or {len(refs)} studies)",
        )  # fmt: skip
    # participants vs printed events (a/b in events_exp and events_ctrl)
    fe = _fraction(r.extra.get("events_exp", ""))
    fc = _fraction(r.extra.get("events_ctrl", ""))
    for label, fr in (("events_exp", fe), ("events_ctrl", fc)):
        if fr is not None and fr[0] > fr[1]:
            ctx.add(
                "error", "totals", f"{_what(r)}: {label} {fr[0]}/{fr[1]}: more events than "
                "participants", where, {label: f"{fr[0]}/{fr[1]}"},
            )  # fmt: skip
    if fe is not None and fc is not None and r.participants is not None:
        total = fe[1] + fc[1]
        if total != r.participants:
            ctx.add(
                "error", "totals",
                f"{_what(r)}: {r.participants} participants printed, but the event "
                f"denominators add up to {fe[1]} + {fc[1]} = {total}",
                where,
                {"participants": r.participants, "n_exp": fe[1], "n_ctrl": fc[1]},
                f"{total} participants",
            )  # fmt: skip
    if fe is not None and fc is not None and fe[1] and fc[1] and fc[0] and fe[0]:
        est = _num(r, "estimate")
        crude = (fe[0] / fe[1]) / (fc[0] / fc[1])
        if (
            est is not None
            and _scale(r.measure) == "log"
            and est.value > 0
            and (est.value - 1) * (crude - 1) < 0
            and abs(math.log(crude)) > 0.1
        ):
            ctx.add(
                "warning", "direction",
                f"{_what(r)}: pooled {r.measure} {est.text} and the printed events "
                f"({fe[0]}/{fe[1]} vs {fc[0]}/{fc[1]}, crude ratio {crude:.2f}) lie on "
                "opposite sides of 1",
                where, {"estimate": est.text, "crude_ratio": crude},
            )  # fmt: skip
    # participants vs what the cited studies randomised (parallel trials, plain numbers)
    if cited and r.participants is not None and not unknown:
        total_n = 0
        for sid in cited:
            s = review.study(sid)
            if s.design and s.design != "parallel":
                return
            text = next(
                (v for k, v in s.extra.items() if k.lower() in _N_COLUMNS and v.strip()), ""
            )
            if not text.strip().isdigit():
                return
            total_n += int(text)
        if r.participants > total_n:
            ctx.add(
                "warning", "totals",
                f"{_what(r)}: {r.participants} participants, more than the {total_n} the "
                f"cited studies randomised ({'; '.join(cited)})",
                where, {"participants": r.participants, "randomised": total_n},
                f"at most {total_n} participants",
            )  # fmt: skip


def _check_measure(ctx: _Context, rows: list[ReportedResult]) -> None:
    seen: set[tuple[str, str]] = set()
    for r in rows:
        o = ctx.outcomes.get(r.outcome)
        if o is None or not r.measure.strip() or o.data_type not in ("dich", "cont"):
            continue
        if _measure(r.measure) != _measure(o.measure) and (r.outcome, r.measure) not in seen:
            seen.add((r.outcome, r.measure))
            places = [_where(x) for x in rows if x.outcome == r.outcome and x.measure == r.measure]
            ctx.add(
                "warning", "measure",
                f"{r.outcome}: reported as {r.measure}, but the outcome is analysed as "
                f"{o.measure}",
                places, {"reported": r.measure, "outcome": o.measure},
            )  # fmt: skip


# --- the same result in several places --------------------------------------------------

_SAME_FIELDS = ("estimate", "ci_low", "ci_high", "p", "i2", "participants", "studies")
_SAME_TEXT = ("events_exp", "events_ctrl", "certainty")


def _printed_value(r: ReportedResult, key: str) -> str:
    if key in ("events_exp", "events_ctrl"):
        return r.extra.get(key, "").replace(" ", "")
    if key == "certainty":
        return r.certainty.strip().lower()
    if key == "p":
        return r.p.strip()
    return r.printed(key)


def _disagree(key: str, a: ReportedResult, b: ReportedResult) -> bool:
    if key == "p":
        pa, pb = _p_interval(a.p), _p_interval(b.p)
        if pa is None or pb is None:
            return a.p.strip() != b.p.strip()
        return pa[1] < pb[0] - 1e-15 or pb[1] < pa[0] - 1e-15
    if key in ("participants", "studies") or key in _SAME_TEXT:
        return _printed_value(a, key) != _printed_value(b, key)
    na, nb = _num(a, key), _num(b, key)
    assert na is not None and nb is not None
    return na.hi < nb.lo - _EPS or nb.hi < na.lo - _EPS


def _check_same(ctx: _Context, rows: list[ReportedResult]) -> None:
    groups: dict[tuple[str, str, str], list[ReportedResult]] = {}
    for r in rows:
        groups.setdefault((r.outcome, r.subgroup, _measure(r.measure)), []).append(r)
    for group in groups.values():
        if len(group) < 2:
            continue
        for key in _SAME_FIELDS + _SAME_TEXT:
            have = [r for r in group if _printed_value(r, key)]
            if not any(_disagree(key, a, b) for a in have for b in have):
                continue
            by_value: dict[str, list[ReportedResult]] = {}
            for r in have:
                by_value.setdefault(_printed_value(r, key), []).append(r)
            parts = [
                f"{v} in {', '.join(x.location for x in places)}" for v, places in by_value.items()
            ]
            majority = max(by_value.items(), key=lambda kv: len(kv[1]))
            consistent = ""
            if len(majority[1]) > 1 and all(len(p) < len(majority[1]) for v, p in
                                            by_value.items() if v != majority[0]):  # fmt: skip
                consistent = f"{key} {majority[0]} (printed in {len(majority[1])} places)"
            if key == "p":
                consistent = _consistent_p(ctx, have[0]) or consistent
            r0 = have[0]
            ctx.add(
                "error", "same-result",
                f"{_what(r0)}: {key} printed differently: {'; '.join(parts)}",
                [_where(r) for r in have],
                {f"{key} ({r.location})": _printed_value(r, key) for r in have},
                consistent,
            )  # fmt: skip


def _consistent_p(ctx: _Context, r: ReportedResult) -> str:
    est, lo, hi = _num(r, "estimate"), _num(r, "ci_low"), _num(r, "ci_high")
    scale = _scale(r.measure)
    if est is None or lo is None or hi is None or scale is None or r.outcome in ctx.t_based:
        return ""
    rng = _p_range(est, lo, hi, scale, ctx.z_crit.get(r.outcome, 1.959963984540054))
    if rng is None:
        return ""
    return f"p ≈ {rng[0]:.2g} ({_p_text(rng[0])}) from the estimate and CI"


# --- recomputed results -----------------------------------------------------------------


def _check_computed(ctx: _Context, results: ReviewResults) -> None:
    for o in results.outcomes:
        if o.result is None:
            continue
        res = o.result
        for g in (res.overall, *res.subgroups):
            _check_pooled_i2(ctx, o.outcome.id, g)
        for r in o.reported:
            if r.measure.strip() and _measure(r.measure) != _measure(res.spec.measure):
                continue
            group = res.overall
            if r.subgroup:
                match = [g for g in res.subgroups if g.label == r.subgroup]
                if not match:
                    ctx.add(
                        "note", "computed",
                        f"{_what(r)}: no subgroup {r.subgroup!r} in the recomputed analysis",
                        [_where(r)],
                    )  # fmt: skip
                    continue
                group = match[0]
            _compare_computed(ctx, r, group)


def _check_pooled_i2(ctx: _Context, outcome: str, g: PooledResult) -> None:
    if g.df > 0 and math.isfinite(g.q) and g.q > 0 and math.isfinite(g.i2):
        expected = max(0.0, (g.q - g.df) / g.q) * 100
        if abs(expected - g.i2) > 0.05:
            ctx.add(
                "error", "i2",
                f"{outcome} {g.label}: computed I² {g.i2:.1f}% vs Q = {g.q:.2f} on {g.df} df",
                [outcome], {"i2": g.i2, "q": g.q, "df": g.df}, f"I² = {expected:.1f}%",
            )  # fmt: skip


def _compare_computed(ctx: _Context, r: ReportedResult, g: PooledResult) -> None:
    bad: dict[str, float | str] = {}
    for key in ("estimate", "ci_low", "ci_high", "i2"):
        n = _num(r, key)
        ours = float(getattr(g, key))
        if n is None or not math.isfinite(ours):
            continue
        if ours < n.lo - n.half * 1e-6 - _EPS or ours > n.hi + n.half * 1e-6 + _EPS:
            bad[key] = n.text
            bad[f"{key}_computed"] = ours
    if r.studies is not None and r.studies != g.studies:
        bad["studies"] = r.studies
        bad["studies_computed"] = g.studies
    n_total = g.n_exp + g.n_ctrl
    if r.participants is not None and math.isfinite(n_total) and r.participants != round(n_total):
        bad["participants"] = r.participants
        bad["participants_computed"] = n_total
    for key, ours_ev, ours_n in (
        ("events_exp", g.events_exp, g.n_exp),
        ("events_ctrl", g.events_ctrl, g.n_ctrl),
    ):
        fr = _fraction(r.extra.get(key, ""))
        if (
            fr is not None
            and ours_ev is not None
            and (fr[0], fr[1]) != (round(ours_ev), round(ours_n))
        ):
            bad[key] = f"{fr[0]}/{fr[1]}"
            bad[f"{key}_computed"] = f"{round(ours_ev)}/{round(ours_n)}"
    pi = _p_interval(r.p) if r.p.strip() else None
    if pi is not None and math.isfinite(g.p) and not (pi[0] - 1e-15 <= g.p <= pi[1] + 1e-15):
        bad["p"] = r.p
        bad["p_computed"] = g.p
    if not bad:
        return
    keys = [k for k in bad if not k.endswith("_computed")]
    text = "; ".join(f"{k} {bad[k]} vs {_fmt(bad[k + '_computed'])}" for k in keys)
    ctx.add(
        "error", "computed",
        f"{_what(r)}: the printed result differs from the one recomputed from the study data: "
        f"{text}",
        [_where(r)], bad,
        "; ".join(f"{k} {_fmt(bad[k + '_computed'])}" for k in keys),
    )  # fmt: skip


def _fmt(x: float | str) -> str:
    if isinstance(x, str):
        return x
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:.0f}"


# --- GRADE profile ----------------------------------------------------------------------

_LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very low"}
_DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
_UPGRADES = ("large_effect", "dose_response", "plausible_confounding", "confounding")


def _downgrade(text: str) -> int | None:
    """Levels a domain rating takes off: 0, 1, 2 (None: not understood)."""
    t = text.strip().lower()
    if not t:
        return 0
    if re.match(r"^(no|not|none|undetected|unlikely|not detected|low)\b", t):
        return 0
    if re.search(r"\b(very serious|very strongly suspected|extremely serious)\b", t):
        return 2
    if re.search(r"\b(serious|strongly suspected|suspected|detected|downgraded)\b", t):
        return 1
    if re.fullmatch(r"-?[0-2]", t):
        return abs(int(t))
    return None


def _upgrade(text: str) -> int | None:
    t = str(text).strip().lower()
    if t in ("", "no", "none", "0", "not applicable", "n/a"):
        return 0
    if re.fullmatch(r"\+?[0-2]", t):
        return int(t)
    if t.startswith("very large") or "+2" in t:
        return 2
    if t.startswith(("large", "yes", "present", "upgraded")) or "+1" in t:
        return 1
    return None


def _certainty_word(text: str) -> str:
    t = text.strip().lower()
    for word in ("very low", "moderate", "high", "low"):
        if re.search(rf"\b{word}\b", t):
            return word
    return ""


def _grade_lines(review: Review) -> list[int]:
    path = review.root / "review.toml"
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return []
    return [i + 1 for i, line in enumerate(lines) if line.strip().startswith("[[grade.outcomes]]")]


def _grade_entries(review: Review) -> tuple[str, list[tuple[dict[str, Any], str]]]:
    if review.meta.grade is None:
        return "", []
    grade = review.meta.grade.model_dump(exclude_none=True)
    source = str(grade.get("source", "GRADE profile"))
    entries = grade.get("outcomes") or []
    lines = _grade_lines(review)
    out: list[tuple[dict[str, Any], str]] = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            continue
        label = e.get("label_as_printed") or e.get("outcome", "")
        line = f"review.toml:{lines[i]}" if i < len(lines) else "review.toml"
        out.append((e, f"{line} ([grade] {source}: {label})"))
    return source, out


def _check_grade_certainty(ctx: _Context, entry: dict[str, Any], where: str) -> None:
    printed = _certainty_word(str(entry.get("certainty", ""))) or _certainty_word(
        str(entry.get("certainty_as_printed", ""))
    )
    if not printed:
        return
    design = str(entry.get("design", entry.get("study_design", ""))).lower()
    start = 2 if ("observational" in design or "non-random" in design) else 4
    steps: dict[str, float | str] = {}
    total = 0
    for d in _DOMAINS:
        if d not in entry:
            continue
        down = _downgrade(str(entry[d]))
        if down is None:
            ctx.add(
                "note", "grade-certainty",
                f"{entry.get('outcome', '')}: GRADE rating {d} = {entry[d]!r} not understood; "
                "certainty not checked", [where], {d: str(entry[d])},
            )  # fmt: skip
            return
        steps[d] = str(entry[d])
        total -= down
    for u in _UPGRADES:
        if u in entry:
            up = _upgrade(str(entry[u]))
            if up is None:
                return
            steps[u] = str(entry[u])
            total += up
    level = _LEVELS[max(1, min(4, start + total))]
    if level != printed:
        sub = f" [{entry['subgroup']}]" if entry.get("subgroup") else ""
        ctx.add(
            "warning", "grade-certainty",
            f"{entry.get('outcome', '')}{sub}: certainty printed as {printed}, but the domain "
            f"ratings ({_LEVELS[start]} start, {total:+d} levels) give {level}",
            [where], {"certainty": printed, **steps, "levels": float(total)}, level,
        )  # fmt: skip


_PER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:per|/)\s*(\d[\d,]*)", re.I)
_ABS = re.compile(r"(\d+(?:\.\d+)?)\s*(more|fewer|less)\s*(?:per|/)\s*(\d[\d,]*)", re.I)
_REL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*\(\s*(\d+(?:\.\d+)?)\s*(?:[–—-]|to)\s*(\d+(?:\.\d+)?)")


def _corresponding(measure: str, cr: float, effect: float) -> float | None:
    m = _measure(measure)
    if m == "RR":
        return cr * effect
    if m in ("OR", "PETO_OR"):
        return cr * effect / (1 - cr + cr * effect)
    if m == "HR":
        return 1 - (1 - cr) ** effect if cr < 1 else 1.0
    if m == "RD":
        return cr + effect
    return None


def _check_absolute(
    ctx: _Context, entry: dict[str, Any], where: str, rows: list[ReportedResult]
) -> None:
    cr_text = str(entry.get("risk_control", "")).strip()
    abs_text = str(entry.get("absolute_effect", "")).strip()
    if not cr_text and not abs_text:
        return
    outcome = str(entry.get("outcome", ""))
    o = ctx.outcomes.get(outcome)
    measure = o.measure if o is not None else ""
    rel_text = str(entry.get("relative_effect", "")).strip()
    effect: _Num | None = None
    m_rel = _REL.match(rel_text)
    if m_rel:
        effect = _Num(float(m_rel.group(1)), m_rel.group(1))
    else:
        same = [r for r in rows if r.outcome == outcome and r.subgroup == entry.get("subgroup", "")]
        effect = next((n for r in same if (n := _num(r, "estimate")) is not None), None)
    m_cr, m_abs = _PER.search(cr_text), _ABS.search(abs_text)
    if effect is None or m_cr is None or m_abs is None:
        ctx.add(
            "note", "absolute-effect",
            f"{outcome}: absolute effect not checked (could not read comparator risk "
            f"{cr_text!r}, absolute effect {abs_text!r} or relative effect {rel_text!r})",
            [where], {"risk_control": cr_text, "absolute_effect": abs_text},
        )  # fmt: skip
        return
    per = float(m_cr.group(2).replace(",", ""))
    cr = _Num(float(m_cr.group(1)), m_cr.group(1))
    per_abs = float(m_abs.group(3).replace(",", ""))
    diff = _Num(float(m_abs.group(1)), m_abs.group(1))
    sign = 1.0 if m_abs.group(2).lower() == "more" else -1.0
    corners: list[float] = []
    for c in (cr.lo, cr.hi):
        for e in (effect.lo, effect.hi):
            val = _corresponding(measure, max(0.0, c) / per, e)
            if val is None:
                ctx.add(
                    "note", "absolute-effect",
                    f"{outcome}: absolute effect not checked for measure {measure!r}",
                    [where], {"absolute_effect": abs_text},
                )  # fmt: skip
                return
            corners.append((val - max(0.0, c) / per) * per_abs)
    central = _corresponding(measure, cr.value / per, effect.value)
    assert central is not None
    expected = (central - cr.value / per) * per_abs
    printed_lo, printed_hi = sign * diff.value - diff.half, sign * diff.value + diff.half
    nums: dict[str, float | str] = {
        "risk_control": cr_text, "relative_effect": rel_text or effect.text,
        "absolute_effect": abs_text, "corresponding_risk_per": central * per_abs,
        "absolute_consistent": expected,
    }  # fmt: skip
    word = "more" if expected >= 0 else "fewer"
    if printed_hi < min(corners) - _EPS or printed_lo > max(corners) + _EPS:
        ctx.add(
            "error", "absolute-effect",
            f"{outcome}: {abs_text} printed, but {measure} {effect.text} applied to a "
            f"comparator risk of {cr_text} gives {abs(expected):.0f} {word} per {per_abs:g}",
            [where], nums, f"{abs(expected):.0f} {word} per {per_abs:g}",
        )  # fmt: skip
    if central > 1 + _EPS or central < -_EPS:
        ctx.add(
            "error", "absolute-effect",
            f"{outcome}: the corresponding risk {central * per_abs:.0f} per {per_abs:g} "
            "is impossible",
            [where], nums,
        )  # fmt: skip
    # the comparator risk vs the pooled control group's events
    ev = _fraction(str(entry.get("events_control", "")))
    if ev is not None and ev[1]:
        pooled = ev[0] / ev[1]
        if not (cr.lo / per - _EPS <= pooled <= cr.hi / per + _EPS):
            alt = _corresponding(measure, pooled, effect.value)
            alt_text = "" if alt is None else (
                f"; with the pooled control risk the absolute effect would be "
                f"{abs(alt - pooled) * per_abs:.0f} {'more' if alt >= pooled else 'fewer'} "
                f"per {per_abs:g} (corresponding risk {alt * per_abs:.0f} vs "
                f"{central * per_abs:.0f} per {per_abs:g})"
            )  # fmt: skip
            source = entry.get("risk_control_footnote", "")
            ctx.add(
                "note", "comparator-risk",
                f"{outcome}: the comparator risk {cr_text} is not the pooled control risk "
                f"{ev[0]}/{ev[1]} = {pooled * per:.0f} per {per:g}"
                + (f" (footnote {source})" if source else "")
                + alt_text,
                [where], {"risk_control": cr_text, "events_control": f"{ev[0]}/{ev[1]}",
                          "pooled_control_risk": pooled * per},
                "" if alt is None else f"{abs(alt - pooled) * per_abs:.0f} "
                f"{'more' if alt >= pooled else 'fewer'} per {per_abs:g}",
            )  # fmt: skip


def _grade_rows(
    ctx: _Context, source: str, entries: list[tuple[dict[str, Any], str]]
) -> list[ReportedResult]:
    """GRADE profile entries as printed results, for places not in reported_results.csv."""
    have = {(r.outcome, r.subgroup, r.location) for r in ctx.review.reported}
    rows: list[ReportedResult] = []
    for e, where in entries:
        outcome = str(e.get("outcome", ""))
        subgroup = str(e.get("subgroup", ""))
        if (outcome, subgroup, source) in have or outcome not in ctx.outcomes:
            continue
        o = ctx.outcomes[outcome]
        r = ReportedResult(
            outcome=outcome, measure=o.measure, location=where, subgroup=subgroup,
            p=str(e.get("p", "")), certainty=_certainty_word(str(e.get("certainty", ""))),
        )  # fmt: skip
        for key in ("participants", "studies"):
            if isinstance(e.get(key), int):
                setattr(r, key, int(e[key]))
        m = _REL.match(str(e.get("relative_effect", "")))
        if m:
            r.estimate, r.ci_low, r.ci_high = (float(m.group(i)) for i in (1, 2, 3))
            r.text = {"estimate": m.group(1), "ci_low": m.group(2), "ci_high": m.group(3)}
        for key, names in (
            ("events_ctrl", ("events_control", "events_ctrl")),
            ("events_exp", ("events_exp", "events_experimental", _exp_key(o, ctx))),
        ):
            value = next((str(e[n]) for n in names if n in e), "")
            if value:
                r.extra[key] = value
        rows.append(r)
    return rows


def _exp_key(o: Outcome, ctx: _Context) -> str:
    for c, oo in ctx.review.meta.outcomes():
        if oo.id == o.id:
            label = o.label_exp if o.label_exp is not None else c.label_exp
            return "events_" + re.sub(r"\W+", "_", label.strip().lower())
    return "events_exp"


# --- entry point ------------------------------------------------------------------------


def audit(review: Review, results: ReviewResults | None = None) -> list[Finding]:
    """Check a review's printed results for internal consistency.

    Parameters
    ----------
    review
        A loaded review (:func:`metareview.load`).
    results
        Its built results (:func:`metareview.review.build.build`); built here when not
        given.  Used to compare printed results with the ones recomputed from per-study
        data.

    Returns
    -------
    list of Finding
        Sorted by severity (errors first), then in the order of the files.  Empty when
        everything printed is consistent.
    """
    from metareview.review.build import build

    ctx = _context(review)
    source, entries = _grade_entries(review)
    rows = list(review.reported) + _grade_rows(ctx, source, entries)
    for r in rows:
        _check_in_ci(ctx, r)
        _check_symmetry(ctx, r)
        _check_p(ctx, r)
        _check_i2(ctx, r)
        _check_counts(ctx, r)
    _check_measure(ctx, rows)
    _check_same(ctx, rows)
    for entry, where in entries:
        _check_grade_certainty(ctx, entry, where)
        _check_absolute(ctx, entry, where, rows)
    if any(o.per_study_data and review.data.get(o.id) for _, o in review.meta.outcomes()):
        _check_computed(ctx, results if results is not None else build(review))
    return sorted(ctx.findings, key=lambda f: _SEVERITY_ORDER[f.severity])
