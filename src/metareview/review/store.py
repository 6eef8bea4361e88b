"""Reading, checking and writing review folders (see ``docs/review-format.md``).

:func:`load` reads a folder into a :class:`~metareview.review.model.Review` and refuses a
folder with problems; :func:`validate` lists every problem at once, each located by file,
line and column; :func:`save` writes a review back atomically, keeping what the user
wrote (comments in ``review.toml``, comment lines and extra columns in the CSV files,
the text of unchanged rows); :func:`new` starts an empty review.

Reading never writes.  The numeric stack (numpy, pandas) is imported only when outcome
data are checked, so that importing this module stays light.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import difflib
import io
import json
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import tomlkit
import tomlkit.items
from pydantic import BaseModel, ValidationError
from tomlkit.exceptions import ParseError

from metareview.exceptions import DataError, Problem, ReviewError, SpecError
from metareview.io.tables import TableFormatError, decode_text, parse_delimited
from metareview.review.model import (
    BUILTIN_TOOLS,
    GRADE_DOMAINS,
    ROB2,
    SCHEMA,
    Comparison,
    CsvTable,
    DataRow,
    Outcome,
    Prisma,
    ReportedResult,
    Review,
    ReviewMeta,
    RobAnswer,
    RobJudgement,
    RobTool,
    Study,
)

if TYPE_CHECKING:
    from metareview.analysis.spec import AnalysisSpec

__all__ = [
    "REPORTED",
    "ROB",
    "STUDIES",
    "TOML",
    "check",
    "load",
    "new",
    "outcome_spec",
    "save",
    "validate",
]

TOML = "review.toml"
STUDIES = "studies.csv"
ROB = "risk_of_bias.csv"
REPORTED = "reported_results.csv"

STUDY_COLUMNS = ("id", "author", "year", "country", "design")
DESIGNS = ("parallel", "cross-over", "cluster", "factorial", "other")
ROB_COLUMNS = ("study", "tool", "domain", "judgement", "support", "outcome")
ROB_OPTIONAL = ("assessor",)
ANSWERS = "rob_answers.csv"
ANSWER_COLUMNS = ("study", "tool", "question", "answer", "assessor", "outcome", "support")
REPORTED_COLUMNS = (
    "outcome",
    "subgroup",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p",
    "i2",
    "participants",
    "studies",
    "certainty",
    "location",
)
_REPORTED_FLOATS = ("estimate", "ci_low", "ci_high", "i2")
_REPORTED_INTS = ("participants", "studies")
_UTF = ("utf-8", "utf-8-sig", "utf-16")
_P_VALUE = re.compile(r"^(?:[pP]\s*)?(?:[<>≤≥=]|<=|>=)?\s*(?:\d+(?:\.\d*)?|\.\d+)(?:[eE]-?\d+)?$")


# --- public API ----------------------------------------------------------------------------


def load(path: str | Path) -> Review:
    """Read and check a review folder.

    Parameters
    ----------
    path
        The review folder (holding ``review.toml`` and ``studies.csv``).

    Returns
    -------
    Review
        The review, with every CSV file kept in ``tables`` and the ``review.toml``
        document (with its comments) in ``toml``; non-fatal notices in ``notices``.

    Raises
    ------
    ReviewError
        If anything is wrong; ``problems`` lists every problem (see :func:`validate`).
    """
    review, problems = check(path)
    errors = [p for p in problems if p.is_error]
    if errors or review is None:
        raise ReviewError(errors or problems, str(path))
    return review


def validate(path: str | Path) -> list[Problem]:
    """Every problem of a review folder, in file order.

    Each :class:`~metareview.exceptions.Problem` names the file (relative to the
    folder), the line and column (``field`` holds the column name or TOML key), the
    value, what is wrong (``message``) and how to fix it (``fix``).  Notices
    (``severity == "notice"``, e.g. a file read as cp1252) are included; they do not
    stop the review loading.  An empty list means the review is valid.
    """
    return check(path)[1]


def check(path: str | Path) -> tuple[Review | None, list[Problem]]:
    """Read a review folder without raising: the review and every problem.

    The review is ``None`` when ``review.toml`` cannot be read as a valid review; it may
    be incomplete when there are problems.  :func:`load` and :func:`validate` are built
    on this function.
    """
    return _Reader(Path(path)).run()


def outcome_spec(meta: ReviewMeta, outcome: Outcome) -> AnalysisSpec:
    """The engine's :class:`~metareview.analysis.spec.AnalysisSpec` of an outcome.

    Raises :class:`~metareview.exceptions.SpecError` for settings the engine refuses.
    """
    from metareview.analysis.spec import AnalysisSpec, preset_named

    return AnalysisSpec(
        data_type=outcome.data_type,
        measure=outcome.measure,
        method=outcome.method,
        model=outcome.model,
        ci=outcome.ci,
        totals=outcome.totals,
        swap_events=outcome.swap_events,
        log=outcome.log,
        preset=preset_named(meta.preset),
        tau2_method=outcome.tau2,
        ci_method=outcome.ci_method,
        prediction=outcome.prediction,
    )


# --- CSV text ------------------------------------------------------------------------------


@dataclass
class _Split:
    """A CSV text cut into the pieces that make it up, for byte-exact saving."""

    table: CsvTable
    header_line: int
    prefix: str  # comment and blank lines before the header
    header_text: str  # the header line (and blank lines up to the first row)
    row_text: list[str]  # the text of every row (and the skipped lines after it)


def _split_csv(rel: str, text: str) -> _Split:
    """Parse ``text`` as a review CSV file; raises TableFormatError with the file line."""
    physical = io.StringIO(text, newline="").readlines()
    k = 0
    comments: list[str] = []
    while k < len(physical) and (not physical[k].strip() or physical[k].lstrip().startswith("#")):
        if physical[k].strip():
            comments.append(physical[k].rstrip("\r\n"))
        k += 1
    try:
        parsed = parse_delimited("".join(physical[k:]))
    except TableFormatError as exc:
        raise TableFormatError(exc.line + k, exc.problem, exc.fix, exc.kind) from None
    header = [h.strip() for h in parsed.header]
    lines = [line + k for line in parsed.lines]
    rows = [dict(zip(header, (c.strip() for c in row), strict=True)) for row in parsed.rows]
    newline = "\n"
    for ph in physical:
        if ph.endswith("\r\n"):
            newline = "\r\n"
            break
        if ph.endswith(("\n", "\r")):
            newline = ph[-1]
            break
    ends = [*(line - 1 for line in lines[1:]), len(physical)][: len(lines)]
    row_text = ["".join(physical[s - 1 : e]) for s, e in zip(lines, ends, strict=True)]
    header_end = lines[0] - 1 if lines else len(physical)
    table = CsvTable(
        path=rel,
        header=header,
        rows=rows,
        lines=lines,
        comments=comments,
        delimiter=parsed.delimiter,
        newline=newline,
        text=text,
    )
    return _Split(table, k + 1, "".join(physical[:k]), "".join(physical[k:header_end]), row_text)


def _number(text: str) -> float | None:
    """A cell as a float (``.`` decimal mark, '−' accepted), None if it is not one."""
    t = text.strip().replace("\u2212", "-")
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _integer(text: str) -> int | None:
    t = text.strip()
    return int(t) if re.fullmatch(r"[+-]?\d+", t) else None


# --- TOML positions ------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
Loc = tuple[str | int, ...]


def _parse_key(s: str, pos: int) -> tuple[list[str] | None, int]:
    """A dotted TOML key starting at ``pos``: its parts and the position after it."""
    keys: list[str] = []
    while True:
        while pos < len(s) and s[pos] in " \t":
            pos += 1
        if pos >= len(s):
            return None, pos
        if s[pos] == '"':
            m = re.compile(r'"((?:[^"\\]|\\.)*)"').match(s, pos)
            if not m:
                return None, pos
            try:
                keys.append(json.loads(m.group(0)))
            except ValueError:
                keys.append(m.group(1))
            pos = m.end()
        elif s[pos] == "'":
            end = s.find("'", pos + 1)
            if end < 0:
                return None, pos
            keys.append(s[pos + 1 : end])
            pos = end + 1
        else:
            m = _BARE_KEY.match(s, pos)
            if not m:
                return None, pos
            keys.append(m.group(0))
            pos = m.end()
        while pos < len(s) and s[pos] in " \t":
            pos += 1
        if pos < len(s) and s[pos] == ".":
            pos += 1
            continue
        return keys, pos


class _TomlPositions:
    """Where each key, table and array element of a TOML text starts (line, column).

    tomlkit keeps no positions, so the text is scanned once: table headers, array-of-
    tables counters, ``key = value`` lines, array elements and inline-table keys.
    """

    def __init__(self, text: str) -> None:
        self.where: dict[Loc, tuple[int, int]] = {}
        self._aot: dict[Loc, int] = {}
        self._lines = text.splitlines()
        with contextlib.suppress(IndexError, ValueError):  # positions are best effort
            self._scan()

    def find(self, loc: Sequence[str | int]) -> tuple[int, int, bool]:
        """Line and column of ``loc`` or of its nearest recorded parent; exact or not."""
        key = tuple(loc)
        for n in range(len(key), 0, -1):
            if key[:n] in self.where:
                line, col = self.where[key[:n]]
                return line, col, n == len(key)
        return 1, 1, False

    def _record(self, loc: Loc, line: int, col: int) -> None:
        self.where.setdefault(loc, (line, col))

    def _resolve(self, keys: Sequence[str]) -> Loc:
        path: Loc = ()
        for k in keys:
            path = (*path, k)
            if path in self._aot:
                path = (*path, self._aot[path])
        return path

    def _scan(self) -> None:
        lines = self._lines
        table: Loc = ()
        i = 0
        while i < len(lines):
            raw = lines[i]
            s = raw.lstrip()
            indent = len(raw) - len(s)
            if not s or s.startswith("#"):
                i += 1
                continue
            if s.startswith("[["):
                keys, _ = _parse_key(s, 2)
                if keys:
                    path = (*self._resolve(keys[:-1]), keys[-1])
                    self._aot[path] = self._aot.get(path, -1) + 1
                    self._record(path, i + 1, indent + 1)
                    table = (*path, self._aot[path])
                    self._record(table, i + 1, indent + 1)
                i += 1
                continue
            if s.startswith("["):
                keys, _ = _parse_key(s, 1)
                if keys:
                    table = self._resolve(keys)
                    self._record(table, i + 1, indent + 1)
                i += 1
                continue
            keys, pos = _parse_key(raw, indent)
            if not keys or pos >= len(raw) or raw[pos] != "=":
                i += 1
                continue
            i = self._value(i, pos + 1, (*table, *keys))

    def _string_end(self, i: int, pos: int) -> tuple[int, int]:
        """Line and position after the string starting at (i, pos)."""
        lines = self._lines
        line = lines[i]
        quote = line[pos]
        if line.startswith(quote * 3, pos):
            delim = quote * 3
            pos += 3
            while i < len(lines):
                line = lines[i]
                j = line.find(delim, pos)
                while j >= 0 and quote == '"' and _escaped(line, j):
                    j = line.find(delim, j + 1)
                if j >= 0:
                    j += 3
                    while j < len(line) and line[j] == quote:
                        j += 1
                    return i, j
                i, pos = i + 1, 0
            return i, 0
        j = pos + 1
        while j < len(line):
            if line[j] == quote and not (quote == '"' and _escaped(line, j)):
                return i, j + 1
            j += 1
        return i, len(line)

    def _value(self, i: int, pos: int, path: Loc) -> int:
        """Scan the value of ``path`` starting at (i, pos); return the next line to read."""
        lines = self._lines
        stack: list[list[Any]] = []  # [kind, path, index]
        cur = path
        state = "value"
        while i < len(lines):
            line = lines[i]
            if pos >= len(line) or line[pos] == "#":
                if not stack and state == "after":
                    return i + 1
                i, pos = i + 1, 0
                continue
            ch = line[pos]
            if ch in " \t":
                pos += 1
                continue
            if state == "key":
                if ch == "}":
                    stack.pop()
                    state, pos = "after", pos + 1
                    continue
                keys, pos = _parse_key(line, pos)
                if not keys:
                    return i + 1
                while pos < len(line) and line[pos] in " \t=":
                    pos += 1
                cur = (*stack[-1][1], *keys)
                state = "value"
                continue
            if state == "value" and ch not in "]}":
                self._record(cur, i + 1, pos + 1)
                if ch == "[":
                    stack.append(["[", cur, 0])
                    cur = (*cur, 0)
                    pos += 1
                elif ch == "{":
                    stack.append(["{", cur, 0])
                    state, pos = "key", pos + 1
                elif ch in "\"'":
                    i, pos = self._string_end(i, pos)
                    state = "after"
                else:
                    while pos < len(line) and line[pos] not in ",]}#":
                        pos += 1
                    state = "after"
                continue
            if ch == ",":
                if not stack:
                    return i + 1
                top = stack[-1]
                if top[0] == "[":
                    top[2] += 1
                    cur = (*top[1], top[2])
                    state = "value"
                else:
                    state = "key"
                pos += 1
                continue
            if ch in "]}":
                if not stack:
                    return i + 1
                stack.pop()
                state, pos = "after", pos + 1
                continue
            return i + 1  # not TOML we understand; positions are best effort
        return i


def _escaped(line: str, j: int) -> bool:
    n = 0
    while j - n - 1 >= 0 and line[j - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --- reading and checking ------------------------------------------------------------------


class _Reader:
    """One pass over a review folder collecting the review and every problem."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.tables: dict[str, CsvTable] = {}
        self.header_line: dict[str, int] = {}
        self.positions: _TomlPositions | None = None
        self.meta: ReviewMeta | None = None
        # the meta the checks use: ``meta``, or when review.toml has schema problems the
        # parts of it that are valid (with the positions of their items in the file)
        self.checked: ReviewMeta | None = None
        self.index_map: dict[Loc, Loc] = {}
        # outcomes or tools left out of ``checked``: references to them are not checked
        self.outcomes_incomplete = False
        self.tools_incomplete = False
        self.study_ids: set[str] | None = None

    # problems ---------------------------------------------------------------------------

    def add(self, message: str, fix: str = "", **where: Any) -> None:
        self.problems.append(Problem(message, fix, **where))

    def toml_problem(
        self,
        loc: Sequence[str | int],
        message: str,
        fix: str = "",
        *,
        value: Any = None,
        severity: str = "error",
    ) -> None:
        line, col = (1, 1)
        for n in (4, 3, 2):
            if tuple(loc[:n]) in self.index_map:
                loc = (*self.index_map[tuple(loc[:n])], *loc[n:])
                break
        if self.positions is not None:
            line, col, _ = self.positions.find(loc)
        self.add(
            message,
            fix,
            source=TOML,
            line=line,
            column=col,
            field=_dotted(loc) or None,
            value=None if value is None else _show(value),
            severity=severity,
        )

    def cell_problem(
        self,
        table: CsvTable,
        i: int,
        col: str,
        message: str,
        fix: str = "",
        study: str | None = None,
        severity: str = "error",
    ) -> None:
        self.add(
            message,
            fix,
            source=table.path,
            row=i + 1,
            line=table.lines[i],
            column=_column(table, col),
            field=col,
            value=table.rows[i].get(col, ""),
            study=study or None,
            severity=severity,
        )

    def header_problem(
        self, table: CsvTable, message: str, fix: str, col: str | None = None
    ) -> None:
        column = _column(table, col) if col else None
        self.add(
            message,
            fix,
            source=table.path,
            line=self.header_line[table.path],
            column=column,
            field=col,
        )

    # the pass ---------------------------------------------------------------------------

    def run(self) -> tuple[Review | None, list[Problem]]:
        if not self.root.is_dir():
            what = "is not a folder" if self.root.exists() else "does not exist"
            self.add(
                f"the review folder {what}",
                "give the folder holding review.toml (start one with `metareview new`)",
                source=str(self.root),
            )
            return None, self.problems
        doc = self.read_toml()
        studies = self.read_studies()
        data: dict[str, list[DataRow]] = {}
        meta = self.checked
        if meta is not None:
            self.check_meta(meta)
            data = self.read_outcomes(meta)
        rob = self.read_rob()
        answers = self.read_answers()
        self.check_assessments(rob, answers)
        reported = self.read_reported()
        prisma = meta.prisma if meta is not None else None
        if meta is not None and (self.root / "records" / "records.db").is_file():
            from metareview.records.store import RecordsError, effective_prisma

            try:
                prisma, notes = effective_prisma(self.root, meta.prisma)
            except RecordsError as exc:
                notes = [("error", str(exc))]
            except (OSError, sqlite3.Error) as exc:
                notes = [("error", f"records/records.db cannot be read: {exc}")]
            for severity, message in notes:
                self.add(
                    message,
                    "see `metareview records status`",
                    source="records/records.db",
                    severity=severity,
                )
        if meta is not None and prisma is not None:
            self.check_prisma(prisma, len(studies) if studies is not None else None)
        group = {TOML: 0, STUDIES: 1, ROB: 3, ANSWERS: 4, REPORTED: 5}
        seen: dict[str, int] = {}
        for p in self.problems:
            seen.setdefault(p.source, len(seen))
        self.problems.sort(
            key=lambda p: (group.get(p.source, 2), seen[p.source], p.line or 0, p.column or 0)
        )
        if self.meta is None:
            return None, self.problems
        review = Review(
            root=self.root,
            meta=self.meta,
            studies=studies or [],
            data=data,
            rob=rob,
            rob_answers=answers,
            reported=reported,
            tables=self.tables,
            toml=doc,
            notices=[p for p in self.problems if not p.is_error],
        )
        return review, self.problems

    # review.toml ------------------------------------------------------------------------

    def read_toml(self) -> Any:
        path = self.root / TOML
        if not path.is_file():
            self.add(
                "review.toml is missing",
                "every review folder needs review.toml; `metareview new` writes one",
                source=TOML,
            )
            return None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.add(
                f"cannot read the file ({exc.strerror})",
                "check the file's permissions",
                source=TOML,
            )
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.add(
                "the file is not valid UTF-8 (TOML files must be)",
                "save review.toml as UTF-8 in your editor",
                source=TOML,
                line=line,
            )
            return None
        try:
            doc = tomlkit.parse(text)
        except ParseError as exc:
            message = str(exc).split(" at line ")[0]
            self.add(
                f"invalid TOML: {message}",
                "check the syntax: key = value, strings in double quotes, [table] "
                "headers (see docs/review-format.md)",
                source=TOML,
                line=exc.line,
                column=exc.col + 1,
            )
            return None
        self.positions = _TomlPositions(text)
        try:
            self.meta = self.checked = ReviewMeta.model_validate(doc.unwrap())
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            for err in errors:
                self.schema_problem(err)
            self.checked = self.partial_meta(doc.unwrap(), errors)
        return doc

    def partial_meta(self, data: Any, errors: Sequence[Mapping[str, Any]]) -> ReviewMeta | None:
        """The valid part of review.toml, so that the other files can still be checked.

        Comparisons, outcomes and risk-of-bias tools with problems are left out (what
        refers to them is not checked); other keys with problems take their defaults.
        """
        if not isinstance(data, dict):
            return None
        drop: set[Loc] = set()
        for err in errors:
            loc = tuple(err["loc"])
            if not loc:
                return None
            head = loc[0]
            item = loc[:2] if len(loc) > 1 and isinstance(loc[1], int) else None
            if head == "comparisons" and len(loc) > 3 and loc[2] == "outcomes":
                if isinstance(loc[3], int):
                    drop.add(loc[:4])
                else:
                    drop.add(loc[:2])
            elif head == "comparisons" and item is not None and len(loc) > 2:
                # a comparison's own key: its default or a stand-in keeps its outcomes
                comparison = _at(data, item)
                if not isinstance(comparison, dict):
                    drop.add(item)
                elif loc[2] in ("id", "name"):
                    comparison[loc[2]] = f"invalid-{loc[1]}"
                else:
                    self.outcomes_incomplete |= loc[2] == "outcomes"
                    comparison.pop(str(loc[2]), None)
            elif head in ("comparisons", "rob_tools") and item is not None:
                drop.add(item)
            elif (
                head == "grade"
                and len(loc) > 2
                and loc[1] == "outcomes"
                and isinstance(loc[2], int)
            ):
                drop.add(loc[:3])  # the other GRADE entries are kept and checked
            elif head == "title":
                data["title"] = "?"
            else:
                data.pop(str(head), None)

        def keep(items: Any, prefix: Loc) -> list[Any]:
            out: list[Any] = []
            for k, item in enumerate(items if isinstance(items, list) else []):
                if (*prefix, k) in drop:
                    self.forget(prefix)
                    continue
                self.index_map[(*self.map_back(prefix), len(out))] = (*prefix, k)
                out.append(item)
            return out

        comparisons = keep(data.get("comparisons"), ("comparisons",))
        for c_new, c in enumerate(comparisons):
            if isinstance(c, dict) and "outcomes" in c:
                c_old = self.index_map[("comparisons", c_new)][1]
                c["outcomes"] = keep(c["outcomes"], ("comparisons", c_old, "outcomes"))
        if "comparisons" in data:
            data["comparisons"] = comparisons
        if "rob_tools" in data:
            data["rob_tools"] = keep(data["rob_tools"], ("rob_tools",))
        grade = data.get("grade")
        if isinstance(grade, dict) and "outcomes" in grade:
            grade["outcomes"] = keep(grade["outcomes"], ("grade", "outcomes"))
        try:
            return ReviewMeta.model_validate(data)
        except ValidationError:
            return None

    def map_back(self, prefix: Loc) -> Loc:
        """``("comparisons", old, "outcomes")`` -> ``("comparisons", new, "outcomes")``."""
        if len(prefix) == 3:
            new = next(k for k, v in self.index_map.items() if v == prefix[:2])
            return (*new, prefix[2])
        return prefix

    def forget(self, prefix: Loc) -> None:
        """Note that an item was left out: references to its kind are not checked."""
        if prefix == ("rob_tools",):
            self.tools_incomplete = True
        elif prefix == ("grade", "outcomes"):
            pass  # nothing refers to GRADE entries
        else:
            self.outcomes_incomplete = True

    def schema_problem(self, err: Mapping[str, Any]) -> None:
        loc = tuple(err["loc"])
        kind = str(err["type"])
        msg = str(err["msg"])
        value = err.get("input")
        if kind == "missing":
            name = loc[-1] if loc else "?"
            where = f"the table {_dotted(loc[:-1])}" if loc[:-1] else "the top of the file"
            self.toml_problem(
                loc, f"the required key {name} is missing", f"add {name} = ... to {where}"
            )
            return
        if kind == "value_error":
            text = msg.removeprefix("Value error, ")
            message, _, fix = text.partition("; ")
            self.toml_problem(loc, message, fix, value=value)
            return
        if kind == "literal_error":
            allowed = msg.removeprefix("Input should be ")
            self.toml_problem(loc, "not an allowed value", f"write {allowed}", value=value)
            return
        fixes = {
            "int": "write a whole number without quotes",
            "float": "write a number without quotes",
            "bool": "write true or false (without quotes)",
            "string": 'write text in double quotes, e.g. "text"',
            "list": 'write a list, e.g. ["a", "b"]',
            "dict": "write a table ([name] on its own line, or { key = value })",
            "model": "write a table ([name] on its own line, or { key = value })",
        }
        fix = next((f for k, f in fixes.items() if kind.startswith(k)), "see docs/review-format.md")
        self.toml_problem(loc, msg, fix, value=value)

    def check_meta(self, meta: ReviewMeta) -> None:
        if meta.schema_ != SCHEMA:
            self.toml_problem(
                ("schema",),
                "unknown format version",
                f'write schema = "{SCHEMA}"',
                value=meta.schema_,
            )
        self.unknown_keys(meta, ())
        self.check_grade(meta)
        seen: dict[str, int] = {}
        for i, c in enumerate(meta.comparisons):
            if c.id in seen:
                self.toml_problem(
                    ("comparisons", i, "id"),
                    f"the comparison id is also used by comparison {seen[c.id] + 1}",
                    "give every comparison a distinct id",
                    value=c.id,
                )
            seen.setdefault(c.id, i)
        outcome_seen: dict[str, str] = {}
        files: dict[str, str] = {}
        for i, c in enumerate(meta.comparisons):
            for j, o in enumerate(c.outcomes):
                loc: Loc = ("comparisons", i, "outcomes", j)
                if o.id in outcome_seen:
                    self.toml_problem(
                        (*loc, "id"),
                        f"the outcome id is also used in comparison {outcome_seen[o.id]}",
                        "give every outcome a distinct id (it names its data file)",
                        value=o.id,
                    )
                outcome_seen.setdefault(o.id, c.id)
                self.check_outcome(meta, o, loc)
                if o.per_study_data:
                    rel = _data_rel(o)
                    if rel is None:
                        self.toml_problem(
                            (*loc, "data"),
                            "the data file must be a path inside the review folder",
                            f'write a relative path such as "outcomes/{o.id}.csv"',
                            value=o.data,
                        )
                    elif rel in files:
                        self.toml_problem(
                            (*loc, "data"),
                            f"the data file is also used by outcome {files[rel]}",
                            "give every outcome its own data file",
                            value=rel,
                        )
                    else:
                        files[rel] = o.id
        names: dict[str, int] = {}
        for i, tool in enumerate(meta.rob_tools):
            loc = ("rob_tools", i)
            if tool.name in BUILTIN_TOOLS:
                self.toml_problem(
                    (*loc, "name"),
                    f"{tool.name} is built in",
                    "remove this tool, or give it another name",
                    value=tool.name,
                )
            elif tool.name in names:
                self.toml_problem(
                    (*loc, "name"),
                    f"the tool name is also used by tool {names[tool.name] + 1}",
                    "give every risk-of-bias tool a distinct name",
                    value=tool.name,
                )
            names.setdefault(tool.name, i)
            self.check_tool(tool, loc)

    def check_grade(self, meta: ReviewMeta) -> None:
        """``[[grade.outcomes]]``: known outcomes and readable GRADE levels."""
        if meta.grade is None:
            return
        from metareview.grade import parse_level

        outcomes = {o.id: o for _, o in meta.outcomes()}
        for i, entry in enumerate(meta.grade.outcomes):
            loc: Loc = ("grade", "outcomes", i)
            o = outcomes.get(entry.outcome)
            if o is None:
                if not self.outcomes_incomplete:
                    self.toml_problem(
                        (*loc, "outcome"),
                        "no outcome with this id in the comparisons",
                        f"use one of {_quoted(list(outcomes))}",
                        value=entry.outcome,
                    )
                continue
            for domain in GRADE_DOMAINS:
                value = getattr(entry, domain)
                if value is None:
                    continue
                try:
                    parse_level(value, domain)
                except ValueError as exc:
                    if o.per_study_data:
                        self.toml_problem(
                            (*loc, domain),
                            str(exc),
                            "write not serious, serious or very serious (none, large or "
                            "very large for the domains that rate up)",
                            value=value,
                        )
                    else:
                        self.toml_problem(
                            (*loc, domain),
                            "a rating wording metareview cannot read; kept as printed, but "
                            "the certainty cannot be recomputed from it",
                            "if the review means a standard level, add it in words the "
                            "report understands (e.g. 'serious')",
                            value=value,
                            severity="notice",
                        )

    def unknown_keys(self, model: BaseModel, loc: Loc) -> None:
        """A notice for every extra key that looks like a misspelt known key.

        Extra keys are allowed (and kept); one close to a known key (``modle``) is most
        likely a typing error that would silently leave the setting at its default.
        """
        fields = type(model).model_fields
        known = [f.alias or n for n, f in fields.items()]
        for key in model.model_extra or {}:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
            if close:
                self.toml_problem(
                    (*loc, key),
                    f"unknown key, kept but not used (is it a misspelt {close[0]}?)",
                    f"write {close[0]} if that is meant",
                    severity="notice",
                )
        for name, f in fields.items():
            value = getattr(model, name)
            key = f.alias or name
            if isinstance(value, BaseModel):
                self.unknown_keys(value, (*loc, key))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        self.unknown_keys(item, (*loc, key, i))

    def check_outcome(self, meta: ReviewMeta, o: Outcome, loc: Loc) -> None:
        try:
            outcome_spec(meta, o)
        except SpecError as exc:
            text = str(exc).replace("tau2_method", "tau2")
            message, _, fix = text.partition("; ")
            where = _spec_key(o, loc, text)
            value = getattr(o, str(where[-1]), None) if len(where) > len(loc) else None
            self.toml_problem(
                where,
                message,
                fix or "change the outcome's settings (see docs/review-format.md)",
                value=value,
            )
        if o.subgroups is not None:
            if not o.subgroup_by:
                self.toml_problem(
                    (*loc, "subgroups"),
                    "subgroups are listed but subgroup_by is not set",
                    'add subgroup_by = "..." (the name of the '
                    "subgroup dimension) or remove subgroups",
                )
            dup = sorted({s for s in o.subgroups if o.subgroups.count(s) > 1})
            if dup:
                self.toml_problem(
                    (*loc, "subgroups"),
                    f"subgroup(s) listed twice: {', '.join(dup)}",
                    "list every subgroup once",
                )

    def check_tool(self, tool: RobTool, loc: Loc) -> None:
        if not tool.domains:
            self.toml_problem(
                (*loc, "domains"),
                "the tool has no domains",
                'list its domains, e.g. domains = ["Random sequence"]',
            )
        if not tool.judgements:
            self.toml_problem(
                (*loc, "judgements"),
                "the tool has no judgements",
                'list them, e.g. judgements = ["low", "high", "unclear"]',
            )
        for key, items in (("domains", tool.domains), ("judgements", tool.judgements)):
            dup = sorted({s for s in items if items.count(s) > 1})
            if dup:
                self.toml_problem(
                    (*loc, key), f"listed twice: {', '.join(dup)}", "list every entry once"
                )
        for key, items in (("low", tool.low), ("high", tool.high)):
            for k, j in enumerate(items):
                if j not in tool.judgements:
                    self.toml_problem(
                        (*loc, key, k),
                        "not one of the tool's judgements",
                        f"use one of {_quoted(tool.judgements)}",
                        value=j,
                    )
        both = sorted(set(tool.low) & set(tool.high))
        if both:
            self.toml_problem(
                (*loc, "high"),
                f"judgement(s) both low and high: {', '.join(both)}",
                "list each judgement in low or high, not both",
            )

    def check_prisma(self, pr: Prisma, n_studies: int | None) -> None:
        base: Loc = ("prisma",)
        for name in type(pr).model_fields:
            value = getattr(pr, name)
            if isinstance(value, dict):
                for k, v in value.items():
                    if v < 0:
                        self.toml_problem(
                            (*base, name, k),
                            "a count cannot be negative",
                            "enter the number of records (0 or more)",
                            value=v,
                        )
            elif isinstance(value, int) and value < 0:
                self.toml_problem(
                    (*base, name),
                    "a count cannot be negative",
                    "enter the number of records (0 or more)",
                    value=value,
                )

        def expect(key: str, box: str, got: int | None, want: int, how: str) -> None:
            if got is not None and got >= 0 and got != want:
                self.toml_problem(
                    (*base, key),
                    f"the PRISMA box '{box}' ({key} = {got}) does not add up: {how} = {want}",
                    f"correct {key} or the counts it is computed from",
                    value=got,
                )

        if pr.databases or pr.registers is not None:
            removed = [pr.duplicates_removed, pr.automation_removed, pr.other_removed]
            total = sum(v or 0 for v in removed)
            expect(
                "records_screened",
                "Records screened",
                pr.records_screened,
                pr.records_identified - total,
                f"records identified from databases and registers ({pr.records_identified})"
                f" minus records removed before screening ({total})",
            )
        if pr.records_screened is not None and pr.records_excluded is not None:
            expect(
                "reports_sought",
                "Reports sought for retrieval",
                pr.reports_sought,
                pr.records_screened - pr.records_excluded,
                f"records screened ({pr.records_screened}) minus records excluded "
                f"({pr.records_excluded})",
            )
        if pr.reports_sought is not None and pr.reports_not_retrieved is not None:
            expect(
                "reports_assessed",
                "Reports assessed for eligibility",
                pr.reports_assessed,
                pr.reports_sought - pr.reports_not_retrieved,
                f"reports sought ({pr.reports_sought}) minus reports not retrieved "
                f"({pr.reports_not_retrieved})",
            )
        if pr.reports_assessed is not None and pr.reports_excluded and not pr.other_methods:
            excluded = sum(pr.reports_excluded.values())
            expect(
                "reports_included",
                "Reports of included studies",
                pr.reports_included,
                pr.reports_assessed - excluded,
                f"reports assessed ({pr.reports_assessed}) minus reports excluded ({excluded})",
            )
        if (
            pr.studies_included is not None
            and pr.reports_included is not None
            and pr.studies_included > pr.reports_included >= 0
        ):
            self.toml_problem(
                (*base, "studies_included"),
                f"more studies ({pr.studies_included}) than reports of included "
                f"studies ({pr.reports_included})",
                "every included study has at least one report; check both boxes",
                value=pr.studies_included,
            )
        if pr.studies_included is not None and n_studies and pr.studies_included != n_studies:
            self.toml_problem(
                (*base, "studies_included"),
                "the PRISMA box 'Studies included in review' differs from the number of "
                f"studies in studies.csv ({n_studies})",
                "check the count, or add the missing studies to studies.csv",
                value=pr.studies_included,
                severity="notice",
            )

    # CSV files --------------------------------------------------------------------------

    def read_csv(self, rel: str) -> CsvTable | None:
        """Read one CSV file (reported problems make it None); never writes."""
        path = self.root / rel
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.add(
                f"cannot read the file ({exc.strerror})", "check the file's permissions", source=rel
            )
            return None
        text, encoding = decode_text(raw)
        if encoding not in _UTF:
            self.add(
                f"the file is not valid UTF-8; read it as {encoding}",
                "save it as UTF-8 to be sure accented names are read as intended "
                f"(metareview writes it back as {encoding} until then)",
                source=rel,
                severity="notice",
            )
        try:
            split = _split_csv(rel, text)
        except TableFormatError as exc:
            self.add(exc.problem, exc.fix, source=rel, line=exc.line)
            return None
        table = split.table
        table.encoding = encoding
        self.header_line[rel] = split.header_line
        self.tables[rel] = table
        seen: set[str] = set()
        bad = False
        for k, name in enumerate(table.header):
            if not name:
                self.add(
                    f"column {k + 1} has no name",
                    "give every column a name in the header",
                    source=rel,
                    line=split.header_line,
                    column=k + 1,
                )
                bad = True
            elif name in seen:
                self.add(
                    "duplicate column name",
                    "give every column a distinct name",
                    source=rel,
                    line=split.header_line,
                    column=k + 1,
                    field=name,
                    value=name,
                )
                bad = True
            seen.add(name)
        return None if bad else table

    def require(self, table: CsvTable, columns: Sequence[str], what: str) -> bool:
        missing = [c for c in columns if c not in table.header]
        if missing:
            self.header_problem(
                table,
                f"missing column(s) {', '.join(missing)} "
                f"(found: {', '.join(table.header) or 'none'})",
                f"{what} must have the column(s) {', '.join(columns)}",
            )
        return not missing

    def check_study(self, table: CsvTable, i: int, col: str = "study") -> None:
        sid = table.rows[i].get(col, "")
        if self.study_ids is not None and sid and sid not in self.study_ids:
            close = difflib.get_close_matches(sid, sorted(self.study_ids), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.cell_problem(
                table,
                i,
                col,
                "no study with this id in studies.csv",
                f"use an id from studies.csv{hint}, or add the study there",
            )

    def read_studies(self) -> list[Study] | None:
        if not (self.root / STUDIES).is_file():
            self.add(
                "studies.csv is missing",
                "every review folder needs studies.csv with at least the column id "
                "(`metareview new` writes one)",
                source=STUDIES,
            )
            return None
        table = self.read_csv(STUDIES)
        if table is None or not self.require(table, ["id"], "studies.csv"):
            return None
        studies: list[Study] = []
        first: dict[str, int] = {}
        for i, row in enumerate(table.rows):
            sid = row["id"]
            if not sid:
                self.cell_problem(
                    table,
                    i,
                    "id",
                    "the study id is empty",
                    "give every study an id, e.g. 'Smith 2001'",
                )
            elif sid in first:
                self.cell_problem(
                    table,
                    i,
                    "id",
                    f"duplicate study id (also line {table.lines[first[sid]]})",
                    "give every study a distinct id (e.g. 'Smith 2001a', 'Smith 2001b')",
                    study=sid,
                )
            else:
                first[sid] = i
            year = row.get("year", "")
            if year and _integer(year) is None:
                self.cell_problem(
                    table,
                    i,
                    "year",
                    "the year is not a whole number",
                    "write the year as digits, e.g. 2010 (put suffixes such as 'a' in the id)",
                    study=sid,
                )
            design = row.get("design", "")
            if design and design not in DESIGNS:
                self.cell_problem(
                    table,
                    i,
                    "design",
                    "unknown study design",
                    f"write one of {', '.join(DESIGNS)} (or leave it empty)",
                    study=sid,
                )
            extra = {c: row[c] for c in table.header if c not in STUDY_COLUMNS}
            studies.append(
                Study(
                    id=sid,
                    author=row.get("author", ""),
                    year=_integer(year) if year else None,
                    country=row.get("country", ""),
                    design=design,
                    extra=extra,
                    line=table.lines[i],
                )
            )
        self.study_ids = set(first)
        return studies

    def read_outcomes(self, meta: ReviewMeta) -> dict[str, list[DataRow]]:
        data: dict[str, list[DataRow]] = {}
        used: set[str] = set()
        for i, c in enumerate(meta.comparisons):
            for j, o in enumerate(c.outcomes):
                if not o.per_study_data or o.id in data:
                    continue
                rel = _data_rel(o)
                if rel is None:
                    continue
                used.add(rel)
                if not (self.root / rel).is_file():
                    loc: Loc = ("comparisons", i, "outcomes", j)
                    if o.data is not None:
                        loc = (*loc, "data")
                    self.toml_problem(
                        loc,
                        f"the data file {rel} of outcome {o.id} is missing",
                        f"create {rel} (one row per study), or set "
                        "per_study_data = false if the review publishes no "
                        "per-study data",
                    )
                    continue
                table = self.read_csv(rel)
                if table is not None:
                    rows = self.check_data(meta, o, table)
                    if rows is not None:
                        data[o.id] = rows
        folder = self.root / "outcomes"
        if folder.is_dir():
            for f in sorted(folder.glob("*.csv")):
                rel = f"outcomes/{f.name}"
                if rel not in used and not self.outcomes_incomplete:
                    self.add(
                        "no outcome in review.toml uses this data file",
                        "add an outcome with this id to review.toml (or point an "
                        "outcome's data key to it), or remove the file",
                        source=rel,
                        severity="notice",
                    )
        return data

    def check_data(self, meta: ReviewMeta, o: Outcome, table: CsvTable) -> list[DataRow] | None:
        from metareview.analysis.data import COLUMNS, OPTIONAL, prepare

        needed = COLUMNS[o.data_type]
        sub = "subgroup" if o.subgroup_by else None
        ok = self.require(
            table,
            ["study", *([sub] if sub else []), *needed],
            f"the data file of a {o.data_type} outcome",
        )
        if not sub and "subgroup" in table.header:
            self.header_problem(
                table,
                f"outcome {o.id} has no subgroup_by in review.toml",
                'add subgroup_by = "..." (the subgroup dimension) to the '
                "outcome, or remove the subgroup column",
                "subgroup",
            )
            ok = False
        try:
            spec = outcome_spec(meta, o)
        except SpecError:
            spec = None  # reported with review.toml
        if ok and spec is not None and table.rows:
            mapping = {c: [row[c] for row in table.rows] for c in table.header}
            try:
                prepare(
                    mapping,
                    spec,
                    study="study",
                    subgroup=sub,
                    source=table.path,
                    lines=table.lines,
                    allow_not_estimable=o.allow_not_estimable,
                    allow_repeated_studies=o.allow_repeated_studies,
                )
            except DataError as exc:
                for p in exc.problems:
                    self.problems.append(self.relocate(table, p))
        for i, row in enumerate(table.rows):
            self.check_study(table, i)
            if sub and o.subgroups is not None and row.get(sub) and row[sub] not in o.subgroups:
                self.cell_problem(
                    table,
                    i,
                    sub,
                    f"not one of the subgroups of outcome {o.id}",
                    f"use one of {_quoted(o.subgroups)}, or add it to subgroups in review.toml",
                    study=row.get("study"),
                )
        if not ok:
            return None
        numeric = [*needed, *(c for c in OPTIONAL.get(o.data_type, ()) if c in table.header)]
        skip = {"study", "subgroup", "footnote", *numeric}
        rows: list[DataRow] = []
        for i, row in enumerate(table.rows):
            rows.append(
                DataRow(
                    study=row["study"],
                    subgroup=row["subgroup"] if sub else None,
                    values={c: _number(row[c]) for c in numeric},
                    footnote=row.get("footnote", ""),
                    extra={c: row[c] for c in table.header if c not in skip},
                    line=table.lines[i],
                )
            )
        return rows

    def relocate(self, table: CsvTable, p: Problem) -> Problem:
        """A problem of :func:`prepare` with this file's column and the cell as written."""
        if p.row is None:
            return dataclasses.replace(
                p, source=table.path, line=self.header_line[table.path] if p.line else None
            )
        i = p.row - 1
        column = _column(table, p.field) if p.field else None
        value = p.value
        if p.field and 0 <= i < len(table.rows):
            value = table.rows[i].get(p.field, p.value)
        return dataclasses.replace(p, source=table.path, column=column, value=value)

    def read_rob(self) -> list[RobJudgement]:
        if not (self.root / ROB).is_file():
            return []
        table = self.read_csv(ROB)
        if table is None:
            return []
        required = ["study", "tool", "domain", "judgement"]
        if not self.require(table, required, "risk_of_bias.csv"):
            return []
        meta = self.checked
        outcome_ids = None
        if meta is not None and not self.outcomes_incomplete:
            outcome_ids = {o.id for _, o in meta.outcomes()}
        seen: dict[tuple[str, ...], int] = {}
        out: list[RobJudgement] = []
        for i, row in enumerate(table.rows):
            sid = row["study"]
            if not sid:
                self.cell_problem(
                    table,
                    i,
                    "study",
                    "the study id is empty",
                    "give the study id of every judgement",
                )
            self.check_study(table, i)
            tool: RobTool | None = None
            if meta is not None:
                tool = meta.rob_tool(row["tool"])
                if tool is None and not self.tools_incomplete:
                    names = [*BUILTIN_TOOLS, *(t.name for t in meta.rob_tools)]
                    self.cell_problem(
                        table,
                        i,
                        "tool",
                        "unknown risk-of-bias tool",
                        f"use {_quoted(names)} or describe the tool in a "
                        "[[rob_tools]] table of review.toml",
                        sid,
                    )
            if tool is not None:
                if row["domain"] not in tool.domains:
                    self.cell_problem(
                        table,
                        i,
                        "domain",
                        f"not a domain of {tool.name}",
                        f"use one of {_quoted(tool.domains)}",
                        sid,
                    )
                j = row["judgement"]
                if j not in tool.judgements:
                    near = [t for t in tool.judgements if t.lower() == j.lower()]
                    fix = (
                        f"write {near[0]!r} (judgements are case-sensitive)"
                        if near
                        else f"use one of {_quoted(tool.judgements)}"
                    )
                    what = "the judgement is empty" if not j else f"not a judgement of {tool.name}"
                    self.cell_problem(table, i, "judgement", what, fix, sid)
            oid = row.get("outcome", "")
            if oid and outcome_ids is not None and oid not in outcome_ids:
                self.cell_problem(
                    table,
                    i,
                    "outcome",
                    "no outcome with this id in review.toml",
                    "use an outcome id from review.toml, or leave the cell empty "
                    "for a study-level judgement",
                    sid,
                )
            key = (sid, row["tool"], row["domain"], oid, row.get("assessor", ""))
            if all(key[:3]) and key in seen:
                self.cell_problem(
                    table,
                    i,
                    "domain",
                    f"judged twice (also line {table.lines[seen[key]]})",
                    "keep one row per study, tool, domain (and outcome, and assessor)",
                    sid,
                )
            seen.setdefault(key, i)
            out.append(
                RobJudgement(
                    study=sid,
                    tool=row["tool"],
                    domain=row["domain"],
                    judgement=row["judgement"],
                    support=row.get("support", ""),
                    outcome=oid,
                    extra={
                        c: row[c]
                        for c in table.header
                        if c not in ROB_COLUMNS and c not in ROB_OPTIONAL
                    },
                    line=table.lines[i],
                    assessor=row.get("assessor", ""),
                )
            )
        return out

    def read_answers(self) -> list[RobAnswer]:
        """rob_answers.csv: answers to the RoB 2 signalling questions."""
        if not (self.root / ANSWERS).is_file():
            return []
        table = self.read_csv(ANSWERS)
        if table is None:
            return []
        if not self.require(table, ["study", "tool", "question", "answer"], ANSWERS):
            return []
        meta = self.checked
        outcome_ids = None
        if meta is not None and not self.outcomes_incomplete:
            outcome_ids = {o.id for _, o in meta.outcomes()}
        from metareview import rob as rob2

        questions = {q.id: q for d in rob2.DOMAINS.values() for q in d.questions}
        seen: dict[tuple[str, ...], int] = {}
        out: list[RobAnswer] = []
        for i, row in enumerate(table.rows):
            sid = row["study"]
            if not sid:
                self.cell_problem(
                    table, i, "study", "the study id is empty", "give the study id of every answer"
                )
            self.check_study(table, i)
            if row["tool"] != ROB2.name:
                self.cell_problem(
                    table,
                    i,
                    "tool",
                    "signalling questions are supported for RoB 2 only",
                    f"write {ROB2.name!r}, or record the judgements in {ROB} instead",
                    sid,
                )
            qid = row["question"]
            question = questions.get(qid)
            if question is None:
                self.cell_problem(
                    table,
                    i,
                    "question",
                    "not a RoB 2 signalling question",
                    f"use one of {', '.join(questions)}",
                    sid,
                )
            answer = row["answer"].strip().upper()
            if question is not None and answer not in question.options:
                what = "the answer is empty" if not answer else "not an answer to this question"
                self.cell_problem(
                    table,
                    i,
                    "answer",
                    what,
                    f"use one of {'/'.join(question.options)} (Y yes, PY probably yes, PN "
                    "probably no, N no, NI no information, NA not applicable)",
                    sid,
                )
            oid = row.get("outcome", "")
            if oid and outcome_ids is not None and oid not in outcome_ids:
                self.cell_problem(
                    table,
                    i,
                    "outcome",
                    "no outcome with this id in review.toml",
                    "use an outcome id from review.toml, or leave the cell empty",
                    sid,
                )
            key = (sid, row["tool"], qid, oid, row.get("assessor", ""))
            if all(key[:3]) and key in seen:
                self.cell_problem(
                    table,
                    i,
                    "question",
                    f"answered twice (also line {table.lines[seen[key]]})",
                    "keep one row per study, question, outcome and assessor",
                    sid,
                )
            seen.setdefault(key, i)
            out.append(
                RobAnswer(
                    study=sid,
                    tool=row["tool"],
                    question=qid,
                    answer=row["answer"],
                    assessor=row.get("assessor", ""),
                    outcome=oid,
                    support=row.get("support", ""),
                    extra={c: row[c] for c in table.header if c not in ANSWER_COLUMNS},
                    line=table.lines[i],
                )
            )
        return out

    def check_assessments(self, rob: list[RobJudgement], answers: list[RobAnswer]) -> None:
        """Signalling answers vs judgements, and the two assessors' consensus."""
        if not answers and not any(j.assessor for j in rob):
            return
        from metareview.review.assessments import assess

        bad_lines = {(p.source, p.line) for p in self.problems if p.is_error}
        usable = [a for a in answers if (ANSWERS, a.line) not in bad_lines]
        for issue in assess(rob, usable).issues:
            self.add(
                issue.message,
                issue.fix,
                source=issue.source,
                line=issue.line,
                field=issue.field,
                study=issue.study or None,
                severity=issue.severity,
            )

    def read_reported(self) -> list[ReportedResult]:
        if not (self.root / REPORTED).is_file():
            return []
        table = self.read_csv(REPORTED)
        if table is None or not self.require(table, ["outcome"], "reported_results.csv"):
            return []
        meta = self.checked
        out: list[ReportedResult] = []
        for i, row in enumerate(table.rows):
            oid = row["outcome"]
            outcome: Outcome | None = None
            if not oid:
                self.cell_problem(
                    table,
                    i,
                    "outcome",
                    "the outcome id is empty",
                    "give the outcome id from review.toml of every result",
                )
            elif meta is not None and not self.outcomes_incomplete:
                try:
                    outcome = meta.outcome(oid)[1]
                except KeyError:
                    ids = [o.id for _, o in meta.outcomes()]
                    close = difflib.get_close_matches(oid, ids, n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    self.cell_problem(
                        table,
                        i,
                        "outcome",
                        "no outcome with this id in review.toml",
                        f"use an outcome id from review.toml{hint}",
                    )
            floats: dict[str, float | None] = {}
            for col in _REPORTED_FLOATS:
                text = row.get(col, "")
                if col == "i2":
                    text = text.removesuffix("%").strip()
                floats[col] = _number(text)
                if text and floats[col] is None:
                    self.cell_problem(
                        table,
                        i,
                        col,
                        "not a number",
                        "write the number as printed with '.' as the decimal "
                        "mark (no units or text)",
                    )
            ints: dict[str, int | None] = {}
            for col in _REPORTED_INTS:
                text = row.get(col, "")
                ints[col] = _integer(text)
                if text and (ints[col] is None or (ints[col] or 0) < 0):
                    self.cell_problem(
                        table,
                        i,
                        col,
                        "not a count",
                        "write a whole number of digits only (1234, not 1,234)",
                    )
                    ints[col] = None
            p = row.get("p", "")
            if p and not _P_VALUE.match(p.replace("\u2212", "-").replace(" ", "")):
                self.cell_problem(
                    table,
                    i,
                    "p",
                    "not a P value",
                    "write it as printed, e.g. 0.03, <0.001 or <0.00001",
                )
            lo, est, hi = floats["ci_low"], floats["estimate"], floats["ci_high"]
            if lo is not None and hi is not None and lo > hi:
                self.cell_problem(
                    table,
                    i,
                    "ci_low",
                    f"the CI's lower limit is above its upper limit ({row['ci_high']})",
                    "check the order of ci_low and ci_high",
                )
            elif lo is not None and hi is not None and est is not None and not lo <= est <= hi:
                self.cell_problem(
                    table,
                    i,
                    "estimate",
                    f"the estimate lies outside its CI ({row['ci_low']} to {row['ci_high']})",
                    "check the estimate and the CI against the review",
                )
            sg = row.get("subgroup", "")
            if (
                sg
                and outcome is not None
                and outcome.subgroups is not None
                and (sg not in outcome.subgroups)
            ):
                self.cell_problem(
                    table,
                    i,
                    "subgroup",
                    f"not a subgroup of outcome {oid}",
                    f"use one of {_quoted(outcome.subgroups)} (empty = overall)",
                )
            certainty = row.get("certainty", "").strip()
            if certainty and certainty.lower() not in _CERTAINTY_WORDS:
                self.cell_problem(
                    table,
                    i,
                    "certainty",
                    "not a GRADE certainty level",
                    "write high, moderate, low or very low (as the review prints it)",
                )
            out.append(
                ReportedResult(
                    outcome=oid,
                    measure=row.get("measure", ""),
                    location=row.get("location", ""),
                    subgroup=sg,
                    estimate=est,
                    ci_low=lo,
                    ci_high=hi,
                    p=p,
                    i2=floats["i2"],
                    participants=ints["participants"],
                    studies=ints["studies"],
                    certainty=row.get("certainty", ""),
                    extra={c: row[c] for c in table.header if c not in REPORTED_COLUMNS},
                    line=table.lines[i],
                    text={
                        k: row.get(k, "").strip()
                        for k in ("estimate", "ci_low", "ci_high", "i2", "participants", "studies")
                    },
                )
            )
        return out


def _at(data: Any, loc: Loc) -> Any:
    """The value at ``loc`` in nested dicts and lists, None if there is none."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _column(table: CsvTable, name: str | None) -> int | None:
    return table.header.index(name) + 1 if name in table.header else None


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


#: GRADE certainty levels accepted in reported_results.csv (any letter case)
_CERTAINTY_WORDS = ("high", "moderate", "low", "very low")


def _quoted(items: Iterable[str]) -> str:
    return ", ".join(f"'{s}'" for s in items)


def _data_rel(o: Outcome) -> str | None:
    """The outcome's data file as a clean relative POSIX path, None if outside the folder."""
    p = PurePosixPath(o.data_path.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", str(p)):
        return None
    return str(p)


_SPEC_KEYS = {
    "data_type": "data_type",
    "measure": "measure",
    "method": "method",
    "model": "model",
    "totals": "totals",
    "tau2": "tau2",
    "ci_method": "ci_method",
    "prediction": "prediction",
    "ci ": "ci",
    "log": "log",
    "swap_events": "swap_events",
    "the peto method": "method",
    "revman 5 offers no random": "model",
    "a prediction interval": "prediction",
}


def _spec_key(o: Outcome, loc: Loc, message: str) -> Loc:
    """The outcome key a SpecError is about (its line), else the outcome's table."""
    low = message.lower()
    for start, key in _SPEC_KEYS.items():
        if low.startswith(start):
            return (*loc, key)
    return loc


# --- saving --------------------------------------------------------------------------------


def save(review: Review, target: str | Path | None = None) -> Path:
    """Write ``review`` to the folder ``target`` (default: ``review.root``).

    ``review.toml`` is the kept document with the values that differ from ``review.meta``
    changed (comments and layout kept), or a fresh file for a review built in memory.
    Every CSV file is written from the row objects merged with the kept
    :class:`~metareview.review.model.CsvTable`: same column order, comment lines and
    extra columns kept, rows matched by their ``line``, new rows (``line == 0``)
    appended, unchanged rows copied as they were written.  A review loaded and saved
    unchanged is written back byte for byte.  Each file goes to a temporary file in the
    same folder, then replaces the old one (files whose bytes did not change are not
    touched).  Files of removed outcomes are not deleted.

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    ReviewError
        If a file cannot be encoded in its encoding, or data belong to no outcome.
    """
    root = Path(target) if target is not None else Path(review.root)
    files = _render(review)
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        _write_atomic(root / rel, data)
    return root


def _render(review: Review) -> dict[str, bytes]:
    from metareview.analysis.data import COLUMNS, OPTIONAL

    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    if review.toml is None:
        toml_text = tomlkit.dumps(_fresh_document(review.meta))
    else:
        _sync_document(review.toml, review.meta)
        toml_text = tomlkit.dumps(review.toml)
    files[TOML] = toml_text.encode("utf-8")

    def put(rel: str, text: str, encoding: str) -> None:
        try:
            files[rel] = text.encode(encoding)
        except UnicodeEncodeError as exc:
            problems.append(
                Problem(
                    f"{text[exc.start : exc.end]!r} cannot be written in the file's encoding "
                    f"({encoding})",
                    "save the file as UTF-8 (set its table's encoding to 'utf-8')",
                    source=rel,
                    line=text[: exc.start].count("\n") + 1,
                )
            )

    tables = review.tables
    records = [_study_record(s) for s in review.studies]
    put(STUDIES, *_render_table(STUDIES, tables.get(STUDIES), STUDY_COLUMNS, records))
    outcomes = {o.id: o for _, o in review.meta.outcomes()}
    for oid in review.data:
        if oid not in outcomes or not outcomes[oid].per_study_data:
            problems.append(
                Problem(
                    f"study data for outcome {oid!r}, which is not in review.meta or has "
                    "per_study_data = false",
                    "add the outcome to a comparison, or remove its rows from review.data",
                )
            )
    written: set[str] = set()
    for o in outcomes.values():
        rel = _data_rel(o)
        if not o.per_study_data or rel is None or rel in written:
            continue
        written.add(rel)
        rows = review.data.get(o.id, [])
        optional = [
            c
            for c in OPTIONAL.get(o.data_type, ())
            if any(r.values.get(c) is not None for r in rows)
        ]
        canonical = [
            "study",
            *(["subgroup"] if o.subgroup_by else []),
            *COLUMNS[o.data_type],
            *optional,
        ]
        if any(r.footnote for r in rows):
            canonical.append("footnote")
        put(rel, *_render_table(rel, tables.get(rel), canonical, [_data_record(r) for r in rows]))
    if review.rob or ROB in tables:
        put(
            ROB,
            *_render_table(ROB, tables.get(ROB), ROB_COLUMNS, [_rob_record(r) for r in review.rob]),
        )
    if review.rob_answers or ANSWERS in tables:
        put(
            ANSWERS,
            *_render_table(
                ANSWERS,
                tables.get(ANSWERS),
                ANSWER_COLUMNS[:4],
                [_answer_record(r) for r in review.rob_answers],
            ),
        )
    if review.reported or REPORTED in tables:
        put(
            REPORTED,
            *_render_table(
                REPORTED,
                tables.get(REPORTED),
                REPORTED_COLUMNS,
                [_reported_record(r) for r in review.reported],
            ),
        )
    if problems:
        raise ReviewError(problems, str(review.root))
    return files


# a row object as (file line, known columns -> value, extra columns -> text)
_Record = tuple[int, dict[str, Any], dict[str, str]]


def _study_record(s: Study) -> _Record:
    known = {
        "id": s.id,
        "author": s.author,
        "year": s.year,
        "country": s.country,
        "design": s.design,
    }
    return s.line, known, s.extra


def _data_record(r: DataRow) -> _Record:
    known: dict[str, Any] = {"study": r.study}
    if r.subgroup is not None:
        known["subgroup"] = r.subgroup
    known.update(r.values)
    known["footnote"] = r.footnote
    return r.line, known, r.extra


def _rob_record(r: RobJudgement) -> _Record:
    known = {
        "study": r.study,
        "tool": r.tool,
        "domain": r.domain,
        "judgement": r.judgement,
        "support": r.support,
        "outcome": r.outcome,
        "assessor": r.assessor,
    }
    return r.line, known, r.extra


def _answer_record(r: RobAnswer) -> _Record:
    known = {c: getattr(r, c) for c in ANSWER_COLUMNS}
    return r.line, known, r.extra


def _reported_record(r: ReportedResult) -> _Record:
    known = {c: getattr(r, c) for c in REPORTED_COLUMNS}
    return r.line, known, r.extra


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _keep(original: str | None, value: Any) -> str:
    """The cell for ``value``: the original text when it still means ``value``."""
    if original is not None:
        if value is None or value == "":
            if not original.strip():
                return original
        elif isinstance(value, str):
            if original.strip() == value:
                return original
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = original.strip()
            if text.endswith("%"):
                text = text[:-1]
            if _number(text) == value:
                return original
    return _format(value)


def _render_table(
    rel: str, table: CsvTable | None, canonical: Sequence[str], records: Sequence[_Record]
) -> tuple[str, str]:
    """The text of one CSV file and its encoding."""
    if table is None:
        header: list[str] = list(canonical)
        table = CsvTable(path=rel, header=[], rows=[])
    else:
        header = list(table.header)
    # columns the rows fill and the header lacks go at its end
    known_cols = list(dict.fromkeys([*canonical, *(c for _, k, _ in records for c in k)]))
    for col in known_cols:
        if col not in header and any(_format(k.get(col)) for _, k, _ in records):
            header.append(col)
    for _, _, extra in records:
        header.extend(c for c in extra if c not in header)
    original: _Split | None = None
    if table.text is not None:
        try:
            original = _split_csv(rel, table.text)
        except TableFormatError:
            original = None
    base = {line: row for line, row in zip(table.lines, table.rows, strict=False)}
    same_header = original is not None and original.table.header == header
    old_rows: dict[int, tuple[dict[str, str], str]] = {}
    if original is not None:
        old_rows = {
            line: (row, text)
            for line, row, text in zip(
                original.table.lines, original.table.rows, original.row_text, strict=True
            )
        }
    nl, delimiter = table.newline, table.delimiter
    pieces: list[str] = []

    def emit(text: str) -> None:
        if pieces and not pieces[-1].endswith(("\n", "\r")):
            pieces.append(nl)
        pieces.append(text)

    def fmt_row(cells: Sequence[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator=nl).writerow(cells)
        return buf.getvalue()

    if original is not None and original.table.comments == table.comments:
        if original.prefix:
            emit(original.prefix)
    else:
        for c in table.comments:
            emit((c if c.lstrip().startswith("#") else f"# {c}") + nl)
    if original is not None and same_header:
        emit(original.header_text)
    else:
        emit(fmt_row(header))
    for line, known, extra in records:
        row = base.get(line) if line else None
        cells: dict[str, str] = {}
        for col in header:
            old = row.get(col) if row is not None else None
            if col in known:
                cells[col] = _keep(old, known[col])
            elif col in extra:
                cells[col] = extra[col] if old is None or old.strip() != extra[col] else old
            else:
                cells[col] = ""
        kept = old_rows.get(line) if same_header and line else None
        if kept is not None and kept[0] == {c: v.strip() for c, v in cells.items()}:
            emit(kept[1])
        else:
            emit(fmt_row([cells[c] for c in header]))
    return "".join(pieces), table.encoding


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    try:
        if path.read_bytes() == data:
            return
        mode: int | None = path.stat().st_mode & 0o7777
    except OSError:
        mode = None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- review.toml writing -------------------------------------------------------------------

#: keys written even when they hold their default value, for readable new tables
_ALWAYS: dict[type, tuple[str, ...]] = {
    ReviewMeta: ("schema", "title", "preset"),
    Comparison: ("id", "name", "label_exp", "label_ctrl"),
    Outcome: ("id", "name", "data_type", "measure", "method", "model"),
    RobTool: ("name", "judgements", "low", "high", "domains"),
}
_KEY_FIELD: dict[type, str] = {Comparison: "id", Outcome: "id", RobTool: "name"}


def _toml_value(value: Any) -> Any:
    """A plain value as tomlkit should write it (integral floats as integers)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dict):
        t = tomlkit.inline_table()
        for k, v in value.items():
            t[k] = _toml_value(v)
        return t
    if isinstance(value, list):
        return [_toml_value(v) for v in value]
    return value


def _is_table(value: Any) -> bool:
    return isinstance(value, BaseModel) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, BaseModel) for v in value)
    )


def _fill(container: Any, model: BaseModel) -> None:
    """Add the keys of ``model`` to a TOML container: non-default ones (and the usual)."""
    always = _ALWAYS.get(type(model), ())
    subtables: list[tuple[str, Any]] = []
    for name, f in type(model).model_fields.items():
        key = f.alias or name
        value = getattr(model, name)
        if value is None or (
            key not in always and value == f.get_default(call_default_factory=True)
        ):
            continue
        # empty strings are left out, except where "" differs from the default (an
        # outcome's own empty group labels, which override the comparison's)
        empty_is_default = f.get_default(call_default_factory=True) in ("", None) and key not in (
            "label_exp",
            "label_ctrl",
        )
        if (value == "" and key != "title" and empty_is_default) or (
            value == [] and key not in always
        ):
            continue
        if _is_table(value):
            subtables.append((key, value))
        else:
            container[key] = _toml_value(value)
    for key, value in (model.model_extra or {}).items():
        container[key] = _toml_value(value)
    for key, value in subtables:
        if isinstance(value, BaseModel):
            container[key] = _model_table(value)
        else:
            container[key] = _aot(value, indent=2 if isinstance(model, Comparison) else 0)


def _model_table(model: BaseModel, *, indent: int = 0) -> tomlkit.items.Table:
    """A new TOML table for ``model``."""
    t = tomlkit.table()
    _fill(t, model)
    if indent:
        t.indent(indent)
    return t


def _aot(models: Sequence[BaseModel], *, indent: int = 0) -> tomlkit.items.AoT:
    aot = tomlkit.aot()
    for m in models:
        aot.append(_model_table(m, indent=indent))
    return aot


def _fresh_document(meta: ReviewMeta) -> tomlkit.TOMLDocument:
    """A readable ``review.toml`` for a review built in memory."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("A metareview review.  Format: docs/review-format.md of metareview."))
    doc.add(tomlkit.nl())
    _fill(doc, meta)
    return doc


def _sync_document(doc: Any, meta: ReviewMeta) -> None:
    """Update the kept document where ``meta`` differs from what it holds."""
    try:
        old: ReviewMeta | None = ReviewMeta.model_validate(doc.unwrap())
    except ValidationError:
        old = None
    _sync(doc, old, meta)


_MISSING: Any = object()


def _sync(container: Any, old: BaseModel | None, new: BaseModel) -> None:
    """Write into ``container`` (holding ``old``) every value of ``new`` that differs."""
    old_dump = old.model_dump(by_alias=True) if old is not None else {}
    new_dump = new.model_dump(by_alias=True)
    indent = 2 if isinstance(new, Comparison) else 0
    for name, f in type(new).model_fields.items():
        key = f.alias or name
        if old_dump.get(key, _MISSING) == new_dump[key]:
            continue
        value = getattr(new, name)
        before = getattr(old, name) if old is not None else None
        present = key in container
        if value is None or (
            isinstance(value, list)
            and not value
            and present
            and isinstance(container[key], tomlkit.items.AoT)
        ):
            if present:
                del container[key]
        elif present and isinstance(value, BaseModel) and isinstance(before, BaseModel):
            _sync(container[key], before, value)
        elif present and _is_table(value) and isinstance(container[key], tomlkit.items.AoT):
            _sync_aot(container[key], before or [], value, indent=indent)
        elif present and isinstance(value, dict) and isinstance(container[key], dict):
            _sync_dict(container[key], value)
        elif isinstance(value, BaseModel):
            container[key] = _model_table(value)
        elif _is_table(value):
            container[key] = _aot(value, indent=indent)
        else:
            container[key] = _toml_value(value)
    old_extra = (old.model_extra or {}) if old is not None else {}
    new_extra = new.model_extra or {}
    for key, value in new_extra.items():
        if old_extra.get(key, _MISSING) != value:
            container[key] = _toml_value(value)
    for key in old_extra:
        if key not in new_extra and key in container:
            del container[key]


def _sync_dict(container: Any, new: Mapping[str, Any]) -> None:
    """Update a table of plain values key by key (the others keep their layout)."""
    for key in [k for k in container if k not in new]:
        del container[key]
    for key, value in new.items():
        if key not in container or container[key] != value:
            container[key] = _toml_value(value)


def _sync_aot(aot: Any, olds: Sequence[Any], news: Sequence[BaseModel], *, indent: int) -> None:
    """Update an array of tables: items matched by id (or name), new ones appended."""
    key = _KEY_FIELD.get(type(news[0]), "")
    old_ids = [getattr(o, key, None) for o in olds]
    new_ids = [getattr(n, key, None) for n in news]
    if len(olds) == len(aot) and old_ids == new_ids:
        for table, o, n in zip(aot, olds, news, strict=True):
            _sync(table, o, n)
        return
    kept: dict[Any, tuple[Any, Any]] = {}
    if len(olds) == len(aot):
        for table, o in zip(aot, olds, strict=True):
            kept.setdefault(getattr(o, key, None), (table, o))
    tables = []
    for n in news:
        ident = getattr(n, key, None)
        if ident in kept:
            table, o = kept.pop(ident)
            _sync(table, o, n)
        else:
            table = _model_table(n, indent=indent)
            table.add(tomlkit.nl())
        tables.append(table)
    while len(aot):
        del aot[0]
    for table in tables:
        aot.append(table)


# --- new -----------------------------------------------------------------------------------

_TEMPLATE = """\
# A metareview review.  Format: docs/review-format.md of metareview.
# Check it with `metareview validate DIR`.  Comments (lines starting with #) are kept
# when metareview saves the review.

schema = "{schema}"   # format version; leave as it is
title = {title}
authors = []                     # e.g. ["A. Author", "B. Author"]
preset = "revman5"               # statistical conventions: revman5 | cochrane2025 | metafor

[question]                       # the review question (PICO)
population = ""
intervention = ""
comparison = ""
outcomes = ""

[protocol]                       # where the protocol is registered
registry = ""                    # e.g. "PROSPERO"
id = ""                          # e.g. "CRD42021000000"
url = ""

[search]
last_search = ""                 # date of the last search: YYYY-MM-DD, YYYY-MM or YYYY
sources = []                     # databases searched, e.g. ["CENTRAL", "MEDLINE"]

# Comparisons and their outcomes: one [[comparisons]] table per comparison, one
# [[comparisons.outcomes]] table per outcome.  The study data of an outcome go in
# outcomes/<outcome id>.csv, one row per study (study ids from studies.csv).
# Uncomment and edit:
#
# [[comparisons]]
# id = "drug-vs-placebo"           # letters, digits, '.', '-', '_'; unique
# name = "Drug versus placebo"
# label_exp = "Drug"               # column labels in tables and plots
# label_ctrl = "Placebo"
#
#   [[comparisons.outcomes]]
#   id = "mortality"               # unique; names the data file outcomes/mortality.csv
#   name = "All-cause mortality"
#   data_type = "dich"             # dich | cont | giv | oe
#   measure = "RR"                 # dich: RR OR RD PETO_OR; cont: MD SMD; giv/oe: a label
#   method = "MH"                  # MH | IV | PETO (default: MH for dich, IV otherwise)
#   model = "random"               # fixed | random
#   # subgroup_by = "Dose"         # data rows then carry a subgroup column
#   # subgroups = ["Low", "High"]  # order of the subgroups
#   # ci = 95                      # confidence level, percent
#   # totals = "yes"               # yes | sub | no
#   # favours_exp = "Favours drug"
#   # favours_ctrl = "Favours placebo"
#   # tau2 = "REML"; ci_method = "hksj"; prediction = "t-k1"   # override the preset
#   # per_study_data = false       # the review publishes only pooled results

# Custom risk-of-bias tools (RoB 1 is built in):
#
# [[rob_tools]]
# name = "Ten questions"
# judgements = ["yes", "no", "unclear"]
# low = ["yes"]                    # judgements meaning low risk
# high = ["no"]                    # judgements meaning high risk
# domains = ["Q1 Random sequence", "Q2 Allocation concealment"]

# PRISMA 2020 flow counts, entered by hand:
#
# [prisma]
# databases = {{ CENTRAL = 0, MEDLINE = 0 }}   # records identified per database
# registers = 0
# other_methods = 0
# duplicates_removed = 0
# automation_removed = 0
# other_removed = 0
# records_screened = 0
# records_excluded = 0
# reports_sought = 0
# reports_not_retrieved = 0
# reports_assessed = 0
# reports_excluded = {{ "Not randomised" = 0 }}
# studies_included = 0
# reports_included = 0
"""


def new(path: str | Path, title: str | None = None) -> Review:
    """Start a review folder: a commented ``review.toml`` and an empty ``studies.csv``.

    Parameters
    ----------
    path
        The folder to create; it may exist if it is empty.
    title
        The review's title (default: the folder's name).

    Returns
    -------
    Review
        The new review, as :func:`load` reads it.

    Raises
    ------
    FileExistsError
        If ``path`` is a file or a folder that is not empty.
    """
    root = Path(path)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(
            f"{root} already exists and is not an empty folder; choose a new folder name"
        )
    name = title if title is not None else root.resolve().name
    if not name.strip():
        raise ValueError("the title is empty; give the review a title")
    root.mkdir(parents=True, exist_ok=True)
    text = _TEMPLATE.format(schema=SCHEMA, title=tomlkit.item(name.strip()).as_string())
    _write_atomic(root / TOML, text.encode("utf-8"))
    _write_atomic(root / STUDIES, (",".join(STUDY_COLUMNS) + "\n").encode("utf-8"))
    _write_atomic(root / ".gitignore", b"_build/\n")
    return load(root)
