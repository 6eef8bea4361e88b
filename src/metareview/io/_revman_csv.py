"""Reader for the RevMan 5 "export analysis data" CSV.

Also holds the CSV helpers shared with the RevMan Web reader.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from metareview.io._revman_model import (
    _DEFAULT_METHOD,
    _NO_ATTRIBUTES,
    NAN,
    DataRow,
    Outcome,
    RevManFile,
    RevManFormatError,
    StoredRow,
    StoredTotals,
    StrPath,
    Study,
    Subgroup,
    _bad_number,
    _freeze,
    _nan_if,
)
from metareview.io.tables import TableFormatError, decode_text, parse_delimited

# --------------------------------------------------------------------------- CSV helpers


@functools.lru_cache(maxsize=512)
def _norm(header: str) -> str:
    text = header.replace("\ufeff", "").replace("²", "2").replace("Â", "").lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


_Record = tuple[int, dict[str, str], dict[str, str]]  # (line, normalised row, raw row)


class _CsvTable:
    """A CSV file as rows of {normalised header: value} with line numbers."""

    def __init__(self, text: str, source: str, encoding: str) -> None:
        self.source = source
        self.encoding = encoding
        try:
            table = parse_delimited(text)
        except TableFormatError as exc:
            fix = exc.fix
            if exc.kind == "extra_cells":
                fix = "re-export without the 'Risk of bias tables' field, or quote values "
                fix += "that contain the separator"
            elif exc.kind == "empty":
                fix = "export the analysis data again"
            raise RevManFormatError(
                f"{source}: line {exc.line}: {exc.problem}. Fix: {fix}"
            ) from None
        self.header = list(table.header)
        self.keys = [_norm(h) for h in self.header]
        self.records: list[_Record] = []
        for line, cells in zip(table.lines, table.rows, strict=True):
            norm = {k: v.strip() for k, v in zip(self.keys, cells, strict=True) if k}
            raw = {h.replace("\ufeff", ""): v for h, v in zip(self.header, cells, strict=True)}
            self.records.append((line, norm, raw))

    def require(self, *columns: str) -> None:
        for column in columns:
            if _norm(column) not in self.keys:
                raise RevManFormatError(
                    f"{self.source}: required column '{column}' is missing from the header "
                    f"(line 1). Fix: export the file again with the column '{column}' included"
                )

    def number(self, line: int, rec: Mapping[str, str], column: str) -> float:
        raw = rec.get(_norm(column), "")
        if not raw:
            return NAN
        text = raw.rstrip("%").strip()
        try:
            return _nan_if(float(text))
        except ValueError:
            pass
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d*)?", text):
            return float(text.replace(",", ""))
        raise _bad_number(f"{self.source}: line {line}", f"column '{column}'", raw)

    def integer(self, line: int, rec: Mapping[str, str], column: str) -> int | None:
        value = self.number(line, rec, column)
        if value != value:
            return None
        if not value.is_integer():
            raise RevManFormatError(
                f"{self.source}: line {line}: column '{column}'={rec.get(_norm(column))!r} "
                "is not a whole number. Fix: correct the value"
            )
        return int(value)


def _text(rec: Mapping[str, str], column: str) -> str:
    return rec.get(_norm(column), "")


def _true(value: str) -> bool:
    return value.strip().lower() in ("true", "yes", "y", "1")


def _percent(value: str, default: int = 95) -> int:
    match = re.search(r"\d+", value)
    return int(match.group()) if match else default


_CSV_TYPES: Final = {
    "DIC": "DICH",
    "DICH": "DICH",
    "DICHOTOMOUS": "DICH",
    "CON": "CONT",
    "CONT": "CONT",
    "CONTINUOUS": "CONT",
    "IV": "IV",
    "GIV": "IV",
    "GENERIC INVERSE VARIANCE": "IV",
    "CONTRAST LEVEL": "IV",
    "O-E": "IPD",
    "IPD": "IPD",
    "O-E AND VARIANCE": "IPD",
    "OTH": "OTHER",
    "OTHER": "OTHER",
    "OTHER DATA": "OTHER",
}
_METHODS: Final = {"MH": "MH", "M-H": "MH", "IV": "IV", "PETO": "PETO", "EXP_O_E_VAR": "PETO"}
_MEASURES: Final = {
    "odds ratio": "OR",
    "risk ratio": "RR",
    "risk difference": "RD",
    "peto odds ratio": "PETO_OR",
    "mean difference": "MD",
    "standardized mean difference": "SMD",
    "standardised mean difference": "SMD",
    "std. mean difference": "SMD",
}
_TOTALS: Final = {
    "yes": "YES",
    "totals and subtotals": "YES",
    "sub": "SUB",
    "subtotals only": "SUB",
    "no": "NO",
    "no totals": "NO",
}


def _data_type(value: str, where: str) -> str:
    code = _CSV_TYPES.get(value.strip().upper())
    if code is None:
        raise RevManFormatError(
            f"{where}: unknown data type {value!r}. Fix: use one of Dichotomous (DIC), "
            "Continuous (CON), Generic inverse variance (IV/GIV), O-E and variance (O-E/IPD)"
        )
    return code


def _method(value: str, data_type: str, where: str) -> str:
    if not value.strip():
        return _DEFAULT_METHOD[data_type]
    code = _METHODS.get(value.strip().upper())
    if code is None:
        raise RevManFormatError(
            f"{where}: unknown statistical method {value!r}. Fix: use MH, IV or Peto"
        )
    return code


def _measure(value: str, data_type: str) -> str:
    if data_type not in ("DICH", "CONT"):
        return value
    label = re.sub(r"\s*\(non-event\)\s*$", "", value.strip(), flags=re.IGNORECASE)
    return _MEASURES.get(label.lower(), label)


def _model(value: str, where: str) -> bool:
    text = value.strip().lower()
    if text.startswith("random"):
        return True
    if not text or text.startswith("fixed"):
        return False
    raise RevManFormatError(
        f"{where}: unknown analysis model {value!r}. Fix: use 'Fixed' or 'Random'"
    )


@dataclass
class _Draft:
    """Mutable outcome under construction (CSV formats)."""

    values: dict[str, object]
    subgroups: list[tuple[dict[str, object], list[DataRow]]] = field(default_factory=list)
    rows: list[DataRow] = field(default_factory=list)

    def build(self) -> Outcome:
        subgroups = tuple(
            Subgroup(rows=tuple(rows), **values)  # type: ignore[arg-type]
            for values, rows in self.subgroups
        )
        return Outcome(subgroups=subgroups, rows=tuple(self.rows), **self.values)  # type: ignore[arg-type]


def _study_tuple(rows: list[DataRow]) -> tuple[Study, ...]:
    seen: dict[str, Study] = {}
    for row in rows:
        if row.study_id not in seen:
            seen[row.study_id] = Study(row.study_id, row.study, row.year, "", _NO_ATTRIBUTES)
    return tuple(seen.values())


def _input_fields(data_type: str, get: dict[str, float], log_data: bool) -> dict[str, float]:
    """The entered-data fields of a CSV row that are meaningful for the data type."""
    fields = dict.fromkeys(
        ("events_1", "events_2", "mean_1", "sd_1", "mean_2", "sd_2", "estimate", "se", "o_e"),
        NAN,
    )
    fields["var"] = NAN
    fields["total_1"], fields["total_2"] = get["total_1"], get["total_2"]
    if data_type == "DICH":
        fields.update(events_1=get["events_1"], events_2=get["events_2"])
    elif data_type == "CONT":
        for key in ("mean_1", "sd_1", "mean_2", "sd_2"):
            fields[key] = get[key]
    elif data_type == "IV":
        estimate = get["estimate"]
        if log_data:
            estimate = math.log(estimate) if estimate > 0 else NAN
        fields.update(estimate=estimate, se=get["se"])
    elif data_type == "IPD":
        fields.update(o_e=get["o_e"], var=get["var"])
    return fields


# --------------------------------------------------------------------------- RevMan 5 CSV


def read_revman5_csv(path: StrPath) -> RevManFile:
    """Read a RevMan 5 "export analysis data" CSV file.

    Rows with Outcome Number 0 are comparison headers; the first row of an outcome (with a
    Data Type) holds its settings and totals; a row whose Subgroup Number changes to a value
    > 0 is a subgroup header with subtotals; the other rows are studies.  The encoding is
    detected (UTF-8 with or without BOM, else cp1252) and recorded.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.

    Returns
    -------
    RevManFile
        With ``format="revman5-csv"``; studies are built from the row names (ids = names).
        For generic inverse variance rows the entered estimate is taken from
        "Effect Estimate" (log-transformed when the outcome says the data are on log scale).

    Raises
    ------
    RevManFormatError
        If a required column is missing or a value cannot be read (message gives the line).
    """
    source = os.fspath(path)
    text, encoding = decode_text(Path(source).read_bytes())
    table = _CsvTable(text, source, encoding)
    table.require("Comparison Number", "Outcome Number", "Subgroup Number", "Name")
    comparisons: dict[int, str] = {}
    drafts: list[_Draft] = []
    draft: _Draft | None = None
    key: tuple[int, int] | None = None
    current_sub: int | None = None
    all_rows: list[DataRow] = []
    for line, rec, raw in table.records:
        where = f"{source}: line {line}"
        comp = table.integer(line, rec, "Comparison Number")
        out = table.integer(line, rec, "Outcome Number")
        sub = table.integer(line, rec, "Subgroup Number") or 0
        if comp is None or out is None:
            raise RevManFormatError(
                f"{where}: 'Comparison Number' and 'Outcome Number' must be filled in. "
                "Fix: export the file again from RevMan 5"
            )
        name = _text(rec, "Name")
        if out == 0:
            comparisons[comp] = name
            draft, key, current_sub = None, None, None
            continue
        num = {
            c: table.number(line, rec, c)
            for c in (
                "Events 1", "Total 1", "Events 2", "Total 2", "Mean 1", "SD 1", "Mean 2",
                "SD 2", "Effect Estimate", "SE", "CI Start", "CI End", "Weight", "Q", "P(Q)",
                "I²(Q)", "Tau²", "Z", "P(Z)", "Qint", "P(Qint)", "I²(Qint)", "df", "O-E", "Var",
            )
        }  # fmt: skip
        if (comp, out) != key:
            if not _text(rec, "Data Type"):
                raise RevManFormatError(
                    f"{where}: the first row of outcome {comp}.{out} has no Data Type, so it "
                    "is not an outcome header row. Fix: export the file again from RevMan 5 "
                    "with the 'Data Type' field, keeping the row order"
                )
            key, current_sub = (comp, out), None
            data_type = _data_type(_text(rec, "Data Type"), where)
            draft = _Draft(_csv5_outcome(rec, raw, num, comp, out, comparisons, data_type, where))
            drafts.append(draft)
            continue
        assert draft is not None
        data_type = str(draft.values["data_type"])
        if sub > 0 and sub != current_sub:
            current_sub = sub
            draft.subgroups.append(
                (_csv5_subgroup(raw, num, str(draft.values["id"]), sub, name, data_type), [])
            )
            continue
        target = draft.subgroups[-1][1] if sub > 0 and draft.subgroups else draft.rows
        row = _csv5_row(table, line, rec, raw, num, data_type, bool(draft.values["log_data"]))
        target.append(row)
        all_rows.append(row)
    outcomes = []
    for d in drafts:
        d.values["subgroups_enabled"] = bool(d.subgroups)
        outcomes.append(d.build())
    return RevManFile(
        path=source,
        format="revman5-csv",
        title=Path(source).stem,
        revman_version="",
        encoding=encoding,
        studies=_study_tuple(all_rows),
        outcomes=tuple(outcomes),
    )


def _csv5_stored(num: Mapping[str, float], data_type: str) -> StoredTotals:
    dich = data_type == "DICH"  # the export writes 0 events for other data types
    return StoredTotals(
        effect_size=num["Effect Estimate"],
        ci_start=num["CI Start"],
        ci_end=num["CI End"],
        z=num["Z"],
        p_z=num["P(Z)"],
        chi2=num["Q"],
        df=num["df"],
        p_chi2=num["P(Q)"],
        i2=num["I²(Q)"],
        tau2=num["Tau²"],
        weight=num["Weight"],
        events_1=num["Events 1"] if dich else NAN,
        events_2=num["Events 2"] if dich else NAN,
        total_1=num["Total 1"],
        total_2=num["Total 2"],
    )


def _csv5_outcome(
    rec: Mapping[str, str],
    raw: Mapping[str, str],
    num: Mapping[str, float],
    comp: int,
    out: int,
    comparisons: Mapping[int, str],
    data_type: str,
    where: str,
) -> dict[str, object]:
    totals_text = _text(rec, "Totals").lower()
    return {
        "id": f"CMP-{comp:03d}.{out:02d}",
        "no": out,
        "comparison_id": f"CMP-{comp:03d}",
        "comparison_no": comp,
        "comparison_name": comparisons.get(comp, ""),
        "name": _text(rec, "Name"),
        "data_type": data_type,
        "method": _method(_text(rec, "Statistical Method"), data_type, where),
        "effect_measure": _measure(_text(rec, "Effect Measure"), data_type),
        "random": _model(_text(rec, "Analysis Model"), where),
        "log_data": _true(
            _text(rec, "Entered data are on log scale (Generic Inverse Variance only)")
        ),
        "subgroups_enabled": False,
        "subgroup_test": _true(_text(rec, "Test for subgroup differences") or "yes"),
        "totals": _TOTALS.get(totals_text, "YES"),
        "swap_events": _true(_text(rec, "Swap event and non-event")),
        "ci_study": _percent(_text(rec, "Study Confidence Interval")),
        "ci_total": _percent(_text(rec, "Total Confidence Interval")),
        "sort_by": "",
        "scale": NAN,
        "units": "",
        "group_label_1": _text(rec, "Group Label 1"),
        "group_label_2": _text(rec, "Group Label 2"),
        "graph_label_1": _text(rec, "Left Graph Label"),
        "graph_label_2": _text(rec, "Right Graph Label"),
        "stored": _csv5_stored(num, data_type),
        "stored_q": num["Qint"],
        "stored_p_q": num["P(Qint)"],
        "stored_i2_q": num["I²(Qint)"],
        "has_results": not math.isnan(num["Effect Estimate"]),
        "attributes": _freeze(raw),
    }


def _csv5_subgroup(
    raw: Mapping[str, str],
    num: Mapping[str, float],
    outcome_id: str,
    sub: int,
    name: str,
    data_type: str,
) -> dict[str, object]:
    return {
        "id": f"{outcome_id}.{sub:02d}",
        "no": sub,
        "name": name,
        "stored": _csv5_stored(num, data_type),
        "attributes": _freeze(raw),
    }


def _csv5_row(
    table: _CsvTable,
    line: int,
    rec: Mapping[str, str],
    raw: Mapping[str, str],
    num: Mapping[str, float],
    data_type: str,
    log_data: bool,
) -> DataRow:
    name = _text(rec, "Name")
    get = {
        "events_1": num["Events 1"], "events_2": num["Events 2"],
        "total_1": num["Total 1"], "total_2": num["Total 2"],
        "mean_1": num["Mean 1"], "sd_1": num["SD 1"], "mean_2": num["Mean 2"], "sd_2": num["SD 2"],
        "estimate": num["Effect Estimate"], "se": num["SE"], "o_e": num["O-E"], "var": num["Var"],
    }  # fmt: skip
    stored = StoredRow(
        effect_size=num["Effect Estimate"],
        se=num["SE"],
        ci_start=num["CI Start"],
        ci_end=num["CI End"],
        weight=num["Weight"],
        o_e=num["O-E"],
        var=num["Var"],
    )
    return DataRow(
        study_id=name,
        study=name,
        year=_text(rec, "Year of study"),
        order=table.integer(line, rec, "User defined order"),
        footnotes=(),
        stored=stored,
        attributes=_freeze(raw),
        **_input_fields(data_type, get, log_data),
    )
