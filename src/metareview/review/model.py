"""The review folder as Python objects (see ``docs/review-format.md``).

pydantic models validate ``review.toml`` at the boundary; the CSV files become small
typed row objects that keep their file positions (for error messages) and every extra
column (for lossless saving).  The engine never sees these objects: :mod:`metareview.build`
turns them into arrays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from metareview.exceptions import Problem

__all__ = [
    "BUILTIN_TOOLS",
    "GRADE_DOMAINS",
    "ROB1",
    "ROB2",
    "ROBINS_I",
    "SCHEMA",
    "Comparison",
    "CsvTable",
    "DataRow",
    "Grade",
    "GradeOutcome",
    "Outcome",
    "Prisma",
    "Protocol",
    "Question",
    "ReportedResult",
    "Review",
    "ReviewMeta",
    "RobAnswer",
    "RobJudgement",
    "RobTool",
    "Search",
    "Study",
]

SCHEMA = "metareview-review/1"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class _Model(BaseModel):
    # unknown keys are kept (model_extra) so that nothing a user wrote is lost
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class Question(_Model):
    """The review question as PICO."""

    population: str = ""
    intervention: str = ""
    comparison: str = ""
    outcomes: str = ""


class Protocol(_Model):
    registry: str = ""
    id: str = ""
    url: str = ""


class Search(_Model):
    last_search: str = ""
    sources: list[str] = Field(default_factory=list)

    @field_validator("last_search")
    @classmethod
    def _date(cls, v: str) -> str:
        if v and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", v):
            raise ValueError(f"{v!r} is not a date; write YYYY-MM-DD, YYYY-MM or YYYY")
        return v


class Outcome(_Model):
    """One outcome of a comparison and how it is analysed (RevMan's outcome settings)."""

    id: str
    name: str
    data_type: Literal["dich", "cont", "giv", "oe"]
    measure: str = ""
    method: str = ""
    model: Literal["fixed", "random"] = "fixed"
    subgroup_by: str | None = None
    subgroups: list[str] | None = None
    ci: float = 95
    totals: Literal["yes", "sub", "no"] = "yes"
    favours_exp: str = ""
    favours_ctrl: str = ""
    label_exp: str | None = None
    label_ctrl: str | None = None
    data: str | None = None
    tau2: str | None = None
    ci_method: str | None = None
    prediction: str | None = None
    log: bool = False
    swap_events: bool = False
    per_study_data: bool = True
    #: accept data rows RevMan shows as "Not estimable" (n = 0, SD = 0, SE = 0, empty
    #: values) instead of reporting them as problems (``--allow-not-estimable`` of ``pool``)
    allow_not_estimable: bool = False
    allow_repeated_studies: bool = False

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(
                f"{v!r} is not a valid id; use letters, digits, '.', '-' and '_' "
                "(it also names the data file)"
            )
        return v

    @property
    def data_path(self) -> str:
        """Data file relative to the review folder."""
        return self.data or f"outcomes/{self.id}.csv"


class Comparison(_Model):
    id: str
    name: str
    label_exp: str = "Experimental"
    label_ctrl: str = "Control"
    outcomes: list[Outcome] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"{v!r} is not a valid id; use letters, digits, '.', '-' and '_'")
        return v


class RobTool(_Model):
    """A risk-of-bias tool: its domains, the allowed judgements and which mean low/high."""

    name: str
    domains: list[str]
    judgements: list[str]
    low: list[str] = Field(default_factory=list)
    high: list[str] = Field(default_factory=list)
    #: RoB 2's "some concerns", ROBINS-I's "moderate"
    some: list[str] = Field(default_factory=list)
    #: ROBINS-I's "critical"
    critical: list[str] = Field(default_factory=list)

    def risk(self, judgement: str) -> str:
        """'low', 'some', 'high', 'critical' or 'unclear' for a judgement of this tool."""
        if judgement in self.low:
            return "low"
        if judgement in self.some:
            return "some"
        if judgement in self.high:
            return "high"
        if judgement in self.critical:
            return "critical"
        return "unclear"


#: Cochrane's risk-of-bias tool (Handbook 5.1, Table 8.5.a)
ROB1 = RobTool(
    name="RoB 1",
    domains=[
        "Random sequence generation",
        "Allocation concealment",
        "Blinding of participants and personnel",
        "Blinding of outcome assessment",
        "Incomplete outcome data",
        "Selective reporting",
        "Other bias",
    ],
    judgements=["low", "high", "unclear"],
    low=["low"],
    high=["high"],
)


#: RoB 2 (Sterne et al., BMJ 2019;366:l4898): five domains and the overall judgement
ROB2 = RobTool(
    name="RoB 2",
    domains=[
        "Randomization process",
        "Deviations from intended interventions",
        "Missing outcome data",
        "Measurement of the outcome",
        "Selection of the reported result",
        "Overall",
    ],
    judgements=["Low", "Some concerns", "High"],
    low=["Low"],
    some=["Some concerns"],
    high=["High"],
)

#: ROBINS-I (Sterne et al., BMJ 2016;355:i4919): seven domains and the overall judgement
ROBINS_I = RobTool(
    name="ROBINS-I",
    domains=[
        "Confounding",
        "Selection of participants",
        "Classification of interventions",
        "Deviations from intended interventions",
        "Missing data",
        "Measurement of outcomes",
        "Selection of the reported result",
        "Overall",
    ],
    judgements=["Low", "Moderate", "Serious", "Critical", "No information"],
    low=["Low"],
    some=["Moderate"],
    high=["Serious"],
    critical=["Critical"],
)

#: tools every review knows by name
BUILTIN_TOOLS = {t.name: t for t in (ROB1, ROB2, ROBINS_I)}


class Prisma(_Model):
    """PRISMA 2020 flow counts (new reviews, databases/registers and other methods)."""

    databases: dict[str, int] = Field(default_factory=dict)
    registers: int | None = None
    other_methods: int | None = None
    duplicates_removed: int | None = None
    automation_removed: int | None = None
    other_removed: int | None = None
    records_screened: int | None = None
    records_excluded: int | None = None
    reports_sought: int | None = None
    reports_not_retrieved: int | None = None
    reports_assessed: int | None = None
    reports_excluded: dict[str, int] = Field(default_factory=dict)
    studies_included: int | None = None
    reports_included: int | None = None

    @property
    def records_identified(self) -> int:
        return sum(self.databases.values()) + (self.registers or 0)


GRADE_DOMAINS = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
    "large_effect",
    "dose_response",
    "plausible_confounding",
)


class GradeOutcome(_Model):
    """One outcome of the GRADE evidence profile (``[[grade.outcomes]]``).

    For an outcome with per-study data, the authors' ratings (applied on top of the
    ratings suggested from the data; an override needs ``<domain>_reason``), the
    baselines of the Summary of Findings table and the imprecision settings.  For an
    outcome known only as reported, the profile as published.  ``<domain>_footnote``
    and ``<domain>_reason`` keys are free text (extra keys).
    """

    outcome: str
    subgroup: str | None = None
    label_as_printed: str | None = None
    #: the evidence: randomised trials start at high certainty, observational studies at low
    design: str | None = None
    risk_of_bias: str | None = None
    inconsistency: str | None = None
    indirectness: str | None = None
    imprecision: str | None = None
    publication_bias: str | None = None
    large_effect: str | None = None
    dose_response: str | None = None
    plausible_confounding: str | None = None
    participants: int | None = Field(None, ge=0)
    studies: int | None = Field(None, ge=0)
    follow_up: str | None = None
    p: str | None = None
    relative_effect: str | None = None
    risk_control: str | None = None
    absolute_effect: str | None = None
    effect_as_printed: str | None = None
    events_control: str | None = None
    certainty: str | None = None
    certainty_as_printed: str | None = None
    importance: Literal["critical", "important", "not important"] | None = None
    #: further assumed comparator risks for the Summary of Findings table, label -> risk
    #: as a proportion (the pooled control-group risk is always shown first)
    baseline_risks: dict[str, float] | None = None
    #: show the number needed to treat (NNTB/NNTH) beside the absolute effect
    nnt: bool = False
    #: more events is the better outcome (e.g. pain relief): for the NNTB/NNTH wording
    events_desirable: bool = False
    #: imprecision: thresholds of appreciable effect on the display scale (e.g. RR 0.75, 1.25)
    imprecision_thresholds: tuple[float, float] | None = None
    #: imprecision: optimal information size (participants), or its inputs
    ois: float | None = Field(None, gt=0)
    rrr: float | None = Field(None, gt=0, lt=1)
    sd: float | None = Field(None, gt=0)
    mid: float | None = Field(None, gt=0)

    @field_validator("baseline_risks")
    @classmethod
    def _risks(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for label, risk in (value or {}).items():
            if not 0 <= risk <= 1:
                raise ValueError(
                    f"baseline risk {label!r} = {risk} is not a proportion between 0 and 1; "
                    "write it as a proportion, e.g. 0.05 for 50 per 1000"
                )
        return value


class Grade(_Model):
    """The ``[grade]`` table: footnotes and the outcomes' GRADE entries."""

    source: str | None = None
    footnotes: list[str] | dict[str, str] | None = None
    outcomes: list[GradeOutcome] = Field(default_factory=list)


class ReviewMeta(_Model):
    """Everything in ``review.toml``."""

    schema_: str = Field(SCHEMA, alias="schema")
    title: str
    authors: list[str] = Field(default_factory=list)
    preset: Literal["revman5", "cochrane2025", "metafor"] = "revman5"
    question: Question = Field(default_factory=Question)
    protocol: Protocol = Field(default_factory=Protocol)
    search: Search = Field(default_factory=Search)
    comparisons: list[Comparison] = Field(default_factory=list)
    rob_tools: list[RobTool] = Field(default_factory=list)
    prisma: Prisma | None = None
    grade: Grade | None = None

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, populate_by_name=True)

    def outcomes(self) -> list[tuple[Comparison, Outcome]]:
        return [(c, o) for c in self.comparisons for o in c.outcomes]

    def outcome(self, outcome_id: str) -> tuple[Comparison, Outcome]:
        for c, o in self.outcomes():
            if o.id == outcome_id:
                return c, o
        raise KeyError(outcome_id)

    def rob_tool(self, name: str) -> RobTool | None:
        """A tool by name: one of the review's ``rob_tools`` or a built-in one."""
        own = next((t for t in self.rob_tools if t.name == name), None)
        return own if own is not None else BUILTIN_TOOLS.get(name)


# --- CSV-backed rows ---------------------------------------------------------------------


@dataclass
class CsvTable:
    """A CSV file as read: header, comment lines before it, and rows of text.

    ``lines[i]`` is the file line of ``rows[i]`` (1-based), for error messages.
    Saving writes ``comments``, ``header`` and the rows back in this order, so extra
    columns and comments survive.  ``comments`` are the comment lines as written (with
    their ``#``); cells are stripped of surrounding spaces.  ``text`` is the decoded file
    as read: saving copies the parts of it that did not change, so that an unchanged file
    is written back byte for byte.
    """

    path: str
    header: list[str]
    rows: list[dict[str, str]]
    lines: list[int] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    newline: str = "\n"
    text: str | None = field(default=None, repr=False)


@dataclass
class Study:
    id: str
    author: str = ""
    year: int | None = None
    country: str = ""
    design: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass
class DataRow:
    study: str
    subgroup: str | None
    values: dict[str, float | None]
    footnote: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass
class RobJudgement:
    """One risk-of-bias judgement of one domain of one study (and outcome).

    ``assessor`` is empty for the review's own (consensus) judgement and names the
    assessor for one assessor's independent judgement.  ``origin`` says where a
    judgement used by the report came from: ``"recorded"`` (a row of
    risk_of_bias.csv), ``"algorithm"`` (derived from the RoB 2 signalling answers),
    ``"agreement"`` (both assessors gave it and no consensus row was needed) or
    ``"single assessor"``.
    """

    study: str
    tool: str
    domain: str
    judgement: str
    support: str = ""
    outcome: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0
    assessor: str = ""
    origin: str = "recorded"


@dataclass
class RobAnswer:
    """One answer to a signalling question (rob_answers.csv)."""

    study: str
    tool: str
    question: str
    answer: str
    assessor: str = ""
    outcome: str = ""
    support: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0


@dataclass
class ReportedResult:
    outcome: str
    measure: str
    location: str
    subgroup: str = ""
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: str = ""
    i2: float | None = None
    participants: int | None = None
    studies: int | None = None
    certainty: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0
    #: the numbers as written in the file (e.g. "-1.30"), to show them as printed and to
    #: know their precision; empty for results built in memory
    text: dict[str, str] = field(default_factory=dict)

    def printed(self, key: str) -> str:
        """A number as the review printed it (the file's text), else formatted."""
        if self.text.get(key):
            return self.text[key]
        value = getattr(self, key)
        return "" if value is None else f"{value:g}"


@dataclass
class Review:
    """A loaded review folder.

    ``tables`` holds every CSV file as read (by path relative to ``root``) and ``toml``
    the parsed ``review.toml`` document with its comments, so that :meth:`save` writes
    back what the user wrote, with only the changed values changed.  ``data`` maps
    outcome ids to their rows.  ``notices`` are the non-fatal problems found on loading
    (e.g. a file read as cp1252).
    """

    root: Path
    meta: ReviewMeta
    studies: list[Study] = field(default_factory=list)
    data: dict[str, list[DataRow]] = field(default_factory=dict)
    rob: list[RobJudgement] = field(default_factory=list)
    rob_answers: list[RobAnswer] = field(default_factory=list)
    reported: list[ReportedResult] = field(default_factory=list)
    tables: dict[str, CsvTable] = field(default_factory=dict)
    toml: Any = None
    notices: list[Problem] = field(default_factory=list)

    def judgements(self) -> list[RobJudgement]:
        """The review's risk-of-bias judgements: one per study, tool, domain (and outcome).

        The rows of risk_of_bias.csv without an assessor, plus the judgements that follow
        from the assessors' rows and the RoB 2 signalling answers where no such row exists
        (see :mod:`metareview.review.assessments`).  ``rob`` keeps the rows as written.
        """
        from metareview.review.assessments import assess

        return assess(self.rob, self.rob_answers).final

    def study(self, study_id: str) -> Study:
        for s in self.studies:
            if s.id == study_id:
                return s
        raise KeyError(study_id)

    def save(self, target: str | Path | None = None) -> None:
        """Write the review to ``target`` (default: where it was loaded from), atomically."""
        from metareview.review.store import save

        save(self, target)
