"""Data model, error type and shared helpers of the RevMan readers.

Import the public names from :mod:`metareview.io.revman`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Final

NAN: Final[float] = float("nan")
# Attributes naming people (review authors/editors); never copied into the model.
_PERSONAL_ATTRIBUTES: Final = frozenset({"MODIFIED_BY"})
_MAX_MEMBER_BYTES: Final = 200 * 1024 * 1024  # refuse absurdly large zip members

StrPath = str | os.PathLike[str]


class RevManFormatError(ValueError):
    """A RevMan file that cannot be read: names the file, the place, the problem and the fix."""


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True, slots=True)
class StoredTotals:
    """RevMan's computed numbers on an outcome or subgroup (``nan`` when absent)."""

    effect_size: float = NAN
    ci_start: float = NAN
    ci_end: float = NAN
    z: float = NAN
    p_z: float = NAN
    chi2: float = NAN
    df: float = NAN
    p_chi2: float = NAN
    i2: float = NAN
    tau2: float = NAN
    weight: float = NAN
    events_1: float = NAN
    events_2: float = NAN
    total_1: float = NAN
    total_2: float = NAN
    studies: float = NAN
    estimable: bool | None = None


@dataclass(frozen=True, slots=True)
class StoredRow:
    """RevMan's computed numbers on a study row (``nan`` when absent)."""

    effect_size: float = NAN
    se: float = NAN
    ci_start: float = NAN
    ci_end: float = NAN
    weight: float = NAN
    estimable: bool | None = None
    o_e: float = NAN
    var: float = NAN


@dataclass(frozen=True, slots=True)
class DataRow:
    """One study row of an outcome: the entered data plus RevMan's stored results."""

    study_id: str
    study: str
    year: str
    order: int | None
    events_1: float
    total_1: float
    events_2: float
    total_2: float
    mean_1: float
    sd_1: float
    mean_2: float
    sd_2: float
    estimate: float
    se: float
    o_e: float
    var: float
    footnotes: tuple[str, ...]
    stored: StoredRow
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Subgroup:
    """A subgroup of an outcome with its rows and RevMan's subtotal."""

    id: str
    no: int | None
    name: str
    rows: tuple[DataRow, ...]
    stored: StoredTotals
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One analysis (RevMan "outcome"): settings, rows or subgroups, stored results."""

    id: str
    no: int | None
    comparison_id: str
    comparison_no: int | None
    comparison_name: str
    name: str
    data_type: str
    method: str
    effect_measure: str
    random: bool
    log_data: bool
    subgroups_enabled: bool
    subgroup_test: bool
    totals: str
    swap_events: bool
    ci_study: int
    ci_total: int
    sort_by: str
    scale: float
    units: str
    group_label_1: str
    group_label_2: str
    graph_label_1: str
    graph_label_2: str
    subgroups: tuple[Subgroup, ...]
    rows: tuple[DataRow, ...]
    stored: StoredTotals
    stored_q: float
    stored_p_q: float
    stored_i2_q: float
    has_results: bool
    attributes: Mapping[str, str]

    def all_rows(self) -> tuple[DataRow, ...]:
        """Return the rows of all subgroups in order, followed by any direct rows.

        Returns
        -------
        tuple of DataRow
            Every study row of the outcome.
        """
        if not self.subgroups:
            return self.rows
        return tuple(row for sub in self.subgroups for row in sub.rows) + self.rows


@dataclass(frozen=True, slots=True)
class Study:
    """An included study (``STUDY`` element, or a row name for the CSV formats)."""

    id: str
    name: str
    year: str
    data_source: str
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class QualityEntry:
    """One risk-of-bias judgement of one study for one domain."""

    study_id: str
    result: str
    support: str
    group_id: str
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class QualityItem:
    """A risk-of-bias domain with its judgements."""

    id: str
    no: int | None
    name: str
    description: str
    level: str
    core_item: bool
    groups: tuple[tuple[str, str], ...]
    entries: tuple[QualityEntry, ...]


@dataclass(frozen=True, slots=True)
class CharacteristicsRow:
    """The "Characteristics of included studies" table row of one study."""

    study_id: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RevManFile:
    """Everything read from one RevMan file."""

    path: str
    format: str
    title: str
    revman_version: str
    encoding: str
    studies: tuple[Study, ...]
    outcomes: tuple[Outcome, ...]
    quality_items: tuple[QualityItem, ...] = ()
    characteristics: tuple[CharacteristicsRow, ...] = field(default=())

    def outcome(self, outcome_id: str) -> Outcome:
        """Return the outcome with id ``outcome_id`` (e.g. ``"CMP-001.01"``).

        Parameters
        ----------
        outcome_id : str
            The outcome id.

        Returns
        -------
        Outcome

        Raises
        ------
        KeyError
            If there is no such outcome; the message lists some valid ids.
        """
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        ids = [o.id for o in self.outcomes]
        sample = ", ".join(ids[:6]) + (f", ... ({len(ids)} in all)" if len(ids) > 6 else "")
        raise KeyError(
            f"outcome {outcome_id!r} not found in {self.path}; "
            f"valid ids: {sample or '(the file has no outcomes)'}"
        )


# --------------------------------------------------------------------------- helpers


def _getstate(self: object) -> list[object]:
    return [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]


def _setstate(self: object, state: list[object]) -> None:
    # unpickled nan values are replaced by the shared NAN, so that == keeps working
    for f, value in zip(fields(self), state, strict=True):  # type: ignore[arg-type]
        shared = NAN if isinstance(value, float) and value != value else value
        object.__setattr__(self, f.name, shared)


for _cls in (
    StoredTotals, StoredRow, DataRow, Subgroup, Outcome, Study, QualityEntry, QualityItem,
    CharacteristicsRow, RevManFile,
):  # fmt: skip
    setattr(_cls, "__getstate__", _getstate)  # noqa: B010 (mypy: method-assign)
    setattr(_cls, "__setstate__", _setstate)  # noqa: B010
del _cls


class _FrozenMap(Mapping[str, str]):
    """A read-only str -> str mapping that, unlike ``MappingProxyType``, pickles and hashes."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._data: dict[str, str] = dict(data) if data else {}

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[type[_FrozenMap], tuple[dict[str, str]]]:
        return (type(self), (self._data,))


_NO_ATTRIBUTES: Final[Mapping[str, str]] = _FrozenMap()


def _freeze(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return _FrozenMap(mapping) if mapping else _NO_ATTRIBUTES


def _nan_if(value: float) -> float:
    # one shared nan object, so that equal dataclasses compare equal (tuple identity check)
    return NAN if value != value else value


def _yes(value: str | None) -> bool:
    return (value or "").strip().upper() == "YES"


def _bad_number(where: str, what: str, value: str) -> RevManFormatError:
    return RevManFormatError(
        f"{where}: {what}={value!r} is not a number. Fix: correct the value in the file "
        "(plain decimal numbers such as 12, 0.5 or 6.8E-4; leave it empty if unknown)"
    )


_DEFAULT_METHOD: Final = {"DICH": "MH", "CONT": "IV", "IV": "IV", "IPD": "PETO", "OTHER": ""}
