"""Plain text tables (CSV, semicolon- or tab-separated) read as text cells.

Shared by every reader of delimited files, so that decoding, separator detection, line
numbers and the handling of blank and ragged rows are the same everywhere:

* bytes are decoded as UTF-16 (with its BOM), UTF-8 (with or without BOM), else
  Windows-1252 (else Latin-1), and the encoding used is reported;
* the separator is the most frequent of ``,``, ``;`` and tab on the header line;
* blank lines and rows whose cells are all empty (as spreadsheets leave at the end) are
  skipped; the file line where each row starts is kept (quoted cells may span lines);
* empty header cells at the end of the header are dropped; a row with more non-empty cells
  than the header has columns is an error naming its line; short rows are padded with "".

Nothing is converted: every cell stays the text that was in the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metareview.exceptions import DataError, Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TableFormatError", "TextTable", "decode_text", "parse_delimited", "read_table"]


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes: UTF-16 with BOM, UTF-8 (BOM or not), else cp1252, else latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"
    return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"


class TableFormatError(ValueError):
    """A delimited text that cannot be read as a table; ``line`` is where (1-based)."""

    def __init__(self, line: int, problem: str, fix: str, kind: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line, self.problem, self.fix, self.kind = line, problem, fix, kind


@dataclass(frozen=True, slots=True)
class TextTable:
    """Header, rows of text cells (padded to the header's length) and their file lines."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    delimiter: str


def parse_delimited(text: str) -> TextTable:
    """Split ``text`` into a :class:`TextTable` (cells unstripped); see the module notes."""
    body = text.lstrip("\r\n")
    if not body.strip():
        raise TableFormatError(1, "the file is empty", "add a header line and data rows", "empty")
    first = body.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in record):
                continue
            if header is None:
                header = list(record)
                while header and not header[-1].strip():
                    header.pop()
                continue
            width = len(header)
            if any(c.strip() for c in record[width:]):
                raise TableFormatError(
                    line,
                    f"the row has {len(record)} cells but the header has {width} columns",
                    "remove the extra cells or add a header for them (is a value split by a "
                    "comma decimal mark, or does a text contain the separator unquoted?)",
                    "extra_cells",
                )
            rows.append(tuple(record[:width]) + ("",) * (width - len(record)))
            lines.append(line)
    except csv.Error as exc:
        raise TableFormatError(
            reader.line_num, f"unreadable CSV ({exc})", "check the quotes on that line", "quoting"
        ) from None
    if header is None:  # pragma: no cover - excluded by the emptiness check above
        raise TableFormatError(1, "the file has no header line", "add a header line", "empty")
    return TextTable(tuple(header), tuple(rows), tuple(lines), delimiter)


def read_table(path: Path, *, notice: Any = None) -> tuple[pd.DataFrame, list[int], str]:
    """Read a delimited file as a DataFrame of stripped text cells.

    Returns the frame, the file line of every row and the encoding.  Problems raise
    :class:`~metareview.exceptions.DataError` naming the file and line.  ``notice`` is
    called with a message when the file is not UTF-8.
    """
    import pandas as pd

    src = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(f"cannot read the file ({exc.strerror})", source=src)]) from None
    text, encoding = decode_text(raw)
    if encoding not in ("utf-8", "utf-8-sig", "utf-16") and notice is not None:
        notice(
            f"note: {src} is not valid UTF-8; read it as {encoding}. Save it as UTF-8 to be "
            "sure accented names are read as intended."
        )
    try:
        table = parse_delimited(text)
    except TableFormatError as exc:
        raise DataError([Problem(exc.problem, exc.fix, src, line=exc.line)]) from None
    header = [h.strip() for h in table.header]
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DataError([Problem(f"duplicate column name(s) {', '.join(dup)}",
                                 "give every column a distinct name", src, line=1)])  # fmt: skip
    rows = [[c.strip() for c in row] for row in table.rows]
    return pd.DataFrame(rows, columns=header, dtype=object), list(table.lines), encoding
