"""Unit tests of the field normalisers used by record deduplication
(metareview.records.normalize)."""

from __future__ import annotations

import pytest

from metareview.records.normalize import (
    Author,
    is_translated_title,
    journals_compatible,
    normalize_authors,
    normalize_doi,
    normalize_issue,
    normalize_pages,
    normalize_pmid,
    normalize_title,
    normalize_volume,
    normalize_year,
    pages_agree,
    parse_author,
    title_alternates,
    title_markers,
    title_numbers,
)

# --------------------------------------------------------------------------- DOI / PMID


@pytest.mark.parametrize(
    "raw",
    [
        "10.1016/j.atherosclerosis.2018.02.028",
        "https://doi.org/10.1016/j.atherosclerosis.2018.02.028",
        "http://dx.doi.org/10.1016/J.ATHEROSCLEROSIS.2018.02.028",
        "doi: 10.1016/j.atherosclerosis.2018.02.028.",
        "DOI:10.1016/j.atherosclerosis.2018.02.028;",
        " 10.1016/j.atherosclerosis.2018.02.028 ",
    ],
)
def test_doi_spellings_normalise_to_one_form(raw: str) -> None:
    assert normalize_doi(raw) == "10.1016/j.atherosclerosis.2018.02.028"


def test_doi_percent_escapes_and_parentheses() -> None:
    assert normalize_doi("http://dx.doi.org/10.1016/S0735-1097%2813%2962048-3") == (
        "10.1016/s0735-1097(13)62048-3"
    )
    # a closing parenthesis that belongs to the surrounding text is dropped
    assert normalize_doi("(see 10.1000/xyz123)") == "10.1000/xyz123"
    assert normalize_doi("10.1016/s0140-6736(05)67178-0") == "10.1016/s0140-6736(05)67178-0"


@pytest.mark.parametrize("raw", [None, "", "NA", "not a doi", "10.12/x", "https://doi.org/"])
def test_doi_without_a_doi_is_none(raw: str | None) -> None:
    assert normalize_doi(raw) is None


def test_pmid() -> None:
    assert normalize_pmid("PMID: 12345678") == "12345678"
    assert normalize_pmid("0012345") == "12345"
    assert normalize_pmid(12345) == "12345"
    assert normalize_pmid("12345 [PubMed - indexed for MEDLINE]") == "12345"
    assert normalize_pmid("abc") is None
    assert normalize_pmid("") is None


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Étude randomisée contrôlée", "etude randomisee controlee"),
        (
            "Working in the digitized economy: HRM theory &amp; practice",
            "working in the digitized economy hrm theory practice",
        ),
        ("SGLT2 in Ldlr<sup>-/-</sup> mice.", "sglt2 in ldlr mice"),
        (
            "[A study of mycobacterium vaccine in tuberculous pleurisy]",
            "a study of mycobacterium vaccine in tuberculous pleurisy",
        ),
        ("[A study of mycobacterium vaccine] LA: Chi", "a study of mycobacterium vaccine"),
        ("Efficacy of batroxobin. [Chinese]", "efficacy of batroxobin"),
        ("Update on HPV infection. [Review] [33 refs]", "update on hpv infection"),
        (
            "Robot-assisted gait.[Erratum appears in Exp Brain Res. 2010;205(2):279]",
            "robot assisted gait",
        ),
        (
            "Memory: severity... [corrected][published erratum appears in Brain Inj. 2013]",
            "memory severity",
        ),
        ("Re: Intrapleural streptokinase", "intrapleural streptokinase"),
        ("Toracostom?a cerrada", "toracostoma cerrada"),
        ("ЗАЙНЯТІСТЬ І МОТИВАЦІЯ", "заинятість і мотивація"),
        (None, ""),
    ],
)
def test_normalize_title(raw: str | None, expected: str) -> None:
    assert normalize_title(raw) == expected


def test_title_case_punctuation_and_trailing_period_do_not_matter() -> None:
    a = normalize_title("Cell-free microRNA expression: a study.")
    b = normalize_title("CELL-FREE MICRORNA EXPRESSION - A STUDY")
    assert a == b == "cell free microrna expression a study"


def test_translated_title_flag_and_alternates() -> None:
    assert is_translated_title("[Comparison of amoxicillin and cefamandole]")
    assert is_translated_title("Efficacy observation. [Chinese]")
    assert not is_translated_title("Comparison of amoxicillin and cefamandole")
    alternates = title_alternates(
        "Crowdwork: Applying a relational inequality theory [Arbeiten in der Crowd: "
        "Perspektiven der Theorie relationaler Ungleichheiten]"
    )
    assert "arbeiten in der crowd perspektiven der theorie relationaler ungleichheiten" in (
        alternates
    )
    assert title_alternates("A plain title without a translation") == []


@pytest.mark.parametrize(
    ("title", "markers"),
    [
        ("Erratum: Severe deficiency of ADAMTS13", {"erratum"}),
        ("Erratum to - How do requirements evolve over time?", {"erratum"}),
        ("Correction: Long-term outcomes", {"erratum"}),
        ("Correction to: Long-term outcomes", {"erratum"}),
        ("Correction for Smith et al., Long-term outcomes", {"erratum"}),
        ("Correction of severe hyponatremia in elderly patients", set()),
        ("Correction for multiple testing in genome-wide studies", set()),
        ("Corrections officers and occupational stress", set()),
        ("Corrigendum to Long-term outcomes", {"erratum"}),
        ("Retraction notice to: A trial", {"retraction"}),
        ("Atypical HUS associated with streptococcus - Reply", {"reply"}),
        ("Reply to Smith et al.", {"reply"}),
        ("Authors' response", {"reply"}),
        ("Re: Intrapleural streptokinase", {"comment"}),
        ("Comment on: Intrapleural streptokinase", {"comment"}),
        ("Study protocol: the ABC trial", {"protocol"}),
        ("Outcomes of surgery. Part 1", {"part:1"}),
        ("Outcomes of surgery, part II", {"part:2"}),
        ("A phase I/II trial of X", {"phase:1", "phase:2"}),
        ("A phase III trial of X", {"phase:3"}),
        # not markers
        ("Evolution of OpenStreetMap in response to humanitarian events", set()),
        ("Stress response in cells", set()),
        ("Corrective surgery for scoliosis", set()),
        ("Gait training.[Erratum appears in Exp Brain Res. 2010]", set()),
        ("Particle physics", set()),
    ],
)
def test_title_markers(title: str, markers: set[str]) -> None:
    assert title_markers(title) == markers


def test_title_numbers_ignore_thousands_separators() -> None:
    assert title_numbers(normalize_title("among 10 000 women")) == title_numbers(
        normalize_title("among 10000 women")
    )
    assert title_numbers(normalize_title("type 1 diabetes")) == {"1"}
    assert title_numbers(normalize_title("type 2 diabetes")) == {"2"}


# --------------------------------------------------------------------------- authors


@pytest.mark.parametrize(
    ("raw", "surname", "initials"),
    [
        ("Last, F. M.", "last", "fm"),
        ("Last, Frank Michael", "last", "fm"),
        ("F. M. Last", "last", "fm"),
        ("Frank Michael Last", "last", "fm"),
        ("Last FM", "last", "fm"),
        ("Last F. M.", "last", "fm"),
        ("Kohen Avramoglu R.", "kohenavramoglu", "r"),
        ("von Pawel, J.", "pawel", "j"),
        ("Pawel, J.", "pawel", "j"),
        ("Le Quintrec, M.", "quintrec", "m"),
        ("Lynch, T. J., Jr.", "lynch", "tj"),
        ("Wright Jr., T C", "wright", "tc"),
        ("Abendroth, A.-K.", "abendroth", "ak"),
        ("Abendroth, Anja-Kristin", "abendroth", "ak"),
        ("Vázquez-Martínez, Aarón", "vazquezmartinez", "a"),
        ("Gould, Sandy JJ", "gould", "sjj"),
    ],
)
def test_parse_author_formats(raw: str, surname: str, initials: str) -> None:
    author = parse_author(raw)
    assert author is not None
    assert (author.surname, author.initials) == (surname, initials)


def test_parse_author_keeps_the_given_name_written_out() -> None:
    assert parse_author("Carignani, Andrea") == Author("carignani", "a", "andrea")
    assert parse_author("Carignani, A.") == Author("carignani", "a", "")


@pytest.mark.parametrize(
    "raw", ["et al.", "Anonymous", "[Anonymous]", "Group, ALTS", "The ABC Study Group", ""]
)
def test_authors_left_out(raw: str) -> None:
    assert parse_author(raw) is None


def test_author_lists_in_one_field() -> None:
    expected = [Author("zuna", "re"), Author("wang", "ss")]
    assert [a[:2] for a in normalize_authors("Zuna, R E and Wang, S S and Group, ALTS")] == (
        [a[:2] for a in expected]
    )
    assert [a[:2] for a in normalize_authors(["Zuna, R. E.; Wang, S. S."])] == [
        a[:2] for a in expected
    ]
    listed = normalize_authors("Constantinescu AR, Bitzan M, Weiss LS")
    assert [a.surname for a in listed] == ["constantinescu", "bitzan", "weiss"]
    assert normalize_authors(None) == []


# --------------------------------------------------------------------------- journals


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("J Am Med Assoc", "Journal of the American Medical Association"),
        ("JAMA", "Journal of the American Medical Association"),
        ("BMJ", "British Medical Journal"),
        ("Nat Rev Nephrol", "Nature Reviews Nephrology"),
        ("Dtsch-Med-Wochenschr", "Deutsche Medizinische Wochenschrift"),
        ("Curr Opin Lipidol", "Current Opinion in Lipidology"),
        ("Cir Cir", "Cirugia y cirujanos"),
        ("Neuro Endocrinol Lett", "Neuroendocrinology Letters"),
        ("Eur J Cardiothorac Surg", "European Journal of Cardio-thoracic Surgery"),
        ("PLoS ONE [Electronic Resource]", "PLoS ONE"),
        ("Stroke; a journal of cerebral circulation", "Stroke"),
        ("Stroke. Conference: American Heart Association", "Stroke"),
        ("Obesity (Silver Spring)", "Obesity"),
        ("Seminars in Thrombosis & Hemostasis", "Seminars in Thrombosis and Haemostasis"),
        ("Amcis 2017 Proceedings", "Americas Conference on Information Systems"),
        (
            "Zhongguo fei ai za zhi = Chinese journal of lung cancer",
            "Chinese Journal of Lung Cancer",
        ),
        (
            "Proceedings of the 21th ACM SIGKDD International Conference on Knowledge "
            "Discovery and Data Mining",
            "ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
        ),
    ],
)
def test_journals_compatible(a: str, b: str) -> None:
    assert journals_compatible(a, b)
    assert journals_compatible(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Diabetologia", "Diabetes"),
        ("Diabetologie und Stoffwechsel", "Diabetes"),
        ("Journal of Clinical Oncology", "Japanese Journal of Clinical Oncology"),
        ("British Journal of Haematology", "Haematologica-the Hematology Journal"),
        ("Annals of Internal Medicine", "ACP Journal Club"),
        ("Cancer", "Cancer Cytopathology"),
    ],
)
def test_journals_incompatible(a: str, b: str) -> None:
    assert not journals_compatible(a, b)


# --------------------------------------------------------------------------- pages, volume


@pytest.mark.parametrize(
    "raw", ["457-68", "457-468", "457–468", "pp. 457-68", "457--468", "457 - 468", "p. 457-8"]
)
def test_page_ranges_normalise(raw: str) -> None:
    expected = ("457", "468") if raw != "p. 457-8" else ("457", "458")
    assert normalize_pages(raw) == expected


def test_pages_single_locators_and_garbage() -> None:
    assert normalize_pages("945") == ("945", None)
    assert normalize_pages("945-945") == ("945", None)
    assert normalize_pages("1297-306") == ("1297", "1306")
    assert normalize_pages("e70933") == ("e70933", None)
    assert normalize_pages("S385-9") == ("s385", "s389")
    assert normalize_pages("14S-14S") == ("s14", None)
    for garbage in ("01-Jul", "Oct-17", "2.05031E+15", "no pagination", "NA", "215 p.", "t-8"):
        assert normalize_pages(garbage) is None, garbage


def test_pages_agree() -> None:
    def agree(x: str, y: str) -> bool | None:
        return pages_agree(normalize_pages(x), normalize_pages(y))

    assert agree("457-68", "457-468") is True
    assert agree("488", "487-488") is True  # only the last page given
    assert agree("c37-c42", "37-42") is True  # lettered pages of one journal
    assert agree("1014", "c1804") is None  # print pages vs an electronic locator
    assert agree("S334", "A254") is False
    # same last page, first pages one digit apart: a mistyped first page is as likely as
    # another item, so the pages give no evidence (the other fields decide)
    assert agree("457-468", "458-468") is None
    assert agree("457-468", "459-470") is False
    assert agree("5-6", "5-12") is None  # same first page, very different ends
    assert agree("1007-1015", "1007-1115") is True  # one mistyped digit
    assert pages_agree(None, normalize_pages("1-2")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", "12"),
        ("Vol. 12", "12"),
        ("012", "12"),
        ("38 (Supplement 1)", "38"),
        ("35 Suppl 1", "35"),
        ("30a", "30a"),
        ("2)", None),
        ("NA", None),
        ("UNKNOWN", None),
        ("Ph.D.", None),
        (None, None),
    ],
)
def test_normalize_volume(raw: str | None, expected: str | None) -> None:
    assert normalize_volume(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("8", "8"), ("SUPPL. 1", "s1"), ("Suppl. 2", "s2"), ("10 SUPPL. 1", "s1"), ("NA", None)],
)
def test_normalize_issue(raw: str, expected: str | None) -> None:
    assert normalize_issue(raw) == expected


def test_normalize_year() -> None:
    assert normalize_year(2012) == 2012
    assert normalize_year("2012 Mar 3") == 2012
    assert normalize_year("c2012") == 2012
    assert normalize_year(12) is None
    assert normalize_year("n.d.") is None
