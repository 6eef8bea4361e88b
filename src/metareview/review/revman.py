"""RevMan 5 interchange: a ``.rm5`` file becomes a review folder, a review folder an ``.rm5``.

:func:`import_rm5` turns a RevMan 5 review file into a :class:`~metareview.review.model.Review`
held in memory (write it with :func:`metareview.review.store.save`); :func:`export_rm5` writes
a review as a RevMan 5 file holding the study data *and* the results computed by
metareview's engine, in the attributes RevMan 5 stores them, so that
``metareview revman check`` (and RevMan 5) accept the file.

Both report what they could not carry over exactly as :class:`Notice` objects: nothing is
dropped silently.  :func:`import_rm5` returns ``(review, notices)`` (a
:class:`RevManImport`) and also puts the notices in ``review.notices`` (as
:class:`~metareview.exceptions.Problem` with severity ``"notice"``); :func:`export_rm5`
returns its notices.

Mapping (RevMan 5 -> review folder)
-----------------------------------
* Review title and the authors (``CREATORS``: first, middle and last names only; no
  addresses or e-mail addresses) -> ``title``, ``authors``; the date of the last search
  -> ``[search] last_search``.
* Included studies -> ``studies.csv``: ``id`` is the study name as RevMan displays it
  (e.g. ``Amr 2010``), ``year`` the study year (a year that is not a whole number, e.g.
  ``2012 Jul``, is kept in the extra column ``revman_year``).  The "Characteristics of
  included studies" table becomes extra columns ``Methods``, ``Participants``,
  ``Interventions``, ``Outcomes``, the user-defined fields under their names, and
  ``Notes``; the text is kept as is (paragraphs and line breaks become lines; bold,
  italics and links become plain text).
* Every comparison -> ``[[comparisons]]`` (id ``cmp-001`` from ``CMP-001``; comparisons
  without outcomes too), with the group labels of its first outcome.
* Every outcome -> ``[[comparisons.outcomes]]`` (id ``cmp-001-01`` from ``CMP-001.01``) with
  the settings :func:`metareview.io.revman_check.outcome_spec` uses to reproduce RevMan's
  results: data type (DICH -> dich, CONT -> cont, IV -> giv, IPD -> oe), effect measure,
  method (dich), fixed/random, ``ci`` (``CI_TOTAL``), totals, ``swap_events``, ``log``
  (giv), and the graph labels as ``favours_exp``/``favours_ctrl``; ``allow_not_estimable
  = true`` when rows hold values RevMan shows as "Not estimable" (n = 0, SD = 0, empty).
  RevMan settings the review format has no key for are kept, where they are not RevMan's
  default, in the extra table ``revman``: ``label_exp``/``label_ctrl`` (group labels
  that differ from the comparison's), ``ci_study`` (``CI_STUDY`` when it differs from
  ``CI_TOTAL``), ``scale``, ``sort_by``, ``subgroup_test``, ``units`` and
  ``show_participants``; :func:`export_rm5` writes them back.
* Subgroups -> ``subgroup_by = "Subgroup"`` and ``subgroups = [...]`` (empty subgroups
  kept); data rows -> ``outcomes/<id>.csv`` with the row footnotes in ``footnote``.
  A study entered twice in one analysis or subgroup (RevMan allows it, e.g. for the arms
  of a multi-arm trial) is kept as it is, with a notice.
* "Other data" outcomes (and any outcome type the engine cannot analyse) are kept as
  outcomes with ``per_study_data = false``, the extra key ``note`` and
  ``revman = {data_type = "OTHER"}``; their free-form rows are not imported (a notice
  says so).
* Risk of bias (``QUALITY_ITEMS``): RevMan 5 stores the judgement of every item as
  ``YES`` = low risk, ``NO`` = high risk, ``UNKNOWN`` = unclear risk (RevMan 5.1+ items
  are phrased as risks; the 5.0 items as questions such as "Allocation concealment?",
  where YES is also the good answer).  When the file's items are the standard RoB 1
  items (ignoring the legacy combined "Blinding (performance bias and detection bias)"
  item when it holds no judgement) the judgements go to the built-in ``RoB 1`` tool;
  otherwise a ``[[rob_tools]]`` entry named ``RevMan risk of bias`` is made with the
  file's item names as domains (descriptions and levels that are not RevMan's own for
  the item name in its extra table ``revman``).  Judgements are ``low``/``high``/
  ``unclear`` with the support text.  A judgement for one of RevMan's outcome groups
  (``All outcomes``, ``Subjective outcomes``, ...) keeps the group's name in the extra
  column ``outcome_group``; when the group names its outcomes (``REF_IDS``) it becomes one
  row per outcome (column ``outcome``), metareview's outcome-level judgement.  Exact
  duplicate judgements are imported once.

What does not survive the round trip: everything outside the analyses, studies,
characteristics and risk of bias (text of the review, references, excluded studies,
summary-of-findings tables, figures), the record of who changed what and when
(``MODIFIED``/``MODIFIED_BY``), text formatting, the rows of "other data" outcomes,
RevMan's row order numbers (the row order is kept), the ids of subgroups and outcome
groups, a study's ``DATA_SOURCE``, and RevMan's stored results, which are not imported
but recomputed (``metareview revman check`` compares them before you import).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, NamedTuple

import defusedxml.ElementTree as _safe_et
import numpy as np

from metareview.exceptions import Problem
from metareview.io.revman import Outcome as RmOutcome
from metareview.io.revman import QualityItem, RevManFile, StrPath, read_rm5
from metareview.review.model import (
    ROB1,
    SCHEMA,
    Comparison,
    DataRow,
    Outcome,
    Review,
    ReviewMeta,
    RobJudgement,
    RobTool,
    Search,
    Study,
)

__all__ = [
    "ROB_TOOL_NAME",
    "Notice",
    "RevManImport",
    "export_rm5",
    "import_rm5",
]

#: name of the ``[[rob_tools]]`` entry made from a file's own risk-of-bias items
ROB_TOOL_NAME: Final = "RevMan risk of bias"

_DATA_TYPES: Final = {"DICH": "dich", "CONT": "cont", "IV": "giv", "IPD": "oe"}
_RM_TYPES: Final = {v: k for k, v in _DATA_TYPES.items()}
_CHAR_COLUMNS: Final = {
    "methods": "Methods",
    "participants": "Participants",
    "interventions": "Interventions",
    "outcomes": "Outcomes",
    "notes": "Notes",
}
_CHAR_TAGS: Final = {
    "Methods": "CHAR_METHODS",
    "Participants": "CHAR_PARTICIPANTS",
    "Interventions": "CHAR_INTERVENTIONS",
    "Outcomes": "CHAR_OUTCOMES",
}
_STUDY_COLUMNS: Final = frozenset({"id", "author", "year", "country", "design"})
_YEAR_COLUMN: Final = "revman_year"
_GROUP_COLUMN: Final = "outcome_group"
_SCALE: Final = 100.0  # RevMan's default forest-plot scale
_RESULTS: Final = {"YES": "low", "NO": "high", "UNKNOWN": "unclear"}
_RISK_TO_RESULT: Final = {
    "low": "YES", "high": "NO", "unclear": "UNKNOWN", "some": "UNKNOWN", "critical": "NO",
}  # fmt: skip
_LEGACY_BLINDING: Final = "Blinding (performance bias and detection bias)"
#: RevMan 5.1+ risk-of-bias items: RoB 1 domain -> (item name, level, description)
_ROB1_ITEMS: Final = {
    "Random sequence generation": (
        "Random sequence generation (selection bias)", "STUDY",
        "Selection bias (biased allocation to interventions) due to inadequate generation "
        "of a randomised sequence",
    ),
    "Allocation concealment": (
        "Allocation concealment (selection bias)", "STUDY",
        "Selection bias (biased allocation to interventions) due to inadequate concealment "
        "of allocations prior to assignment",
    ),
    "Blinding of participants and personnel": (
        "Blinding of participants and personnel (performance bias)", "GROUP",
        "Performance bias due to knowledge of the allocated interventions by participants "
        "and personnel during the study",
    ),
    "Blinding of outcome assessment": (
        "Blinding of outcome assessment (detection bias)", "GROUP",
        "Detection bias due to knowledge of the allocated interventions by outcome assessors",
    ),
    "Incomplete outcome data": (
        "Incomplete outcome data (attrition bias)", "GROUP",
        "Attrition bias due to amount, nature or handling of incomplete outcome data",
    ),
    "Selective reporting": (
        "Selective reporting (reporting bias)", "STUDY",
        "Reporting bias due to selective outcome reporting",
    ),
    "Other bias": (
        "Other bias", "STUDY", "Bias due to problems not covered elsewhere in the table",
    ),
}  # fmt: skip
_ROB1_BY_ITEM: Final = {item: domain for domain, (item, _, _) in _ROB1_ITEMS.items()}
#: RevMan's own items (5.0 and 5.1+): item name -> (level, description); an imported tool
#: keeps a description or level only where it differs from these
_REVMAN_ITEMS: Final = {
    **{item: (level, desc) for item, level, desc in _ROB1_ITEMS.values()},
    _LEGACY_BLINDING: (
        "GROUP",
        "Performance bias or detection bias due to knowledge of the allocated interventions "
        "after assignment",
    ),
    "Adequate sequence generation?": ("STUDY", "Was the allocation sequence adequately generated?"),
    "Allocation concealment?": ("STUDY", "Was allocation adequately concealed?"),
    "Blinding?": (
        "GROUP",
        "Was knowledge of the allocated interventions adequately prevented during the study?",
    ),
    "Incomplete outcome data addressed?": (
        "GROUP", "Were incomplete outcome data adequately addressed?",
    ),
    "Free of selective reporting?": (
        "STUDY", "Are reports of the study free of suggestion of selective outcome reporting?",
    ),
    "Free of other bias?": (
        "STUDY",
        "Was the study apparently free of other problems that could put it at a high risk of "
        "bias?",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the conversion could not carry over exactly, and what became of it.

    Attributes
    ----------
    where : str
        The place: a file, outcome, study or risk-of-bias item.
    message : str
        What happened.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class RevManImport(NamedTuple):
    """What :func:`import_rm5` returns: the review and the notices (unpacks as a pair)."""

    review: Review
    notices: list[Notice]


# =========================================================================== import


@dataclass
class _Cover:
    """What is read from the file besides :func:`read_rm5`'s model."""

    authors: list[str] = field(default_factory=list)
    last_search: str = ""
    comparisons: list[tuple[str, int | None, str]] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)
    #: (quality item id, outcome group id) -> RevMan outcome ids (``REF_IDS``)
    group_refs: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def _text(elem: ET.Element | None) -> str:
    return "" if elem is None else "".join(elem.itertext()).strip()


def _read_cover(path: StrPath) -> _Cover:
    """Authors' names, last search date, every comparison and the other study lists."""
    cover = _Cover()
    heavy = {"MAIN_TEXT", "REFERENCE", "QUALITY_ITEM_DATA", "CHARACTERISTICS_OF_STUDIES"}
    stack: list[str] = []
    item = ""
    for event, elem in _safe_et.iterparse(os.fspath(path), events=("start", "end")):
        if event == "start":
            stack.append(elem.tag)
            if elem.tag == "QUALITY_ITEM":
                item = elem.get("ID", "")
            continue
        stack.pop()
        tag = elem.tag
        if tag == "PERSON" and stack[-2:] == ["COVER_SHEET", "CREATORS"]:
            parts = (_text(elem.find(t)) for t in ("FIRST_NAME", "MIDDLE_INITIALS", "LAST_NAME"))
            name = " ".join(" ".join(p.split()) for p in parts if p)
            if name:
                cover.authors.append(name)
        elif tag == "DATE" and stack[-2:] == ["DATES", "LAST_SEARCH"]:
            y, m, d = (elem.get(k, "").strip() for k in ("YEAR", "MONTH", "DAY"))
            if y.isdigit():
                cover.last_search = y
                if m.isdigit():
                    cover.last_search += f"-{int(m):02d}"
                    if d.isdigit():
                        cover.last_search += f"-{int(d):02d}"
        elif tag == "QUALITY_ITEM_DATA_ENTRY_GROUP":
            refs = (elem.get("REF_IDS") or "").split()
            if refs:
                cover.group_refs[(item, elem.get("ID", ""))] = refs
        elif tag == "COMPARISON":
            no = elem.get("NO", "").strip()
            name = _text(elem.find("NAME"))
            cover.comparisons.append((elem.get("ID", ""), int(no) if no.isdigit() else None, name))
            elem.clear()
        elif tag in ("EXCLUDED_STUDIES", "AWAITING_STUDIES", "ONGOING_STUDIES"):
            count = sum(1 for _ in elem.iter("STUDY"))
            if count and stack[-1:] == ["STUDIES"]:
                cover.excluded[tag] = count
            elem.clear()
        elif tag.endswith("_OUTCOME") or tag in heavy:
            elem.clear()
    return cover


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name} ({n})", n + 1
    taken.add(out)
    return out


def _int_year(text: str) -> int | None:
    t = text.strip()
    return int(t) if t.isascii() and t.isdigit() else None


def _import_studies(rm: RevManFile, notices: list[Notice]) -> tuple[list[Study], dict[str, str]]:
    """studies.csv rows and the map RevMan study id -> our study id."""
    chars = {c.study_id: c.fields for c in rm.characteristics}
    columns: list[str] = []
    for fields in chars.values():
        for key in fields:
            col = _CHAR_COLUMNS.get(key, key)
            if col in _STUDY_COLUMNS or col == _YEAR_COLUMN:
                col = f"{col} (characteristics)"
            if col not in columns:
                columns.append(col)
    # Notes last, as RevMan shows it
    if "Notes" in columns:
        columns.remove("Notes")
        columns.append("Notes")
    odd_years = [s for s in rm.studies if s.year.strip() and _int_year(s.year) is None]
    if odd_years:
        notices.append(
            Notice(
                "studies.csv",
                f"{len(odd_years)} stud{'y has' if len(odd_years) == 1 else 'ies have'} a "
                f"year that is not a whole number (e.g. {odd_years[0].name!r}: "
                f"{odd_years[0].year!r}); kept as text in the column {_YEAR_COLUMN}",
            )
        )
    studies: list[Study] = []
    id_of: dict[str, str] = {}
    taken: set[str] = set()
    for s in rm.studies:
        sid = _unique(s.name.strip() or s.id, taken)
        if sid != s.name.strip():
            notices.append(
                Notice(f"study {s.id}", f"name {s.name!r} is used twice; imported as {sid!r}")
            )
        id_of[s.id] = sid
        extra: dict[str, str] = {}
        if odd_years:
            extra[_YEAR_COLUMN] = s.year.strip() if _int_year(s.year) is None else ""
        fields = chars.get(s.id, {})
        by_col = {}
        for key, value in fields.items():
            col = _CHAR_COLUMNS.get(key, key)
            if col in _STUDY_COLUMNS or col == _YEAR_COLUMN:
                col = f"{col} (characteristics)"
            by_col[col] = value
        for col in columns:
            extra[col] = by_col.get(col, "")
        studies.append(Study(id=sid, year=_int_year(s.year), extra=extra))
    return studies, id_of


def _row_values(dt: str, r: Any, with_n: bool) -> dict[str, float | None]:
    def v(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    if dt == "dich":
        return {"events_exp": v(r.events_1), "n_exp": v(r.total_1),
                "events_ctrl": v(r.events_2), "n_ctrl": v(r.total_2)}  # fmt: skip
    if dt == "cont":
        return {"mean_exp": v(r.mean_1), "sd_exp": v(r.sd_1), "n_exp": v(r.total_1),
                "mean_ctrl": v(r.mean_2), "sd_ctrl": v(r.sd_2), "n_ctrl": v(r.total_2)}  # fmt: skip
    first = {"estimate": v(r.estimate), "se": v(r.se)} if dt == "giv" else {
        "o_minus_e": v(r.o_e), "variance": v(r.var)}  # fmt: skip
    if with_n:
        first.update(n_exp=v(r.total_1), n_ctrl=v(r.total_2))
    return first


def _outcome_id(rm_id: str, taken: set[str], fallback: str) -> str:
    oid = re.sub(r"[^a-z0-9._-]+", "-", rm_id.strip().lower()).replace(".", "-").strip("-_.")
    return _unique(oid or fallback, taken)


def _not_estimable(dt: str, rows: Sequence[DataRow]) -> bool:
    """Whether rows hold values RevMan shows as "Not estimable" (``allow_not_estimable``)."""
    from metareview.analysis.data import COLUMNS

    needed = COLUMNS[dt]
    zero_ok = ("n_", "sd", "se", "variance")
    for r in rows:
        for col in needed:
            v = r.values.get(col)
            if v is None or (v == 0 and col.startswith(zero_ok)):
                return True
    return False


def _import_outcome(
    o: RmOutcome,
    oid: str,
    labels: tuple[str, str],
    id_of: dict[str, str],
    studies: list[Study],
    notices: list[Notice],
) -> tuple[Outcome, list[DataRow] | None]:
    where = f"outcome {o.id} ({o.name})"
    dt = _DATA_TYPES.get(o.data_type)
    # RevMan settings metareview does not use, kept (when not RevMan's default) for export
    revman: dict[str, Any] = {}
    own_labels: dict[str, str] = {}
    if labels != (o.group_label_1, o.group_label_2):
        own_labels = {"label_exp": o.group_label_1, "label_ctrl": o.group_label_2}
    if o.ci_study != o.ci_total:
        revman["ci_study"] = o.ci_study
    if math.isfinite(o.scale) and o.scale != _SCALE:
        revman["scale"] = o.scale
    if o.sort_by and o.sort_by != "STUDY":
        revman["sort_by"] = o.sort_by
    if not o.subgroup_test:
        revman["subgroup_test"] = False
    if o.units:
        revman["units"] = o.units
    if o.attributes.get("SHOW_PARTICIPANTS", "YES").strip().upper() == "NO":
        revman["show_participants"] = False
    extra: dict[str, Any] = {"revman": revman} if revman else {}
    totals = o.totals.lower()
    if totals not in ("yes", "sub", "no"):
        notices.append(Notice(where, f"TOTALS={o.totals!r} is unknown; imported as 'yes'"))
        totals = "yes"
    common: dict[str, Any] = {
        "id": oid,
        "name": o.name or o.id,
        "model": "random" if o.random else "fixed",
        "ci": float(o.ci_total),
        "totals": totals,
        "favours_exp": o.graph_label_1,
        "favours_ctrl": o.graph_label_2,
        **own_labels,
    }
    if dt is None:
        n_rows = len(o.all_rows())
        note = (
            f"RevMan '{o.data_type.lower()} data' outcome: free-form study data that cannot be "
            "meta-analysed; its rows were not imported"
        )
        notices.append(
            Notice(
                where,
                f"{o.data_type} outcomes cannot be analysed; kept without per-study data "
                "(per_study_data = false)"
                + (f", {n_rows} data rows not imported" if n_rows else ""),
            )
        )
        revman["data_type"] = o.data_type
        fields = {**common, "data_type": "giv", "measure": o.effect_measure,
                  "per_study_data": False, "note": note, "revman": revman}  # fmt: skip
        return Outcome.model_validate(fields), None
    subgroup_names: list[str] = []
    taken: set[str] = set()
    for k, sg in enumerate(o.subgroups, 1):
        name = sg.name.strip() or f"Subgroup {k}"
        label = _unique(name, taken)
        if label != sg.name:
            notices.append(
                Notice(where, f"subgroup {sg.id} named {sg.name!r}; imported as {label!r}")
            )
        subgroup_names.append(label)
    pairs: list[tuple[str | None, Any]] = [
        (label, r) for label, sg in zip(subgroup_names, o.subgroups, strict=True) for r in sg.rows
    ]
    subgrouped = bool(o.subgroups) or o.subgroups_enabled
    if o.rows and subgrouped:
        label = _unique("(no subgroup)", taken)
        subgroup_names.append(label)
        notices.append(
            Notice(where, f"{len(o.rows)} rows outside any subgroup; put in subgroup {label!r}")
        )
        pairs += [(label, r) for r in o.rows]
    elif not subgrouped:
        pairs = [(None, r) for r in o.rows]
    with_n = dt in ("giv", "oe") and any(
        not (math.isnan(r.total_1) and math.isnan(r.total_2)) for _, r in pairs
    )
    rows: list[DataRow] = []
    known = {s.id for s in studies}
    seen: dict[tuple[str | None, str], int] = {}
    twice: list[str] = []
    for sub, r in pairs:
        study = id_of.get(r.study_id) or r.study
        if r.study_id not in id_of and study not in known:
            known.add(study)
            studies.append(Study(id=study, year=_int_year(r.year), extra={}))
            notices.append(
                Notice(where, f"study {study!r} is not an included study; added to studies.csv")
            )
        key = (sub, study)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            twice.append(study if sub is None else f"{study} ({sub})")
        rows.append(DataRow(study, sub, _row_values(dt, r, with_n), "\n".join(r.footnotes)))
    if twice:
        notices.append(
            Notice(
                where,
                "a study enters the analysis more than once (RevMan allows this, e.g. for "
                f"multi-arm trials; kept as is, allow_repeated_studies = true): "
                f"{', '.join(twice)}",
            )
        )
    fields = {
        **common,
        "data_type": dt,
        "measure": o.effect_measure,
        "method": o.method if dt == "dich" else "",
        "subgroup_by": "Subgroup" if subgrouped else None,
        "subgroups": subgroup_names if subgrouped else None,
        "swap_events": o.swap_events if dt == "dich" else False,
        "log": o.log_data if dt == "giv" else False,
        **extra,
    }
    if _not_estimable(dt, rows):
        fields["allow_not_estimable"] = True
    if twice:
        fields["allow_repeated_studies"] = True
    return Outcome.model_validate(fields), rows


def _import_comparisons(
    rm: RevManFile,
    cover: _Cover,
    id_of: dict[str, str],
    studies: list[Study],
    notices: list[Notice],
) -> tuple[list[Comparison], dict[str, list[DataRow]], dict[str, str]]:
    """Comparisons, data rows by outcome id, and the map RevMan outcome id -> ours."""
    by_comparison: dict[str, list[RmOutcome]] = {}
    for o in rm.outcomes:
        by_comparison.setdefault(o.comparison_id, []).append(o)
    headers = list(cover.comparisons)
    listed = {h[0] for h in headers}
    for o in rm.outcomes:  # the reader's comparisons, should the light parse have missed any
        if o.comparison_id not in listed:
            listed.add(o.comparison_id)
            headers.append((o.comparison_id, o.comparison_no, o.comparison_name))
    comparisons: list[Comparison] = []
    data: dict[str, list[DataRow]] = {}
    ids: dict[str, str] = {}
    cids: set[str] = set()
    oids: set[str] = set()
    for n, (rm_cid, no, cname) in enumerate(headers, 1):
        outcomes = by_comparison.get(rm_cid, [])
        if outcomes:
            cname = outcomes[0].comparison_name  # the reader's text of the name
        cid = _outcome_id(rm_cid, cids, f"cmp-{no or n:03d}")
        first = outcomes[0] if outcomes else None
        label_exp = first.group_label_1 if first else "Experimental"
        label_ctrl = first.group_label_2 if first else "Control"
        ours: list[Outcome] = []
        for k, o in enumerate(outcomes, 1):
            oid = _outcome_id(o.id, oids, f"{cid}-{o.no or k:02d}")
            ids[o.id] = oid
            outcome, rows = _import_outcome(
                o, oid, (label_exp, label_ctrl), id_of, studies, notices
            )
            ours.append(outcome)
            if rows is not None:
                data[oid] = rows
        comparisons.append(
            Comparison(
                id=cid,
                name=cname.strip() or rm_cid,
                label_exp=label_exp,
                label_ctrl=label_ctrl,
                outcomes=ours,
            )
        )
    return comparisons, data, ids


def _rob1_domain(item: QualityItem) -> str | None:
    return _ROB1_BY_ITEM.get(item.name.strip())


def _import_rob(
    rm: RevManFile,
    cover: _Cover,
    id_of: dict[str, str],
    outcome_ids: dict[str, str],
    notices: list[Notice],
) -> tuple[list[RobTool], list[RobJudgement]]:
    items = rm.quality_items
    if not items:
        return [], []
    used = [q for q in items if q.entries]
    unused = [q for q in items if not q.entries]
    domains = [_rob1_domain(q) for q in used]
    rob1 = (
        all(d is not None for d in domains)
        and len(set(domains)) == len(domains)
        and all(_rob1_domain(q) is not None or q.name.strip() == _LEGACY_BLINDING for q in unused)
    )
    tools: list[RobTool] = []
    names: dict[str, str] = {}  # item id -> domain
    if rob1:
        tool_name = ROB1.name
        for q, d in zip(used, domains, strict=True):
            names[q.id] = d or q.name
        if any(q.name.strip() == _LEGACY_BLINDING for q in unused):
            notices.append(
                Notice(
                    "risk of bias",
                    f"the unused legacy item {_LEGACY_BLINDING!r} was dropped: the judgements "
                    "use the standard RoB 1 items (tool 'RoB 1')",
                )
            )
    else:
        tool_name = ROB_TOOL_NAME
        taken: set[str] = set()
        for q in items:
            names[q.id] = _unique(q.name.strip() or q.id, taken)
        tool: dict[str, Any] = {
            "name": ROB_TOOL_NAME,
            "domains": [names[q.id] for q in items],
            "judgements": ["low", "high", "unclear"],
            "low": ["low"],
            "high": ["high"],
        }
        # descriptions and levels only where they are not RevMan's own for the item
        revman: dict[str, Any] = {}
        default = {q.id: _REVMAN_ITEMS.get(q.name.strip(), ("STUDY", "")) for q in items}
        descriptions = {names[q.id]: q.description for q in items
                        if q.description != default[q.id][1]}  # fmt: skip
        levels = {names[q.id]: q.level.upper() for q in items
                  if q.level.upper() != default[q.id][0]}  # fmt: skip
        if descriptions:
            revman["descriptions"] = descriptions
        if levels:
            revman["levels"] = levels
        if revman:
            tool["revman"] = revman
        tools.append(RobTool.model_validate(tool))
    with_group = any(q.groups or any(e.group_id for e in q.entries) for q in used)
    rows: list[RobJudgement] = []
    seen: set[tuple[str, str, str, str, str]] = set()
    for q in used:
        groups = dict(q.groups)
        where = f"risk of bias item {q.name!r}"
        for e in q.entries:
            study = id_of.get(e.study_id)
            if study is None:
                message = f"judgement for {e.study_id!r}, not an included study, not imported"
                notices.append(Notice(where, message))
                continue
            key = (study, q.id, e.group_id, e.result, e.support)
            if key in seen:
                message = f"study {study!r}: the same judgement is stored twice; imported once"
                notices.append(Notice(where, message))
                continue
            seen.add(key)
            judgement = _RESULTS.get(e.result.strip().upper())
            if judgement is None:
                notices.append(
                    Notice(
                        f"{where}, study {study!r}",
                        f"judgement {e.result!r} is not YES, NO or UNKNOWN; imported as 'unclear'",
                    )
                )
                judgement = "unclear"
            extra = {_GROUP_COLUMN: groups.get(e.group_id, "")} if with_group else {}
            # a judgement for a group of outcomes: one row per outcome (metareview's
            # outcome-level judgement), the group's name kept in outcome_group
            refs = cover.group_refs.get((q.id, e.group_id), [])
            ours = [outcome_ids[r] for r in refs if r in outcome_ids]
            for outcome in ours or [""]:
                rows.append(RobJudgement(study, tool_name, names[q.id], judgement, e.support,
                                         outcome, dict(extra)))  # fmt: skip
    return tools, rows


def import_rm5(path: StrPath) -> RevManImport:
    """Read a RevMan 5 review file (``.rm5``) as a review, in memory.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.rm5`` file.

    Returns
    -------
    RevManImport
        ``(review, notices)``: the :class:`~metareview.review.model.Review` (its ``root``
        is the file's path without the suffix; save it with
        :func:`metareview.review.store.save`) and a list of :class:`Notice` naming what
        could not be imported exactly (outcome types without per-study data, studies
        entered twice, years that are not numbers, ...).  See the module documentation for
        the mapping.

    Raises
    ------
    metareview.io.revman.RevManFormatError
        If the file is not a readable RevMan 5 file.
    OSError
        If the file cannot be read.
    """
    rm = read_rm5(path)
    cover = _read_cover(path)
    notices: list[Notice] = []
    studies, id_of = _import_studies(rm, notices)
    comparisons, data, outcome_ids = _import_comparisons(rm, cover, id_of, studies, notices)
    tools, rob = _import_rob(rm, cover, id_of, outcome_ids, notices)
    labels = {"EXCLUDED_STUDIES": "excluded", "AWAITING_STUDIES": "awaiting classification",
              "ONGOING_STUDIES": "ongoing"}  # fmt: skip
    others = [f"{n} {labels[k]}" for k, n in cover.excluded.items()]
    if others:
        notices.append(
            Notice(
                os.fspath(path),
                f"only included studies are imported; not imported: {', '.join(others)}",
            )
        )
    columns = list(dict.fromkeys(k for s in studies for k in s.extra))
    for s in studies:  # studies added from data rows: the same columns as the others
        s.extra = {k: s.extra.get(k, "") for k in columns}
    meta = ReviewMeta.model_validate(
        {
            "schema": SCHEMA,
            "title": rm.title or Path(path).stem,
            "authors": cover.authors,
            "preset": "revman5",
            "search": Search(last_search=cover.last_search),
            "comparisons": comparisons,
            "rob_tools": tools,
        }
    )
    review = Review(
        root=Path(path).with_suffix(""),
        meta=meta,
        studies=studies,
        data=data,
        rob=rob,
        notices=[Problem(n.message, source=n.where, severity="notice") for n in notices],
    )
    return RevManImport(review, notices)


# =========================================================================== export

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_BAD.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _num(x: float | None) -> str:
    """A double as Java's ``Double.toString`` writes it (RevMan's number format)."""
    if x is None:
        return ""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    a = abs(x)
    if 1e-3 <= a < 1e7:
        return repr(x)
    _, digits, exp = Decimal(repr(a)).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    e = int(exp) + len(digits) - 1
    return f"{'-' if x < 0 else ''}{ds[0]}.{ds[1:] or '0'}E{e}"


def _count(x: float | None) -> str:
    """Counts (events, participants) as integers when they are whole numbers."""
    if x is None or not math.isfinite(x):
        return "" if x is None or math.isnan(x) else _num(x)
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else _num(x)


def _log10(x: float) -> float:
    if math.isnan(x) or x < 0:
        return math.nan
    return -math.inf if x == 0 else math.log10(x)


def _yes(flag: bool) -> str:
    return "YES" if flag else "NO"


def _encode_id(name: str) -> str:
    """RevMan's study id: ``STD-`` + the name with spaces as ``-`` and others as ``_xHHHH_``."""
    out: list[str] = []
    for unit in name.encode("utf-16-be").hex(" ", 2).split():
        ch = chr(int(unit, 16))
        if ch == " ":
            out.append("-")
        elif ch.isascii() and (ch.isalnum() or ch == "."):
            out.append(ch)
        else:
            out.append(f"_x{unit}_")
    return "STD-" + "".join(out)


def _el(parent: ET.Element, tag: str, attrs: Mapping[str, str] | None = None,
        text: str | None = None) -> ET.Element:  # fmt: skip
    elem = ET.SubElement(parent, tag, dict(sorted((attrs or {}).items())))
    if text:
        elem.text = _clean(text)
    return elem


def _paragraphs(parent: ET.Element, tag: str, text: str) -> ET.Element:
    """An element holding ``text`` as one ``<P>`` with ``<BR/>`` line breaks.

    Line breaks rather than paragraphs keep every line exactly as it is (RevMan's
    paragraphs are read back as lines with their ends trimmed).
    """
    elem = _el(parent, tag)
    text = _clean(text).strip()
    if text:
        first, *rest = text.split("\n")
        para = _el(elem, "P", text=first)
        for line in rest:
            _el(para, "BR").tail = line
    return elem


_SKELETON: Final = (
    ("MAIN_TEXT", (
        ("SUMMARY", (("TITLE", ()), ("SUMMARY_BODY", ()))),
        ("ABSTRACT", tuple((t, ()) for t in (
            "ABS_BACKGROUND", "ABS_OBJECTIVES", "ABS_SEARCH_STRATEGY", "ABS_SELECTION_CRITERIA",
            "ABS_DATA_COLLECTION", "ABS_RESULTS", "ABS_CONCLUSIONS"))),
        ("BODY", (
            ("BACKGROUND", tuple((t, ()) for t in (
                "CONDITION", "INTERVENTION", "THEORY", "IMPORTANCE"))),
            ("OBJECTIVES", ()),
            ("METHODS", (
                ("SELECTION_CRITERIA", (
                    ("CRIT_STUDIES", ()), ("CRIT_PARTICIPANTS", ()), ("CRIT_INTERVENTIONS", ()),
                    ("CRIT_OUTCOMES", (("CRIT_OUTCOMES_PRIMARY", ()),
                                       ("CRIT_OUTCOMES_SECONDARY", ()))))),
                ("SEARCH_METHODS", (("ELECTRONIC_SEARCHES", ()), ("OTHER_SEARCHES", ()))),
                ("DATA_COLLECTION", tuple((t, ()) for t in (
                    "STUDY_SELECTION", "DATA_EXTRACTION", "QUALITY_ASSESSMENT",
                    "EFFECT_MEASURES", "UNIT_OF_ANALYSIS", "MISSING_DATA",
                    "HETEROGENEITY_ASSESSMENT", "BIAS_ASSESSMENT", "DATA_SYNTHESIS",
                    "SUBGROUP_ANALYSIS", "SENSITIVITY_ANALYSIS"))))),
            ("RESULTS", (
                ("STUDY_DESCRIPTION", tuple((t, ()) for t in (
                    "SEARCH_RESULTS", "INCLUDED_STUDIES_DESCR", "EXCLUDED_STUDIES_DESCR"))),
                ("STUDY_QUALITY", tuple((t, ()) for t in (
                    "ALLOCATION", "BLINDING", "EXCLUSIONS", "SELECTIVE_REPORTING",
                    "OTHER_BIAS_SOURCES"))),
                ("INTERVENTION_EFFECTS", ()))),
            ("DISCUSSION", tuple((t, ()) for t in (
                "SUMMARY_OF_RESULTS", "APPLICABILITY_OF_FINDINGS", "QUALITY_OF_EVIDENCE",
                "POTENTIAL_BIASES", "AGREEMENT"))),
            ("CONCLUSIONS", (("IMPLICATIONS_PRACTICE", ()), ("IMPLICATIONS_RESEARCH", ()))))),
        ("ACKNOWLEDGEMENTS", ()), ("CONFLICT_OF_INTEREST", ()), ("CONTRIBUTIONS", ()),
        ("PRO_REV_DIFF", ()), ("PUBLIC_NOTES", ()))),
)  # fmt: skip
_PERSON_FIELDS: Final = ("PREFIX", "FIRST_NAME", "MIDDLE_INITIALS", "LAST_NAME", "SUFFIX",
                         "POSITION", "EMAIL_1", "EMAIL_2", "URL", "MOBILE_PHONE")  # fmt: skip
_ADDRESS_FIELDS: Final = ("DEPARTMENT", "ORGANISATION", "ADDRESS_1", "ADDRESS_2", "CITY", "ZIP",
                          "REGION", "COUNTRY", "PHONE_1", "PHONE_2", "FAX_1", "FAX_2")  # fmt: skip


def _skeleton(parent: ET.Element, spec: Sequence[tuple[str, Any]]) -> None:
    for tag, children in spec:
        _skeleton(_el(parent, tag), children)


def _person(parent: ET.Element, role: str, name: str = "") -> None:
    person = _el(parent, "PERSON", {"ID": "????", "ROLE": role})
    first, _, last = name.rpartition(" ") if " " in name else ("", "", name)
    values = {"FIRST_NAME": first, "LAST_NAME": last}
    for tag in _PERSON_FIELDS:
        _el(person, tag, text=values.get(tag))
    address = _el(person, "ADDRESS")
    for tag in _ADDRESS_FIELDS:
        if tag == "COUNTRY":
            _el(address, tag, {"CODE": "NONE"}, "Not specified")
        else:
            _el(address, tag)
    _el(person, "FOOTNOTE")


def _cover_sheet(root: ET.Element, meta: ReviewMeta) -> None:
    cover = _el(root, "COVER_SHEET")
    _el(cover, "TITLE", text=meta.title)
    _person(_el(cover, "CONTACT"), "UNKNOWN")
    creators = _el(cover, "CREATORS")
    for author in meta.authors or [""]:
        _person(creators, "AUTHOR", author)
    dates = _el(cover, "DATES")
    parts = [*meta.search.last_search.split("-"), "", "", ""][:3]
    for tag in ("UP_TO_DATE", "LAST_SEARCH", "NEXT_STAGE"):
        date = parts if tag == "LAST_SEARCH" else ["", "", ""]
        _el(_el(dates, tag), "DATE", {"YEAR": date[0], "MONTH": date[1].lstrip("0"),
                                      "DAY": date[2].lstrip("0")})  # fmt: skip
    for tag in ("PROTOCOL_PUBLISHED", "REVIEW_PUBLISHED", "LAST_CITATION_ISSUE"):
        _el(dates, tag, {"ISSUE": "", "YEAR": ""})
    for tag in ("WHATS_NEW", "HISTORY"):
        _el(cover, tag)
    support = _el(cover, "SOURCES_OF_SUPPORT")
    _el(support, "INTERNAL_SOURCES")
    _el(support, "EXTERNAL_SOURCES")
    _el(cover, "MESH_TERMS", {"VERIFIED": "NO"})
    _el(cover, "KEYWORDS")


class _Exporter:
    def __init__(self, review: Review) -> None:
        self.review = review
        self.meta = review.meta
        self.notices: list[Notice] = []
        self.study_ids: dict[str, str] = {}
        self.order = 0
        self.outcome_rm_ids: dict[str, str] = {}
        self.noted: set[str] = set()

    def note(self, where: str, message: str) -> None:
        self.notices.append(Notice(where, message))

    def study_id(self, study: str) -> str:
        sid = self.study_ids.get(study)
        if sid is None:
            sid = self.study_ids[study] = _encode_id(study)
        return sid

    # -- studies -------------------------------------------------------------------------
    def studies(self, root: ET.Element) -> list[str]:
        """STUDIES_AND_REFERENCES; returns the extra columns used as characteristics."""
        refs = _el(root, "STUDIES_AND_REFERENCES")
        container = _el(refs, "STUDIES")
        included = _el(container, "INCLUDED_STUDIES")
        listed = [s.id for s in self.review.studies]
        missing = sorted(
            {r.study for rows in self.review.data.values() for r in rows} - set(listed)
        )
        if missing:
            self.note("studies.csv", "studies in data files but not in studies.csv were added "
                      f"as included studies: {', '.join(missing)}")  # fmt: skip
        by_id = {s.id: s for s in self.review.studies}
        for sid in [*listed, *missing]:
            got = by_id.get(sid)
            year = ""
            if got is not None:
                year = got.extra.get(_YEAR_COLUMN, "").strip() or (
                    "" if got.year is None else str(got.year)
                )
            study = _el(included, "STUDY", {"DATA_SOURCE": "PUB", "ID": self.study_id(sid),
                                            "NAME": _clean(sid), "YEAR": _clean(year)})  # fmt: skip
            ref = _el(study, "REFERENCE", {"PRIMARY": "NO", "TYPE": "JOURNAL_ARTICLE"})
            _el(ref, "IDENTIFIERS")
            _el(study, "IDENTIFIERS")
        for tag in ("EXCLUDED_STUDIES", "AWAITING_STUDIES", "ONGOING_STUDIES"):
            _el(container, tag)
        other = _el(refs, "OTHER_REFERENCES")
        for tag in ("ADDITIONAL_REFERENCES", "OTHER_VERSIONS_REFERENCES", "PENDING_REFERENCES"):
            _el(other, tag)
        return self.characteristics(root, [*listed, *missing], by_id)

    def characteristics(self, root: ET.Element, ids: list[str],
                        by_id: Mapping[str, Study]) -> list[str]:  # fmt: skip
        columns: list[str] = []
        for s in self.review.studies:
            for col in s.extra:
                if col not in columns and col != _YEAR_COLUMN:
                    columns.append(col)
        user = [c for c in columns if c not in _CHAR_TAGS and c != "Notes"]
        for attr in ("country", "design", "author"):
            if any(getattr(s, attr) for s in self.review.studies):
                user.append(attr)
        if len(user) > 3:
            self.note("studies.csv", "RevMan 5 has 3 user-defined characteristics; not "
                      f"exported: {', '.join(user[3:])}")  # fmt: skip
            user = user[:3]
        chars = _el(root, "CHARACTERISTICS_OF_STUDIES")
        attrs = {"SORT_BY": "STUDY"}
        for n in (1, 2, 3):
            attrs[f"USER_DEF_{n}_ENABLED"] = _yes(n <= len(user))
            if n <= len(user):
                name = user[n - 1]
                attrs[f"USER_DEF_{n}_NAME"] = _clean(name.capitalize() if name in
                                                     _STUDY_COLUMNS else name)  # fmt: skip
        table = _el(chars, "CHARACTERISTICS_OF_INCLUDED_STUDIES", attrs)
        for sid in ids:
            study = by_id.get(sid)

            def value(col: str, s: Study | None = study) -> str:
                if s is None:
                    return ""
                if col in _STUDY_COLUMNS:
                    got = getattr(s, col)
                    return "" if got is None else str(got)
                return s.extra.get(col, "")

            row = _el(table, "INCLUDED_CHAR", {"STUDY_ID": self.study_id(sid)})
            for col, tag in _CHAR_TAGS.items():
                _paragraphs(row, tag, value(col))
            for n, col in enumerate(user, 1):
                _paragraphs(row, f"CHAR_USER_DEF_{n}", value(col))
            _paragraphs(row, "CHAR_NOTES", value("Notes"))
        _el(table, "FOOTNOTES")
        _el(_el(chars, "CHARACTERISTICS_OF_EXCLUDED_STUDIES", {"SORT_BY": "STUDY"}), "FOOTNOTES")
        for tag in ("CHARACTERISTICS_OF_AWAITING_STUDIES", "CHARACTERISTICS_OF_ONGOING_STUDIES"):
            attrs = {"SORT_BY": "STUDY"}
            attrs.update({f"USER_DEF_{n}_ENABLED": "NO" for n in (1, 2, 3)})
            _el(_el(chars, tag, attrs), "FOOTNOTES")
        return user

    # -- risk of bias --------------------------------------------------------------------
    def quality_items(self, root: ET.Element) -> None:
        container = _el(root, "QUALITY_ITEMS")
        rob = self.review.judgements()
        tools: list[RobTool] = []
        if any(j.tool == ROB1.name for j in rob) or not self.meta.rob_tools:
            tools.append(ROB1)
        tools += [t for t in self.meta.rob_tools if t.name != ROB1.name]
        known = {t.name for t in tools}
        unknown = sorted({j.tool for j in rob} - known)
        if unknown:
            self.note("risk_of_bias.csv", f"judgements of unknown tools not exported: "
                      f"{', '.join(unknown)}")  # fmt: skip
        prefix = len(tools) > 1
        # (tool, domain) -> item name, level, description
        items: dict[tuple[str, str], tuple[str, str, str]] = {}
        for tool in tools:
            got = (tool.model_extra or {}).get("revman")
            revman: dict[str, Any] = got if isinstance(got, dict) else {}
            descriptions = revman.get("descriptions") or {}
            levels = revman.get("levels") or {}
            for domain in tool.domains:
                if tool is ROB1:
                    name, level, desc = _ROB1_ITEMS[domain]
                else:
                    name = domain
                    level, desc = _REVMAN_ITEMS.get(domain, ("STUDY", ""))
                    level = str(levels.get(domain, level)).upper()
                    desc = str(descriptions.get(domain, desc))
                if prefix and tool is not ROB1:
                    name = f"{tool.name}: {name}"
                items[(tool.name, domain)] = (name, level, desc)
        by_item: dict[tuple[str, str], list[RobJudgement]] = {k: [] for k in items}
        for j in rob:
            key = (j.tool, j.domain)
            if key in by_item:
                by_item[key].append(j)
            elif j.tool in known:
                self.note("risk_of_bias.csv", f"domain {j.domain!r} is not a domain of tool "
                          f"{j.tool!r}; judgement of {j.study!r} not exported")  # fmt: skip
        tool_of = {t.name: t for t in tools}
        for n, (key, (name, level, desc)) in enumerate(items.items(), 1):
            self.quality_item(container, n, name, level, desc, tool_of[key[0]], by_item[key])

    def quality_item(
        self, container: ET.Element, n: int, name: str, level: str, desc: str, tool: RobTool,
        judgements: list[RobJudgement],
    ) -> None:  # fmt: skip
        """One ``QUALITY_ITEM``: outcome-level judgements become RevMan's outcome groups."""
        groups: dict[str, list[str]] = {}  # group name -> RevMan outcome ids (REF_IDS)
        entries: dict[tuple[str, str | None], RobJudgement] = {}
        for j in judgements:
            group = self._group(j)
            if group is not None:
                refs = groups.setdefault(group[0], [])
                if group[1] and group[1] not in refs:
                    refs.append(group[1])
            entry = (j.study, None if group is None else group[0])
            first = entries.setdefault(entry, j)
            if first is not j and (first.judgement, first.support) != (j.judgement, j.support):
                self.note(
                    f"risk_of_bias.csv:{j.line}" if j.line else "risk_of_bias.csv",
                    f"{j.study!r}, {j.domain}, outcome group {entry[1]!r}: RevMan holds one "
                    f"judgement per study and outcome group; exported the one of outcome "
                    f"{first.outcome!r}, not that of {j.outcome!r}",
                )
        if groups:
            level = "GROUP"
        item = _el(container, "QUALITY_ITEM", {"CORE_ITEM": "YES", "ID": f"QIT-{n:02d}",
                                               "LEVEL": level, "NO": str(n)})  # fmt: skip
        _el(item, "NAME", text=name)
        _paragraphs(item, "DESCRIPTION", desc)
        group_ids: dict[str, str] = {}
        for k, (gname, refs) in enumerate(groups.items(), 1):
            gid = group_ids[gname] = f"QIG-{n:02d}.{k:02d}"
            attrs = {"ID": gid, "NO": str(k)}
            if refs:
                attrs["REF_IDS"] = " ".join(refs)
            _el(_el(item, "QUALITY_ITEM_DATA_ENTRY_GROUP", attrs), "NAME", text=gname)
        data = _el(item, "QUALITY_ITEM_DATA")
        graded_levels = {tool.risk(x) for x in tool.judgements}
        graded = len(tool.judgements) > len(graded_levels) or bool(
            graded_levels - {"low", "high", "unclear"}
        )
        if graded:
            key = f"rob-levels:{tool.name}"
            if key not in self.noted:
                self.noted.add(key)
                self.note(
                    "risk_of_bias.csv",
                    f"tool {tool.name!r} has more judgement levels than RevMan 5's three; "
                    "exported as low/high/unclear risk with the judgement kept in the support "
                    "text",
                )
        for (_, group_name), j in entries.items():
            risk = tool.risk(j.judgement)
            if j.judgement not in tool.judgements:
                self.note(f"risk_of_bias.csv:{j.line}" if j.line else "risk_of_bias.csv",
                          f"judgement {j.judgement!r} of {j.study!r} ({j.domain}) is not one "
                          f"of tool {tool.name!r}; exported as {risk} risk")  # fmt: skip
            attrs = {"RESULT": _RISK_TO_RESULT[risk], "STUDY_ID": self.study_id(j.study)}
            if group_name is not None:
                attrs["GROUP_ID"] = group_ids[group_name]
            entry_elem = _el(data, "QUALITY_ITEM_DATA_ENTRY", attrs)
            support = j.support
            if graded:  # RevMan has three levels: keep the tool's own judgement in the text
                support = f"{j.judgement}: {j.support}" if j.support else j.judgement
            _paragraphs(entry_elem, "DESCRIPTION", support)

    def _group(self, j: RobJudgement) -> tuple[str, str] | None:
        """(outcome group name, RevMan outcome id or '') of an outcome-level judgement."""
        name = j.extra.get(_GROUP_COLUMN, "").strip()
        if not j.outcome:
            return (name, "") if name else None
        try:
            _, outcome = self.meta.outcome(j.outcome)
        except KeyError:
            return name or j.outcome, ""
        return name or outcome.name, self.outcome_rm_ids.get(j.outcome, "")

    # -- analyses ------------------------------------------------------------------------
    def number_ids(self) -> list[tuple[Comparison, str, int, list[tuple[Outcome, str, int]]]]:
        comps = self.meta.comparisons
        pattern = [re.fullmatch(r"cmp-(\d+)", c.id) for c in comps]
        nos = [int(m.group(1)) for m in pattern if m]
        keep = len(nos) == len(comps) and len(set(nos)) == len(nos)
        out = []
        for i, c in enumerate(comps, 1):
            cno = nos[i - 1] if keep else i
            cid = f"CMP-{cno:03d}"
            ms = [re.fullmatch(rf"cmp-0*{cno}-(\d+)", o.id) for o in c.outcomes]
            onos = [int(m.group(1)) for m in ms if m]
            okeep = len(onos) == len(c.outcomes) and len(set(onos)) == len(onos)
            outs = []
            for k, o in enumerate(c.outcomes, 1):
                ono = onos[k - 1] if okeep else k
                rid = f"{cid}.{ono:02d}"
                self.outcome_rm_ids[o.id] = rid
                outs.append((o, rid, ono))
            out.append((c, cid, cno, outs))
        return out

    def analyses(self, root: ET.Element,
                 numbered: list[tuple[Comparison, str, int, list[tuple[Outcome, str, int]]]]
                 ) -> None:  # fmt: skip
        analyses = _el(root, "ANALYSES_AND_DATA", {"CALCULATED_DATA": "YES"})
        if self.meta.preset != "revman5":
            self.note("review.toml", f"preset {self.meta.preset!r}: the results stored in the "
                      "RevMan file are computed with RevMan 5's methods (DerSimonian-Laird, "
                      "Wald CIs), the only ones RevMan 5 knows")  # fmt: skip
        for c, cid, cno, outs in numbered:
            comp = _el(analyses, "COMPARISON", {"ID": cid, "NO": str(cno)})
            _el(comp, "NAME", text=c.name)
            for o, rid, ono in outs:
                self.outcome(comp, c, o, rid, ono)

    def outcome(self, comp: ET.Element, c: Comparison, o: Outcome, rid: str, ono: int) -> None:
        where = f"outcome {o.id}"
        extra = o.model_extra or {}
        got = extra.get("revman")
        revman: dict[str, Any] = got if isinstance(got, dict) else {}
        label_exp = (
            o.label_exp if o.label_exp is not None else str(revman.get("label_exp", c.label_exp))
        )
        label_ctrl = (
            o.label_ctrl
            if o.label_ctrl is not None
            else str(revman.get("label_ctrl", c.label_ctrl))
        )
        rows = self.review.data.get(o.id, [])
        if not o.per_study_data:
            elem = _el(comp, "OTHER_OUTCOME", {"ID": rid, "NO": str(ono), "SORT_BY": str(
                revman.get("sort_by") or "STUDY")})  # fmt: skip
            if str(revman.get("data_type", "")).upper() != "OTHER":
                self.note(where, "no per-study data: exported as a RevMan 'other data' outcome "
                          "without rows")  # fmt: skip
            _el(elem, "NAME", text=o.name)
            _el(elem, "GROUP_LABEL_1", text=label_exp)
            _el(elem, "GROUP_LABEL_2", text=label_ctrl)
            return
        if any(v is not None for v in (o.tau2, o.ci_method, o.prediction)):
            self.note(where, "tau2/ci_method/prediction settings are not RevMan 5's; the stored "
                      "results use RevMan 5's methods")  # fmt: skip
        dt = o.data_type
        rm_type = _RM_TYPES[dt]
        ci_study = float(revman.get("ci_study", o.ci))
        labels: list[str] = []
        if o.subgroup_by:
            labels = list(o.subgroups or [])
            for r in rows:
                label = r.subgroup or "(no subgroup)"
                if label not in labels:
                    labels.append(label)
            if any(not r.subgroup for r in rows):
                self.note(where, "rows without a subgroup exported in subgroup '(no subgroup)'")
            rows = sorted(rows, key=lambda r: labels.index(r.subgroup or "(no subgroup)"))
        elif any(r.subgroup for r in rows):
            self.note(where, "the outcome has no subgroup_by: the rows' subgroups are ignored")
        res = self.compute(where, o, rows, labels, ci_study)
        attrs: dict[str, str] = {
            "ID": rid, "NO": str(ono), "CI_STUDY": _count(ci_study), "CI_TOTAL": _count(o.ci),
            "RANDOM": _yes(o.model == "random"), "SUBGROUPS": _yes(bool(o.subgroup_by)),
            "SUBGROUP_TEST": _yes(bool(revman.get("subgroup_test", True))),
            "TOTALS": o.totals.upper(), "SORT_BY": str(revman.get("sort_by") or "STUDY"),
            "SCALE": _num(float(revman.get("scale", _SCALE))),
        }  # fmt: skip
        if dt in ("dich", "cont"):
            attrs["EFFECT_MEASURE"] = (res.spec.measure if res else o.measure.upper()) or (
                "RR" if dt == "dich" else "MD"
            )
        if dt == "dich":
            attrs["METHOD"] = res.spec.method if res else (o.method.upper() or "MH")
            attrs["SWAP_EVENTS"] = _yes(o.swap_events)
        if dt == "cont":
            attrs["UNITS"] = _clean(str(revman.get("units", "")))
        if dt == "giv":
            attrs["LOG_DATA"] = _yes(o.log)
            attrs["SHOW_PARTICIPANTS"] = _yes(bool(revman.get("show_participants", True)))
        log = dt != "cont"  # RevMan stores LOG_EFFECT_SIZE (log10) for all but CONT totals
        if res is not None:
            attrs.update(self.totals(res.overall, res.spec, log))
            test = res.subgroup_test
            if test is not None and test.df >= 1:
                attrs.update(Q=_num(test.q), P_Q=_num(test.p), I2_Q=_num(test.i2))
            else:
                attrs.update(Q="0.0", P_Q="1.0", I2_Q="0.0")
        elem = _el(comp, f"{rm_type}_OUTCOME", attrs)
        _el(elem, "NAME", text=o.name)
        _el(elem, "GROUP_LABEL_1", text=label_exp)
        _el(elem, "GROUP_LABEL_2", text=label_ctrl)
        _el(elem, "GRAPH_LABEL_1", text=o.favours_exp)
        _el(elem, "GRAPH_LABEL_2", text=o.favours_ctrl)
        if dt in ("giv", "oe"):
            _el(elem, "EFFECT_MEASURE", text=o.measure)
        studies = list(res.studies) if res is not None else [None] * len(rows)
        if o.subgroup_by:
            for k, label in enumerate(labels, 1):
                sattrs = {"ID": f"{rid}.{k:02d}", "NO": str(k)}
                if res is not None:
                    sattrs.update(self.totals(res.subgroups[k - 1], res.spec, log))
                sub = _el(elem, f"{rm_type}_SUBGROUP", sattrs)
                _el(sub, "NAME", text=label)
                for r, s in zip(rows, studies, strict=True):
                    if (r.subgroup or "(no subgroup)") == label:
                        self.row(sub, rm_type, r, s, res.spec if res else None)
        else:
            for r, s in zip(rows, studies, strict=True):
                self.row(elem, rm_type, r, s, res.spec if res else None)

    def compute(self, where: str, o: Outcome, rows: list[DataRow], labels: list[str],
                ci_study: float) -> Any:  # fmt: skip
        """The engine's result for the rows (in subgroup order); None if it has none."""
        from metareview.analysis.api import compute
        from metareview.analysis.data import COLUMNS, OPTIONAL, StudyTable
        from metareview.analysis.spec import AnalysisSpec
        from metareview.exceptions import DataError, MetaReviewWarning, SpecError

        dt = o.data_type
        try:
            spec = AnalysisSpec(
                data_type=dt, measure=o.measure, method=o.method if dt == "dich" else "",
                model=o.model, ci=o.ci, ci_study=ci_study, totals=o.totals,
                swap_events=o.swap_events if dt == "dich" else False,
                log=o.log if dt == "giv" else False,
            )  # fmt: skip
        except SpecError as exc:
            self.note(where, f"results not computed ({exc}); exported without results")
            return None
        cols = (*COLUMNS[dt], *OPTIONAL.get(dt, ()))
        values = {k: np.array([_f(r.values.get(k)) for r in rows], dtype=np.float64) for k in cols}
        table = StudyTable(
            study=tuple(r.study for r in rows),
            subgroup=tuple(r.subgroup or "(no subgroup)" for r in rows) if labels else None,
            values=values,
            extra={},
            subgroup_labels=tuple(labels) if labels else None,
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MetaReviewWarning)
                return compute(table, spec, warn=False)
        except (DataError, SpecError) as exc:  # pragma: no cover - defensive
            self.note(where, f"results not computed ({exc}); exported without results")
            return None

    def totals(self, g: Any, spec: Any, log: bool) -> dict[str, str]:
        """Stored totals of an outcome or subgroup (attribute -> text)."""
        a: dict[str, str] = {
            "STUDIES": str(int(g.studies)),
            "TOTAL_1": _count(g.n_exp if math.isfinite(g.n_exp) else 0.0),
            "TOTAL_2": _count(g.n_ctrl if math.isfinite(g.n_ctrl) else 0.0),
            "ESTIMABLE": _yes(g.estimable),
            "WEIGHT": _num(g.weight),
            "DF": str(int(g.df)),
        }
        if spec.data_type == "dich":
            a["EVENTS_1"] = _count(g.events_exp or 0.0)
            a["EVENTS_2"] = _count(g.events_ctrl or 0.0)
        if g.estimable:
            est, lo, hi = g.estimate, g.ci_low, g.ci_high
            a.update(EFFECT_SIZE=_num(est), CI_START=_num(lo), CI_END=_num(hi), Z=_num(g.z),
                     P_Z=_num(g.p))  # fmt: skip
            if g.df >= 1:
                tau2 = g.tau2 if spec.random else 0.0
                a.update(CHI2=_num(g.q), P_CHI2=_num(g.p_q), I2=_num(g.i2), TAU2=_num(tau2))
            else:
                a.update(CHI2="0.0", P_CHI2="1.0", I2="0.0", TAU2="0.0")
        else:
            est = lo = hi = 0.0
            a.update(EFFECT_SIZE="0.0", CI_START="0.0", CI_END="0.0", Z="0.0", P_Z="0.0",
                     CHI2="0.0", P_CHI2="0.0", I2="0.0",
                     TAU2="NaN" if spec.random else "0.0")  # fmt: skip
        if log:
            a.update(LOG_EFFECT_SIZE=_num(_log10(est)), LOG_CI_START=_num(_log10(lo)),
                     LOG_CI_END=_num(_log10(hi)))  # fmt: skip
        return a

    def row(self, parent: ET.Element, rm_type: str, r: DataRow, s: Any, spec: Any) -> None:
        v = r.values
        self.order += 1
        a: dict[str, str] = {"STUDY_ID": self.study_id(r.study), "ORDER": str(self.order)}
        if rm_type == "DICH":
            a.update(EVENTS_1=_count(v.get("events_exp")), TOTAL_1=_count(v.get("n_exp")),
                     EVENTS_2=_count(v.get("events_ctrl")),
                     TOTAL_2=_count(v.get("n_ctrl")))  # fmt: skip
        elif rm_type == "CONT":
            a.update(MEAN_1=_num(v.get("mean_exp")), SD_1=_num(v.get("sd_exp")),
                     TOTAL_1=_count(v.get("n_exp")), MEAN_2=_num(v.get("mean_ctrl")),
                     SD_2=_num(v.get("sd_ctrl")), TOTAL_2=_count(v.get("n_ctrl")))  # fmt: skip
        elif rm_type == "IV":
            a.update(ESTIMATE=_num(v.get("estimate")), SE=_num(v.get("se")),
                     TOTAL_1=_count(v.get("n_exp")), TOTAL_2=_count(v.get("n_ctrl")))  # fmt: skip
        else:
            a.update(O_E=_num(v.get("o_minus_e")), VAR=_num(v.get("variance")),
                     TOTAL_1=_count(v.get("n_exp")), TOTAL_2=_count(v.get("n_ctrl")))  # fmt: skip
        if s is not None:
            ok = bool(s.estimable)
            est, lo, hi = (s.estimate, s.ci_low, s.ci_high) if ok else (0.0, 0.0, 0.0)
            a.update(ESTIMABLE=_yes(ok), WEIGHT=_num(s.weight), EFFECT_SIZE=_num(est),
                     CI_START=_num(lo), CI_END=_num(hi))  # fmt: skip
            if rm_type in ("DICH", "CONT", "IPD"):
                a["SE"] = _num(s.se if ok else 0.0)
            if rm_type == "DICH":
                peto = spec.method == "PETO"
                if ok and peto:
                    a.update(O_E=_num(s.theta / s.se**2), VAR=_num(1.0 / s.se**2))
                else:
                    a.update(O_E="0.0", VAR=_num(s.se**2 if ok else 0.0))
            if rm_type != "CONT":
                logged = rm_type != "IV" or spec.log
                a.update(
                    LOG_EFFECT_SIZE=_num(_log10(est) if ok and logged else 0.0),
                    LOG_CI_START=_num(_log10(lo) if ok and logged else 0.0),
                    LOG_CI_END=_num(_log10(hi) if ok and logged else 0.0),
                )
        elem = _el(parent, f"{rm_type}_DATA", a)
        footnote = _clean(r.footnote).strip()
        if "\n" in footnote:
            _paragraphs(elem, "FOOTNOTE", footnote)
        elif footnote:
            _el(elem, "FOOTNOTE", text=footnote)


def _newlines(elem: ET.Element) -> None:
    """One element per line, as RevMan 5.0-5.2 write (text inside ``<P>`` untouched)."""
    if len(elem):
        elem.text = "\n"
    for child in elem:
        child.tail = "\n"
        if child.tag != "P":
            _newlines(child)


def _f(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _unexported(review: Review) -> Iterable[Notice]:
    meta = review.meta
    if review.reported:
        yield Notice("reported_results.csv", f"{len(review.reported)} reported results are "
                     "not exported (RevMan 5 has no place for them)")  # fmt: skip
    q = meta.question
    if any((q.population, q.intervention, q.comparison, q.outcomes)) or meta.protocol.id:
        yield Notice("review.toml", "the question (PICO) and protocol are not exported")
    if meta.prisma is not None:
        yield Notice("review.toml", "the PRISMA counts are not exported")


def export_rm5(review: Review, path: StrPath, *, encoding: str = "UTF-8") -> list[Notice]:
    """Write ``review`` as a RevMan 5 review file, with results computed by metareview.

    The file holds the title and authors, the studies with their characteristics, the
    risk-of-bias judgements, every comparison and outcome with its settings and data rows,
    and the results RevMan 5 stores (effect, CI, Z, P, Chi², df, P(Chi²), I², tau²,
    weights, events and participants of every row, subgroup and outcome, and the test for
    subgroup differences), computed with RevMan 5's methods by metareview's engine.  The
    file is written atomically (a temporary file, then renamed).

    Parameters
    ----------
    review : Review
        A loaded review (:func:`metareview.review.store.load`) or one built in memory
        (e.g. by :func:`import_rm5`).
    path : str or os.PathLike
        The ``.rm5`` file to write (replaced if it exists).
    encoding : str, optional
        ``"UTF-8"`` (default, as RevMan 5.3+ writes) or ``"ISO-8859-1"`` (RevMan 5.0-5.2;
        other characters become character references).

    Returns
    -------
    list of Notice
        What could not be exported exactly (reported results, PICO, PRISMA counts, more
        than 3 user-defined characteristics, non-RevMan analysis settings, ...).

    Raises
    ------
    ValueError
        If ``encoding`` is neither UTF-8 nor ISO-8859-1.
    OSError
        If the file cannot be written.
    """
    enc = encoding.upper().replace("_", "-")
    if enc not in ("UTF-8", "ISO-8859-1"):
        raise ValueError(f"encoding {encoding!r} is not supported; use 'UTF-8' or 'ISO-8859-1'")
    exporter = _Exporter(review)
    meta = review.meta
    digest = hashlib.sha1(meta.title.encode("utf-8")).hexdigest()
    root = ET.Element(
        "COCHRANE_REVIEW",
        dict(sorted({
            "DESCRIPTION": "", "DOI": "", "GROUP_ID": "", "ID": str(int(digest[:15], 16)),
            "MERGED_FROM": "", "REVIEW_NO": "", "REVMAN_SUB_VERSION": "5.4.1",
            "REVMAN_VERSION": "5", "SPLIT_FROM": "", "STAGE": "R", "STATUS": "A",
            "TYPE": "INTERVENTION", "VERSION_NO": "0.1",
        }.items())),
    )  # fmt: skip
    _cover_sheet(root, meta)
    _skeleton(root, _SKELETON)
    numbered = exporter.number_ids()
    exporter.studies(root)
    exporter.quality_items(root)
    _el(root, "SOF_TABLES")
    _el(root, "ADDITIONAL_TABLES")
    exporter.analyses(root, numbered)
    for tag in ("FIGURES", "FEEDBACK", "APPENDICES", "EXTENSIONS"):
        _el(root, tag)
    _newlines(root)
    # "<TAG/>" as RevMan writes empty elements (" />" cannot occur elsewhere: "<" and ">"
    # are escaped in text and attribute values)
    body = ET.tostring(root, encoding="unicode").replace(" />", "/>")
    data = f'<?xml version="1.0" encoding="{enc}" standalone="no"?>\n{body}'.encode(
        "utf-8" if enc == "UTF-8" else "iso-8859-1", "xmlcharrefreplace"
    )
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.",
                               suffix=".tmp")  # fmt: skip
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return [*exporter.notices, *_unexported(review)]
