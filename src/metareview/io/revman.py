"""Read Cochrane Review Manager (RevMan) files into immutable dataclasses.

Three formats are supported:

* RevMan 5 review files (``.rm5``, XML) -- :func:`read_rm5`;
* the RevMan 5 "export analysis data" CSV -- :func:`read_revman5_csv`;
* the RevMan Web "data package" (outer zip, inner ``-data.zip`` or an extracted folder with
  ``*-data-rows.csv``, ``*-overall-estimates-and-settings.csv`` and
  ``*-subgroup-estimates.csv``) -- :func:`read_revman_web_package`.

:func:`read_revman` dispatches on the path.  Every reader returns a :class:`RevManFile`.

RevMan's own computed results are kept apart from the study data (``stored`` fields), so
that an engine can recompute them from the raw data and compare.  Numbers that are absent or
empty are ``nan``.  Raw attributes/columns are kept verbatim in ``attributes``, except the
``MODIFIED_BY`` attribute, which holds the names of review authors (the same people as the
cover sheet's contacts) and is therefore never copied into the model.  Nothing from
``COVER_SHEET`` except the review title is read.

Malformed input raises :class:`RevManFormatError` naming the file, the place (line, outcome,
study, attribute or column), what is wrong and how to fix it.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from metareview.io._revman_csv import read_revman5_csv
from metareview.io._revman_model import (
    CharacteristicsRow,
    DataRow,
    Outcome,
    QualityEntry,
    QualityItem,
    RevManFile,
    RevManFormatError,
    StoredRow,
    StoredTotals,
    StrPath,
    Study,
    Subgroup,
)
from metareview.io._revman_rm5 import read_rm5
from metareview.io._revman_web import read_revman_web_package

__all__ = [
    "CharacteristicsRow",
    "DataRow",
    "Outcome",
    "QualityEntry",
    "QualityItem",
    "RevManFile",
    "RevManFormatError",
    "StoredRow",
    "StoredTotals",
    "Study",
    "Subgroup",
    "read_revman",
    "read_revman5_csv",
    "read_revman_web_package",
    "read_rm5",
]

# The classes live in a private module; present them (repr, docs, pickling) as ours.
for _public in (
    CharacteristicsRow, DataRow, Outcome, QualityEntry, QualityItem, RevManFile,
    RevManFormatError, StoredRow, StoredTotals, Study, Subgroup,
):  # fmt: skip
    _public.__module__ = __name__
del _public


# --------------------------------------------------------------------------- dispatch


def _read_prefix(path: Path, size: int = 512) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def read_revman(path: StrPath) -> RevManFile:
    """Read any supported RevMan file, choosing the reader from the path and content.

    ``.rm5``/``.xml`` files go to :func:`read_rm5`, ``.csv`` files to
    :func:`read_revman5_csv`, ``.zip`` files and folders to :func:`read_revman_web_package`.
    Other suffixes are recognised from the first bytes.

    Parameters
    ----------
    path : str or os.PathLike
        The file or folder.

    Returns
    -------
    RevManFile

    Raises
    ------
    RevManFormatError
        If the format cannot be recognised or the file is malformed.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_dir() or suffix == ".zip":
        return read_revman_web_package(p)
    if suffix in (".rm5", ".xml"):
        return read_rm5(p)
    if suffix == ".csv":
        return read_revman5_csv(p)
    head = _read_prefix(p)
    if head.startswith(b"PK"):
        return read_revman_web_package(p)
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped.startswith((b"<?xml", b"<COCHRANE_REVIEW")):
        return read_rm5(p)
    if b"comparison number" in head.lower():
        return read_revman5_csv(p)
    raise RevManFormatError(
        f"{p}: not recognised as a RevMan file (.rm5 XML, RevMan 5 analysis CSV or RevMan "
        "Web data package). Fix: pass one of those, with its usual file extension"
    )
