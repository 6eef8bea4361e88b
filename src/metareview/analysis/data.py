"""Turning user tables into validated study arrays.

Accepts a pandas DataFrame or a mapping of column name to values (lists or arrays).
Checks everything and reports every problem at once in a :class:`DataError`, each naming
the source, line, row, study, field, the value, what is wrong and the fix.  Nothing is
dropped or rewritten silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from metareview.analysis.spec import AnalysisSpec
from metareview.exceptions import DataError, Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "StudyTable", "prepare"]

#: required numeric columns per data type (experimental arm first)
COLUMNS: dict[str, tuple[str, ...]] = {
    "dich": ("events_exp", "n_exp", "events_ctrl", "n_ctrl"),
    "cont": ("mean_exp", "sd_exp", "n_exp", "mean_ctrl", "sd_ctrl", "n_ctrl"),
    "giv": ("estimate", "se"),
    "oe": ("o_minus_e", "variance"),
}
#: optional columns: participants per arm, shown and summed for giv and oe data
OPTIONAL: dict[str, tuple[str, ...]] = {"giv": ("n_exp", "n_ctrl"), "oe": ("n_exp", "n_ctrl")}
_COUNTS = ("events_exp", "n_exp", "events_ctrl", "n_ctrl")
MAX_PROBLEMS = 200


@dataclass(frozen=True, slots=True)
class StudyTable:
    """Validated study rows: names, subgroup labels and numeric columns.

    ``subgroup_labels`` optionally fixes the subgroups and their order, including
    subgroups without rows (RevMan files can hold empty subgroups); by default they are
    the labels in order of first appearance.
    """

    study: tuple[str, ...]
    subgroup: tuple[str, ...] | None
    values: Mapping[str, NDArray[np.float64]]
    extra: Mapping[str, tuple[Any, ...]]
    subgroup_labels: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.study)


def _as_frame(data: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        frame = data.reset_index(drop=True)
    elif isinstance(data, Mapping):
        bad = [
            str(k)
            for k, v in data.items()
            if isinstance(v, str | bytes) or not hasattr(v, "__len__")
        ]
        if bad:
            raise DataError(
                [Problem(f"column(s) {', '.join(bad)} hold a single value, not one per study",
                         "give every column a list or array with one value per study")]
            )  # fmt: skip
        try:
            frame = pd.DataFrame({str(k): list(v) for k, v in data.items()})
        except ValueError as exc:
            raise DataError([Problem(f"columns of different lengths ({exc})")]) from None
    else:
        raise TypeError(
            f"data must be a pandas DataFrame or a mapping of column -> values, got {type(data)}"
        )
    dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if dup:
        raise DataError([Problem(f"duplicate column name(s): {', '.join(dup)}",
                                 "give every column a distinct name")])  # fmt: skip
    return frame


def _is_blank(col: pd.Series) -> NDArray[np.bool_]:
    blank = col.isna().to_numpy()
    as_obj = col.astype(object)
    strings = np.array([isinstance(v, str) and not v.strip() for v in as_obj], dtype=bool)
    return np.asarray(blank | strings, dtype=bool)


def prepare(
    data: Any,
    spec: AnalysisSpec,
    *,
    study: str = "study",
    subgroup: str | None = None,
    source: str = "",
    first_line: int | None = None,
    lines: Sequence[int] | None = None,
    allow_not_estimable: bool = False,
    allow_repeated_studies: bool = False,
) -> StudyTable:
    """Validate ``data`` for ``spec`` and return a :class:`StudyTable`.

    Parameters
    ----------
    data
        A DataFrame or mapping with the columns of :data:`COLUMNS` for the data type plus
        the ``study`` column (and the ``subgroup`` column if given).  Other columns are
        kept in ``extra``.
    source
        File name used in messages.
    first_line
        File line of the first data row (2 for a CSV with a header), used in messages.
    lines
        File line of every data row (overrides ``first_line``; for files with blank lines
        or multi-line cells).
    allow_not_estimable
        Accept values that RevMan shows as "Not estimable" rather than refusing them:
        zero participants, SD = 0, SE or variance = 0 and empty values.  Off by default
        because such values are usually typing errors.
    allow_repeated_studies
        Accept the same study more than once in an analysis or subgroup (RevMan allows it,
        e.g. for the arms of a multi-arm trial against one control).  Off by default
        because a repeated study is usually a copy-and-paste error.
    """
    import pandas as pd

    frame = _as_frame(data)
    problems: list[Problem] = []
    needed = COLUMNS[spec.data_type]
    cols = [study, *needed] + ([subgroup] if subgroup else [])
    missing_cols = [c for c in cols if c not in frame.columns]
    if missing_cols:
        have = ", ".join(map(str, frame.columns)) or "none"
        problems.append(
            Problem(
                f"missing column(s) {', '.join(missing_cols)} (found: {have})",
                fix=f"{spec.data_type} data need the columns {', '.join([study, *needed])}"
                + (f" and {subgroup}" if subgroup else ""),
                source=source,
                line=1 if source else None,
            )
        )
        raise DataError(problems)

    optional = [c for c in OPTIONAL.get(spec.data_type, ()) if c in frame.columns]
    cols += optional
    n = len(frame)
    study_blank = _is_blank(frame[study])
    study_raw = frame[study].astype(object).tolist()
    names = ["" if study_blank[i] else str(study_raw[i]).strip() for i in range(n)]

    def at(i: int, fld: str | None = None, value: object = None, **kw: Any) -> dict[str, Any]:
        return {
            "source": source,
            "row": i + 1,
            "line": lines[i]
            if lines is not None
            else (first_line + i if first_line is not None else None),
            "study": names[i] or None,
            "field": fld,
            "value": None if value is None else str(value),
            **kw,
        }

    if n == 0:
        raise DataError([Problem("the table has no study rows", "add one row per study", source)])
    for i in np.flatnonzero(np.array([not s for s in names], dtype=bool)):
        problems.append(
            Problem("the study name is empty", "give every row a study name", **at(int(i), study))
        )

    groups: tuple[str, ...] | None = None
    if subgroup:
        blank = _is_blank(frame[subgroup])
        labels = ["" if blank[i] else str(frame[subgroup].iloc[i]).strip() for i in range(n)]
        for i in np.flatnonzero(blank):
            problems.append(
                Problem(
                    "the subgroup is empty",
                    f"put every row in a subgroup (column {subgroup})",
                    **at(int(i), subgroup),
                )
            )
        groups = tuple(labels)

    # duplicate studies within a subgroup (or within the analysis)
    seen: dict[tuple[str, str], int] = {}
    for row, name in enumerate(names):
        if not name:
            continue
        key = (groups[row] if groups else "", name)
        if key in seen and not allow_repeated_studies:
            where = f' in subgroup "{key[0]}"' if groups else ""
            problems.append(
                Problem(
                    f'study "{name}" appears twice{where} (also row {seen[key] + 1})',
                    "each study enters an analysis or subgroup once; merge the rows or give "
                    "them distinct names (e.g. 'Smith 2001a', 'Smith 2001b')",
                    **at(row, study),
                )
            )
        else:
            seen[key] = row

    values: dict[str, NDArray[np.float64]] = {}
    for col in (*needed, *optional):
        raw = frame[col]
        kind = raw.dtype.kind
        if kind in "bcmM" or (kind == "O" and any(isinstance(v, bool | complex) for v in raw)):
            problems.append(
                Problem(
                    f"holds {raw.dtype} values, not plain numbers",
                    "enter plain numbers (no true/false, dates or complex numbers)",
                    source=source, field=col,
                )
            )  # fmt: skip
            values[col] = np.full(n, np.nan)
            continue
        blank = _is_blank(raw)
        num = pd.to_numeric(raw.where(~blank), errors="coerce").to_numpy(dtype=np.float64)
        bad = ~blank & ~np.isfinite(num)
        for i in np.flatnonzero(bad):
            problems.append(
                Problem(
                    f"{raw.iloc[i]!r} is not a number",
                    "enter a plain number (use '.' as the decimal mark, no units or text)",
                    **at(int(i), col, raw.iloc[i]),
                )
            )
        if not allow_not_estimable and col in needed:
            for i in np.flatnonzero(blank):
                problems.append(
                    Problem(
                        "the value is missing",
                        "enter the value from the study report, or remove the study from this "
                        "analysis and record why",
                        **at(int(i), col, ""),
                    )
                )
        values[col] = np.where(bad, np.nan, num)

    ok = {c: np.isfinite(v) for c, v in values.items()}
    with np.errstate(invalid="ignore"):
        for col in values:
            v = values[col]
            if col in _COUNTS:
                frac = ok[col] & (np.floor(v) != v)
                for i in np.flatnonzero(frac):
                    problems.append(
                        Problem(
                            f"{v[i]:g} is not a whole number",
                            "events and participants are counts; enter whole numbers",
                            **at(int(i), col, v[i]),
                        )
                    )
            if col.startswith(("events", "n_", "sd", "variance", "se")):
                neg = ok[col] & (v < 0)
                for i in np.flatnonzero(neg):
                    problems.append(
                        Problem(
                            f"{v[i]:g} is negative",
                            f"{col} cannot be below 0; check the sign against the study report",
                            **at(int(i), col, v[i]),
                        )
                    )
            if (
                col.startswith(("n_", "sd", "variance", "se"))
                and col in needed
                and not allow_not_estimable
            ):
                zero = ok[col] & (v == 0)
                what = {"n": "participants", "s": "a standard deviation", "v": "a variance"}
                for i in np.flatnonzero(zero):
                    label = "a standard error" if col == "se" else what[col[0]]
                    problems.append(
                        Problem(
                            f"{label} of 0 gives this study no usable weight",
                            f"check {col} against the study report; if it really is 0, keep the "
                            "row as 'Not estimable', as RevMan does: allow_not_estimable=True "
                            "(CLI --allow-not-estimable; review.toml: allow_not_estimable = true "
                            "on the outcome)",
                            **at(int(i), col, v[i]),
                        )
                    )
        if spec.data_type == "dich":
            for arm in ("exp", "ctrl"):
                e, t = values[f"events_{arm}"], values[f"n_{arm}"]
                over = ok[f"events_{arm}"] & ok[f"n_{arm}"] & (e > t)
                for i in np.flatnonzero(over):
                    problems.append(
                        Problem(
                            f"events_{arm} ({e[i]:g}) > n_{arm} ({t[i]:g})",
                            "events cannot exceed participants in the same group; check both "
                            "numbers (are the columns swapped?)",
                            **at(int(i), f"events_{arm}", e[i]),
                        )
                    )
    if problems:
        if len(problems) > MAX_PROBLEMS:
            rest = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], Problem(f"... and {rest} more problems")]
        raise DataError(problems)
    extra = {str(c): tuple(frame[c].tolist()) for c in frame.columns if c not in cols}
    return StudyTable(tuple(names), groups, values, extra)
