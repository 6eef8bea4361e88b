"""``build`` and the report renderers (HTML, JSON, CSV, DOCX), on in-memory reviews and on
the bundled example folders; the HTML is also opened in a real browser (Debian's
chromium driven by Playwright) when both are installed."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from metareview.report import render_csv, render_html, render_json, write
from metareview.review.build import build
from metareview.review.model import (
    Comparison,
    DataRow,
    Grade,
    Outcome,
    ReportedResult,
    Review,
    ReviewMeta,
    Study,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# Fleiss (1993), aspirin after myocardial infarction; RevMan 5's results in examples/README.md
FLEISS = [
    ("MRC-1", 1974, 49, 615, 67, 624), ("CDP", 1976, 44, 758, 64, 771),
    ("MRC-2", 1979, 102, 832, 126, 850), ("GASP", 1979, 32, 317, 38, 309),
    ("PARIS", 1980, 85, 810, 52, 406), ("AMIS", 1980, 246, 2267, 219, 2257),
    ("ISIS-2", 1988, 1570, 8587, 1720, 8600),
]  # fmt: skip


def _review(reported: list[ReportedResult] | None = None) -> Review:
    outcome = Outcome(
        id="death", name="Death", data_type="dich", measure="OR", method="MH", model="fixed",
        subgroup_by="Era", subgroups=["1970s", "1980s"],
    )  # fmt: skip
    meta = ReviewMeta(
        title="Aspirin after myocardial infarction",
        authors=["Fleiss JL"],
        comparisons=[Comparison(id="aspirin", name="Aspirin versus placebo",
                                label_exp="Aspirin", label_ctrl="Placebo", outcomes=[outcome])],
    )  # fmt: skip
    rows = [
        DataRow(study=s, subgroup="1970s" if y < 1980 else "1980s",
                values={"events_exp": a, "n_exp": b, "events_ctrl": c, "n_ctrl": d}, line=i + 2)
        for i, (s, y, a, b, c, d) in enumerate(FLEISS)
    ]  # fmt: skip
    return Review(
        root=Path("."), meta=meta, studies=[Study(id=s, year=y) for s, y, *_ in FLEISS],
        data={"death": rows}, reported=reported or [],
    )  # fmt: skip


def test_build_reproduces_the_engine() -> None:
    import metareview as mr

    res = build(_review())
    (o,) = res.outcomes
    assert o.result is not None
    direct = mr.meta_analysis(
        {"study": [r[0] for r in FLEISS], "events_exp": [r[2] for r in FLEISS],
         "n_exp": [r[3] for r in FLEISS], "events_ctrl": [r[4] for r in FLEISS],
         "n_ctrl": [r[5] for r in FLEISS]},
        data_type="dich", measure="OR", method="MH", model="fixed",
    )  # fmt: skip
    # RevMan 5 (examples/README.md): OR 0.90 [0.84, 0.96] for the M-H fixed analysis
    assert o.result.overall.estimate == direct.overall.estimate
    assert round(o.result.overall.estimate, 2) == 0.90
    assert [g.label for g in o.result.subgroups] == ["1970s", "1980s"]
    assert "Mantel–Haenszel method under a fixed-effect model" in res.methods


def test_reported_results_are_checked_at_printed_precision() -> None:
    reported = [
        ReportedResult(outcome="death", measure="OR", location="Abstract",
                       estimate=0.90, ci_low=0.84, ci_high=0.96),
        ReportedResult(outcome="death", measure="OR", location="Table 2",
                       estimate=0.90, ci_low=0.84, ci_high=0.97),
    ]  # fmt: skip
    (o,) = build(_review(reported)).outcomes
    assert [c.agrees for c in o.checks] == [True, False]
    assert "ci_high 0.97" in o.checks[1].note


def test_renderers() -> None:
    res = build(_review([ReportedResult(outcome="death", measure="OR", location="Abstract",
                                        estimate=0.9, ci_low=0.84, ci_high=0.96)]))  # fmt: skip
    html = render_html(res)
    for heading in ("Summary of findings", "Review question", "Study selection",
                    "Characteristics of included studies", "Risk of bias", "Analyses",
                    "Methods of synthesis", "PRISMA 2020 checklist"):  # fmt: skip
        assert heading in html
    assert "ISIS-2" in html and "Test for subgroup differences" in html
    assert "<script" not in html and "http" not in html.split("</style>")[0]
    data = json.loads(render_json(res))
    assert data["outcomes"][0]["result"]["overall"]["k"] == 7
    rows = list(csv.DictReader(io.StringIO(render_csv(res))))
    assert {r["source"] for r in rows} == {"recomputed", "reported"}


def test_write_all_formats(tmp_path: Path) -> None:
    files = write(build(_review()), tmp_path / "_build")
    assert sorted(p.name for p in files) == [
        "report.docx", "report.html", "results.csv", "results.json"
    ]  # fmt: skip
    from docx import Document

    doc = Document(str(tmp_path / "_build" / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Methods" in text and "Mantel–Haenszel" in text
    assert len(doc.tables) >= 2
    assert not list((tmp_path / "_build").glob(".*.tmp"))
    with pytest.raises(ValueError, match="unknown report format"):
        write(build(_review()), tmp_path, ["pdf"])


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_in_browser(html_path: Path, png: Path) -> str:
    """Open ``html_path`` in headless chromium; save a screenshot; return the page text."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    exe = _chromium()
    if exe is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    args = [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ]  # fmt: skip
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=args)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html_path.as_uri())
        page.screenshot(path=str(png), full_page=True)
        text = page.inner_text("body")
        headings = page.locator("h2").all_inner_texts()
        browser.close()
    assert all(u.startswith("file:") for u in requests), f"network requests: {requests}"
    return "\n".join(headings) + "\n" + text


def test_html_in_a_real_browser(tmp_path: Path) -> None:
    write(build(_review()), tmp_path, ["html"])
    text = render_in_browser(tmp_path / "report.html", tmp_path / "report.png")
    assert "Characteristics of included studies (7)" in text
    for study, *_ in FLEISS:
        assert study in text
    assert (tmp_path / "report.png").stat().st_size > 10_000


SECTIONS = (
    "Summary of findings", "Review question", "Study selection (PRISMA 2020 counts)",
    "Characteristics of included studies", "Risk of bias", "Analyses",
    "Methods of synthesis", "Audit of reported results", "PRISMA 2020 checklist",
)  # fmt: skip


@pytest.mark.parametrize("name", ["ketamine-neuropathic-pain", "aspirin-fleiss1993"])
def test_example_report_in_a_real_browser(name: str, tmp_path: Path) -> None:
    """The bundled examples build in well under 5 s and their HTML shows every section,
    every study and the tables (screenshot kept in the test's tmp folder)."""
    import time

    from metareview.review.store import load

    folder = EXAMPLES / name
    t0 = time.perf_counter()
    review = load(folder)
    results = build(review)
    write(results, tmp_path, ["html", "json", "csv", "docx"])
    assert time.perf_counter() - t0 < 5.0
    text = render_in_browser(tmp_path / "report.html", tmp_path / f"{name}.png")
    for section in SECTIONS:
        assert section in text, section
    for study in review.studies:
        assert study.id in text, study.id
    html = (tmp_path / "report.html").read_text()
    assert html.count("<table") >= 4
    # both examples show a Summary of Findings table and the GRADE evidence profile
    assert "GRADE evidence profile" in text and ("LOW" in text or "HIGH" in text)
    # figures inline as SVG in the HTML and as pictures in the DOCX
    from docx import Document

    doc = Document(str(tmp_path / "report.docx"))
    n_svg = html.count("<svg")
    assert n_svg >= 3 and len(doc.inline_shapes) == n_svg
    if name == "ketamine-neuropathic-pain":
        # the seed publishes no per-study data: the report says so and shows what it reports
        assert "Per-study data are not reported" in text
        assert "-2.14 [-2.65, -1.63]" in text and "Table 4" in text
        # the audit finds the paper's P of 0.0007 for RR 4.94 [2.76, 8.84] (Table 4)
        assert "P printed as 0.0007" in text
        # Table 4 reproduced from the encoded judgements; where the printed certainty does
        # not follow from them, both are shown (2 weeks: ratings give LOW, printed very low)
        assert "printed: very low" in text and "⨁⨁◯◯ LOW" in text
    else:
        assert "Test for overall effect" in text


def test_check_compares_counts_p_and_refuses_other_measures() -> None:
    base = {"outcome": "death", "location": "Text"}
    reported = [
        ReportedResult(measure="RR", estimate=0.9, ci_low=0.84, ci_high=0.96, **base),
        ReportedResult(measure="OR", p="0.9", studies=7, participants=12, **base),
        ReportedResult(measure="OR", studies=7, participants=28003, p="<0.01", **base),
        ReportedResult(measure="OR", certainty="low", **base),
    ]  # fmt: skip
    (o,) = build(_review(reported)).outcomes
    wrong_measure, wrong_counts, right_counts, nothing = o.checks
    assert wrong_measure.agrees is None and "not compared" in wrong_measure.note
    assert wrong_counts.agrees is False
    assert "participants 12 vs 28003" in wrong_counts.note and "P 0.9" in wrong_counts.note
    assert right_counts.agrees is True and "3 values" in right_counts.note
    assert nothing.agrees is None and "nothing comparable" in nothing.note


def test_report_survives_nan_in_checks(tmp_path: Path) -> None:
    # a reported result for a single-study subgroup (I² is NaN there) writes valid JSON
    reported = [ReportedResult(outcome="death", measure="OR", location="Table 2",
                               subgroup="1980s", estimate=0.9, ci_low=0.8, ci_high=1.0,
                               i2=0.0)]  # fmt: skip
    review = _review(reported)
    # keep MRC-1, CDP (1970s) and PARIS alone in the 1980s: its I² is NaN
    review.data["death"] = [r for r in review.data["death"] if r.study in ("MRC-1", "CDP", "PARIS")]
    results = build(review)
    assert results.outcomes[0].result is not None
    assert results.outcomes[0].result.subgroups[1].k == 1
    files = write(results, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["outcomes"][0]["checks"][0]["recomputed"] is not None
    assert len(files) == 4


def test_methods_paragraph_names_the_random_effects_options() -> None:
    review = _review()
    review.meta.comparisons[0].outcomes[0] = (
        review.meta.comparisons[0]
        .outcomes[0]
        .model_copy(
            update={"model": "random", "tau2": "REML", "ci_method": "hksj", "prediction": "t-k1"}
        )
    )
    methods = build(review).methods
    assert "restricted maximum likelihood" in methods
    assert "Hartung–Knapp–Sidik–Jonkman" in methods and "prediction intervals" in methods
    assert "except the random-effects options stated above" in methods
    assert "(its results reproduce RevMan 5)" not in methods


def test_authors_ratings_override_suggestions_only_with_a_reason() -> None:
    """GRADE: the author may override any suggested rating, but an override must carry a
    reason (issue 6); indirectness is the author's call and is taken as given."""
    from metareview.report.grading import profiles

    review = _review()
    review.meta.grade = Grade.model_validate({
        "outcomes": [
            {"outcome": "death", "indirectness": "serious",
             "indirectness_footnote": "trials from the 1970s",
             "imprecision": "serious", "imprecision_reason": "few events in the 1980s subgroup",
             "inconsistency": "serious"},
        ]
    })  # fmt: skip
    problems: list[str] = []
    (row,) = profiles(build(review), problems)
    assert row["ratings"]["indirectness"] == "serious"
    assert row["ratings"]["imprecision"] == "serious"  # overridden, with a reason
    assert "override: few events" in row["notes"]["imprecision"]
    # inconsistency departs from the suggestion without a reason: the suggestion is kept
    assert row["ratings"]["inconsistency"] == "not serious"
    assert len(problems) == 1 and "inconsistency_reason" in problems[0]
    assert "LOW" in row["certainty"]  # high - indirectness - imprecision


def test_summary_of_findings_with_several_baselines_nnt_and_thresholds() -> None:
    """GRADE 12 (Guyatt et al. J Clin Epidemiol 2013;66:158-172): a Summary of Findings
    table may show anticipated absolute effects for several baseline risks; the pooled
    control-group risk comes first.  Values checked against metareview.grade's formulas
    (tested against published SoF tables in test_grade.py)."""
    from metareview import grade
    from metareview.report.grading import profiles

    review = _review()
    review.meta.grade = Grade.model_validate({
        "outcomes": [{
            "outcome": "death",
            "baseline_risks": {"Low-risk patients": 0.05, "High-risk patients": 0.20},
            "nnt": True,
            "imprecision_thresholds": [0.75, 1.25],
        }]
    })  # fmt: skip
    results = build(review)
    (row,) = profiles(results)
    assert [b["label"] for b in row["baselines"]] == [
        "Study population", "Low-risk patients", "High-risk patients"
    ]  # fmt: skip
    overall = results.outcomes[0].result.overall  # type: ignore[union-attr]
    eff = grade.absolute_effect("OR", overall.estimate, overall.ci_low, overall.ci_high, 0.20)
    assert row["baselines"][2]["control"] == eff.control_text() == "200 per 1000"
    assert row["baselines"][2]["intervention"].startswith(eff.difference_text())
    assert "NNTB" in row["baselines"][2]["intervention"]
    # thresholds of appreciable effect replace the null in the CI criterion
    assert "threshold" in row["notes"]["imprecision"]
    html = render_html(results)
    sof = html.split('id="sof"')[1].split("</table>")[0]
    assert 'rowspan="3"' in sof and "High-risk patients" in sof and "Risk with comparator" in sof


def test_grade_entries_are_validated_with_locations(tmp_path: Path) -> None:
    import metareview as mr
    from tests.test_review_store import write_review

    root = write_review(tmp_path)
    toml = (root / "review.toml").read_text()
    toml += (
        '\n[grade]\n\n  [[grade.outcomes]]\n  outcome = "ae"\n  imprecision = "quite bad"\n'
        '  baseline_risks = { "Elderly" = 30 }\n\n'
        '  [[grade.outcomes]]\n  outcome = "nosuch"\n'
    )
    toml += '\n  [[grade.outcomes]]\n  outcome = "published"\n  imprecision = "quite bad"\n'
    (root / "review.toml").write_text(toml)
    found = [(p.field, p.severity, p.message) for p in mr.validate(root)]
    lines = toml.splitlines()
    assert (
        "grade.outcomes[0].baseline_risks",
        "error",
        "baseline risk 'Elderly' = 30.0 is not a proportion between 0 and 1",
    ) in found
    # the other entries are still checked: an unknown outcome, and unreadable wording is an
    # error for an outcome with data but a notice for one known only as printed
    assert (
        "grade.outcomes[1].outcome",
        "error",
        "no outcome with this id in the comparisons",
    ) in found
    (unread,) = [f for f in found if f[0] == "grade.outcomes[2].imprecision"]
    assert unread[1] == "notice" and "kept as printed" in unread[2]
    problem = next(p for p in mr.validate(root) if p.field == "grade.outcomes[1].outcome")
    assert lines[problem.line - 1].strip() == 'outcome = "nosuch"'


def test_evidence_profile_in_gradepro_layout() -> None:
    """GRADEpro's evidence profile: studies and design, the domains with lettered
    explanations, patients per arm (events/total), relative and absolute effects."""
    import metareview as mr
    from metareview.report.grading import profiles

    ket = mr.build(mr.load(ROOT / "examples" / "ketamine-neuropathic-pain"))
    rows = {r["outcome"]: r for r in profiles(ket)}
    psy = rows["Psychedelic effects"]
    # seed Table 4: 56/132 with ketamine, 8/134 with control, 9 RCTs
    assert (psy["events_intervention"], psy["events_control"]) == ("56/132", "8/134")
    assert (psy["studies"], psy["design"]) == ("9", "randomised trials")
    # one letter per distinct explanation, shared by the rows that use it
    letters = dict((note, letter) for letter, note in psy["explanations"])
    assert psy["marks"]["imprecision"] == letters[psy["notes"]["imprecision"]]
    assert "inconsistency" not in psy["marks"]  # not serious: no mark
    aspirin = build(_review())
    (row,) = profiles(aspirin)
    overall = aspirin.outcomes[0].result.overall  # type: ignore[union-attr]
    assert row["events_intervention"] == (
        f"{int(overall.events_exp)}/{int(overall.n_exp)} "
        f"({100 * overall.events_exp / overall.n_exp:.1f}%)"
    )
    html = render_html(aspirin)
    assert "Certainty assessment" in html and "Other considerations" in html
