"""Tests of the search-export readers and writers (metareview.io.records).

Tests that use the real exports in ``../shared/refdata/formats`` and
``../shared/refdata/dedup`` skip with a reason when the reference data are absent;
the others use small inputs written here or in ``tests/fixtures/records``.
"""

from __future__ import annotations

import codecs
import io
import subprocess
import sys
from pathlib import Path

import pytest

from metareview.exceptions import DataError
from metareview.io.records import (
    FORMATS,
    Provenance,
    ReadResult,
    Record,
    detect_format,
    read_endnote_xml,
    read_medline,
    read_records,
    read_records_text,
    read_ris,
    read_table,
    read_wos,
    write_csv,
    write_ris,
)
from metareview.io.records._common import (
    decode_bytes,
    normalize_doi,
    normalize_type,
    parse_year,
    split_isbn_issn,
)
from metareview.io.records.bibtex import latex_to_unicode, split_bibtex_authors
from metareview.io.records.table import split_author_cell, split_keyword_cell
from tests.conftest import REFDATA

FORMATS_DIR = REFDATA / "formats"
DEDUP = REFDATA / "dedup"
RESPIRATORY_XML = DEDUP / "rathbone2015_sra" / "respiratory" / "Respiratory.xml"
FIXTURES = Path(__file__).parent / "fixtures" / "records"
WOS_FIXTURE = FIXTURES / "wos_tagged.txt"
CANONICAL = (
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "issn",
    "isbn",
    "abstract",
    "keywords",
    "language",
    "type",
)


@pytest.fixture(scope="module")
def formats_dir() -> Path:
    """``../shared/refdata/formats``; skips when the reference data are absent."""
    if not FORMATS_DIR.is_dir():
        pytest.skip(f"reference data absent: {FORMATS_DIR} not found (CI always has ../shared)")
    return FORMATS_DIR


@pytest.fixture(scope="module")
def dedup_dir() -> Path:
    """``../shared/refdata/dedup``; skips when the reference data are absent."""
    if not DEDUP.is_dir():
        pytest.skip(f"reference data absent: {DEDUP} not found (CI always has ../shared)")
    return DEDUP


def canonical(record: Record) -> dict[str, object]:
    return {name: getattr(record, name) for name in CANONICAL}


# --------------------------------------------------------------------------- fixtures

# file -> (format, record count from the README, {field: value} of record 1)
EXPECTED: dict[str, tuple[str, int, dict[str, object]]] = {
    "asreview_demo_data/baseline_reference_types.ris": ("ris", 61, {"type": None}),
    "asreview_demo_data/baseline_tag-notes_labels.ris": (
        "ris",
        32,
        {
            "title": 'Record which is labeled "relevant" by the researcher using ASReview.',
            "type": "GEN",
        },
    ),
    "asreview_demo_data/embase.ris": (
        "ris",
        6,
        {
            "title": "Duplication cysts: Diagnosis, management, and the role of endoscopic "
            "ultrasound",
            "first_author": "Liu R.",
            "year": 2014,
            "doi": "10.4103/2303-9027.138783",
            "journal": "Endoscopic Ultrasound",
            "volume": "3",
            "pages": "152-160",
            "issn": "2226-7190",
            "database": "Embase",
        },
    ),
    "asreview_demo_data/embase.csv": (
        "csv",
        6,
        {
            "title": "Duplication cysts: Diagnosis, management, and the role of endoscopic "
            "ultrasound",
            "authors": ["Liu R.", "Adler D.G."],
        },
    ),
    "asreview_demo_data/faulty_year.ris": (
        "ris",
        1,
        {"year": None, "type": "JOUR"},
    ),
    "asreview_demo_data/ovid_psycinfo.ris": (
        "ris",
        6,
        {
            "title": "The influence of self-criticism on depression symptoms among ambulatory "
            "patients with inflammatory bowel disease.",
            "first_author": "Trindade, Ines A",
            "year": 2019,
            "doi": "10.1002/cpp.2398",
            "journal": "Clinical Psychology & Psychotherapy",
            "issn": "1063-3995",
            "database": "PsycINFO",
            "line": 2,
        },
    ),
    "asreview_demo_data/ovid_zotero.ris": (
        "ris",
        6,
        {
            "title": "The influence of self-criticism on depression symptoms among ambulatory "
            "patients with inflammatory bowel disease.",
            "first_author": "Trindade, Ines A",
            "year": 2019,
            "doi": "10.1002/cpp.2398",
            "journal": "Clinical Psychology & Psychotherapy",
        },
    ),
    "asreview_demo_data/proquest.ris": (
        "ris",
        6,
        {
            "title": "Predictors of posttraumatic stress symptom trajectories following the "
            "fatal 2011 Christchurch, New Zealand earthquake",
            "first_author": "Jones, Hannah",
            "year": 2019,
            "doi": "10.1002/jts.22387",
            "journal": "Journal of Traumatic Stress",
            "database": "PTSDpubs",
        },
    ),
    "asreview_demo_data/pubmed_endnote.txt": (
        "ris",
        6,
        {
            "title": "Boswellia serrata: an overall assessment of in vitro, preclinical, "
            "pharmacokinetic and clinical data",
            "first_author": "Abdel-Tawab, M.",
            "year": 2011,
            "doi": "10.2165/11586800-000000000-00000",
            "pmid": "21553931",
            "journal": "Clin Pharmacokinet",
            "pages": "349-69",
            "database": "MEDLINE (PubMed)",
            "line": 2,
        },
    ),
    "asreview_demo_data/pubmed_zotero.ris": (
        "ris",
        6,
        {
            "first_author": "Rudnik, Agata",
            "year": 2019,
            "doi": "10.5114/pg.2018.81081",
            "journal": "Przeglad gastroenterologiczny",
            "pages": "121-128",
        },
    ),
    "asreview_demo_data/scopus.ris": (
        "ris",
        6,
        {
            "title": "Stress and the brain-gut axis in functional and chronic-inflammatory "
            "gastrointestinal diseases: A transdisciplinary challenge",
            "first_author": "Labanski, A.",
            "year": 2020,
            "doi": "10.1016/j.psyneuen.2019.104501",
            "journal": "Psychoneuroendocrinology",
            "issn": "0306-4530",
            "database": "Scopus",
        },
    ),
    "asreview_demo_data/web_of_science.txt": (
        "ris",
        10,
        {
            "title": "Holding Yourself Captive: Perceptions of Custody During Interviews and "
            "Interrogations",
            "first_author": "Alceste, F",
            "year": 2018,
            "doi": "10.1016/j.jarmac.2018.03.001",
            "journal": "JOURNAL OF APPLIED RESEARCH IN MEMORY AND COGNITION",
            "database": "Web of Science",
        },
    ),
    "asreview_demo_data/ris_issue_992.txt": (
        "ris",
        19,
        {"title": "Overcoming Medication Reconciliation Challenges", "year": 2011},
    ),
    "asreview_demo_data/ris_issue_1099.txt": (
        "ris",
        7,
        {
            "title": "Design and prototyping of directly driven outer rotor permanent magnet "
            "generator for small scale wind turbines",
            "first_author": "Vaimann, T.",
            "year": 2018,
            "doi": "10.15598/aeee.v16i3.2698",
            "journal": "Advances in Electrical and Electronic Engineering",
        },
    ),
    "asreview_demo_data/generic_labels.csv": (
        "csv",
        6,
        {
            "title": "Title of reference",
            "authors": ["Marx, Karl", "Lindgren, Astrid"],
            "year": 2014,
            "keywords": ["Pippi", "Nordwind", "Piraten"],
        },
    ),
    "asreview_demo_data/generic_partial_labels.csv": (
        "csv",
        6,
        {"title": "Title of reference", "first_author": "Marx, Karl"},
    ),
    "asreview_demo_data/duplicate_records.csv": (
        "csv",
        14,
        {"title": "a", "doi": "10.1", "abstract": "lorem"},
    ),
    "asreview_demo_data/missing_values.csv": (
        "csv",
        4,
        {"title": "Title of reference", "abstract": None},
    ),
    "asysd_testthat/zotero_export.ris": (
        "ris",
        1000,
        {
            "title": "Microangiography of the humeral condyle in Cocker Spaniel and non-Cocker "
            "Spaniel dogs",
            "first_author": "Larsen, LJ",
            "year": 1999,
            "journal": "VETERINARY AND COMPARATIVE ORTHOPAEDICS AND TRAUMATOLOGY",
            "pages": "134-137",
            "database": "Web of Science",
        },
    ),
    "asysd_testthat/zotero_export.bib": (
        "bibtex",
        1000,
        {
            "title": "Microangiography of the humeral condyle in Cocker Spaniel and non-Cocker "
            "Spaniel dogs",
            "first_author": "Larsen, LJ",
            "year": 1999,
            "journal": "VETERINARY AND COMPARATIVE ORTHOPAEDICS AND TRAUMATOLOGY",
            "pages": "134-137",
            "line": 2,
        },
    ),
    "asysd_testthat/zotero_export.xml": (
        "endnote-xml",
        1233,
        {
            "title": "Myoclonus in older Cavalier King Charles Spaniels.",
            "first_author": "Rotter, Carina",
            "year": 2022,
            "doi": "10.1111/jvim.16404",
            "journal": "Journal of veterinary internal medicine",
            "pages": "1032-1038",
        },
    ),
    "asysd_testthat/zotero_export.csv": (
        "csv",
        1233,
        {
            "title": "Myoclonus in older Cavalier King Charles Spaniels.",
            "first_author": "Rotter, Carina",
            "year": 2022,
            "doi": "10.1111/jvim.16404",
            "journal": "Journal of veterinary internal medicine",
        },
    ),
    "asysd_testthat/wos_test.ris": (
        "ris",
        50,
        {
            "first_author": "Larsen, LJ",
            "year": 1999,
            "database": "Web of Science",
        },
    ),
    "asysd_testthat/scopus.ris": (
        "ris",
        10,
        {
            "first_author": "Furlanello, T.",
            "year": 2025,
            "doi": "10.3390/ani15010003",
            "journal": "Animals",
            "database": "Scopus",
        },
    ),
    "asysd_testthat/ris_export.txt": (
        "ris",
        69,
        {
            "title": "Altered metabolism of familial Alzheimer's disease-linked amyloid "
            "precursor protein variants in yeast artificial chromosome transgenic mice",
            "year": 1997,
            "doi": "10.1093/hmg/6.9.1535",
            "journal": "Hum Mol Genet",
            "issn": "0964-6906",
        },
    ),
    "asysd_testthat/test_export.ris": (
        "ris",
        3,
        {"title": "Title 1", "authors": ["Author 1"], "year": 2020, "journal": "Journal 1"},
    ),
    "asysd_testthat/test_export.bib": (
        "bibtex",
        3,
        {"title": "Title 1", "authors": ["Author 1"], "year": 2020, "journal": "Journal 1"},
    ),
    "asysd_testthat/test_export.csv": (
        "csv",
        3,
        {"title": "Title 1", "authors": ["Author 1"], "year": 2020, "journal": "Journal 1"},
    ),
    "asysd_testthat/test_export.txt": (
        "endnote-tab",
        3,
        {
            "title": "Title 1",
            "authors": ["Author 1"],
            "year": 2020,
            "journal": "Journal 1",
            "pages": "1-10",
            "isbn": "ISBN 1",
            "type": "JOUR",
        },
    ),
    "nbib/pmc_medlars.txt": (
        "medline",
        5,
        {
            "title": "A method package for electrophysiological evaluation of reconstructed "
            "or regenerated facial nerves in rodents.",
            "first_author": "Takeuchi, Yuichi",
            "year": 2018,
            "doi": "10.1016/j.mex.2018.03.007",
            "pmid": "30042925",
            "journal": "MethodsX",
            "abstract": None,
            "database": "MEDLINE (PubMed)",
        },
    ),
}


def check_expected(result: ReadResult, expected: dict[str, object]) -> None:
    record = result.records[0]
    assert record.provenance is not None
    for key, value in expected.items():
        if key == "first_author":
            assert record.authors[0] == value
        elif key == "database":
            assert record.provenance.database == value
        elif key == "line":
            assert record.provenance.line == value
        else:
            assert getattr(record, key) == value, key


def test_every_format_fixture_is_listed(formats_dir: Path) -> None:
    """A new file in refdata/formats must get its expectations here."""
    present = {
        str(path.relative_to(formats_dir))
        for path in formats_dir.rglob("*")
        if path.is_file() and path.name != "README.md"
    }
    assert present == set(EXPECTED)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_format_fixture_parses(formats_dir: Path, relative: str) -> None:
    kind, count, expected = EXPECTED[relative]
    path = formats_dir / relative
    result = read_records(path)
    assert result.format == kind
    assert len(result.records) == count
    check_expected(result, expected)
    for number, record in enumerate(result.records, 1):
        assert record.provenance is not None
        assert record.provenance.record_number == number
        assert record.provenance.file == str(path)
        assert record.provenance.line is not None and record.provenance.line >= 1
        for name in ("title", "journal", "doi", "abstract", "volume", "pages", "language"):
            assert getattr(record, name) != "", name
        assert record.raw, "raw keeps the fields"
    for warning in result.warnings:
        assert warning.line is None or warning.line >= 1


def test_respiratory_endnote_xml(dedup_dir: Path) -> None:
    result = read_records(RESPIRATORY_XML)
    assert result.format == "endnote-xml"
    assert len(result.records) == 1988
    assert result.warnings == []
    first = result.records[0]
    assert first.title == (
        "Perioperative nutritional support in patients undergoing hepatectomy for "
        "hepatocellular carcinoma"
    )
    assert first.authors == ["Ziegler, T. R."]
    assert first.year == 1996
    assert first.journal == "Jpen: Journal of Parenteral & Enteral Nutrition"
    assert first.pages == "91-92"
    assert first.type == "JOUR"
    assert first.raw["rec-number"] == ["2"]
    assert first.raw["database/@name"] == ["Respiratory.enl"]
    duplicates = [r for r in result.records if r.raw.get("caption", [""])[0].endswith("Duplicate")]
    assert len(duplicates) == 799
    third = result.records[2]
    assert third.authors == ["Zhou, Xiangdong", "Lan, Jian", "Zhang, Ting"]


def test_xml_entities_are_refused_not_expanded() -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        "<xml><records><record><titles><title>&b;</title></titles></record></records></xml>"
    )
    result = read_records_text(text, "bomb.xml")
    assert result.format == "endnote-xml"
    assert any("refused XML construct" in w.message and w.line == 1 for w in result.warnings)


def test_xml_control_characters_replaced_with_warning() -> None:
    text = "<xml><records>\n<record><titles><title>A\x0bB</title></titles></record></records></xml>"
    result = read_records_text(text, "ctrl.xml")
    assert result.records[0].title == "A\ufffdB"
    assert result.warnings[0].line == 2


def test_zotero_xml_line_numbers_and_raw(formats_dir: Path) -> None:
    result = read_endnote_xml(formats_dir / "asysd_testthat" / "zotero_export.xml")
    first = result.records[0]
    assert first.raw["ref-type/@name"] == ["Journal Article"]
    assert first.raw["periodical/abbr-1"] == ["J Vet Intern Med"]
    assert first.issn == "1939-1676"  # <isbn>1939-1676 0891-6640</isbn>
    assert first.keywords[:2] == ["*Dog Diseases/diagnostic imaging", "*Myoclonus/veterinary"]
    lines = [r.provenance.line for r in result.records if r.provenance]
    assert lines == sorted(lines)


DEDUP_CSV = {
    "rathbone2015_sra/cytology_screening/records_pre_merged.csv": 1856,
    "rathbone2015_sra/haematology/records_pre_merged.csv": 1415,
    "rathbone2015_sra/respiratory/records_pre_merged.csv": 1988,
    "rathbone2015_sra/stroke/records_pre_merged.csv": 1292,
    "wagner2021_digital_work/records_pre_merged.csv": 7159,
    "bibdedupe_special_cases/records_pre_merged.csv": 12,
    "hair2023_asysd/diabetes/labelled_test_set.csv": 1845,
}


@pytest.mark.parametrize("relative", sorted(DEDUP_CSV))
def test_dedup_csv_sets(dedup_dir: Path, relative: str) -> None:
    result = read_records(dedup_dir / relative)
    assert result.format == "csv"
    assert len(result.records) == DEDUP_CSV[relative]
    assert result.warnings == []


def test_respiratory_csv_bibtex_style_authors(dedup_dir: Path) -> None:
    path = dedup_dir / "rathbone2015_sra" / "respiratory" / "records_pre_merged.csv"
    records = read_records(path).records
    assert records[2].authors == ["Zhou, Xiangdong", "Lan, Jian", "Zhang, Ting"]
    assert records[0].type == "JOUR"  # ENTRYTYPE article
    assert records[0].raw["ID"] == ["id_0000001"]
    xml = read_records(RESPIRATORY_XML).records
    # the CSV was made from the same EndNote library, in the same order
    assert [r.title for r in records[:50]] == [r.title for r in xml[:50]]


def test_diabetes_set_is_cp1252(dedup_dir: Path) -> None:
    result = read_records(dedup_dir / "hair2023_asysd" / "diabetes" / "labelled_test_set.csv")
    assert result.encoding == "cp1252"
    first = result.records[0]
    assert first.title == "Intestinal lipoprotein overproduction in insulin-resistant states"
    assert first.doi == "10.1097/MOL.0b013e3282ffaf82"
    assert first.authors == ["Adeli K.Lewis G. F."]  # squashed in the source; kept
    assert first.raw["source"] == ["unique"]
    assert first.provenance is not None and first.provenance.database is None


# --------------------------------------------------------------------------- RIS dialects


def test_ovid_junk_between_records_one_warning_per_block(formats_dir: Path) -> None:
    result = read_ris(formats_dir / "asreview_demo_data" / "ovid_psycinfo.ris")
    junk = [w for w in result.warnings if "outside a record" in w.message]
    # "1." before the first record, then "Link to the Ovid ..." + "N." after each record
    assert [w.line for w in junk] == [1, 28, 106, 193, 220, 295, 329]
    assert junk[0].message.startswith("skipped 1 line ")
    assert junk[1].message.startswith("skipped 2 lines ")
    # NL (journal abbreviation) that Ovid writes after ER stays with its record
    assert result.records[0].raw["NL"] == ["Clin Psychol Psychother"]
    trailing = [w for w in result.warnings if "after their 'ER  -'" in w.message]
    assert len(trailing) == 1 and trailing[0].line == 26


def test_ovid_search_strategy_and_counters_skipped() -> None:
    text = (
        "Database: Embase <1974 to 2024 March 01>\n"
        "Search Strategy:\n"
        "--------------------------------------------------------------------------------\n"
        "1     exp stroke/ (12345)\n"
        "\n"
        "1.\n"
        "TY  - JOUR\n"
        "DB  - Embase\n"
        "DP  - Ovid Technologies\n"
        "TI  - First\n"
        "ER  - \n"
        "\n"
        "2.\n"
        "TY  - JOUR\n"
        "TI  - Second\n"
        "ER  - \n"
        "C1  - Database: Cochrane Central Register of Controlled Trials\n"
    )
    result = read_records_text(text, "ovid.ris")
    assert [r.title for r in result.records] == ["First", "Second"]
    assert result.records[0].provenance == Provenance("ovid.ris", "Embase", 1, 7)
    junk = [w for w in result.warnings if "outside a record" in w.message]
    assert [(w.line, w.message.split(" of text")[0]) for w in junk] == [
        (1, "skipped 5 lines"),
        (13, "skipped 1 line"),
    ]
    # a tag line straight after ER is kept in the record it follows
    assert result.records[1].raw["C1"] == [
        "Database: Cochrane Central Register of Controlled Trials"
    ]


def test_ris_multiline_fields_and_blank_lines(formats_dir: Path) -> None:
    rayyan = read_ris(formats_dir / "asreview_demo_data" / "ris_issue_992.txt").records[0]
    assert rayyan.keywords[:3] == [
        "Health Facility Administration",
        "Joint Commission",
        "Standards",
    ]
    assert rayyan.raw["KW"][0].startswith("Health Facility Administration\nJoint Commission\n")
    assert rayyan.raw["AN"] == ["rayyan-264552525"]
    scopus = read_ris(formats_dir / "asreview_demo_data" / "ris_issue_1099.txt").records[0]
    assert scopus.raw["U3"] == ["Cited By :9\n\nExport Date: 12 May 2022\n\nArticle"]


def test_ris_bom_crlf_and_empty_type(formats_dir: Path) -> None:
    result = read_ris(formats_dir / "asreview_demo_data" / "baseline_reference_types.ris")
    assert result.encoding == "utf-8-sig"
    assert result.records[0].type is None and result.records[0].raw["TY"] == [""]
    # every RIS type keeps its code; N1 says which EndNote type it was
    for record in result.records[1:]:
        assert record.type == record.raw["TY"][0]
        assert "\r" not in "".join(record.raw.get("N1", []))


def test_ris_faulty_year_keeps_raw(formats_dir: Path) -> None:
    record = read_ris(formats_dir / "asreview_demo_data" / "faulty_year.ris").records[0]
    assert record.year is None
    assert record.raw["PY"] == ["10 15"]


def test_ris_squashed_authors_kept_as_exported(formats_dir: Path) -> None:
    records = read_ris(formats_dir / "asysd_testthat" / "ris_export.txt").records
    assert records[0].authors == [
        "Wagner, Lamb B. T. Call L. M. Slunt H. H. Bardel K. A. Lawler A. M. Eckman C. B. "
        "Younkin S. G. Holtz G."
    ]
    assert records[1].authors == ["Buchanan, A. H.", "Rahm, A. K.", "Williams, J. L."]


def test_ris_semicolon_author_list_is_split() -> None:
    text = "TY  - JOUR\nAU  - Smith, J.; Jones, K.\nAU  - Brown, L.\nTI  - x\nER  - \n"
    record = read_records_text(text).records[0]
    assert record.authors == ["Smith, J.", "Jones, K.", "Brown, L."]
    assert record.raw["AU"] == ["Smith, J.; Jones, K.", "Brown, L."]


def test_wos_ris_keeps_wos_only_tags(formats_dir: Path) -> None:
    record = read_ris(formats_dir / "asreview_demo_data" / "web_of_science.txt").records[0]
    for tag in ("J9", "JI", "PA", "PI", "PU", "WE"):
        assert tag in record.raw


def test_ris_missing_er_and_truncated_file() -> None:
    text = "TY  - JOUR\nTI  - One\nTY  - BOOK\nTI  - Two\nER  - \nTY  - JOUR\nTI  - Three\n"
    result = read_records_text(text, "x.ris")
    assert [r.title for r in result.records] == ["One", "Two", "Three"]
    assert [r.provenance.line for r in result.records if r.provenance] == [1, 3, 6]
    messages = {w.line: w.message for w in result.warnings}
    assert "no 'ER  -' line" in messages[1]
    assert "the file ends first" in messages[6]


# --------------------------------------------------------------------------- MEDLINE / WoS


def test_medline_fields(formats_dir: Path) -> None:
    result = read_medline(formats_dir / "nbib" / "pmc_medlars.txt")
    assert result.warnings == []
    first, second, third = result.records[:3]
    assert first.raw["AB"] == [""]
    assert first.raw["OAB"] == ["Publisher: Abstract available from the publisher."]
    assert first.authors[:2] == ["Takeuchi, Yuichi", "Osaki, Hironobu"]
    assert first.issn == "2215-0161"
    assert second.title == (
        "Role of gender in the treatment experiences of people with an eating disorder: "
        "a metasynthesis."
    )
    assert second.raw["TI"] == [
        "Role of gender in the treatment experiences of people with an eating disorder: a\n"
        "metasynthesis."
    ]
    assert second.doi == "10.1186/s40337-018-0207-1"
    assert second.abstract is not None and "\n" not in second.abstract
    assert third.issn == "0033-2909" and third.issue == "6" and third.pages == "1534-55"
    assert third.raw["IS"] == ["0033-2909 (Print)", "1939-1455 (Electronic)"]


def test_medline_bad_lines_are_warned() -> None:
    text = (
        "PMID- 1\nTI  - A title\n      continued\nno indent here\nAU  - Doe J\n\n"
        "garbage between\n\nPMID- 2\nTI  - Two\n"
    )
    result = read_records_text(text, "x.nbib")
    assert [r.pmid for r in result.records] == ["1", "2"]
    assert result.records[0].title == "A title continued no indent here"
    assert {w.line for w in result.warnings} == {4, 7}


def test_wos_tagged_fixture() -> None:
    result = read_records(WOS_FIXTURE)
    assert result.format == "wos"
    assert result.warnings == []
    first, second, third = result.records
    assert first.title == (
        "Early mobilisation after hip fracture surgery in older adults: a randomised pilot "
        "trial of a nurse-led protocol"
    )
    assert first.authors == ["Moreau, C", "Okafor, NI", "Lindqvist, P"]
    assert first.raw["AF"] == ["Moreau, Camille", "Okafor, Nneka Ifeoma", "Lindqvist, Per"]
    assert first.year == 2021 and first.volume == "44" and first.issue == "2"
    assert first.pages == "101-109"
    assert first.doi == "10.1016/j.jonp.2020.11.004"
    assert first.pmid == "33456789"
    assert first.issn == "1361-3111"
    assert first.journal == "JOURNAL OF ORTHOPAEDIC NURSING PRACTICE"
    assert first.keywords == [
        "hip fracture",
        "early mobilisation",
        "nursing",
        "older adults",
        "pilot trial",
        "REHABILITATION",
        "RECOVERY",
        "MORTALITY",
    ]
    assert first.abstract is not None and first.abstract.count("\n") == 1
    assert len(first.raw["CR"]) == 2
    assert first.provenance == Provenance(str(WOS_FIXTURE), "Web of Science", 1, 3)
    assert second.type == "CONF" and second.isbn == "978-3-030-12345-6"
    assert third.authors == ["Fernandez-Lopez, M"] and third.language == "Spanish"
    assert third.journal == "REVISTA ESPAÑOLA DE GERIATRÍA" and third.issn == "0211-139X"
    assert read_wos(WOS_FIXTURE).records[2].raw["AF"] == ["Fernández-López, María"]


def test_wos_missing_er() -> None:
    text = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI One\nPT J\nTI Two\nER\nEF\n"
    result = read_records_text(text, "wos.txt")
    assert [r.title for r in result.records] == ["One", "Two"]
    assert result.warnings[0].line == 3 and "no ER line" in result.warnings[0].message


# --------------------------------------------------------------------------- BibTeX


def test_bibtex_latex_and_authors() -> None:
    text = (
        "@article{k1,\n"
        "  title = {{\\\"U}ber {Cocker} Spaniels and caf\\'e culture},\n"
        "  author = {M{\\\"u}ller, J. and {Barnes and Noble} and Garc\\'{\\i}a, A},\n"
        "  journal = {J. Test},\n"
        "  year = 2020,\n"
        "  month = aug,\n"
        "  pages = {12--19},\n"
        "  doi = {https://doi.org/10.1000/XYZ},\n"
        "  keywords = {alpha; beta},\n"
        "}\n"
    )
    record = read_records_text(text, "a.bib").records[0]
    assert record.title == "Über Cocker Spaniels and café culture"
    assert record.authors == ["Müller, J.", "Barnes and Noble", "García, A"]
    assert record.year == 2020
    assert record.pages == "12-19"
    assert record.doi == "10.1000/XYZ"
    assert record.keywords == ["alpha", "beta"]
    assert record.raw["ENTRYTYPE"] == ["article"] and record.raw["ID"] == ["k1"]
    assert record.raw["pages"] == ["12--19"]  # raw as written
    assert record.raw["month"] == ["aug"]


def test_bibtex_failed_block_and_junk_are_warned() -> None:
    text = (
        "@article{a, title={One}, year={2001}}\n"
        "stray text between entries\n"
        "@article{b, title={Two\n"
        "\n"
        "@book{c, title={Three}, isbn={978-3-16-148410-0}}\n"
        "@article{a, title={Duplicate key}}\n"
    )
    result = read_records_text(text, "b.bib")
    assert [r.title for r in result.records] == ["One", "Three", "Duplicate key"]
    assert result.records[1].type == "BOOK" and result.records[1].isbn == "978-3-16-148410-0"
    lines = {w.line: w.message for w in result.warnings}
    assert "outside the entries" in lines[2]
    assert "not valid BibTeX" in lines[3]
    assert "used by an earlier entry" in lines[6]


def test_latex_decoder() -> None:
    assert latex_to_unicode(r"na\"\i ve \c{c}a \v{s} \o{} \ss{} \& 5\% $\beta$-cell") == (
        "naïve ça š ø ß & 5% β-cell"
    )
    # a space after a command word ends the command (LaTeX eats it); {} keeps it
    assert latex_to_unicode(r"\emph{in vivo} \textgreater 3 \textless{} 2 \~{n}") == (
        "in vivo >3 < 2 ñ"
    )
    assert latex_to_unicode("plain") == "plain"
    assert split_bibtex_authors("A, B and C, D AND E, F") == ["A, B", "C, D", "E, F"]


# --------------------------------------------------------------------------- cross-format


def test_cross_format_ris_bibtex_same_records(formats_dir: Path) -> None:
    """zotero_export.ris and .bib hold the same 1,000 records in the same order."""
    folder = formats_dir / "asysd_testthat"
    ris = read_records(folder / "zotero_export.ris").records
    bib = read_records(folder / "zotero_export.bib").records
    assert len(ris) == len(bib) == 1000
    for field in ("title", "authors", "year", "doi", "volume", "issue", "pages", "issn"):
        assert [getattr(r, field) for r in ris] == [getattr(b, field) for b in bib], field
    assert sum(r.abstract == b.abstract for r, b in zip(ris, bib, strict=True)) == 1000
    # bib keywords are comma-separated, so '46,XX TRUE HERMAPHRODITES' splits: 5 records
    assert sum(r.keywords == b.keywords for r, b in zip(ris, bib, strict=True)) >= 995


def test_cross_format_xml_csv_same_records(formats_dir: Path) -> None:
    """zotero_export.xml has 1,233 records (the README's 1,000 is wrong): the CSV's selection."""
    folder = formats_dir / "asysd_testthat"
    xml = read_records(folder / "zotero_export.xml").records
    csv = read_records(folder / "zotero_export.csv").records
    assert len(xml) == len(csv) == 1233
    for field in ("title", "authors", "year", "doi", "journal", "volume", "pages", "issn"):
        assert [getattr(x, field) for x in xml] == [getattr(c, field) for c in csv], field


def test_cross_format_ris_xml_overlap_agrees(formats_dir: Path) -> None:
    """The RIS and XML exports overlap; records with the same DOI agree."""
    folder = formats_dir / "asysd_testthat"
    ris = read_records(folder / "zotero_export.ris").records
    xml = {r.doi.lower(): r for r in read_records(folder / "zotero_export.xml").records if r.doi}
    shared = [(r, xml[r.doi.lower()]) for r in ris if r.doi and r.doi.lower() in xml]
    assert len(shared) == 576
    same_year = sum(r.year == x.year for r, x in shared if r.year is not None)
    assert same_year == sum(1 for r, _ in shared if r.year is not None)
    same_title = sum(
        r.title.lower().rstrip(".") == (x.title or "").lower().rstrip(".")
        for r, x in shared
        if r.title
    )
    assert same_title > 400


def test_embase_ris_and_csv_agree(formats_dir: Path) -> None:
    folder = formats_dir / "asreview_demo_data"
    ris = read_records(folder / "embase.ris").records
    csv = read_records(folder / "embase.csv").records
    assert [r.title for r in ris] == [c.title for c in csv]
    assert [r.authors for r in ris] == [c.authors for c in csv]


# --------------------------------------------------------------------------- tables


def test_csv_semicolon_and_blank_cells(formats_dir: Path) -> None:
    result = read_table(formats_dir / "asreview_demo_data" / "duplicate_records.csv")
    records = result.records
    assert [r.title for r in records[:3]] == ["a", "a", "b"]
    assert records[6].title == "f" and records[6].doi is None  # "   " is missing
    assert records[12].title is None and records[12].doi == "10.6"
    assert records[0].raw == {"title": ["a"], "abstract": ["lorem"], "doi": ["10.1"],
                              "some_column": ["lorem"]}  # fmt: skip
    assert [r.provenance.line for r in records[:2] if r.provenance] == [2, 3]


def test_csv_aliases_and_page_columns() -> None:
    text = (
        "Article Title\tAuthors Full Name\tPublication Year\tSource Title\tStart Page\t"
        "End Page\tPubMed ID\tAuthor Keywords\tIndex Keywords\tDocument Type\tEID\n"
        "A study\tSmith, John; Doe, Jane\t2019\tJ Test\t5\t9\t123\ta; b\tc\t"
        "Conference Paper\t2-s2.0-1\n"
    )
    result = read_records_text(text, "scopus.tsv")
    assert result.format == "tsv"
    record = result.records[0]
    assert record.title == "A study"
    assert record.authors == ["Smith, John", "Doe, Jane"]
    assert record.year == 2019 and record.journal == "J Test" and record.pages == "5-9"
    assert record.pmid == "123" and record.keywords == ["a", "b", "c"]
    assert record.type == "CPAPER"
    assert record.provenance is not None and record.provenance.database == "Scopus"


def test_csv_multiline_cells_give_row_start_lines() -> None:
    text = 'title,abstract\n"One","line 1\nline 2"\n"Two",x\n'
    records = read_records_text(text, "m.csv").records
    assert [r.provenance.line for r in records if r.provenance] == [2, 4]
    assert records[0].abstract == "line 1\nline 2"


def test_csv_extra_cells_warned_with_line() -> None:
    result = read_records_text("title,doi\nA,10.1/x,surplus\n", "e.csv")
    assert result.records[0].raw["#3"] == ["surplus"]
    assert result.warnings[0].line == 2


def test_author_and_keyword_cells() -> None:
    assert split_author_cell("Liu R., Adler D.G.") == ["Liu R.", "Adler D.G."]
    assert split_author_cell("Smith, John Paul") == ["Smith, John Paul"]
    assert split_author_cell("Zuna, R E and Wang, S S") == ["Zuna, R E", "Wang, S S"]
    assert split_author_cell("Rotter, Carina; Cole, L") == ["Rotter, Carina", "Cole, L"]
    assert split_keyword_cell("article, cyst (diagnosis, surgery), x") == [
        "article",
        "cyst (diagnosis, surgery)",
        "x",
    ]


def test_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Author(s)", "Year", "DOI", "Page start", "Page end", "Notes"])
    sheet.append(["First paper", "Smith, J; Doe, K", 2020, "10.1/a", 1, 10, "keep me"])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["Second paper", "Roe, P", 2021.0, None, None, None, None])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    result = read_records(path, database="Embase")
    assert result.format == "xlsx"
    assert [r.title for r in result.records] == ["First paper", "Second paper"]
    first = result.records[0]
    assert first.authors == ["Smith, J", "Doe, K"]
    assert first.year == 2020 and first.pages == "1-10" and first.doi == "10.1/a"
    assert first.raw["Notes"] == ["keep me"]
    assert first.provenance == Provenance(str(path), "Embase", 1, None)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04not really a zip")
    bad = read_records(broken)
    assert bad.records == [] and "not a readable XLSX" in bad.warnings[0].message


# --------------------------------------------------------------------------- encodings

RIS_TEXT = "TY  - JOUR\nTI  - Müller’s café – naïve\nAU  - Ørsted, H\nER  - \n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (RIS_TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + RIS_TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + RIS_TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + RIS_TEXT.encode("utf-16-be"), "utf-16-be"),
        (RIS_TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "enc.ris"
    path.write_bytes(data)
    result = read_records(path)
    assert result.encoding == encoding
    assert result.records[0].title == "Müller’s café – naïve"
    assert result.records[0].authors == ["Ørsted, H"]


def test_latin1_fallback(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252, so only latin-1 decodes it
    data = "TY  - JOUR\nTI  - Café\x81\nER  - \n".encode("latin-1")
    path = tmp_path / "latin1.ris"
    path.write_bytes(data)
    result = read_records(path)
    assert result.encoding == "latin-1"
    assert result.records[0].title == "Café\x81"


def test_decode_bytes_never_fails() -> None:
    assert decode_bytes(bytes(range(256)))[1] == "latin-1"
    assert decode_bytes(b"")[0] == ""


# --------------------------------------------------------------------------- detection


def test_unrecognised_file_raises_value_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\nnothing bibliographic\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a recognised search-export format") as info:
        read_records(path)
    assert isinstance(info.value, DataError)
    assert str(path) in str(info.value)
    for name in FORMATS:
        assert name in str(info.value)


def test_old_xls_and_unknown_format_name(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(DataError, match="xls"):
        read_records(path)
    with pytest.raises(DataError, match="unknown format"):
        read_records_text("x", format="word")


def test_empty_file_uses_extension(tmp_path: Path) -> None:
    path = tmp_path / "empty.ris"
    path.write_bytes(b"")
    result = read_records(path)
    assert result.format == "ris" and result.records == []
    assert "no records" in result.warnings[0].message


def test_format_override_and_database_given(formats_dir: Path) -> None:
    path = formats_dir / "asysd_testthat" / "test_export.txt"
    result = read_records(path, format="tsv", database="Embase")
    assert result.format == "tsv"
    assert {r.provenance.database for r in result.records if r.provenance} == {"Embase"}


def test_detect_format() -> None:
    assert detect_format("1.\nTY  - JOUR\n") == "ris"
    assert detect_format("PMID- 1\nTI  - x\n") == "medline"
    assert detect_format("FN Clarivate Analytics Web of Science\nVR 1.0\n") == "wos"
    assert detect_format("% comment\n@Article{x,\n") == "bibtex"
    assert detect_format('<?xml version="1.0"?><xml><records><record>') == "endnote-xml"
    assert detect_format("Title;Authors\n") == "csv"
    assert detect_format("random words") is None


# --------------------------------------------------------------------------- writers


def ris_fixture_paths() -> list[Path]:
    if not FORMATS_DIR.is_dir():
        return []
    paths = [FORMATS_DIR / name for name, spec in EXPECTED.items() if spec[0] == "ris"]
    return sorted(paths)


@pytest.mark.parametrize("path", ris_fixture_paths(), ids=lambda p: p.name)
def test_ris_round_trip(path: Path, tmp_path: Path) -> None:
    original = read_records(path).records
    out = tmp_path / "out.ris"
    write_ris(original, out)
    back = read_records(out).records
    assert len(back) == len(original)
    for before, after in zip(original, back, strict=True):
        assert canonical(after) == canonical(before)
        assert before.provenance is not None and after.provenance is not None
        assert after.provenance.database == before.provenance.database
        # every raw value is still there, under its own tag or the standard one
        written = {value for values in after.raw.values() for value in values}
        for tag, values in before.raw.items():
            if tag not in ("AU", "A1", "KW"):
                assert all(value in written for value in values), tag


def test_ris_writer_escapes_tag_like_continuations() -> None:
    record = Record(
        title="T",
        abstract="Para one.\n\nER  - not the end\nPara three.",
        raw={"TY": ["JOUR"], "TI": ["T"], "ZZ": ["custom"]},
    )
    stream = io.StringIO()
    write_ris([record], stream)
    back = read_records_text(stream.getvalue()).records
    assert len(back) == 1
    assert back[0].abstract == "Para one.\n\n ER  - not the end\nPara three."
    assert back[0].raw["ZZ"] == ["custom"]


def test_ris_writer_non_ris_records(tmp_path: Path) -> None:
    source = read_records(WOS_FIXTURE).records
    out = tmp_path / "from_wos.ris"
    write_ris(source, out)
    text = out.read_text(encoding="utf-8")
    assert "UT  -" not in text  # WoS tags are not RIS tags: only canonical fields go out
    assert "DB  - Web of Science" in text
    back = read_records(out).records
    for before, after in zip(source, back, strict=True):
        assert canonical(after) == canonical(before)


def test_csv_writer_round_trip(tmp_path: Path) -> None:
    source = read_records(WOS_FIXTURE).records
    out = tmp_path / "records.csv"
    write_csv(source, out)
    back = read_records(out)
    assert back.format == "csv"
    for before, after in zip(source, back.records, strict=True):
        assert canonical(after) == canonical(before)
        assert after.provenance is not None and after.provenance.database == "Web of Science"
        assert after.raw["record_number"] == [str(before.provenance.record_number)]  # type: ignore[union-attr]


def test_csv_writer_to_stream() -> None:
    stream = io.StringIO()
    write_csv([Record(title="A", authors=["X, Y", "Z, W"], year=1999)], stream)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("title,authors,year,journal")
    assert lines[1].startswith('A,"X, Y; Z, W",1999,')


# --------------------------------------------------------------------------- helpers


def test_helpers() -> None:
    assert parse_year("1999/08//undefined") == 1999
    assert parse_year("2014 Nov") == 2014
    assert parse_year("10 15") is None
    assert normalize_doi("http://dx.doi.org/10.1002/cpp.2398") == "10.1002/cpp.2398"
    assert normalize_doi("DOI 1") == "DOI 1"
    assert normalize_doi("doi:10.1/x") == "10.1/x"
    assert split_isbn_issn("03064530 (ISSN)") == ("0306-4530", None)
    assert split_isbn_issn("0964-6906 (Print)0964-6906") == ("0964-6906", None)
    assert split_isbn_issn("978-989-758-359-9") == (None, "978-989-758-359-9")
    assert normalize_type("Journal Article") == "JOUR"
    assert normalize_type("inproceedings") == "CONF"
    assert normalize_type("journalArticle") == "JOUR"
    assert normalize_type("Something odd") == "GEN"


def test_package_import_is_light() -> None:
    code = (
        "import sys, metareview.io.records; "
        "print(sorted(m for m in ('pandas', 'openpyxl', 'bibtexparser', 'numpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
