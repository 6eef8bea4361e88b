"""Tests of record deduplication (metareview.records): the pair rules, clusters without
chaining, search sets, merged records with provenance, explanations and a person's
decisions on ``maybe`` pairs."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace

import pytest

from metareview.io.records.model import Provenance, Record
from metareview.records import (
    DedupResult,
    PairDecision,
    apply_decisions,
    deduplicate,
)
from metareview.records.compare import compare, prepare
from metareview.records.normalize import normalize_pages, pages_agree, title_markers

ARTICLE = Record(
    title="Intrapleural streptokinase for the treatment of pleural infection: a randomised trial",
    authors=["Maskell, Nick A.", "Davies, Clare W. H.", "Nunn, Andrew J."],
    year=2005,
    journal="New England Journal of Medicine",
    volume="352",
    issue="9",
    pages="865-874",
    doi="10.1056/NEJMoa042473",
    type="JOUR",
    provenance=Provenance("medline.ris", "MEDLINE", 1),
)


def variant(**changes: object) -> Record:
    """The article as another database exports it, with some fields changed."""
    return replace(ARTICLE, **changes)  # type: ignore[arg-type]


def decide(a: Record, b: Record) -> PairDecision:
    return compare(0, 1, prepare(a), prepare(b))


# --------------------------------------------------------------------------- duplicates


def test_the_same_article_formatted_differently_is_a_duplicate() -> None:
    other = variant(
        title="INTRAPLEURAL STREPTOKINASE FOR THE TREATMENT OF PLEURAL INFECTION - A "
        "RANDOMISED TRIAL.",
        authors=["Maskell NA", "Davies CW", "Nunn AJ"],
        journal="N Engl J Med",
        pages="865-74",
        doi="https://doi.org/10.1056/nejmoa042473",
        provenance=Provenance("embase.ris", "Embase", 7),
    )
    pair = decide(ARTICLE, other)
    assert pair.decision == "duplicate"
    assert pair.rule == "same_identifier"
    assert pair.similarities["title"] == 1.0
    assert pair.similarities["doi"] == 1.0


def test_without_identifiers_title_and_source_decide() -> None:
    other = variant(
        title="Intrapleural streptokinase for the treatment of pleural infektion: a "
        "randomized trial",  # two typos
        authors=["N. A. Maskell", "C. W. H. Davies", "A. J. Nunn"],
        journal="N. Engl. J. Med.",
        pages="pp. 865–74",
        doi=None,
    )
    pair = decide(replace(ARTICLE, doi=None), other)
    assert pair.decision == "duplicate"
    assert pair.rule == "same_title_and_source"
    assert "journal" in pair.reason and "first page" in pair.reason


def test_diacritics_entities_and_translated_brackets() -> None:
    base = variant(
        title="Étude contrôlée de la kinésithérapie respiratoire après chirurgie",
        doi=None,
        authors=["Müller, Jürgen", "Çelik, Ayşe"],
    )
    other = variant(
        title="[Etude controlee de la kinesitherapie respiratoire apres chirurgie]. [French]",
        doi=None,
        authors=["Muller J", "Celik A"],
    )
    assert decide(base, other).decision == "duplicate"
    entity = variant(title=ARTICLE.title.replace("for the", "for&nbsp;the"), doi=None)  # type: ignore[union-attr]
    assert decide(replace(ARTICLE, doi=None), entity).decision == "duplicate"


def test_dropped_subtitle_is_contained() -> None:
    short = variant(title="Intrapleural streptokinase for the treatment of pleural infection")
    pair = decide(replace(ARTICLE, doi=None), replace(short, doi=None))
    assert pair.decision == "duplicate"
    assert pair.similarities.get("title_contained") == 1.0


def test_translated_title_with_the_same_citation() -> None:
    original = variant(
        title="Antibiotic prophylaxis in pulmonary surgery: amoxicillin versus cefamandole",
        doi=None,
        journal="Annales Francaises d'Anesthesie et de Reanimation",
        issue=None,
    )
    translated = variant(
        title="[Comparison of amoxicillin and cefamandole in the prevention of "
        "bronchopulmonary infections after lung surgery]",
        doi=None,
        journal="Ann Fr Anesth Reanim",
        issue=None,
    )
    pair = decide(original, translated)
    assert pair.decision == "duplicate"
    assert pair.rule == "same_citation"


# --------------------------------------------------------------------------- negative rules


def test_erratum_is_not_merged_with_its_article() -> None:
    erratum = variant(title="Erratum: " + ARTICLE.title, pages="1240", doi=None)  # type: ignore[operator]
    pair = decide(replace(ARTICLE, doi=None), erratum)
    assert pair.decision == "distinct"
    assert pair.rule == "title_marker"
    assert "erratum" in pair.reason


def test_an_erratum_annotation_is_not_an_erratum() -> None:
    annotated = variant(
        title=ARTICLE.title + ".[Erratum appears in N Engl J Med. 2005;352(20):2146]",  # type: ignore[operator]
        doi=None,
    )
    assert decide(replace(ARTICLE, doi=None), annotated).decision == "duplicate"


@pytest.mark.parametrize(
    "title",
    [
        "Intrapleural streptokinase for pleural infection - Reply",
        "Comment on: intrapleural streptokinase for pleural infection",
        "Re: Intrapleural streptokinase for pleural infection",
    ],
)
def test_replies_and_comments_are_not_merged(title: str) -> None:
    base = variant(title="Intrapleural streptokinase for pleural infection", doi=None)
    other = variant(title=title, doi=None, pages="2243-2245")
    assert decide(base, other).decision == "distinct"


def test_part_1_and_part_2_are_distinct() -> None:
    one = variant(title="Management of pleural infection in adults: part 1", doi=None)
    two = variant(title="Management of pleural infection in adults: Part II", doi=None)
    pair = decide(one, two)
    assert pair.decision == "distinct"
    assert pair.rule == "title_marker"
    # a part named on one side only is for a person to look at
    unnamed = variant(title="Management of pleural infection in adults", doi=None)
    assert decide(one, unnamed).decision == "maybe"


def test_different_trial_phases_are_distinct() -> None:
    two = variant(title="A phase II trial of talc pleurodesis in malignant effusion", doi=None)
    three = variant(title="A phase III trial of talc pleurodesis in malignant effusion", doi=None)
    assert decide(two, three).decision == "distinct"


def test_different_first_pages_prevent_a_merge() -> None:
    # a different first page with a different author list: two items
    other = variant(pages="901-910", doi=None, authors=["Maskell, N", "Davies, C", "Lee, Y"])
    pair = decide(replace(ARTICLE, doi=None), other)
    assert pair.decision == "maybe"
    assert pair.rule == "locator_conflict"
    assert "first page" in pair.reason
    # two authors only are not enough to outweigh the pages
    two = [*ARTICLE.authors[:2]]
    pair = decide(
        replace(ARTICLE, doi=None, authors=two), variant(pages="901", doi=None, authors=two)
    )
    assert pair.decision == "maybe"
    # nor is a different issue
    pair = decide(replace(ARTICLE, doi=None), variant(pages="901", doi=None, issue="10"))
    assert pair.decision == "maybe"


def test_other_pages_of_an_identical_citation_are_a_duplicate() -> None:
    """Rathbone et al. 2015: the same record "irrespective of ... variations in page
    numbers".  Stroke set, labelled duplicates id_0000014/id_0000015: Arch Phys Med Rehabil
    2010;91(10), the same four authors, pages e8-e9 and e3."""
    ejournal = variant(pages="e8-e9", doi=None)
    other = variant(pages="e3", doi=None, authors=["Maskell NA", "Davies CW", "Nunn AJ"])
    pair = decide(ejournal, other)
    assert (pair.decision, pair.rule) == ("duplicate", "other_pages")
    assert "e8 vs e3" in pair.reason
    # marked differently (an erratum with the article's title and authors) stays apart
    erratum = variant(title="Erratum: " + ARTICLE.title, pages="1201", doi=None)
    assert decide(replace(ARTICLE, doi=None), erratum).decision == "distinct"
    # printed pages: a range of the same length, near when an issue is missing
    # (respiratory id_0000646/647, Cancer Biol Ther 9: 678-684 and 676-682)
    shifted_range = variant(pages="867-876", doi=None, issue=None)
    assert decide(replace(ARTICLE, doi=None), shifted_range).rule == "other_pages"
    # ... not a column repeated in another issue of the volume (same length, far away)
    column = variant(pages="1070-1079", doi=None, issue=None)
    assert decide(replace(ARTICLE, doi=None), column).decision == "maybe"
    # ... nor a second article of a series in the same issue (another length)
    series = variant(pages="901-915", doi=None)
    assert decide(replace(ARTICLE, doi=None), series).decision == "maybe"
    # companion studies whose titles differ in a number (type 1 / type 2 diabetes)
    one = variant(title="Insulin pump therapy in type 1 diabetes: a trial", pages="e8", doi=None)
    two = replace(one, title="Insulin pump therapy in type 2 diabetes: a trial", pages="e3")
    assert decide(one, two).decision != "duplicate"
    # twin abstracts with different texts are two abstracts
    text = "Background: we randomised adults with pleural infection to streptokinase. " * 3
    other_text = "Methods: a cohort of children followed for ten years after empyema. " * 3
    assert decide(
        replace(ejournal, abstract=text), replace(other, abstract=other_text)
    ).decision != ("duplicate")


def test_a_wrong_doi_on_an_identical_citation() -> None:
    """Diabetes set, labelled duplicates id_0000599/id_0001610: the same abstract in
    Appetite 2012 (e24, four identical authors), one export with the DOI of a Regulatory
    Peptides abstract."""
    other = variant(doi="10.1016/j.regpep.2012.05.039", volume="1", issue=None)
    pair = decide(ARTICLE, other)
    assert (pair.decision, pair.rule) == ("duplicate", "wrong_identifier")
    # the result is one cluster even though the clustering guard checks DOIs too
    result = deduplicate([ARTICLE, other])
    assert len(result.clusters) == 1
    # a different first page as well: not the same citation
    moved = variant(doi="10.1016/j.regpep.2012.05.039", pages="900-910")
    assert decide(ARTICLE, moved).decision == "distinct"
    # DOIs that differ only after their last dot are versions or sibling items (Cochrane
    # CD013600.pub2 / .pub3, supplement abstracts mdz253.001 / .002), never a typo
    v2 = variant(doi="10.1002/14651858.CD013600.pub2")
    v3 = variant(doi="10.1002/14651858.CD013600.pub3")
    assert decide(v2, v3).decision != "duplicate"
    # a different author list: not the same citation either
    others = variant(doi="10.1016/j.regpep.2012.05.039", authors=["Lee, Y", "Davies, C", "Nunn, A"])
    assert decide(ARTICLE, others).decision != "duplicate"


def _jit(**changes: object) -> Record:
    base = Record(
        title="Sponsorship and IT vendor management of projects",
        authors=["Liu, Li", "Yetton, Philip"],
        year=2009,
        journal="Journal of Information Technology",
        volume="24",
        issue="1",
        pages="46-54",
        doi="10.1057/jit.2009.2",
        type="JOUR",
        provenance=Provenance("a.bib", "A", 1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_an_article_printed_twice() -> None:
    """digital_work set, labelled duplicates id_1003663/id_1003664: J Inf Technol printed
    the article in 2009;24(1):46-54 and again in 2010;25(1):56-64 with another DOI."""
    first = _jit()
    again = _jit(year=2010, volume="25", pages="56-64", doi="10.1057/jit.2008.23")
    pair = decide(first, again)
    assert (pair.decision, pair.rule) == ("duplicate", "reprinted")
    assert deduplicate([first, again]).clusters == [[0, 1]]
    # what else repeats a title and its authors in one journal a year later stays apart:
    # a recurring column of another length (haematology, "Gateways to clinical trials")
    assert decide(first, replace(again, pages="56-70")).decision != "duplicate"
    # an abstract submitted again to next year's meeting (stroke, two pages each)
    assert decide(_jit(pages="965-966"), replace(again, pages="1161-1162")).decision != (
        "duplicate"
    )
    # a yearly survey whose title changes its years (digital_work, Luftman et al.)
    survey = _jit(title="Key information technology and management issues 2011-2012")
    next_year = replace(again, title="Key information technology and management issues 2012-2013")
    assert decide(survey, next_year).decision != "duplicate"
    # another author list
    assert decide(first, replace(again, authors=["Liu, Li", "Smith, J"])).decision != "duplicate"
    # two PMIDs are two MEDLINE citations: the rule does not overrule them
    assert decide(replace(first, pmid="19000001"), replace(again, pmid="20000002")).decision != (
        "duplicate"
    )
    # proceedings series print same-titled papers of a fixed length (LNCS)
    lncs = dict(type="CONF", journal="Lecture Notes in Computer Science")
    assert decide(replace(first, **lncs), replace(again, **lncs)).decision != "duplicate"


def test_an_erratum_printed_after_its_article() -> None:
    """digital_work set, labelled duplicates id_1005082/id_1005083: J Inf Technol
    2018;33(2), the article on pages 151-170, "Erratum to - <title>" on page 171.  The
    six other erratum/article pairs of that set, errata printed in a later issue, are
    labelled distinct."""
    article = _jit(
        title="How do requirements evolve over time? A case study of enterprise software",
        authors=["Schneider, S", "Wollersheim, J", "Krcmar, H", "Sunyaev, A"],
        year=2018,
        volume="33",
        issue="2",
        pages="151-170",
        doi="10.1057/s41265-016-0001-y",
    )
    erratum = replace(
        article,
        title="Erratum to - " + article.title,
        pages="171",
        doi="10.1057/s41265-017-0039-5",
        provenance=Provenance("b.bib", "B", 2),
    )
    pair = decide(erratum, article)
    assert (pair.decision, pair.rule) == ("duplicate", "appended_erratum")
    result = deduplicate([erratum, article])
    assert result.clusters == [[0, 1]]
    # the merged record is the article's; the erratum is in the provenance
    merged = result.merged[0]
    assert merged.record.title == article.title
    assert merged.record.pages == "151-170"
    assert merged.record.doi == "10.1057/s41265-016-0001-y"
    assert [p.database for p in merged.provenance] == ["B", "A"]
    # an erratum in a later issue is a record of its own
    later = replace(erratum, issue="4", pages="361-362")
    assert decide(later, article).decision == "distinct"
    assert deduplicate([later, article]).clusters == [[0], [1]]
    # as is one on a page that does not follow the article
    assert decide(replace(erratum, pages="180"), article).decision == "distinct"
    # and a retraction notice, whatever its page: it must stay visible
    retraction = replace(erratum, title="Retraction: " + article.title)
    assert decide(retraction, article).decision == "distinct"


def _paper(year: int, venue: str, authors: list[str], pages: str | None = None) -> Record:
    return Record(
        title="Call for bids to improve matching efficiency: evidence from online labor markets",
        authors=authors,
        year=year,
        journal=venue,
        pages=pages,
        type="CONF",
        provenance=Provenance("x.ris", "X", year),
    )


def test_proceedings_dated_a_year_apart() -> None:
    """digital_work set, labelled duplicates id_1006650/id_2006651: the ICIS 2017 paper
    dated 2017 by one database and 2018 (its proceedings) by another."""
    dblp = _paper(
        2017,
        "International Conference on Information Systems",
        ["Guo, Xue", "Gong, Jing", "Pavlou, Paul A."],
        "1-12",
    )
    scopus = _paper(
        2018,
        "ICIS: Transforming Society with Digital Innovation",
        ["Guo, X.", "Gong, J.", "Pavlou, P."],
    )
    pair = decide(dblp, scopus)
    assert (pair.decision, pair.rule) == ("duplicate", "proceedings_year")
    # journal articles a year apart still need a locator
    articles = [
        replace(r, type="JOUR", journal="Information Systems Research") for r in (dblp, scopus)
    ]
    assert decide(*articles).decision == "maybe"
    # another conference, or years two apart: no
    other = replace(scopus, journal="European Conference on Information Systems")
    assert decide(dblp, other).decision != "duplicate"
    assert decide(dblp, replace(scopus, year=2019)).decision == "distinct"
    # venues naming two different meetings: an abstract submitted again the next year
    asco19 = replace(
        dblp, journal="Annual Meeting of the American Society of Clinical Oncology, ASCO 2019"
    )
    asco20 = replace(
        scopus, journal="Annual Meeting of the American Society of Clinical Oncology, ASCO 2020"
    )
    assert decide(asco19, asco20).decision != "duplicate"
    cogsci40 = replace(
        dblp, journal="Proceedings of the 40th Annual Meeting of the Cognitive Science Society"
    )
    cogsci41 = replace(
        scopus, journal="Proceedings of the 41st Annual Meeting of the Cognitive Science Society"
    )
    assert decide(cogsci40, cogsci41).decision != "duplicate"
    # different abstracts: a trial in progress and its results
    planned = replace(
        dblp, abstract="Methods: patients are randomised 1:1; 12 of 400 enrolled. " * 3
    )
    results = replace(scopus, abstract="Results: median overall survival 12.7 vs 10.9 months. " * 3)
    assert decide(planned, results).decision != "duplicate"
    # a subtitle added the next year ("updated results") is not the same title
    updated = replace(scopus, title=dblp.title + ": updated results after three years")
    assert decide(dblp, updated).decision != "duplicate"
    # nor is a heading in front: research in progress one year, the full paper the next
    in_progress = replace(dblp, title="Research in progress - " + dblp.title)
    assert decide(in_progress, scopus).decision != "duplicate"
    # chapters of a book published every year are editions, not proceedings
    chapter19 = replace(dblp, type="CHAP", journal="Current Medical Diagnosis and Treatment")
    chapter20 = replace(scopus, type="CHAP", journal="Current Medical Diagnosis and Treatment")
    assert decide(chapter19, chapter20).decision != "duplicate"


def test_a_long_title_inside_a_column_heading() -> None:
    """digital_work set, labelled duplicates id_2002950/id_4002951 (Harvard Business
    Review 2016): the same single-author piece, one database prefixing the column name."""
    a = Record(
        title="Upwork's CEO on how an introverted engineer learned to lead",
        authors=["Kasriel, S."],
        year=2016,
        journal="Harvard Business Review",
        volume="2016",
        issue="May",
        provenance=Provenance("a.ris", "A", 1),
        type="JOUR",
    )
    b = replace(
        a,
        title="How did it ... Upwork's CEO on how an introverted engineer learned to lead",
        authors=["Kasriel, Stephane"],
        volume="94",
        issue="5",
        pages="35+",
    )
    pair = decide(a, b)
    assert pair.decision == "duplicate"
    assert pair.similarities["title_contained"] == 1.0
    # a short title inside a longer one is not enough
    short = replace(a, title="How an engineer learned to lead")
    assert decide(short, b).decision != "duplicate"
    # nor words after the title: an executive summary is another item
    summary = replace(b, title=a.title + ": executive summary", volume=None, issue=None, pages=None)
    assert decide(a, summary).decision != "duplicate"


def test_different_volumes_prevent_a_merge() -> None:
    other = variant(volume="353", doi=None)
    assert decide(replace(ARTICLE, doi=None), other).decision == "maybe"


def test_conference_and_journal_versions_are_not_merged() -> None:
    conference = variant(
        title="Intrapleural streptokinase for the treatment of pleural infection",
        journal="Proceedings of the European Respiratory Society Annual Congress",
        type="CONF",
        year=2004,
        volume=None,
        issue=None,
        pages="P1234",
        doi=None,
    )
    pair = decide(replace(ARTICLE, doi=None), conference)
    assert pair.decision != "duplicate"


def test_different_dois_prevent_a_merge() -> None:
    # everything agrees but the DOI, and the author lists are not identical (one export
    # has the first two authors only): not the same citation, so a person should look
    other = variant(doi="10.1056/NEJMoa999999", authors=ARTICLE.authors[:2])
    pair = decide(ARTICLE, other)
    assert pair.decision == "maybe"  # everything else agrees: a person should look
    assert pair.rule == "hard_conflict"
    far = variant(doi="10.1056/NEJMoa999999", year=2009, authors=ARTICLE.authors[:2])
    assert decide(ARTICLE, far).decision == "distinct"


def test_years_far_apart_are_distinct() -> None:
    other = variant(year=2008, doi=None)
    pair = decide(replace(ARTICLE, doi=None), other)
    assert pair.decision == "distinct"
    assert "years 3 apart" in pair.reason


def test_different_authors_are_distinct() -> None:
    other = variant(authors=["Rahman, N. M.", "Lee, Y. C. G."], doi=None)
    pair = decide(replace(ARTICLE, doi=None), other)
    assert pair.decision == "distinct"
    assert pair.rule == "author_conflict"


def test_recurring_short_titles_need_their_own_locator() -> None:
    first = Record(
        title="Editor's comments",
        authors=["Weber, Ron"],
        year=2002,
        journal="MIS Quarterly",
        volume="26",
        issue="1",
    )
    second = replace(first, issue="2")
    third = replace(first, issue=None)
    assert decide(first, second).decision == "distinct"
    assert decide(first, third).decision != "duplicate"


def test_a_missing_title_is_never_merged_automatically() -> None:
    untitled = variant(title=None, doi=None)
    pair = decide(replace(ARTICLE, doi=None), untitled)
    assert pair.decision == "maybe"
    assert pair.rule == "same_citation"


def test_shared_supplement_doi_with_different_titles() -> None:
    a = variant(
        title="Effect of drug A on plaque in mice",
        doi="10.2337/db14-1-388",
        pages="A83",
        authors=["Romacho T"],
    )
    b = variant(
        title="Neonatal activation of the hypothalamus in rats",
        doi="10.2337/db14-1-388",
        pages="A63",
        authors=["Rozo A V"],
    )
    assert decide(a, b).decision == "distinct"


# --------------------------------------------------------------------------- clusters


def chain_records() -> list[Record]:
    """A and C have different DOIs (and first pages); B, without a DOI or pages, matches
    both."""
    a = variant(doi="10.1000/a1")
    b = variant(doi=None, pages=None, authors=["Maskell NA", "Davies CW", "Nunn AJ"])
    c = variant(doi="10.1000/c3", pages="901-910")
    return [a, b, c]


def test_clusters_do_not_chain_records_with_different_dois() -> None:
    result = deduplicate(chain_records())
    assert [0, 2] not in result.clusters and [0, 1, 2] not in result.clusters
    assert sorted(map(len, result.clusters)) == [1, 2]
    guarded = [p for p in result.pairs if p.source == "guard"]
    assert len(guarded) == 1
    assert guarded[0].decision == "maybe"
    assert guarded[0].guard is not None and "different DOIs" in guarded[0].guard
    # one question for a person about the two clusters
    assert len(result.maybe) == 1


def test_an_identifier_settles_a_page_difference_for_the_copies_without_it() -> None:
    """Diabetes set, one labelled cluster of eight (id_0000494 ... id_0001732): two
    abstracts on pages 51 and 52 of one supplement share a DOI, each also exported
    without it.  The shared DOI says 51/52 is one item; the copies without the DOI differ
    in the same way, which must not keep the cluster apart."""
    base = variant(
        title="Effects of incretin on artery lesions in apolipoprotein E-deficient mice",
        authors=["Chen R", "Wang Y", "Liang L"],
        journal="Diabetes Metab Res Rev",
        volume="30",
        issue="S3",
        pages="51",
        doi="10.1002/dmrr.2604",
    )
    other = replace(
        base,
        title="The effects of incretin on artery lesions in apolipoprotein E-deficient mice",
        authors=["Chen R", "Wang J", "Yan C", "Wang Y"],
        pages="52",
    )
    records = [base, replace(base, doi=None), other, replace(other, doi=None)]
    result = deduplicate(records)
    assert result.clusters == [[0, 1, 2, 3]]
    assert any(p.rule == "same_identifier" for p in result.duplicates)
    # without the identifier nothing settles the pages: the copies stay apart
    alone = deduplicate([records[1], records[3]])
    assert alone.clusters == [[0], [1]]
    assert [p.rule for p in alone.maybe] == ["locator_conflict"]
    # a shared PMID does not settle pages (a wrong PMID is a common export error)
    by_pmid = [
        replace(r, doi=None, pmid="24000001" if k in (0, 2) else None)
        for k, r in enumerate(records)
    ]
    assert len(deduplicate(by_pmid).clusters) == 2
    # a third page is not settled by the 51/52 identifier
    third = replace(other, doi=None, pages="53")
    result = deduplicate([*records, third])
    assert [4] in result.clusters


def test_cluster_order_and_result_accessors() -> None:
    other = variant(title="Something else entirely about asthma", doi=None, pages="10-19")
    records = [ARTICLE, other, variant()]
    result = deduplicate(records)
    assert result.clusters == [[0, 2], [1]]
    assert result.duplicate_clusters == [[0, 2]]
    assert result.removed == [2]
    assert result.retained == [0, 1]
    assert result.cluster_of(2) == [0, 2]
    pair = result.pair(2, 0)
    assert pair is not None and pair.decision == "duplicate"
    assert result.pair(0, 1) is None
    assert len(result.merged) == len(result.clusters)


def test_deterministic_and_independent_of_input_order() -> None:
    records = [*chain_records(), ARTICLE, variant(title="Another paper on pleural disease")]
    first = deduplicate(records)
    second = deduplicate(records)
    assert first.clusters == second.clusters
    assert [(p.i, p.j, p.decision, p.rule) for p in first.pairs] == [
        (p.i, p.j, p.decision, p.rule) for p in second.pairs
    ]
    order = list(range(len(records)))
    random.Random(3).shuffle(order)
    shuffled = deduplicate([records[k] for k in order])
    back = sorted(sorted(order[m] for m in cluster) for cluster in shuffled.clusters)
    assert sorted(len(c) for c in back) == sorted(len(c) for c in first.clusters)


def test_empty_and_single_input() -> None:
    assert deduplicate([]).clusters == []
    single = deduplicate([ARTICLE])
    assert single.clusters == [[0]]
    assert single.merged[0].record is ARTICLE


# --------------------------------------------------------------------------- search sets


def test_records_of_one_search_set_are_never_merged() -> None:
    records = [ARTICLE, variant(), variant(provenance=Provenance("update.ris", None, 1))]
    labels = ["2019", "2019", "2024"]
    result = deduplicate(records, search_sets=labels)
    owner = {m: k for k, c in enumerate(result.clusters) for m in c}
    assert owner[0] != owner[1]
    # the update's record joins exactly one of the two
    assert sum(owner[2] == owner[k] for k in (0, 1)) == 1
    assert result.search_sets == ("2019", "2019", "2024")


def test_search_sets_as_mapping_or_function() -> None:
    records = [ARTICLE, variant()]
    by_file = deduplicate(
        records, search_sets=lambda r: r.provenance.file if r.provenance else None
    )
    assert by_file.clusters == [[0], [1]]
    assert deduplicate(records, search_sets={0: "old"}).clusters == [[0, 1]]
    with pytest.raises(ValueError, match="labels for"):
        deduplicate(records, search_sets=["old"])


# --------------------------------------------------------------------------- merging


def test_merged_record_keeps_the_most_complete_fields_and_all_provenance() -> None:
    sparse = Record(
        title="[Intrapleural streptokinase for the treatment of pleural infection: a "
        "randomised trial]",
        authors=["Maskell NA", "Davies CW", "Nunn AJ"],
        year=2005,
        journal="N Engl J Med",
        volume="352",
        pages="865-74",
        doi="https://doi.org/10.1056/NEJMoa042473",
        keywords=["Empyema", "streptokinase"],
        provenance=Provenance("embase.ris", "Embase", 3),
    )
    full = replace(
        ARTICLE,
        abstract="Background: pleural infection is common. Methods: we randomly assigned ...",
        keywords=["Streptokinase", "pleural infection"],
        pmid="15745977",
        raw={"TI": [ARTICLE.title or ""]},
    )
    result = deduplicate([sparse, full])
    assert result.clusters == [[0, 1]]
    merged = result.merged[0]
    record = merged.record
    assert record.title == full.title  # not the bracketed translation
    assert record.authors == full.authors  # full given names over initials
    assert record.journal == "New England Journal of Medicine"
    assert record.pages == "865-874"
    assert record.doi == "10.1056/nejmoa042473"
    assert record.pmid == "15745977"
    assert record.abstract == full.abstract
    assert record.issue == "9"
    assert record.keywords == ["Empyema", "streptokinase", "pleural infection"]
    assert record.raw == {"TI": [ARTICLE.title]}
    assert merged.members == (0, 1)
    assert merged.provenance == (sparse.provenance, full.provenance)
    assert merged.field_sources["journal"] == 1
    assert merged.field_sources["title"] == 1
    # the inputs are not modified
    assert sparse.journal == "N Engl J Med"


def test_explanations() -> None:
    result = deduplicate([ARTICLE, variant(authors=["Maskell NA", "Davies CW", "Nunn AJ"])])
    merged = result.merged[0]
    assert len(merged.explanation) == 1
    pair = merged.explanation[0]
    assert (pair.i, pair.j, pair.decision, pair.rule) == (0, 1, "duplicate", "same_identifier")
    assert {"title", "authors", "doi", "journal", "volume", "pages"} <= set(pair.similarities)
    text = merged.explain()
    assert "same_identifier" in text and "0 ~ 1" in text
    alone = deduplicate([ARTICLE]).merged[0]
    assert alone.explain() == "record 0: no duplicates"


# --------------------------------------------------------------------------- maybe pairs


def maybe_records() -> list[Record]:
    unrelated = variant(title="Asthma in children", authors=["Smith J"], pages="1-9", doi=None)
    return [ARTICLE, variant(pages="901-910", issue="10", doi=None), unrelated]


def test_one_maybe_question_per_two_clusters() -> None:
    records = [ARTICLE, variant(), variant(pages="901-910", issue="10", doi=None)]
    result = deduplicate(records)
    assert result.clusters == [[0, 1], [2]]
    assert sum(p.decision == "maybe" for p in result.pairs) == 2  # 0~2 and 1~2
    assert len(result.maybe) == 1
    kept_apart = apply_decisions(result, {(result.maybe[0].i, result.maybe[0].j): "distinct"})
    assert kept_apart.clusters == [[0, 1], [2]]
    assert kept_apart.maybe == []  # the other pair between the clusters is not asked again


def test_maybe_pairs_are_not_merged_and_can_be_decided() -> None:
    result = deduplicate(maybe_records())
    assert result.clusters == [[0], [1], [2]]
    assert [(p.i, p.j) for p in result.maybe] == [(0, 1)]
    merged = apply_decisions(result, {(1, 0): "duplicate"})
    assert merged.clusters == [[0, 1], [2]]
    decided = merged.pair(0, 1)
    assert decided is not None
    assert (decided.decision, decided.rule, decided.source) == (
        "duplicate",
        "human_review",
        "human",
    )
    assert "the rules said maybe" in decided.reason
    assert merged.maybe == []
    # the original result is unchanged
    assert result.clusters == [[0], [1], [2]]
    # the same through deduplicate(decisions=...)
    direct = deduplicate(maybe_records(), decisions={(0, 1): "duplicate"})
    assert direct.clusters == merged.clusters


def test_a_human_distinct_decision_splits_a_cluster() -> None:
    result = deduplicate([ARTICLE, variant()])
    assert result.clusters == [[0, 1]]
    split = apply_decisions(result, {(0, 1): "distinct"})
    assert split.clusters == [[0], [1]]
    # and it survives a later decision on another pair
    again = apply_decisions(split, {(0, 1): "distinct"})
    assert again.clusters == [[0], [1]]


def test_human_decisions_may_overrule_the_guard_but_not_themselves() -> None:
    result = deduplicate(chain_records())
    forced = apply_decisions(result, {(0, 1): "duplicate", (1, 2): "duplicate"})
    assert forced.clusters == [[0, 1, 2]]
    contradicted = apply_decisions(
        result, {(0, 1): "duplicate", (1, 2): "duplicate", (0, 2): "distinct"}
    )
    assert [0, 1, 2] not in contradicted.clusters


def test_invalid_decisions_are_rejected() -> None:
    result = deduplicate(maybe_records())
    with pytest.raises(ValueError, match="'duplicate' or 'distinct'"):
        apply_decisions(result, {(0, 1): "maybe"})
    with pytest.raises(ValueError, match="invalid pair"):
        apply_decisions(result, {(0, 7): "duplicate"})


def test_result_type() -> None:
    assert isinstance(deduplicate([ARTICLE]), DedupResult)


def test_import_is_light() -> None:
    code = (
        "import sys, metareview.records; "
        "print(sorted(m for m in ('pandas', 'rapidfuzz', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_two_correction_notices_of_one_article_are_one_record() -> None:
    """Web of Science cites the corrected article after the title ("(vol 352, pg 865,
    2005)"), Embase prefixes "Erratum:"; both are the one notice on page 1240."""
    base = {"doi": None, "pages": "1240", "issue": "12", "authors": ["Maskell, N."]}
    wos = variant(title=f"{ARTICLE.title} (vol 352, pg 865, 2005)", **base)
    embase = variant(title=f"Erratum: {ARTICLE.title}", **base)
    assert title_markers(wos.title) == title_markers(embase.title) == {"erratum"}
    pair = decide(wos, embase)
    assert (pair.decision, pair.rule) == ("duplicate", "same_citation")
    # neither is merged with the article itself
    assert decide(replace(ARTICLE, doi=None), wos).decision == "distinct"


def test_an_impossible_page_range_is_no_evidence() -> None:
    """ "2297-2108" cannot be a page range: a number is mistyped, so the pages neither
    agree nor conflict, and the rest of the citation decides."""
    assert normalize_pages("2297-2108") is None
    pair = decide(replace(ARTICLE, doi=None, pages="2097-2108"),
                  replace(ARTICLE, doi=None, pages="2297-2108"))  # fmt: skip
    assert pair.decision == "duplicate" and "pages" not in pair.similarities
    # same last page, first pages one mistyped digit apart: no evidence either
    assert pages_agree(normalize_pages("2141-2147"), normalize_pages("2142-2147")) is None
    assert pages_agree(normalize_pages("2141-2147"), normalize_pages("2151-2157")) is False


def test_a_locator_shifted_by_one_field_is_ignored() -> None:
    """An export that put the volume in the issue field and the issue in the pages field
    ("vol -, issue 26, page 9" for volume 26, issue 9, page 1746) neither conflicts nor
    corroborates; the title, authors, year and journal decide."""
    abstract = replace(ARTICLE, doi=None, volume="26", issue="9", pages="1746")
    shifted = replace(abstract, volume=None, issue="26", pages="9")
    pair = decide(shifted, abstract)
    assert pair.decision == "duplicate"
    assert not {"volume", "issue", "pages"} & set(pair.similarities)
    result = deduplicate([shifted, abstract])
    assert result.clusters == [[0, 1]]
