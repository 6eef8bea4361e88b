"""Errors and warnings raised by metareview.

Every error about user data names where the problem is (file, line, row, study, field),
what is wrong and how to fix it.  Warnings say what to distrust and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ContinuityCorrectionWarning",
    "ConvergenceWarning",
    "DataError",
    "FewStudiesWarning",
    "IntervalNotAvailableWarning",
    "MetaReviewWarning",
    "NoEstimableStudiesWarning",
    "NotEstimableWarning",
    "Problem",
    "SingleStudyWarning",
    "SpecError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in input data.

    ``row`` is the 1-based data row (header excluded); ``line`` the line in the source file
    when the data came from a file (header = line 1).
    """

    message: str
    fix: str = ""
    source: str = ""
    row: int | None = None
    line: int | None = None
    study: str | None = None
    field: str | None = None
    value: str | None = None

    def location(self) -> str:
        parts: list[str] = []
        if self.source:
            parts.append(f"{self.source}:{self.line}" if self.line is not None else self.source)
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.study:
            where.append(f'study "{self.study}"')
        if where:
            parts.append(", ".join(where))
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        return f"{text}. Fix: {self.fix}" if self.fix else text


class DataError(ValueError):
    """Input data with one or more problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        n = len(self.problems)
        head = "1 problem in the input data" if n == 1 else f"{n} problems in the input data"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class SpecError(ValueError):
    """An analysis specification that is not allowed (unknown or incompatible options)."""


class MetaReviewWarning(UserWarning):
    """Base class of metareview's warnings."""


class ContinuityCorrectionWarning(MetaReviewWarning):
    """0.5 was added to every cell of studies with a zero cell (RevMan 5's rule)."""


class NotEstimableWarning(MetaReviewWarning):
    """Some study rows have no estimate and get no weight."""


class SingleStudyWarning(MetaReviewWarning):
    """An analysis or subgroup has one estimable study: its result is that study's."""


class NoEstimableStudiesWarning(MetaReviewWarning):
    """An analysis or subgroup has no estimable study: no pooled result."""


class ConvergenceWarning(MetaReviewWarning):
    """An iterative estimator (tau², Q-profile bound) did not converge for an analysis."""


class FewStudiesWarning(MetaReviewWarning):
    """A small-study-effects test or plot was run on fewer than 10 studies (Cochrane
    Handbook §13.3.5.4: the tests have too little power to tell chance from asymmetry)."""


class IntervalNotAvailableWarning(MetaReviewWarning):
    """A requested interval (prediction interval, t-based CI) needs more studies than
    the analysis has."""
