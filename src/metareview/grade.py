"""GRADE certainty of evidence: domain ratings, certainty arithmetic, data-driven suggestions,
absolute effects and Summary of Findings / Evidence Profile rows.

Pure logic, no I/O.  The module encodes the GRADE approach as published in the *Journal of
Clinical Epidemiology* GRADE guidelines series and chapter 14 of the Cochrane Handbook:

* a body of randomized trials starts at **high** certainty, of observational studies at
  **low** (GRADE 3, Balshem et al. 2011);
* five domains can rate it down by one ("serious") or two ("very serious") levels: risk of
  bias (GRADE 4), publication bias (GRADE 5), imprecision (GRADE 6), inconsistency
  (GRADE 7) and indirectness (GRADE 8);
* three domains can rate it up: a large or very large effect, a dose-response gradient and
  plausible residual confounding that would reduce the effect (GRADE 9);
* the result is one of four levels shown with the symbols ⨁⨁⨁⨁ (high), ⨁⨁⨁◯ (moderate),
  ⨁⨁◯◯ (low) and ⨁◯◯◯ (very low) (GRADE 12, Guyatt et al. 2013; Handbook §14.1.6).

The ``suggest_*`` functions turn analysis results into a *suggested* :class:`Rating`; every
suggestion states the rule it applied in its footnote.  They are aids to judgement, not
replacements: indirectness has no suggestion at all, and an author who departs from a
suggestion records why with :meth:`Rating.override` (a reason is required).

References
----------
Balshem H, Helfand M, Schünemann HJ, et al. (2011). GRADE guidelines: 3. Rating the quality
of evidence. *J Clin Epidemiol* 64:401-406.

Guyatt GH, Oxman AD, Vist G, et al. (2011). GRADE guidelines: 4. Rating the quality of
evidence - study limitations (risk of bias). *J Clin Epidemiol* 64:407-415.

Guyatt GH, Oxman AD, Montori V, et al. (2011). GRADE guidelines: 5. Rating the quality of
evidence - publication bias. *J Clin Epidemiol* 64:1277-1282.

Guyatt GH, Oxman AD, Kunz R, et al. (2011). GRADE guidelines 6. Rating the quality of
evidence - imprecision. *J Clin Epidemiol* 64:1283-1293.

Guyatt GH, Oxman AD, Kunz R, et al. (2011). GRADE guidelines: 7. Rating the quality of
evidence - inconsistency. *J Clin Epidemiol* 64:1294-1302.

Guyatt GH, Oxman AD, Kunz R, et al. (2011). GRADE guidelines: 8. Rating the quality of
evidence - indirectness. *J Clin Epidemiol* 64:1303-1310.

Guyatt GH, Oxman AD, Sultan S, et al. (2011). GRADE guidelines: 9. Rating up the quality of
evidence. *J Clin Epidemiol* 64:1311-1316.

Guyatt GH, Oxman AD, Santesso N, et al. (2013). GRADE guidelines: 12. Preparing Summary of
Findings tables - binary outcomes. *J Clin Epidemiol* 66:158-172.

Guyatt GH, Thorlund K, Oxman AD, et al. (2013). GRADE guidelines: 13. Preparing Summary of
Findings tables and evidence profiles - continuous outcomes. *J Clin Epidemiol* 66:173-183.

Zeng L, Brignardello-Petersen R, Hultcrantz M, et al. (2022). GRADE Guidance 34: update on
rating imprecision using a minimally contextualized approach. *J Clin Epidemiol*
150:216-224.

Schünemann HJ, Higgins JPT, Vist GE, et al. (2022). Chapter 14: Completing 'Summary of
findings' tables and grading the certainty of the evidence. In: Higgins JPT et al. (eds.)
*Cochrane Handbook for Systematic Reviews of Interventions* version 6.3.  (§10.10.2 for
the I² bands, §13.3.5.4 for the ten-study rule of funnel-plot tests, §15.4.4 for the
number needed to treat, §15.5.3.1 for the SMD rule of thumb.)

Altman DG (1998). Confidence intervals for the number needed to treat. *BMJ*
317:1309-1312.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from scipy import stats

from metareview.analysis.result import MetaAnalysisResult, PooledResult, StudyResult

__all__ = [
    "CERTAINTY_LEVELS",
    "DOWNGRADE_DOMAINS",
    "DOWNGRADE_LEVELS",
    "I2_CONSIDERABLE",
    "I2_NOT_IMPORTANT",
    "RATIO_MEASURES",
    "ROB_SERIOUS_SHARE",
    "ROB_VERY_SERIOUS_SHARE",
    "UPGRADE_DOMAINS",
    "UPGRADE_LEVELS",
    "AbsoluteEffect",
    "Anticipated",
    "Certainty",
    "EvidenceProfileRow",
    "Rating",
    "SummaryOfFindingsRow",
    "absolute_effect",
    "absolute_effects",
    "certainty",
    "continuous_effect_text",
    "from_recorded",
    "ois_continuous",
    "ois_dichotomous",
    "overall_risk",
    "parse_certainty",
    "parse_level",
    "relative_effect_text",
    "smd_interpretation",
    "suggest_imprecision",
    "suggest_inconsistency",
    "suggest_large_effect",
    "suggest_publication_bias",
    "suggest_risk_of_bias",
]

Start = Literal["high", "low"]

#: The five domains that rate certainty down (GRADE 4-8), in evidence-profile order.
DOWNGRADE_DOMAINS: tuple[str, ...] = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
)
#: The three domains that rate certainty up (GRADE 9).
UPGRADE_DOMAINS: tuple[str, ...] = ("large_effect", "dose_response", "plausible_confounding")

#: Levels of a downgrading domain and how many levels each rates down.  "extremely
#: serious" (three levels) is used with ROBINS-I bodies of evidence that start high.
DOWNGRADE_LEVELS: dict[str, int] = {
    "not serious": 0,
    "serious": 1,
    "very serious": 2,
    "extremely serious": 3,
}
#: Levels of an upgrading domain and how many levels each rates up (GRADE 9).
UPGRADE_LEVELS: dict[str, int] = {"none": 0, "present": 1, "large": 1, "very large": 2}
_UPGRADE_ALLOWED: dict[str, tuple[str, ...]] = {
    "large_effect": ("none", "large", "very large"),
    "dose_response": ("none", "present"),
    "plausible_confounding": ("none", "present"),
}

#: Certainty levels by score 4..1 (GRADE 3, Table 2).
CERTAINTY_LEVELS: tuple[str, ...] = ("very low", "low", "moderate", "high")
_SCORE = {"very low": 1, "low": 2, "moderate": 3, "high": 4}
_START_SCORE = {"high": 4, "low": 2}
_FILLED, _EMPTY = "⨁", "◯"

#: Measures analysed on the log scale; their null value is 1.
RATIO_MEASURES: frozenset[str] = frozenset({"RR", "OR", "HR", "PETO_OR"})
_DICHOTOMOUS = frozenset({"RR", "OR", "HR", "PETO_OR", "RD"})
_CONTINUOUS = frozenset({"MD", "SMD"})

#: I² below this (percent) is "might not be important" (Handbook §10.10.2: 0-40%).
I2_NOT_IMPORTANT = 40.0
#: I² above this (percent) is "considerable" (Handbook §10.10.2: 75-100%).
I2_CONSIDERABLE = 75.0
#: Share of weight (percent) from high-risk studies above which risk of bias is serious.
ROB_SERIOUS_SHARE = 30.0
#: Share of weight (percent) from high-risk studies above which it is very serious.
ROB_VERY_SERIOUS_SHARE = 60.0


def _domain_kind(domain: str) -> Literal["down", "up"]:
    if domain in DOWNGRADE_DOMAINS:
        return "down"
    if domain in UPGRADE_DOMAINS:
        return "up"
    raise ValueError(
        f"unknown GRADE domain {domain!r}; use one of {DOWNGRADE_DOMAINS + UPGRADE_DOMAINS}"
    )


# --------------------------------------------------------------------------- parsing
_FOOTNOTE_MARK = re.compile(r"(\^\{?[a-z0-9,]+\}?|\s+[a-z]$)")


def _norm(text: str) -> str:
    t = _FOOTNOTE_MARK.sub("", str(text).strip())
    t = t.replace("-", " ").replace("_", " ").lower()
    return " ".join(t.split())


def parse_level(text: str, domain: str | None = None) -> str:
    """The canonical level of a domain judgement written in words.

    Understands the canonical levels ("not serious", "serious", "very serious",
    "extremely serious"; "none", "large", "very large", "present") and the wordings of
    printed evidence profiles and GRADEpro: "No serious limitations", "No serious
    imprecision", "Serious limitations", "Serious imprecision", "Very serious risk of
    bias", "Undetected", "Strongly suspected", "Very strongly suspected", "Large effect",
    "Dose-response gradient", ...  Footnote marks ("^a", a trailing " a") are ignored.

    Parameters
    ----------
    text
        The judgement as written.
    domain
        When given, the result is checked against the domain (an upgrading domain takes
        "none"/"large"/"very large"/"present"; the others the downgrading levels).

    Raises
    ------
    ValueError
        When the wording is not recognised or does not fit the domain.
    """
    t = _norm(text)
    kind = _domain_kind(domain) if domain is not None else None
    level: str | None = None
    if t in DOWNGRADE_LEVELS or t in UPGRADE_LEVELS:
        level = t
    elif t.startswith(("no serious", "not serious", "no ", "undetected", "not detected")):
        level = "none" if kind == "up" else "not serious"
    elif t in ("low", "low risk", "unlikely", "not suspected"):
        level = "not serious"
    elif t.startswith("extremely serious"):
        level = "extremely serious"
    elif t.startswith("very serious") or t.startswith("very strongly suspected"):
        level = "very serious"
    elif t.startswith(("serious", "strongly suspected", "suspected", "detected", "likely")):
        level = "serious"
    elif t.startswith("very large"):
        level = "very large"
    elif t.startswith("large"):
        level = "large"
    elif t.startswith(("present", "yes", "dose response", "gradient", "plausible")):
        level = "present"
    if level is None:
        raise ValueError(f"cannot read a GRADE level from {text!r}")
    if level == "none" and kind == "down":
        level = "not serious"
    if kind == "up" and level == "not serious":
        level = "none"
    if domain is not None:
        allowed = _UPGRADE_ALLOWED[domain] if kind == "up" else tuple(DOWNGRADE_LEVELS)
        if level not in allowed:
            raise ValueError(f"{text!r} ({level!r}) is not a level of {domain!r}: {allowed}")
    return level


# --------------------------------------------------------------------------- ratings
@dataclass(frozen=True, slots=True)
class Rating:
    """A judgement on one GRADE domain.

    Attributes
    ----------
    domain
        One of :data:`DOWNGRADE_DOMAINS` or :data:`UPGRADE_DOMAINS`.
    level
        "not serious" | "serious" | "very serious" | "extremely serious" for the
        downgrading domains; "none" | "large" | "very large" (``large_effect``) or
        "none" | "present" (``dose_response``, ``plausible_confounding``) for rating up.
        Printed wordings are accepted and normalised with :func:`parse_level`.
    footnote
        The explanation printed with the judgement (suggestions state their rule here).
    suggested
        True when the rating was produced by a ``suggest_*`` function and not changed.
    override_reason
        Why the author departed from a suggestion; required (non-blank) whenever
        ``suggested_level`` differs from ``level``.
    suggested_level
        The level that was suggested, when this rating overrides a suggestion.
    """

    domain: str
    level: str
    footnote: str = ""
    suggested: bool = False
    override_reason: str | None = None
    suggested_level: str | None = None

    def __post_init__(self) -> None:
        _domain_kind(self.domain)
        object.__setattr__(self, "level", parse_level(self.level, self.domain))
        if self.suggested_level is not None:
            object.__setattr__(
                self, "suggested_level", parse_level(self.suggested_level, self.domain)
            )
        if self.override_reason is not None and not self.override_reason.strip():
            raise ValueError("an override must carry a reason (override_reason is blank)")
        if self.suggested and self.override_reason is not None:
            raise ValueError("a rating cannot be both a suggestion and an override")
        if (
            self.suggested_level is not None
            and self.suggested_level != self.level
            and self.override_reason is None
        ):
            raise ValueError(
                f"{self.domain}: level {self.level!r} departs from the suggested "
                f"{self.suggested_level!r}; give override_reason"
            )

    @property
    def steps(self) -> int:
        """Levels this rating moves certainty (positive; down or up according to domain)."""
        if _domain_kind(self.domain) == "down":
            return DOWNGRADE_LEVELS[self.level]
        return UPGRADE_LEVELS[self.level]

    @property
    def overridden(self) -> bool:
        return self.override_reason is not None

    def override(self, level: str, reason: str, footnote: str | None = None) -> Rating:
        """A copy at another ``level`` recording the suggestion and why it was overridden.

        Raises
        ------
        ValueError
            When ``reason`` is blank.
        """
        if not reason or not reason.strip():
            raise ValueError("an override must carry a reason")
        return replace(
            self,
            level=level,
            footnote=self.footnote if footnote is None else footnote,
            suggested=False,
            override_reason=reason.strip(),
            suggested_level=self.suggested_level or self.level,
        )


# --------------------------------------------------------------------------- certainty
@dataclass(frozen=True, slots=True)
class Certainty:
    """The certainty of a body of evidence.

    ``score`` is 4 (high) to 1 (very low); ``symbols`` e.g. "⨁⨁◯◯"; ``label`` e.g.
    "⨁⨁◯◯ LOW" (the wording of GRADE 12 and Handbook §14.1.6).
    """

    level: str
    score: int
    symbols: str
    label: str

    @classmethod
    def from_score(cls, score: int) -> Certainty:
        s = min(4, max(1, int(score)))
        level = CERTAINTY_LEVELS[s - 1]
        symbols = _FILLED * s + _EMPTY * (4 - s)
        return cls(level=level, score=s, symbols=symbols, label=f"{symbols} {level.upper()}")

    @classmethod
    def from_level(cls, level: str) -> Certainty:
        key = _norm(level)
        if key not in _SCORE:
            raise ValueError(f"unknown certainty level {level!r}; use one of {CERTAINTY_LEVELS}")
        return cls.from_score(_SCORE[key])


def _steps(ratings: Mapping[str, str | Rating] | None, kind: Literal["down", "up"]) -> int:
    total = 0
    for domain, value in (ratings or {}).items():
        if _domain_kind(domain) != kind:
            raise ValueError(
                f"{domain!r} is a domain that rates {_domain_kind(domain)}, "
                f"not {kind}; pass it in {'upgrades' if kind == 'down' else 'downgrades'}"
            )
        if isinstance(value, Rating):
            if value.domain != domain:
                raise ValueError(f"rating for {value.domain!r} given under {domain!r}")
            total += value.steps
        else:
            level = parse_level(value, domain)
            total += DOWNGRADE_LEVELS[level] if kind == "down" else UPGRADE_LEVELS[level]
    return total


def certainty(
    start: Start,
    downgrades: Mapping[str, str | Rating] | None = None,
    upgrades: Mapping[str, str | Rating] | None = None,
) -> Certainty:
    """The certainty of evidence from its starting level and the domain ratings.

    Score = start (high 4, low 2) − levels rated down + levels rated up, clamped to
    1 (very low) .. 4 (high) (GRADE 3, Table 2; Handbook §14.2).  Rating up is intended
    for observational evidence without serious limitations (GRADE 9); the arithmetic
    applies it whatever the start and leaves that judgement to the author.

    Parameters
    ----------
    start
        "high" (randomized trials) or "low" (observational studies).
    downgrades
        Domain (see :data:`DOWNGRADE_DOMAINS`) to a level or :class:`Rating`.
    upgrades
        Domain (see :data:`UPGRADE_DOMAINS`) to a level or :class:`Rating`.
    """
    key = _norm(start)
    if key not in _START_SCORE:
        raise ValueError(f"start must be 'high' or 'low', not {start!r}")
    score = _START_SCORE[key] - _steps(downgrades, "down") + _steps(upgrades, "up")
    return Certainty.from_score(score)


def parse_certainty(text: str, *, check_symbols: bool = False) -> Certainty:
    """A certainty from its printed form: "⨁⨁◯◯ LOW", "XXOO LOW", "⊕⊕⊕⊝ MODERATE", "low".

    The word decides.  With ``check_symbols`` the count of filled symbols (⨁, ⊕, X, +)
    must agree with it (ValueError otherwise); without words the symbols decide.
    """
    raw = str(text).strip()
    marks = set("⨁⊕Xx+◯⊝○Oo0")
    tokens = raw.split()
    symbols = tokens[0] if tokens and set(tokens[0]) <= marks else ""
    words = _norm(" ".join(tokens[1:] if symbols else tokens))
    filled = sum(symbols.count(c) for c in ("⨁", "⊕", "X", "x", "+"))
    empty = sum(symbols.count(c) for c in ("◯", "⊝", "○", "O", "o", "0"))
    word = next((w for w in ("very low", "moderate", "high", "low") if w in words), None)
    if word is None:
        if filled + empty != 4:
            raise ValueError(f"cannot read a certainty from {text!r}")
        return Certainty.from_score(filled)
    result = Certainty.from_level(word)
    if check_symbols and filled + empty == 4 and filled != result.score:
        raise ValueError(f"{text!r}: {filled} filled symbols do not match {word.upper()}")
    return result


# --------------------------------------------------------------------------- helpers
def _unpack(
    pooled: PooledResult | MetaAnalysisResult,
) -> tuple[PooledResult, MetaAnalysisResult | None]:
    if isinstance(pooled, MetaAnalysisResult):
        return pooled.overall, pooled
    return pooled, None


def _is_ratio(pooled: PooledResult) -> bool:
    """Ratio measure when the display estimate is exp(theta) (and not theta itself)."""
    e, t = pooled.estimate, pooled.theta
    if not (math.isfinite(e) and math.isfinite(t)):
        return False
    return math.isclose(e, math.exp(t), rel_tol=1e-9) and not math.isclose(e, t, rel_tol=1e-9)


def _fmt(x: float, decimals: int = 2) -> str:
    return f"{x:.{decimals}f}"


def _study_cis(
    studies: Sequence[StudyResult | tuple[float, float, float]] | None,
) -> list[tuple[float, float, float]]:
    out: list[tuple[float, float, float]] = []
    for s in studies or ():
        if isinstance(s, StudyResult):
            if not s.estimable:
                continue
            row = (s.estimate, s.ci_low, s.ci_high)
        else:
            row = (float(s[0]), float(s[1]), float(s[2]))
        if all(math.isfinite(v) for v in row):
            out.append(row)
    return out


# --------------------------------------------------------------------------- inconsistency
def suggest_inconsistency(
    pooled: PooledResult | MetaAnalysisResult,
    study_estimates: Sequence[StudyResult | tuple[float, float, float]] | None = None,
    *,
    null: float | None = None,
) -> Rating:
    """Suggest the inconsistency rating from I² and the spread of study estimates.

    Rules (GRADE 7 §§5-7; the I² cut-points follow the overlapping bands of the Cochrane
    Handbook §10.10.2: 0-40% might not be important, 30-60% moderate, 50-90% substantial,
    75-100% considerable):

    * fewer than two studies (df < 1): **not serious**, inconsistency cannot be assessed;
    * I² < 40%: **not serious**;
    * 40% ≤ I² ≤ 75%: **serious** when something beyond the point value supports real
      heterogeneity - the heterogeneity test has P < 0.10 (Handbook §10.10.2), or the
      lower limit of the Q-profile CI of I² is above 0%, or the CIs of at least two studies
      do not overlap (GRADE 7, criterion 2); otherwise **not serious**;
    * I² > 75%: **serious**; **very serious** when in addition the heterogeneity is
      qualitative: at least one study's CI lies wholly on each side of the null (GRADE 7:
      point estimates on both sides of the line of no effect).

    Parameters
    ----------
    pooled
        The pooled result (or a whole :class:`MetaAnalysisResult`, whose overall pool,
        study rows and measure are then used).
    study_estimates
        Study rows (:class:`StudyResult`) or ``(estimate, ci_low, ci_high)`` tuples on the
        display scale.
    null
        The null value (1 for ratios, 0 otherwise); inferred when not given.
    """
    pool, result = _unpack(pooled)
    if result is not None:
        if study_estimates is None:
            study_estimates = result.studies
        if null is None:
            null = 1.0 if result.spec.ratio else 0.0
    if null is None:
        null = 1.0 if _is_ratio(pool) else 0.0
    cis = _study_cis(study_estimates)
    rule = (
        f"rule: I² < {I2_NOT_IMPORTANT:g}% not serious; {I2_NOT_IMPORTANT:g}-"
        f"{I2_CONSIDERABLE:g}% serious if supported (P < 0.10, CI of I² above 0% or "
        f"non-overlapping study CIs); > {I2_CONSIDERABLE:g}% serious, very serious if "
        "studies are significant in opposite directions"
    )
    if pool.df < 1 or not math.isfinite(pool.i2):
        return Rating(
            "inconsistency",
            "not serious",
            "Inconsistency not assessable: fewer than two studies",
            suggested=True,
        )
    i2 = pool.i2
    i2_text = f"I² = {i2:.0f}%"
    if math.isfinite(pool.i2_ci_low):
        i2_text += f" (95% CI {pool.i2_ci_low:.0f}% to {pool.i2_ci_high:.0f}%)"
    if i2 < I2_NOT_IMPORTANT:
        return Rating("inconsistency", "not serious", f"{i2_text}; {rule}", suggested=True)
    if i2 <= I2_CONSIDERABLE:
        reasons = []
        if math.isfinite(pool.p_q) and pool.p_q < 0.10:
            reasons.append(f"heterogeneity P = {pool.p_q:.2g} < 0.10")
        if math.isfinite(pool.i2_ci_low) and pool.i2_ci_low > 0:
            reasons.append("CI of I² excludes 0%")
        if cis and max(lo for _, lo, _ in cis) > min(hi for _, _, hi in cis):
            reasons.append("study CIs do not all overlap")
        if reasons:
            return Rating(
                "inconsistency",
                "serious",
                f"Moderate to substantial heterogeneity: {i2_text}; {', '.join(reasons)}; {rule}",
                suggested=True,
            )
        return Rating(
            "inconsistency",
            "not serious",
            f"{i2_text} but not supported by the heterogeneity test, the CI of I² or the "
            f"study CIs; {rule}",
            suggested=True,
        )
    below = any(hi < null for _, _, hi in cis)
    above = any(lo > null for _, lo, _ in cis)
    if below and above:
        return Rating(
            "inconsistency",
            "very serious",
            f"Considerable heterogeneity ({i2_text}) with studies significant in opposite "
            f"directions; {rule}",
            suggested=True,
        )
    return Rating(
        "inconsistency",
        "serious",
        f"Considerable heterogeneity ({i2_text}); {rule}",
        suggested=True,
    )


# --------------------------------------------------------------------------- imprecision
def _z_sum(alpha: float, power: float) -> float:
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must lie strictly between 0 and 1")
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def ois_dichotomous(
    control_risk: float, rrr: float = 0.25, alpha: float = 0.05, power: float = 0.80
) -> int:
    """Optimal information size (total participants) for a binary outcome (GRADE 6, §6).

    The sample size of a single two-arm trial with equal arms able to detect a relative
    risk reduction ``rrr`` from ``control_risk`` (two-sided ``alpha``, ``power`` = 1 − β)::

        p1 = control_risk;  p2 = p1 (1 − rrr)
        n per arm = (z_{1−α/2} + z_{1−β})² [p1(1 − p1) + p2(1 − p2)] / (p1 − p2)²

    rounded up per arm; the total (2 n) is returned.  A negative ``rrr`` is a relative
    increase (e.g. for harms).
    """
    p1 = float(control_risk)
    p2 = p1 * (1 - rrr)
    if not (0 < p1 < 1 and 0 < p2 < 1) or rrr == 0:
        raise ValueError("need 0 < control_risk < 1, a non-zero rrr and 0 < p1(1 - rrr) < 1")
    z = _z_sum(alpha, power)
    n = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    return 2 * math.ceil(n - 1e-9)


def ois_continuous(sd: float, mid: float, alpha: float = 0.05, power: float = 0.80) -> int:
    """Optimal information size (total participants) for a continuous outcome (GRADE 6).

    n per arm = 2 (z_{1−α/2} + z_{1−β})² SD² / MID², rounded up; returns 2 n.  For an SMD
    use ``sd=1`` and the MID in SD units.
    """
    if not (sd > 0 and mid != 0):
        raise ValueError("need sd > 0 and a non-zero minimally important difference")
    z = _z_sum(alpha, power)
    n = 2 * z**2 * sd**2 / mid**2
    return 2 * math.ceil(n - 1e-9)


def suggest_imprecision(
    pooled: PooledResult | MetaAnalysisResult,
    measure: str | None = None,
    *,
    ois: float | None = None,
    thresholds: tuple[float, float] | None = None,
    control_risk: float | None = None,
    rrr: float = 0.25,
    alpha: float = 0.05,
    power: float = 0.80,
    sd: float | None = None,
    mid: float | None = None,
    far_below: float = 0.5,
) -> Rating:
    """Suggest the imprecision rating from the CI and the optimal information size.

    Two criteria (GRADE 6; GRADE 34 for rating down more than one level):

    *CI criterion.*  With author-set ``thresholds`` ``(low, high)`` of appreciable effect
    on the display scale (GRADE 6 suggests RR 0.75 and 1.25), the CI is a concern when it
    includes one threshold and a *double* concern when it includes both (appreciable
    benefit and appreciable harm).  Without thresholds, a CI including the null
    (1 for ratios, 0 otherwise) is a concern.

    *OIS criterion.*  The total participants (``n_exp + n_ctrl``) are compared with the
    OIS: ``ois`` when given; else for binary measures :func:`ois_dichotomous` from
    ``control_risk`` (default: the pooled control-group risk ``events_ctrl / n_ctrl``) and
    ``rrr`` (default 25%), α 0.05, β 0.20; for MD/SMD :func:`ois_continuous` from ``sd``
    and the minimally important difference ``mid`` (``sd`` defaults to 1 for SMD).  Below
    the OIS is a concern; below ``far_below`` × OIS (default one half: "far less than the
    OIS", GRADE 34) a double concern.  When no OIS can be computed the criterion is
    skipped and the footnote says so.

    Rating: **very serious** when either criterion is a double concern or both are
    concerns; **serious** when one is a concern; else **not serious**.
    """
    pool, result = _unpack(pooled)
    if measure is None:
        if result is None:
            raise ValueError("measure is required with a PooledResult")
        measure = result.spec.measure
    m = measure.upper()
    ratio = m in RATIO_MEASURES or (m not in _DICHOTOMOUS | _CONTINUOUS and _is_ratio(pool))
    null = 1.0 if ratio else 0.0
    lo, hi = pool.ci_low, pool.ci_high
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("the pooled result has no confidence interval")
    parts: list[str] = []
    ci_text = f"95% CI {_fmt(lo)} to {_fmt(hi)}"
    if thresholds is not None:
        t_low, t_high = sorted(thresholds)
        hits = [t for t in (t_low, t_high) if lo <= t <= hi]
        ci_concern = len(hits)
        if ci_concern == 2:
            parts.append(f"{ci_text} includes appreciable benefit and harm ({t_low:g}, {t_high:g})")
        elif ci_concern == 1:
            parts.append(f"{ci_text} includes the threshold {hits[0]:g}")
        else:
            parts.append(f"{ci_text} includes neither threshold ({t_low:g}, {t_high:g})")
    else:
        ci_concern = 1 if lo <= null <= hi else 0
        parts.append(f"{ci_text} {'includes' if ci_concern else 'excludes'} {null:g}")

    n_total = (pool.n_exp or 0) + (pool.n_ctrl or 0)
    ois_value: float | None = ois
    if ois_value is None:
        if m in _DICHOTOMOUS:
            cr = control_risk
            if cr is None and pool.events_ctrl is not None and pool.n_ctrl:
                cr = pool.events_ctrl / pool.n_ctrl
            if cr is not None and 0 < cr < 1:
                ois_value = ois_dichotomous(cr, rrr, alpha, power)
                parts.append(
                    f"OIS {ois_value:.0f} (control risk {cr:.3f}, RRR {rrr:.0%}, "
                    f"α {alpha:g}, β {1 - power:.2g})"
                )
        elif m in _CONTINUOUS and mid is not None:
            s = sd if sd is not None else (1.0 if m == "SMD" else None)
            if s is not None:
                ois_value = ois_continuous(s, mid, alpha, power)
                parts.append(f"OIS {ois_value:.0f} (SD {s:g}, MID {mid:g}, α {alpha:g})")
    else:
        parts.append(f"OIS {ois_value:g} (given)")
    if ois_value is None:
        ois_concern = 0
        parts.append("OIS not assessed")
    elif n_total < far_below * ois_value:
        ois_concern = 2
        parts.append(f"{n_total:.0f} participants, far below the OIS (< {far_below:g} × OIS)")
    elif n_total < ois_value:
        ois_concern = 1
        parts.append(f"{n_total:.0f} participants, below the OIS")
    else:
        ois_concern = 0
        parts.append(f"{n_total:.0f} participants meet the OIS")
    if pool.events_exp is not None and pool.events_ctrl is not None:
        parts.append(f"{pool.events_exp + pool.events_ctrl:.0f} events")

    if ci_concern == 2 or ois_concern == 2 or (ci_concern and ois_concern):
        level = "very serious"
    elif ci_concern or ois_concern:
        level = "serious"
    else:
        level = "not serious"
    rule = (
        "rule: one concern (CI or OIS) serious; both, CI across both thresholds or "
        f"< {far_below:g} × OIS very serious"
    )
    return Rating("imprecision", level, "; ".join(parts) + f"; {rule}", suggested=True)


# --------------------------------------------------------------------------- publication bias
def suggest_publication_bias(
    k: int,
    egger_p: float | None = None,
    *,
    test: str = "Egger",
    alpha: float = 0.10,
    min_studies: int = 10,
    suspected: str | None = None,
) -> Rating:
    """Suggest the publication-bias rating.

    Rules (GRADE 5; Handbook §13.3.5.4): with fewer than ``min_studies`` (10) studies the
    small-study tests are underpowered, so publication bias is **not serious** with a
    footnote that it could not be assessed; otherwise **serious** when the small-study
    test (``egger_p``, by default Egger's) has P < ``alpha`` (0.10, the level Egger et al.
    1997 proposed), else **not serious** ("undetected").  ``suspected`` records another
    reason to suspect publication bias (e.g. only small industry-funded trials, GRADE 5)
    and makes the rating **serious** whatever the test.
    """
    if suspected:
        return Rating("publication_bias", "serious", f"Suspected: {suspected}", suggested=True)
    if k < min_studies:
        return Rating(
            "publication_bias",
            "not serious",
            f"Publication bias could not be assessed: {k} studies, fewer than {min_studies} "
            "needed for a funnel-plot test (Handbook §13.3.5.4)",
            suggested=True,
        )
    if egger_p is None:
        return Rating(
            "publication_bias",
            "not serious",
            f"Undetected: no small-study test result given ({k} studies)",
            suggested=True,
        )
    if egger_p < alpha:
        return Rating(
            "publication_bias",
            "serious",
            f"{test} test P = {egger_p:.2g} < {alpha:g} ({k} studies): small-study effects",
            suggested=True,
        )
    return Rating(
        "publication_bias",
        "not serious",
        f"Undetected: {test} test P = {egger_p:.2g} ≥ {alpha:g} ({k} studies)",
        suggested=True,
    )


# --------------------------------------------------------------------------- risk of bias
_RISK_ORDER = {"low": 0, "unclear": 1, "some": 1, "high": 2, "critical": 3}


def overall_risk(risks: Iterable[str]) -> str:
    """A study's overall risk: its worst domain (low < unclear/some < high < critical).

    Domain risks are those of :meth:`metareview.review.model.RobTool.risk`.  The RoB 2
    guidance rates a study high when any domain is high (Sterne et al. 2019).
    """
    worst = "low"
    for r in risks:
        key = r.strip().lower()
        if key not in _RISK_ORDER:
            raise ValueError(f"unknown risk {r!r}; use one of {tuple(_RISK_ORDER)}")
        if _RISK_ORDER[key] > _RISK_ORDER[worst]:
            worst = key
    return worst


def suggest_risk_of_bias(
    weights: Mapping[str, float],
    risk: Mapping[str, str],
    *,
    serious_share: float = ROB_SERIOUS_SHARE,
    very_serious_share: float = ROB_VERY_SERIOUS_SHARE,
    unclear_as_high: bool = False,
) -> Rating:
    """Suggest the risk-of-bias rating from the share of weight of high-risk studies.

    GRADE 4 asks whether the studies that carry most of the weight are at high risk of
    bias (and Handbook §14.2.2 to base the judgement on the contribution of each study).
    The rule chosen here: share of the total weight from studies at high (or critical)
    risk ≤ 30% **not serious**; > 30% **serious**; > 60% **very serious**.  With
    ``unclear_as_high`` "unclear"/"some concerns" studies count as high risk.

    Parameters
    ----------
    weights
        Study to its weight (percent or any non-negative scale).
    risk
        Study to its overall risk: "low" | "unclear" | "some" | "high" | "critical".

    Raises
    ------
    ValueError
        When a weighted study has no risk judgement, or the weights sum to zero.
    """
    missing = [s for s, w in weights.items() if w > 0 and s not in risk]
    if missing:
        raise ValueError(f"no risk-of-bias judgement for {', '.join(missing)}")
    total = sum(w for w in weights.values() if w > 0)
    if total <= 0:
        raise ValueError("the weights sum to zero")
    high = {"high", "critical"} | ({"unclear", "some"} if unclear_as_high else set())
    for s in weights:
        if s in risk:
            overall_risk([risk[s]])  # validates
    share = 100 * sum(w for s, w in weights.items() if w > 0 and risk[s].lower() in high) / total
    what = "high or unclear" if unclear_as_high else "high"
    rule = f"rule: > {serious_share:g}% serious, > {very_serious_share:g}% very serious"
    if share > very_serious_share:
        level = "very serious"
    elif share > serious_share:
        level = "serious"
    else:
        level = "not serious"
    return Rating(
        "risk_of_bias",
        level,
        f"{share:.0f}% of the weight from studies at {what} risk of bias; {rule}",
        suggested=True,
    )


# --------------------------------------------------------------------------- rating up
def suggest_large_effect(estimate: float, measure: str = "RR") -> Rating:
    """Suggest rating up for a large effect (GRADE 9): RR > 2 or < 0.5 **large**; RR > 5
    or < 0.2 **very large**.  Only for ratio measures; GRADE 9 requires in addition
    consistent evidence and no plausible confounders, which stays the author's call.
    """
    if measure.upper() not in RATIO_MEASURES:
        return Rating("large_effect", "none", f"Not applicable to {measure}", suggested=True)
    r = estimate if estimate >= 1 else 1 / estimate
    level = "very large" if r > 5 else "large" if r > 2 else "none"
    return Rating(
        "large_effect",
        level,
        f"{measure} {_fmt(estimate)}; rule: > 2 or < 0.5 large, > 5 or < 0.2 very large",
        suggested=True,
    )


# --------------------------------------------------------------------------- absolute effects
def _round_half_up(x: float) -> int:
    """Round half away from zero, tolerant of binary noise (2.4999999999 -> 3)."""
    return math.floor(x + 0.5 + 1e-9) if x >= 0 else -math.floor(-x + 0.5 + 1e-9)


def _risk_with(measure: str, effect: float, cr: float) -> float:
    m = measure.upper()
    if m == "RR":
        r = cr * effect
    elif m in ("OR", "PETO_OR"):
        r = effect * cr / (1 - cr + effect * cr)
    elif m == "HR":
        r = 1 - (1 - cr) ** effect
    elif m == "RD":
        r = cr + effect
    else:
        raise ValueError(f"absolute effects need RR, OR, HR or RD, not {measure!r}")
    return r


@dataclass(frozen=True, slots=True)
class AbsoluteEffect:
    """Anticipated absolute effects for one baseline (control-group) risk.

    Risks are proportions; the ``*_per`` properties give them per ``per`` (1000) people,
    rounded half up.  Corresponding risks are clipped to [0, 1] (``capped`` says when a
    limit was reached, e.g. RR × control risk above 1).
    """

    measure: str
    control_risk: float
    intervention_risk: float
    intervention_low: float
    intervention_high: float
    per: int = 1000
    capped: bool = False

    @property
    def difference(self) -> float:
        return self.intervention_risk - self.control_risk

    @property
    def difference_low(self) -> float:
        return self.intervention_low - self.control_risk

    @property
    def difference_high(self) -> float:
        return self.intervention_high - self.control_risk

    def _n(self, x: float) -> int:
        return _round_half_up(x * self.per)

    @property
    def control_per(self) -> int:
        return self._n(self.control_risk)

    @property
    def intervention_per(self) -> tuple[int, int, int]:
        """(estimate, low, high) per ``per`` people."""
        return (
            self._n(self.intervention_risk),
            self._n(self.intervention_low),
            self._n(self.intervention_high),
        )

    @property
    def difference_per(self) -> tuple[int, int, int]:
        """(difference, low, high) per ``per`` people (rounded from the unrounded risks)."""
        return (
            self._n(self.difference),
            self._n(self.difference_low),
            self._n(self.difference_high),
        )

    def control_text(self) -> str:
        """'200 per 1000'."""
        return f"{self.control_per} per {self.per}"

    def intervention_text(self) -> str:
        """'988 per 1000 (552 to 1000)'."""
        e, lo, hi = self.intervention_per
        return f"{e} per {self.per} ({lo} to {hi})"

    def difference_text(self, with_ci: bool = True) -> str:
        """'788 more per 1000 (from 352 more to 800 more)' (GRADE 12 wording)."""

        def word(raw: float, n: int) -> str:
            return f"{abs(n)} {'more' if raw > 0 else 'fewer'}"

        e, lo, hi = self.difference_per
        text = f"{word(self.difference, e)} per {self.per}"
        if with_ci:
            text += f" (from {word(self.difference_low, lo)} to {word(self.difference_high, hi)})"
        return text

    def number_needed(self, events_desirable: bool = False) -> str:
        """NNTB/NNTH with its CI (Handbook §15.4.4: 1 / |risk difference|, rounded up;
        Altman 1998 for a CI that includes no difference: 'NNTB 5 (NNTH 20 to ∞ to NNTB 2)').

        ``events_desirable`` says whether more events is benefit (default: events are
        harms, so fewer events with the intervention is benefit).
        """

        def one(d: float) -> str:
            if d == 0:
                return "∞"
            benefit = (d > 0) == events_desirable
            return f"{'NNTB' if benefit else 'NNTH'} {math.ceil(1 / abs(d) - 1e-9)}"

        d, lo, hi = self.difference, self.difference_low, self.difference_high
        if lo <= 0 <= hi:
            return f"{one(d)} ({one(lo)} to ∞ to {one(hi)})"
        kind = one(d).split()[0]
        a, b = sorted(math.ceil(1 / abs(x) - 1e-9) for x in (lo, hi))
        return f"{one(d)} ({kind} {a} to {b})"


def absolute_effect(
    measure: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    control_risk: float,
    *,
    per: int = 1000,
) -> AbsoluteEffect:
    """Anticipated absolute effect for a control-group risk (GRADE 12; Handbook §14.1.5).

    Corresponding (intervention) risk from the control risk CR:

    * RR: CR × RR;
    * OR (and Peto OR): OR × CR / (1 − CR + OR × CR);
    * HR: 1 − (1 − CR)^HR (event risk by a fixed time, proportional hazards);
    * RD: CR + RD (RD as a proportion).

    The CI limits are transformed the same way (all are increasing in the effect).

    Parameters
    ----------
    control_risk
        Proportion in [0, 1] (e.g. 0.2 for 200 per 1000).
    """
    if not 0 <= control_risk <= 1:
        raise ValueError("control_risk is a proportion between 0 and 1")
    raw = [_risk_with(measure, x, control_risk) for x in (estimate, ci_low, ci_high)]
    risks = [min(1.0, max(0.0, r)) for r in raw]
    capped = any(not 0 <= r <= 1 for r in raw)
    return AbsoluteEffect(
        measure=measure.upper(),
        control_risk=control_risk,
        intervention_risk=risks[0],
        intervention_low=risks[1],
        intervention_high=risks[2],
        per=per,
        capped=capped,
    )


def absolute_effects(
    measure: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    control_risks: Mapping[str, float] | Sequence[float],
    *,
    per: int = 1000,
) -> dict[str, AbsoluteEffect]:
    """:func:`absolute_effect` for several baselines (e.g. low- and high-risk populations,
    GRADE 12).  A sequence of risks is labelled by its control risk ('30 per 1000')."""
    if isinstance(control_risks, Mapping):
        items = list(control_risks.items())
    else:
        items = [(f"{_round_half_up(r * per)} per {per}", r) for r in control_risks]
    return {
        label: absolute_effect(measure, estimate, ci_low, ci_high, r, per=per) for label, r in items
    }


def relative_effect_text(
    measure: str, estimate: float, ci_low: float, ci_high: float, decimals: int = 2
) -> str:
    """'RR 4.94 (2.76 to 8.84)'."""
    name = "Peto OR" if measure.upper() == "PETO_OR" else measure.upper()
    return (
        f"{name} {_fmt(estimate, decimals)} ({_fmt(ci_low, decimals)} to {_fmt(ci_high, decimals)})"
    )


def continuous_effect_text(
    measure: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    decimals: int = 2,
    unit: str = "",
) -> str:
    """'MD 2.14 lower (2.65 lower to 1.63 lower)' (GRADE 13 wording)."""

    def word(x: float) -> str:
        v = round(abs(x), decimals)
        num = _fmt(v, decimals) + (f" {unit}" if unit else "")
        if v == 0:
            return _fmt(0.0, decimals)
        return f"{num} {'higher' if x > 0 else 'lower'}"

    return f"{measure.upper()} {word(estimate)} ({word(ci_low)} to {word(ci_high)})"


def smd_interpretation(smd: float) -> str:
    """Cohen's rule of thumb for an SMD (Handbook §15.5.3.1): 0.2 small, 0.5 moderate,
    0.8 large effect; below 0.2 'less than small'."""
    a = abs(smd)
    if a >= 0.8:
        return "large"
    if a >= 0.5:
        return "moderate"
    if a >= 0.2:
        return "small"
    return "less than small"


# --------------------------------------------------------------------------- table rows
@dataclass(frozen=True, slots=True)
class Anticipated:
    """Anticipated absolute effects for one baseline: risk with control and with
    intervention (or the difference), as printed."""

    control: str
    intervention: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class SummaryOfFindingsRow:
    """One outcome of a Summary of Findings table (GRADE 12; Handbook §14.1.6)."""

    outcome: str
    participants: int | None
    studies: int | None
    certainty: Certainty
    relative_effect: str = ""
    anticipated: tuple[Anticipated, ...] = ()
    footnotes: tuple[str, ...] = ()
    follow_up: str = ""
    design: str = "RCTs"
    comments: str = ""

    @property
    def participants_text(self) -> str:
        """'266 (9 RCTs)'."""
        n = "" if self.participants is None else str(self.participants)
        k = "" if self.studies is None else f" ({self.studies} {self.design})"
        return (n + k).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "participants": self.participants,
            "studies": self.studies,
            "participants_text": self.participants_text,
            "follow_up": self.follow_up,
            "relative_effect": self.relative_effect,
            "anticipated": [
                {"label": a.label, "control": a.control, "intervention": a.intervention}
                for a in self.anticipated
            ],
            "certainty": self.certainty.level,
            "certainty_label": self.certainty.label,
            "footnotes": list(self.footnotes),
            "comments": self.comments,
        }


@dataclass(frozen=True, slots=True)
class EvidenceProfileRow:
    """One outcome of a GRADE Evidence Profile: the domain ratings and the findings.

    ``certainty`` is computed from ``start`` and ``ratings``; ``recorded_certainty`` is
    what a source printed (from :func:`from_recorded`), so :attr:`agrees_with_recorded`
    shows whether the printed judgements add up to the printed certainty.
    """

    outcome: str
    ratings: Mapping[str, Rating]
    start: Start = "high"
    participants: int | None = None
    studies: int | None = None
    follow_up: str = ""
    events_control: str = ""
    events_intervention: str = ""
    relative_effect: str = ""
    anticipated: tuple[Anticipated, ...] = ()
    footnotes: tuple[str, ...] = ()
    recorded_certainty: Certainty | None = None
    design: str = "RCTs"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for domain, r in self.ratings.items():
            if r.domain != domain:
                raise ValueError(f"rating for {r.domain!r} given under {domain!r}")

    @property
    def certainty(self) -> Certainty:
        down = {d: r for d, r in self.ratings.items() if d in DOWNGRADE_DOMAINS}
        up = {d: r for d, r in self.ratings.items() if d in UPGRADE_DOMAINS}
        return certainty(self.start, down, up)

    @property
    def agrees_with_recorded(self) -> bool | None:
        if self.recorded_certainty is None:
            return None
        return self.recorded_certainty.level == self.certainty.level

    def summary_of_findings(self) -> SummaryOfFindingsRow:
        notes = list(self.footnotes)
        for r in self.ratings.values():
            if r.footnote and r.footnote not in notes and r.level not in ("not serious", "none"):
                notes.append(r.footnote)
        return SummaryOfFindingsRow(
            outcome=self.outcome,
            participants=self.participants,
            studies=self.studies,
            certainty=self.certainty,
            relative_effect=self.relative_effect,
            anticipated=self.anticipated,
            footnotes=tuple(notes),
            follow_up=self.follow_up,
            design=self.design,
        )

    def to_dict(self) -> dict[str, Any]:
        d = self.summary_of_findings().to_dict()
        d.update(
            {
                "start": self.start,
                "ratings": {
                    k: {
                        "level": r.level,
                        "footnote": r.footnote,
                        "suggested": r.suggested,
                        "override_reason": r.override_reason,
                        "suggested_level": r.suggested_level,
                    }
                    for k, r in self.ratings.items()
                },
                "events_control": self.events_control,
                "events_intervention": self.events_intervention,
                "recorded_certainty": (
                    None if self.recorded_certainty is None else self.recorded_certainty.level
                ),
                "agrees_with_recorded": self.agrees_with_recorded,
            }
        )
        return d


def _footnote_map(footnotes: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    if footnotes is None:
        return {}
    if isinstance(footnotes, Mapping):
        return {str(k): str(v) for k, v in footnotes.items()}
    out: dict[str, str] = {}
    for f in footnotes:
        key, sep, text = str(f).partition(":")
        if sep and key.strip():
            out[key.strip()] = text.strip()
    return out


def from_recorded(
    entry: Mapping[str, Any],
    footnotes: Sequence[str] | Mapping[str, str] | None = None,
    *,
    start: Start = "high",
) -> EvidenceProfileRow:
    """An :class:`EvidenceProfileRow` from one recorded ``[[grade.outcomes]]`` entry.

    Reads the keys a review's ``[grade]`` table uses: ``risk_of_bias``,
    ``inconsistency``, ``indirectness``, ``imprecision``, ``publication_bias`` (printed
    wordings, see :func:`parse_level`), ``<domain>_footnote`` (a footnote letter, resolved
    against ``footnotes`` given as ``["a: text", ...]`` or a mapping), the upgrading
    domains when present, ``participants``, ``studies``, ``follow_up``,
    ``events_control``/``events_ketamine``/``events_intervention``, ``relative_effect``,
    ``risk_control`` (+ ``risk_control_footnote``), ``absolute_effect`` or
    ``effect_as_printed``, and ``certainty_as_printed``/``certainty``.  The computed
    certainty can then be compared with the recorded one.
    """
    notes = _footnote_map(footnotes)

    def note(key: str) -> str:
        letter = entry.get(f"{key}_footnote")
        if not letter:
            return ""
        return notes.get(str(letter), str(letter))

    ratings: dict[str, Rating] = {}
    for domain in DOWNGRADE_DOMAINS + UPGRADE_DOMAINS:
        if domain in entry and entry[domain] is not None:
            ratings[domain] = Rating(domain, str(entry[domain]), note(domain))
    missing = [d for d in DOWNGRADE_DOMAINS if d not in ratings]
    if missing:
        raise ValueError(f"recorded entry lacks {', '.join(missing)}")
    label = entry.get("label_as_printed") or " ".join(
        str(x) for x in (entry.get("outcome", ""), entry.get("subgroup", "")) if x
    )
    events_int = next(
        (
            str(v)
            for k, v in entry.items()
            if k.startswith("events_") and k not in ("events_control", "events_desirable")
        ),
        "",
    )
    anticipated: tuple[Anticipated, ...] = ()
    if entry.get("risk_control") or entry.get("absolute_effect"):
        ctrl = str(entry.get("risk_control", ""))
        if note("risk_control"):
            ctrl += f" ({note('risk_control')})"
        anticipated = (Anticipated(ctrl, str(entry.get("absolute_effect", ""))),)
    elif entry.get("effect_as_printed"):
        anticipated = (Anticipated("", str(entry["effect_as_printed"])),)
    printed = entry.get("certainty") or entry.get("certainty_as_printed")
    recorded = parse_certainty(str(printed)) if printed else None
    used = sorted({str(entry[k]) for k in entry if k.endswith("_footnote") and entry[k]})
    return EvidenceProfileRow(
        outcome=str(label),
        ratings=ratings,
        start=start,
        participants=None if entry.get("participants") is None else int(entry["participants"]),
        studies=None if entry.get("studies") is None else int(entry["studies"]),
        follow_up=str(entry.get("follow_up", "")),
        events_control=str(entry.get("events_control", "")),
        events_intervention=events_int,
        relative_effect=str(entry.get("relative_effect", "")),
        anticipated=anticipated,
        footnotes=tuple(f"{k}: {notes[k]}" if k in notes else k for k in used),
        recorded_certainty=recorded,
        extra={k: v for k, v in entry.items() if k in ("p", "certainty_as_printed")},
    )
