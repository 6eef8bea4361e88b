"""Fuzz tests of the search-export readers: malformed input never crashes them.

Each reader gets random text, random bytes, and mutations of a real record
(truncated, end-of-record line removed, garbage lines inserted).  The only
exception allowed is the documented ``ValueError`` (``DataError``) of
``read_records`` for a file in no known format; every warning that points into
the file carries a line number.  The examples are kept few so that the file
runs in a few seconds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metareview.exceptions import DataError
from metareview.io.records import ReadWarning, Record, read_records, read_records_text
from metareview.io.records._common import decode_bytes
from metareview.io.records.bibtex import parse_bibtex
from metareview.io.records.endnote_xml import parse_endnote_xml
from metareview.io.records.medline import parse_medline
from metareview.io.records.ris import parse_ris
from metareview.io.records.table import parse_table_text
from metareview.io.records.wos import parse_wos

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

Parser = Callable[[str, str], tuple[list[Record], list[ReadWarning]]]


def _table(text: str, name: str) -> tuple[list[Record], list[ReadWarning]]:
    records, warnings, _ = parse_table_text(text, name)
    return records, warnings


PARSERS: dict[str, Parser] = {
    "ris": lambda text, name: parse_ris(text, name),
    "medline": lambda text, name: parse_medline(text, name),
    "wos": lambda text, name: parse_wos(text, name),
    "endnote-xml": lambda text, name: parse_endnote_xml(text, name),
    "bibtex": lambda text, name: parse_bibtex(text, name),
    "table": _table,
}

SAMPLES = {
    "ris": (
        "TY  - JOUR\nTI  - A trial of things\nAU  - Smith, J\nPY  - 2020\nDO  - 10.1/x\n"
        "AB  - First line\nsecond line\nKW  - one\nER  - \n\n"
        "TY  - BOOK\nTI  - Another\nSN  - 978-3-16-148410-0\nER  - \n"
    ),
    "medline": (
        "PMID- 123\nTI  - A title that is\n      wrapped\nFAU - Smith, John\nDP  - 2019 Jan\n"
        "AID - 10.1/x [doi]\n\nPMID- 124\nTI  - Second\nAB  - \n"
    ),
    "wos": (
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\n   Doe, K\n"
        "TI A title\n   wrapped\nPY 2020\nDE a; b\nUT WOS:1\nER\n\nPT J\nTI Two\nER\nEF\n"
    ),
    "endnote-xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xml><records>\n'
        '<record><ref-type name="Journal Article">17</ref-type><titles><title>'
        "<style>Split </style><style>title</style></title></titles>"
        "<dates><year>2001</year></dates></record>\n"
        "<record><titles><title>Second</title></titles></record>\n</records></xml>\n"
    ),
    "bibtex": (
        "@article{a,\n  title = {One {Title}},\n  author = {Smith, J and Doe, K},\n"
        "  year = {2020}\n}\n\n@book{b,\n  title = {Two},\n}\n"
    ),
    "table": 'title,author,year,doi\n"A, title",Smith J; Doe K,2020,10.1/x\nB,Roe P,2021,\n',
}


def check(records: list[Record], warnings: list[ReadWarning], text: str) -> None:
    lines = text.count("\n") + 2
    for warning in warnings:
        assert warning.line is None or 1 <= warning.line <= lines, warning
    for number, record in enumerate(records, 1):
        assert record.provenance is not None
        assert record.provenance.record_number == number
        assert record.title != "" and record.doi != "" and record.abstract != ""
        assert all(isinstance(v, list) for v in record.raw.values())


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(text=st.text(max_size=400))
def test_random_text(kind: str, text: str) -> None:
    records, warnings = PARSERS[kind](text, "fuzz")
    check(records, warnings, text)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(kind: str, data: bytes) -> None:
    text, _ = decode_bytes(data)
    records, warnings = PARSERS[kind](text, "fuzz")
    check(records, warnings, text)


@FUZZ
@given(data=st.binary(max_size=600))
def test_read_records_random_bytes(scratch: Path, data: bytes) -> None:
    path = scratch / "fuzz.dat"
    path.write_bytes(data)
    try:
        result = read_records(path)
    except DataError as error:
        message = str(error)
    else:
        check(result.records, result.warnings, decode_bytes(data)[0])
        return
    assert str(path) in message


@FUZZ
@given(text=st.text(alphabet=st.sampled_from("TYER -\n\r,;\t@{}<>PMIDAU0123abc"), max_size=300))
def test_read_records_text_format_like_noise(text: str) -> None:
    try:
        result = read_records_text(text, "noise")
    except ValueError:
        return
    check(result.records, result.warnings, text)


def _lines(kind: str) -> list[str]:
    return SAMPLES[kind].split("\n")


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_truncated_sample(kind: str, data: st.DataObject) -> None:
    sample = SAMPLES[kind]
    cut = data.draw(st.integers(0, len(sample)))
    text = sample[:cut]
    records, warnings = PARSERS[kind](text, "cut")
    check(records, warnings, text)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_sample_with_a_line_removed(kind: str, data: st.DataObject) -> None:
    lines = _lines(kind)
    index = data.draw(st.integers(0, len(lines) - 1))
    text = "\n".join(lines[:index] + lines[index + 1 :])
    records, warnings = PARSERS[kind](text, "removed")
    check(records, warnings, text)


GARBAGE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    min_size=1,
    max_size=40,
)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_sample_with_garbage_lines(kind: str, data: st.DataObject) -> None:
    lines = _lines(kind)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(lines)))
        lines.insert(index, data.draw(GARBAGE))
    text = "\n".join(lines)
    records, warnings = PARSERS[kind](text, "garbage")
    check(records, warnings, text)


@FUZZ
@given(data=st.data())
def test_ris_missing_er_is_warned_at_the_record(data: st.DataObject) -> None:
    lines = _lines("ris")
    er_lines = [i for i, line in enumerate(lines) if line.startswith("ER  -")]
    drop = data.draw(st.sampled_from(er_lines))
    text = "\n".join(lines[:drop] + lines[drop + 1 :])
    records, warnings = parse_ris(text, "x")
    assert len(records) == 2
    starts = [r.provenance.line for r in records if r.provenance]
    assert any("no 'ER  -' line" in w.message and w.line in starts for w in warnings)


@FUZZ
@given(
    garbage=st.text(alphabet="abcdefghij .:0123456789", min_size=1, max_size=30).filter(
        lambda s: s.strip() != ""
    ),
    where=st.sampled_from(["before", "between", "after"]),
)
def test_ris_junk_between_records_has_its_line(garbage: str, where: str) -> None:
    lines = _lines("ris")
    between = next(i for i, line in enumerate(lines) if line.startswith("ER  -")) + 1
    index = {"before": 0, "between": between, "after": len(lines)}[where]
    lines.insert(index, garbage)
    text = "\n".join(lines)
    records, warnings = parse_ris(text, "x")
    assert len(records) == 2
    junk = [w for w in warnings if "outside a record" in w.message]
    assert [w.line for w in junk] == [index + 1]
    assert "skipped 1 line " in junk[0].message


@FUZZ
@given(garbage=st.text(alphabet="xyz !?", min_size=1, max_size=20).filter(str.strip))
def test_medline_unindented_line_has_its_line(garbage: str) -> None:
    lines = _lines("medline")
    lines.insert(2, "Q" + garbage)  # inside the first record, after the wrapped title
    text = "\n".join(lines)
    records, warnings = parse_medline(text, "x")
    assert len(records) == 2
    assert [w.line for w in warnings] == [3]


@FUZZ
@given(cut=st.integers(10, len(SAMPLES["endnote-xml"]) - 10))
def test_xml_truncation_is_warned_with_a_line(cut: int) -> None:
    text = SAMPLES["endnote-xml"][:cut]
    records, warnings = parse_endnote_xml(text, "x")
    assert len(warnings) == 1
    assert warnings[0].line is not None and warnings[0].line >= 1
    assert len(records) <= 2
