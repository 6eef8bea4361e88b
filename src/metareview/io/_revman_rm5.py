"""Reader for RevMan 5 review files (``.rm5`` XML); public entry point :func:`read_rm5`."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as _safe_et
from defusedxml import DefusedXmlException

from metareview.io._revman_model import (
    _DEFAULT_METHOD,
    _PERSONAL_ATTRIBUTES,
    NAN,
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
    _bad_number,
    _freeze,
    _nan_if,
    _yes,
)


def _decode_study_id(study_id: str) -> str:
    """Turn ``STD-ISIS_x002d_2`` into ``ISIS-2`` (strip ``STD-``, decode ``_xHHHH_``)."""
    text = study_id[4:] if study_id.startswith("STD-") else study_id
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


class _Numbers:
    """Parse numeric attributes of one element, with a location for error messages."""

    __slots__ = ("attrs", "where")

    def __init__(self, attrs: Mapping[str, str], where: str) -> None:
        self.attrs = attrs
        self.where = where

    def __call__(self, key: str) -> float:
        raw = self.attrs.get(key)
        if raw is None:
            return NAN
        text = raw.strip()
        if not text:
            return NAN
        try:
            return _nan_if(float(text))
        except ValueError:
            raise _bad_number(self.where, f"attribute {key}", raw) from None

    def integer(self, key: str) -> int | None:
        raw = self.attrs.get(key)
        if raw is None or not raw.strip():
            return None
        try:
            return int(raw.strip())
        except ValueError:
            raise RevManFormatError(
                f"{self.where}: attribute {key}={raw!r} is not a whole number. "
                "Fix: correct the value in the file (e.g. 1, 2, 95)"
            ) from None

    def flag(self, key: str) -> bool | None:
        raw = (self.attrs.get(key) or "").strip().upper()
        if raw in ("", "YES", "NO"):
            return None if not raw else raw == "YES"
        raise RevManFormatError(
            f"{self.where}: attribute {key}={self.attrs.get(key)!r} must be YES or NO. "
            "Fix: correct the value in the file"
        )


# --------------------------------------------------------------------------- XML text


def _inline_text(elem: Element | None) -> str:
    """Flatten an element's text and inline markup (``<BR/>`` becomes a newline)."""
    if elem is None:
        return ""
    parts: list[str] = []

    def walk(node: Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == "BR":
                parts.append("\n")
            else:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(elem)
    return "".join(parts)


def _block_text(elem: Element | None) -> str:
    """Text of an element holding ``<P>`` paragraphs, joined with newlines."""
    if elem is None:
        return ""
    paragraphs = [child for child in elem if child.tag == "P"]
    if not paragraphs:
        return _inline_text(elem).strip()
    texts = (_inline_text(p).strip() for p in paragraphs)
    return "\n".join(t for t in texts if t)


def _element_attrs(elem: Element) -> dict[str, str]:
    return {k: v for k, v in elem.attrib.items() if k not in _PERSONAL_ATTRIBUTES}


def _xml_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "UTF-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    match = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", data[:300])
    return match.group(1).decode("ascii") if match else "UTF-8"


# --------------------------------------------------------------------------- RevMan 5 (.rm5)

_OUTCOME_TYPES: Final = {
    "DICH_OUTCOME": "DICH",
    "CONT_OUTCOME": "CONT",
    "IV_OUTCOME": "IV",
    "IPD_OUTCOME": "IPD",
    "OTHER_OUTCOME": "OTHER",
}
_CHAR_FIELD_NAMES: Final = {
    "CHAR_METHODS": "methods",
    "CHAR_PARTICIPANTS": "participants",
    "CHAR_INTERVENTIONS": "interventions",
    "CHAR_OUTCOMES": "outcomes",
    "CHAR_NOTES": "notes",
}


def _stored_totals(num: _Numbers) -> StoredTotals:
    return StoredTotals(
        effect_size=num("EFFECT_SIZE"),
        ci_start=num("CI_START"),
        ci_end=num("CI_END"),
        z=num("Z"),
        p_z=num("P_Z"),
        chi2=num("CHI2"),
        df=num("DF"),
        p_chi2=num("P_CHI2"),
        i2=num("I2"),
        tau2=num("TAU2"),
        weight=num("WEIGHT"),
        events_1=num("EVENTS_1"),
        events_2=num("EVENTS_2"),
        total_1=num("TOTAL_1"),
        total_2=num("TOTAL_2"),
        studies=num("STUDIES"),
        estimable=num.flag("ESTIMABLE"),
    )


def _row_footnotes(elem: Element) -> tuple[str, ...]:
    notes: list[str] = []
    for child in elem:
        if child.tag == "FOOTNOTE":
            notes.append(_block_text(child))
        elif child.tag == "FOOTNOTES":
            inner = [c for c in child if c.tag in ("FOOTNOTE", "P")]
            notes.extend(
                _block_text(c) if c.tag == "FOOTNOTE" else _inline_text(c).strip() for c in inner
            )
            if not inner:
                notes.append(_block_text(child))
    return tuple(n for n in notes if n)


class _Rm5Reader:
    def __init__(self, source: str, root: Element) -> None:
        self.source = source
        self.root = root
        self.study_lookup: dict[str, tuple[str, str]] = {}
        self.calculated = True

    def where(self, *parts: str) -> str:
        return ", ".join((self.source, *parts))

    # -- studies -----------------------------------------------------------------------
    def studies(self) -> tuple[Study, ...]:
        included: list[Study] = []
        container = self.root.find("STUDIES_AND_REFERENCES/STUDIES")
        if container is None:
            return ()
        for group in container:
            for elem in group.iter("STUDY"):
                attrs = _element_attrs(elem)
                sid = attrs.get("ID", "")
                name = attrs.get("NAME", "") or _decode_study_id(sid)
                year = attrs.get("YEAR", "")
                self.study_lookup.setdefault(sid, (name, year))
                if group.tag == "INCLUDED_STUDIES":
                    included.append(
                        Study(sid, name, year, attrs.get("DATA_SOURCE", ""), _freeze(attrs))
                    )
        return tuple(included)

    # -- analyses ----------------------------------------------------------------------
    def outcomes(self) -> tuple[Outcome, ...]:
        analyses = self.root.find("ANALYSES_AND_DATA")
        if analyses is None:
            return ()
        self.calculated = analyses.get("CALCULATED_DATA", "YES").strip().upper() != "NO"
        result: list[Outcome] = []
        for comp in analyses.iter("COMPARISON"):
            cattrs = comp.attrib
            cnum = _Numbers(cattrs, self.where(f"comparison {cattrs.get('ID', '?')}"))
            comp_info = (cattrs.get("ID", ""), cnum.integer("NO"), _inline_text(comp.find("NAME")))
            for elem in comp:
                data_type = _OUTCOME_TYPES.get(elem.tag)
                if data_type is not None:
                    result.append(self.outcome(elem, data_type, comp_info))
        return tuple(result)

    def outcome(self, elem: Element, data_type: str, comp: tuple[str, int | None, str]) -> Outcome:
        attrs = _element_attrs(elem)
        oid = attrs.get("ID", "")
        where = self.where(f"outcome {oid or '(no ID)'}")
        num = _Numbers(attrs, where)
        texts: dict[str, str] = {}
        subgroups: list[Subgroup] = []
        rows: list[DataRow] = []
        for child in elem:
            tag = child.tag
            if tag.endswith("_SUBGROUP"):
                subgroups.append(self.subgroup(child, data_type, oid))
            elif tag.endswith("_DATA"):
                rows.append(self.row(child, data_type, oid))
            elif tag in ("NAME", "EFFECT_MEASURE") or tag.startswith(
                ("GROUP_LABEL", "GRAPH_LABEL")
            ):
                texts[tag] = _inline_text(child).strip()
        if data_type in ("DICH", "CONT"):
            measure = attrs.get("EFFECT_MEASURE", "")
        else:
            measure = texts.get("EFFECT_MEASURE", attrs.get("EFFECT_MEASURE", ""))
        effect_present = bool(attrs.get("EFFECT_SIZE", "").strip())
        ci_study, ci_total = num.integer("CI_STUDY"), num.integer("CI_TOTAL")
        return Outcome(
            id=oid,
            no=num.integer("NO"),
            comparison_id=comp[0],
            comparison_no=comp[1],
            comparison_name=comp[2].strip(),
            name=texts.get("NAME", ""),
            data_type=data_type,
            method=attrs.get("METHOD", "") or _DEFAULT_METHOD[data_type],
            effect_measure=measure,
            random=_yes(attrs.get("RANDOM")),
            log_data=_yes(attrs.get("LOG_DATA")),
            subgroups_enabled=_yes(attrs.get("SUBGROUPS")),
            subgroup_test=_yes(attrs.get("SUBGROUP_TEST")),
            totals=(attrs.get("TOTALS", "") or "YES").upper(),
            swap_events=_yes(attrs.get("SWAP_EVENTS")),
            ci_study=95 if ci_study is None else ci_study,
            ci_total=95 if ci_total is None else ci_total,
            sort_by=attrs.get("SORT_BY", ""),
            scale=num("SCALE"),
            units=attrs.get("UNITS", ""),
            group_label_1=texts.get("GROUP_LABEL_1", ""),
            group_label_2=texts.get("GROUP_LABEL_2", ""),
            graph_label_1=texts.get("GRAPH_LABEL_1", ""),
            graph_label_2=texts.get("GRAPH_LABEL_2", ""),
            subgroups=tuple(subgroups),
            rows=tuple(rows),
            stored=_stored_totals(num),
            stored_q=num("Q"),
            stored_p_q=num("P_Q"),
            stored_i2_q=num("I2_Q"),
            has_results=self.calculated and data_type != "OTHER" and effect_present,
            attributes=_freeze(attrs),
        )

    def subgroup(self, elem: Element, data_type: str, oid: str) -> Subgroup:
        attrs = _element_attrs(elem)
        sid = attrs.get("ID", "")
        num = _Numbers(attrs, self.where(f"outcome {oid}", f"subgroup {sid or '(no ID)'}"))
        rows = tuple(self.row(c, data_type, oid) for c in elem if c.tag.endswith("_DATA"))
        name = _inline_text(elem.find("NAME")).strip()
        return Subgroup(sid, num.integer("NO"), name, rows, _stored_totals(num), _freeze(attrs))

    def row(self, elem: Element, data_type: str, oid: str) -> DataRow:
        attrs = _element_attrs(elem)
        study_id = attrs.get("STUDY_ID", "")
        name, year = self.study_lookup.get(study_id) or (_decode_study_id(study_id), "")
        num = _Numbers(attrs, self.where(f"outcome {oid}", f"study {name!r} ({study_id})"))
        stored = StoredRow(
            effect_size=num("EFFECT_SIZE"),
            se=num("SE"),
            ci_start=num("CI_START"),
            ci_end=num("CI_END"),
            weight=num("WEIGHT"),
            estimable=num.flag("ESTIMABLE"),
            o_e=num("O_E"),
            var=num("VAR"),
        )
        ipd = data_type == "IPD"
        return DataRow(
            study_id=study_id,
            study=name,
            year=year,
            order=num.integer("ORDER"),
            events_1=num("EVENTS_1"),
            total_1=num("TOTAL_1"),
            events_2=num("EVENTS_2"),
            total_2=num("TOTAL_2"),
            mean_1=num("MEAN_1"),
            sd_1=num("SD_1"),
            mean_2=num("MEAN_2"),
            sd_2=num("SD_2"),
            estimate=num("ESTIMATE"),
            se=stored.se if data_type == "IV" else NAN,
            o_e=stored.o_e if ipd else NAN,
            var=stored.var if ipd else NAN,
            footnotes=_row_footnotes(elem),
            stored=stored,
            attributes=_freeze(attrs),
        )

    # -- risk of bias and characteristics ------------------------------------------------
    def quality_items(self) -> tuple[QualityItem, ...]:
        container = self.root.find("QUALITY_ITEMS")
        if container is None:
            return ()
        items: list[QualityItem] = []
        for elem in container.findall("QUALITY_ITEM"):
            qid = elem.get("ID", "")
            num = _Numbers(elem.attrib, self.where(f"quality item {qid or '(no ID)'}"))
            groups = tuple(
                (g.get("ID", ""), _inline_text(g.find("NAME")).strip())
                for g in elem.findall("QUALITY_ITEM_DATA_ENTRY_GROUP")
            )
            entries = tuple(
                QualityEntry(
                    study_id=e.get("STUDY_ID", ""),
                    result=e.get("RESULT", ""),
                    support=_block_text(e.find("DESCRIPTION")),
                    group_id=e.get("GROUP_ID", ""),
                    attributes=_freeze(_element_attrs(e)),
                )
                for e in elem.iterfind("QUALITY_ITEM_DATA/QUALITY_ITEM_DATA_ENTRY")
            )
            items.append(
                QualityItem(
                    id=qid,
                    no=num.integer("NO"),
                    name=_inline_text(elem.find("NAME")).strip(),
                    description=_block_text(elem.find("DESCRIPTION")),
                    level=elem.get("LEVEL", ""),
                    core_item=_yes(elem.get("CORE_ITEM")),
                    groups=groups,
                    entries=entries,
                )
            )
        return tuple(items)

    def characteristics(self) -> tuple[CharacteristicsRow, ...]:
        table = self.root.find("CHARACTERISTICS_OF_STUDIES/CHARACTERISTICS_OF_INCLUDED_STUDIES")
        if table is None:
            return ()
        labels = dict(_CHAR_FIELD_NAMES)
        for key in table.attrib:
            match = re.fullmatch(r"USER_DEF_(\d+)_ENABLED", key)
            if match:
                n = match.group(1)
                label = table.get(f"USER_DEF_{n}_NAME", "").strip()
                if _yes(table.get(key)) and label:
                    labels[f"CHAR_USER_DEF_{n}"] = label
        rows: list[CharacteristicsRow] = []
        for elem in table.findall("INCLUDED_CHAR"):
            fields: dict[str, str] = {}
            for child in elem:
                if child.tag.startswith("CHAR_"):
                    key = labels.get(child.tag, child.tag[5:].lower())
                    fields[key] = _block_text(child)
            rows.append(CharacteristicsRow(elem.get("STUDY_ID", ""), _freeze(fields)))
        return tuple(rows)


def _parse_xml(data: bytes, source: str) -> Element:
    try:
        root: Element = _safe_et.fromstring(data)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = re.sub(r":\s*line \d+, column \d+\s*$", "", str(exc))
        raise RevManFormatError(
            f"{source}: line {line}, column {column + 1}: the file is not well-formed XML "
            f"({reason}). Fix: the file is probably truncated or damaged; copy or download it "
            "again, or re-save it from RevMan"
        ) from None
    except DefusedXmlException as exc:
        raise RevManFormatError(
            f"{source}: the XML contains a forbidden construct ({exc}). Fix: RevMan files never "
            "contain DTD entities or external references; re-save the file from RevMan"
        ) from None
    return root


def read_rm5(path: StrPath) -> RevManFile:
    """Read a RevMan 5 review file (``.rm5``).

    The bytes are parsed so that the encoding declared in the XML prolog (UTF-8 or
    ISO-8859-1) is honoured.  Parsing uses :mod:`defusedxml`.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.rm5`` file.

    Returns
    -------
    RevManFile
        With ``format="rm5"``: included studies, all outcomes of all comparisons in file
        order (including ``OTHER_OUTCOME``), risk-of-bias items and the characteristics of
        included studies.

    Raises
    ------
    RevManFormatError
        If the file is not well-formed XML, is not a RevMan review or holds a malformed value.
    OSError
        If the file cannot be read.
    """
    source = os.fspath(path)
    data = Path(source).read_bytes()
    root = _parse_xml(data, source)
    if root.tag != "COCHRANE_REVIEW":
        raise RevManFormatError(
            f"{source}: the root element is <{root.tag}>, not <COCHRANE_REVIEW>. "
            "Fix: pass a RevMan 5 review file (.rm5)"
        )
    reader = _Rm5Reader(source, root)
    studies = reader.studies()
    title_elem = root.find("COVER_SHEET/TITLE")  # the only COVER_SHEET element read
    return RevManFile(
        path=source,
        format="rm5",
        title=_inline_text(title_elem).strip(),
        revman_version=root.get("REVMAN_SUB_VERSION") or root.get("REVMAN_VERSION") or "",
        encoding=_xml_encoding(data),
        studies=studies,
        outcomes=reader.outcomes(),
        quality_items=reader.quality_items(),
        characteristics=reader.characteristics(),
    )
