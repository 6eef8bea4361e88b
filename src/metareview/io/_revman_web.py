"""Reader for RevMan Web data packages (the analysis CSVs).

Public entry point: :func:`read_revman_web_package`.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from metareview.io._revman_csv import (
    _CsvTable,
    _data_type,
    _Draft,
    _input_fields,
    _measure,
    _method,
    _model,
    _percent,
    _Record,
    _study_tuple,
    _text,
    _true,
)
from metareview.io._revman_model import (
    _MAX_MEMBER_BYTES,
    _NO_ATTRIBUTES,
    NAN,
    DataRow,
    Outcome,
    RevManFile,
    RevManFormatError,
    StoredRow,
    StoredTotals,
    StrPath,
    _freeze,
)
from metareview.io.tables import decode_text

# --------------------------------------------------------------------------- RevMan Web

_WEB_KINDS: Final = ("data-rows", "overall-estimates-and-settings", "subgroup-estimates")


def _web_kind(name: str) -> str | None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for kind in _WEB_KINDS:
        if base.endswith(kind + ".csv"):
            return kind
    return None


def _pick_package(names: list[str]) -> dict[str, str]:
    """Choose the analysis CSVs of one package: the first data-rows file and its siblings."""
    by_kind: dict[str, list[str]] = {}
    for name in sorted(names):
        kind = _web_kind(name)
        if kind is not None:
            by_kind.setdefault(kind, []).append(name)
    anchor_kind = "data-rows" if "data-rows" in by_kind else next(iter(by_kind), None)
    if anchor_kind is None:
        return {}
    anchor = by_kind[anchor_kind][0]
    prefix = anchor[: len(anchor) - len(anchor_kind + ".csv")]
    chosen: dict[str, str] = {}
    for kind, candidates in by_kind.items():
        siblings = [c for c in candidates if c.lower() == (prefix + kind + ".csv").lower()]
        chosen[kind] = siblings[0] if siblings else candidates[0]
    return chosen


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes:
    if info.file_size > _MAX_MEMBER_BYTES:
        raise RevManFormatError(
            f"{label}!{info.filename}: member too large ({info.file_size} bytes)"
        )
    return zf.read(info)


def _web_from_zip(
    source: str | io.BytesIO, label: str, depth: int = 0
) -> dict[str, tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(source) as zf:
            members = {
                i.filename: i
                for i in zf.infolist()
                if not i.is_dir() and "__MACOSX" not in i.filename
            }
            chosen = _pick_package(list(members))
            if chosen or depth >= 2:
                return {
                    kind: (f"{label}!{name}", _read_member(zf, members[name], label))
                    for kind, name in chosen.items()
                }
            inner = sorted(
                (n for n in members if n.lower().endswith(".zip")),
                key=lambda n: (not n.lower().endswith("-data.zip"), n),
            )
            for name in inner:
                data = io.BytesIO(_read_member(zf, members[name], label))
                found = _web_from_zip(data, f"{label}!{name}", depth + 1)
                if found:
                    return found
            return {}
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise RevManFormatError(
            f"{label}: not a readable zip archive ({exc}). Fix: download the RevMan Web data "
            "package again, or pass the extracted folder"
        ) from None


def _web_sources(path: Path) -> dict[str, tuple[str, bytes]]:
    if not path.is_dir():
        return _web_from_zip(str(path), str(path))
    chosen = _pick_package([str(p) for p in path.rglob("*.csv")])
    if chosen:
        return {kind: (name, Path(name).read_bytes()) for kind, name in chosen.items()}
    for file in sorted(path.rglob("*.zip")):
        found = _web_from_zip(str(file), str(file))
        if found:
            return found
    return {}


_WEB_RESULT_COLUMNS: Final = (
    "Mean", "CI start", "CI end", "Heterogeneity Tau²", "Heterogeneity Chi²",
    "Heterogeneity I²", "Effect Z", "Effect P",
)  # fmt: skip


def _web_stored(table: _CsvTable, line: int, rec: Mapping[str, str]) -> StoredTotals:
    def n(column: str) -> float:
        return table.number(line, rec, column)

    return StoredTotals(
        effect_size=n("Mean"),
        ci_start=n("CI start"),
        ci_end=n("CI end"),
        z=n("Effect Z"),
        p_z=n("Effect P"),
        chi2=n("Heterogeneity Chi²"),
        df=n("Heterogeneity df"),
        p_chi2=n("Heterogeneity P"),
        i2=n("Heterogeneity I²"),
        tau2=n("Heterogeneity Tau²"),
        weight=n("Weight"),
        events_1=n("Experimental cases"),
        events_2=n("Control cases"),
        total_1=n("Experimental N"),
        total_2=n("Control N"),
    )


def _nonzero(values: list[float]) -> bool:
    return any(v == v and v != 0 for v in values)


def read_revman_web_package(path: StrPath) -> RevManFile:
    """Read a RevMan Web data package (analysis CSVs).

    Parameters
    ----------
    path : str or os.PathLike
        The outer data-package zip, the inner ``...-data.zip``, or a folder containing
        ``*-data-rows.csv``, ``*-overall-estimates-and-settings.csv`` and (optionally)
        ``*-subgroup-estimates.csv`` (searched recursively; zips inside are opened).

    Returns
    -------
    RevManFile
        With ``format="revman-web"``.  Effect measures in words are mapped to RevMan 5
        codes for dichotomous and continuous data; row and total "Mean" values are RevMan's
        estimates on the display scale (stored in ``stored.effect_size``).  An analysis whose
        stored results are all 0 or empty gets ``has_results=False`` (its stored row and
        total numbers are then ``nan``).

    Raises
    ------
    RevManFormatError
        If the analysis CSVs are missing, a required column is missing or a value is bad.
    """
    source = os.fspath(path)
    found = _web_sources(Path(source))
    missing = [k for k in ("data-rows", "overall-estimates-and-settings") if k not in found]
    if missing:
        raise RevManFormatError(
            f"{source}: no *-{missing[0]}.csv found in the data package. Fix: pass the RevMan "
            "Web data package zip, its inner '-data.zip', or the folder with the analysis CSVs"
        )
    tables: dict[str, _CsvTable] = {}
    for kind, (label, data) in found.items():
        text, encoding = decode_text(data)
        tables[kind] = _CsvTable(text, label, encoding)
    settings, rows_table = tables["overall-estimates-and-settings"], tables["data-rows"]
    settings.require("Analysis group", "Analysis number", "Analysis name", "Data type")
    rows_table.require("Analysis group", "Analysis number", "Study")
    sub_table = tables.get("subgroup-estimates")
    if sub_table is not None:
        sub_table.require("Analysis group", "Analysis number", "Subgroup")

    def ids(table: _CsvTable, line: int, rec: Mapping[str, str]) -> tuple[int, int]:
        group = table.integer(line, rec, "Analysis group")
        number = table.integer(line, rec, "Analysis number")
        if group is None or number is None:
            raise RevManFormatError(
                f"{table.source}: line {line}: 'Analysis group' and 'Analysis number' must be "
                "filled in. Fix: export the data package again"
            )
        return group, number

    def by_analysis(table: _CsvTable | None) -> dict[tuple[int, int], list[_Record]]:
        grouped: dict[tuple[int, int], list[_Record]] = {}
        for record in table.records if table is not None else []:
            grouped.setdefault(ids(table, record[0], record[1]), []).append(record)  # type: ignore[arg-type]
        return grouped

    subgroup_recs, row_recs = by_analysis(sub_table), by_analysis(rows_table)

    known = {ids(settings, line, rec) for line, rec, _ in settings.records}
    for group, number in sorted(set(row_recs) - known):
        line = row_recs[(group, number)][0][0]
        raise RevManFormatError(
            f"{rows_table.source}: line {line}: analysis {group}.{number} has data rows but "
            f"no line in {settings.source}. Fix: use the CSVs of one and the same data package"
        )
    outcomes: list[Outcome] = []
    all_rows: list[DataRow] = []
    for line, rec, raw in settings.records:
        group, number = ids(settings, line, rec)
        where = f"{settings.source}: line {line}"
        outcome = _web_outcome(settings, line, rec, raw, group, number, where, rows_table,
                               row_recs.get((group, number), []), sub_table,
                               subgroup_recs.get((group, number), []))  # fmt: skip
        outcomes.append(outcome)
        all_rows.extend(outcome.all_rows())
    return RevManFile(
        path=source,
        format="revman-web",
        title=Path(source).stem,
        revman_version="",
        encoding=rows_table.encoding,
        studies=_study_tuple(all_rows),
        outcomes=tuple(outcomes),
    )


def _web_outcome(
    settings: _CsvTable,
    line: int,
    rec: Mapping[str, str],
    raw: Mapping[str, str],
    group: int,
    number: int,
    where: str,
    rows_table: _CsvTable,
    row_recs: list[_Record],
    sub_table: _CsvTable | None,
    sub_recs: list[_Record],
) -> Outcome:
    oid = f"CMP-{group:03d}.{number:02d}"
    data_type = _data_type(_text(rec, "Data type"), where)
    # the column is also "true" for dichotomous data; like LOG_DATA it only matters for GIV
    log_data = data_type == "IV" and _true(_text(rec, "Log-scale data"))
    overall = _text(rec, "Overall estimates")
    show_sub = _text(rec, "Subgroup estimates")
    if not overall or _true(overall):
        totals = "YES"
    else:
        totals = "SUB" if (not show_sub or _true(show_sub)) else "NO"
    stored = _web_stored(settings, line, rec)
    results = [settings.number(line, rec, c) for c in _WEB_RESULT_COLUMNS]
    for sline, srec, _ in sub_recs:
        assert sub_table is not None
        results += [sub_table.number(sline, srec, c) for c in _WEB_RESULT_COLUMNS]
    for rline, rrec, _ in row_recs:
        results += [rows_table.number(rline, rrec, c) for c in ("Mean", "CI start", "CI end")]
    has_results = _nonzero(results)

    subgroups: dict[str, tuple[dict[str, object], list[DataRow]]] = {}
    for sline, srec, sraw in sub_recs:
        assert sub_table is not None
        no = sub_table.integer(sline, srec, "Subgroup number") or len(subgroups) + 1
        name = _text(srec, "Subgroup")
        values: dict[str, object] = {
            "id": f"{oid}.{no:02d}",
            "no": no,
            "name": name,
            "stored": _web_stored(sub_table, sline, srec) if has_results else StoredTotals(),
            "attributes": _freeze(sraw),
        }
        subgroups[name] = (values, [])
    direct: list[DataRow] = []
    for rline, rrec, rraw in row_recs:
        row = _web_row(rows_table, rline, rrec, rraw, data_type, has_results)
        sub_name = _text(rrec, "Subgroup")
        if not sub_name:
            direct.append(row)
            continue
        if sub_name not in subgroups:
            no = len(subgroups) + 1
            subgroups[sub_name] = (
                {"id": f"{oid}.{no:02d}", "no": no, "name": sub_name,
                 "stored": StoredTotals(), "attributes": _NO_ATTRIBUTES},
                [],
            )  # fmt: skip
        subgroups[sub_name][1].append(row)
    ordered = sorted(subgroups.values(), key=lambda item: int(str(item[0]["no"])))
    draft = _Draft(
        {
            "id": oid,
            "no": number,
            "comparison_id": f"CMP-{group:03d}",
            "comparison_no": group,
            "comparison_name": _text(rec, "Analysis group name"),
            "name": _text(rec, "Analysis name"),
            "data_type": data_type,
            "method": _method(_text(rec, "Statistical method"), data_type, where),
            "effect_measure": _measure(_text(rec, "Effect measure"), data_type),
            "random": _model(_text(rec, "Analysis model"), where),
            "log_data": log_data,
            "subgroups_enabled": bool(ordered),
            "subgroup_test": _true(_text(rec, "Test for subgroup differences")),
            "totals": totals,
            "swap_events": _true(_text(rec, "Swap event and non-event")),
            "ci_study": _percent(_text(rec, "Study CI") or _text(rec, "CI/PI level")),
            "ci_total": _percent(_text(rec, "Estimate CI") or _text(rec, "CI/PI level")),
            "sort_by": "",
            "scale": settings.number(line, rec, "Graph scale"),
            "units": _text(rec, "Unit of effect measure"),
            "group_label_1": _text(rec, "Experimental group label"),
            "group_label_2": _text(rec, "Control group label"),
            "graph_label_1": _text(rec, "Graph label (left)"),
            "graph_label_2": _text(rec, "Graph label (right)"),
            "stored": stored if has_results else StoredTotals(),
            "stored_q": settings.number(line, rec, "Subgroup Chi²") if has_results else NAN,
            "stored_p_q": settings.number(line, rec, "Subgroup P") if has_results else NAN,
            "stored_i2_q": settings.number(line, rec, "Subgroup I²") if has_results else NAN,
            "has_results": has_results,
            "attributes": _freeze(raw),
        },
        subgroups=ordered,
        rows=direct,
    )
    return draft.build()


def _web_row(
    table: _CsvTable,
    line: int,
    rec: Mapping[str, str],
    raw: Mapping[str, str],
    data_type: str,
    has_results: bool,
) -> DataRow:
    def n(column: str) -> float:
        return table.number(line, rec, column)

    get = {
        "events_1": n("Experimental cases"), "events_2": n("Control cases"),
        "total_1": n("Experimental N"), "total_2": n("Control N"),
        "mean_1": n("Experimental mean"), "sd_1": n("Experimental SD"),
        "mean_2": n("Control mean"), "sd_2": n("Control SD"),
        "estimate": n("GIV Mean"), "se": n("GIV SE"), "o_e": n("O-E"), "var": n("Variance"),
    }  # fmt: skip
    stored = (
        StoredRow(
            effect_size=n("Mean"), ci_start=n("CI start"), ci_end=n("CI end"), weight=n("Weight")
        )
        if has_results
        else StoredRow()
    )
    name = _text(rec, "Study")
    note = _text(rec, "Footnotes")
    return DataRow(
        study_id=name,
        study=name,
        year=_text(rec, "Study year"),
        order=None,
        footnotes=(note,) if note else (),
        stored=stored,
        attributes=_freeze(raw),
        **_input_fields(data_type, get, log_data=False),
    )
