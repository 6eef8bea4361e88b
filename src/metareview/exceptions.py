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
    "ReviewError",
    "SingleStudyWarning",
    "SpecError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in input data.

    ``row`` is the 1-based data row (header excluded); ``line`` the line in the source file
    when the data came from a file (header = line 1); ``column`` the 1-based column on that
    line (the column's position in a CSV file, the character in ``review.toml``) and
    ``field`` the column's name or the TOML key.  ``severity`` is ``"error"`` or
    ``"notice"`` (something to know that does not stop the data being used).
    """

    message: str
    fix: str = ""
    source: str = ""
    row: int | None = None
    line: int | None = None
    study: str | None = None
    field: str | None = None
    value: str | None = None
    column: int | None = None
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        """False for notices."""
        return self.severity != "notice"

    def location(self) -> str:
        parts: list[str] = []
        if self.source:
            src = self.source
            if self.line is not None:
                src += f":{self.line}"
                if self.column is not None:
                    src += f":{self.column}"
            parts.append(src)
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

    def located(self) -> str:
        """``file:line:column: field "value": what is wrong. Fix: ...`` (parts known only)."""
        where = self.source
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
            if self.column is not None:
                where += f":{self.column}"
        what = self.field or ""
        if self.value is not None:
            what = f'{what} "{self.value}"' if what else f'"{self.value}"'
        elif self.study and not self.field:
            what = f'study "{self.study}"'
        message = f"notice: {self.message}" if self.severity == "notice" else self.message
        text = ": ".join(p for p in (where, what, message) if p)
        return f"{text}. Fix: {self.fix}" if self.fix else text


class DataError(ValueError):
    """Input data with one or more problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        n = len(self.problems)
        head = "1 problem in the input data" if n == 1 else f"{n} problems in the input data"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class ReviewError(ValueError):
    """A review folder with one or more problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem], root: str = "") -> None:
        self.problems: list[Problem] = list(problems)
        self.root = root
        n = len(self.problems)
        what = "1 problem" if n == 1 else f"{n} problems"
        head = f"{what} in review {root}" if root else f"{what} in the review"
        super().__init__(head + ":\n" + "\n".join(f"  - {p.located()}" for p in self.problems))


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
