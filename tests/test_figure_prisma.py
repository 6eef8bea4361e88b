"""PRISMA 2020 flow diagram: layout (text inside boxes, no overlaps), count checks, the
PRISMA2020 R package's CSV, and visual regression against reference PNGs.

Regenerate the reference images in ``tests/figures/prisma/`` after an intended change of the
diagram's look with::

    METAREVIEW_REGENERATE_FIGURES=1 python -m pytest tests/test_figure_prisma.py

then look at every regenerated PNG before committing it.
"""

from __future__ import annotations

import csv
import itertools
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metareview.figures._style import save
from metareview.figures.prisma import (
    check_prisma,
    prisma_flow,
    read_prisma_csv,
    write_prisma_csv,
)
from metareview.review.model import Prisma
from metareview.review.store import load
from tests.conftest import REFDATA

ROOT = Path(__file__).resolve().parents[1]
KETAMINE = ROOT / "examples" / "ketamine-neuropathic-pain"
REFERENCE_PNG = Path(__file__).resolve().parent / "figures" / "prisma"
PRISMA_CSV = REFDATA / "prisma" / "PRISMA.csv"
REGENERATE = os.environ.get("METAREVIEW_REGENERATE_FIGURES") == "1"
#: mean absolute pixel difference allowed, on 0-255 (font rasterisation differs a little)
MAX_MEAN_DIFF = 2.0


def ketamine() -> Prisma:
    prisma = load(KETAMINE).meta.prisma
    assert prisma is not None
    return prisma


def full() -> Prisma:
    """Every count given, several databases and long exclusion reasons; counts add up."""
    return Prisma(
        databases={
            "MEDLINE (Ovid)": 812,
            "Embase (Elsevier)": 1045,
            "Cochrane Central Register of Controlled Trials (CENTRAL)": 301,
            "Web of Science Core Collection": 402,
        },
        registers=120,
        other_methods=17,
        duplicates_removed=690,
        automation_removed=35,
        other_removed=12,
        records_screened=1943,
        records_excluded=1801,
        reports_sought=142,
        reports_not_retrieved=6,
        reports_assessed=136,
        reports_excluded={
            "Wrong population (not neuropathic pain)": 41,
            "Wrong intervention": 22,
            "Not randomised": 30,
            "Conference abstract only, no usable outcome data reported": 11,
            "Duplicate publication": 4,
        },
        studies_included=24,
        reports_included=28,
    )


def plain() -> Prisma:
    """No other methods (no third column), one generic database total, no reasons."""
    return Prisma(
        databases={"Databases": 420},
        registers=0,
        duplicates_removed=80,
        records_screened=340,
        records_excluded=300,
        reports_sought=40,
        reports_not_retrieved=2,
        reports_assessed=38,
        studies_included=12,
    )


CASES = {"ketamine": ketamine, "full": full, "plain": plain}


def _drawn(fig: Any, dpi: float) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Draw at ``dpi``; return {key: patch bbox}, {key: text bbox} in display pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    patches = {
        p.get_gid().removeprefix("prisma-box-"): p.get_window_extent(renderer)
        for p in ax.patches
        if (p.get_gid() or "").startswith("prisma-box-")
    }
    texts = {
        t.get_gid().removeprefix("prisma-text-"): t.get_window_extent(renderer)
        for t in ax.texts
        if (t.get_gid() or "").startswith("prisma-text-")
    }
    return patches, texts, ax


def _text(fig: Any) -> str:
    return "\n".join(t.get_text() for t in fig.axes[0].texts).replace("\u00a0", " ")


# --- layout ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dpi", [100, 300])
def test_text_inside_boxes_and_no_overlap(case: str, dpi: int) -> None:
    fig = prisma_flow(CASES[case](), title="PRISMA 2020 flow diagram")
    patches, texts, _ax = _drawn(fig, dpi)
    assert set(texts) == set(patches)
    assert {"identified", "removed", "screened", "included", "phase_screening"} <= set(texts)
    tol = 0.5  # pixels
    for key, tb in texts.items():
        pb = patches[key]
        inside = (
            tb.x0 >= pb.x0 - tol
            and tb.x1 <= pb.x1 + tol
            and tb.y0 >= pb.y0 - tol
            and tb.y1 <= pb.y1 + tol
        )
        assert inside, f"{case}: text of box {key!r} ({tb}) overflows its box ({pb})"
    for (ka, a), (kb, b) in itertools.combinations(texts.items(), 2):
        assert not a.overlaps(b), f"{case}: texts of {ka!r} and {kb!r} overlap"
    for (ka, a), (kb, b) in itertools.combinations(patches.items(), 2):
        shrunk_a = a.padded(-1.0)  # touching edges are fine, overlapping areas are not
        assert not shrunk_a.overlaps(b.padded(-1.0)), f"{case}: boxes {ka!r}, {kb!r} overlap"


def test_other_methods_column_only_when_given() -> None:
    with_other = _drawn(prisma_flow(full()), 100)[0]
    without = _drawn(prisma_flow(plain()), 100)[0]
    assert "other_methods" in with_other and "header_other" in with_other
    assert "other_methods" not in without and "header_other" not in without


def test_missing_counts_show_as_question_marks() -> None:
    text = _text(prisma_flow(ketamine()))
    assert "Records screened\n(n = ?)" in text
    assert "Duplicate records removed" in text and "(n = ?)" in text
    assert "(n = 1,404)" in text and "(n = 32)" in text and "(n = 18)" in text
    assert "(n = 4)" in text  # other methods


def test_databases_and_reasons_listed() -> None:
    text = " ".join(_text(prisma_flow(full())).split())
    for name, n in full().databases.items():
        assert f"{name} (n = {n:,})" in text
    for reason, n in full().reports_excluded.items():
        assert f"{reason} (n = {n})" in text
    # a generic total is not listed as if it were a database
    plain_text = " ".join(_text(prisma_flow(plain())).split())
    assert "Databases (n = 420) Registers (n = 0)" in plain_text


def test_svg_keeps_box_ids() -> None:
    from metareview.figures._style import to_svg

    svg = to_svg(prisma_flow(plain()))
    assert 'id="prisma-box-screened"' in svg and "Records screened" in svg


# --- count checks ------------------------------------------------------------------------


def test_consistent_counts_pass() -> None:
    for make in CASES.values():
        assert check_prisma(make()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"records_screened": 380},
            "Records screened (380) should equal records identified (420) minus records "
            "removed (80) = 340",
        ),
        (
            {"reports_sought": 41},
            "Reports sought for retrieval (41) should equal records screened (340) minus "
            "records excluded (300) = 40",
        ),
        (
            {"reports_assessed": 39},
            "Reports assessed for eligibility (39) should equal reports sought for "
            "retrieval (40) minus reports not retrieved (2) = 38",
        ),
        ({"records_excluded": 400}, "Records excluded (400) exceeds records screened (340)"),
        ({"reports_not_retrieved": 50}, "Reports not retrieved (50) exceeds reports sought"),
        (
            {"reports_excluded": {"Wrong design": 20}, "reports_included": 17},
            "Reports of included studies (17) should equal reports assessed for eligibility "
            "(38) minus reports excluded (20) = 18",
        ),
        ({"reports_excluded": {"Wrong design": 39}}, "Reports excluded (39) exceeds"),
        ({"reports_excluded": {"Wrong design": 30}}, "Studies included in review (12) exceeds"),
        ({"reports_included": 10}, "Studies included in review (12) exceeds reports of included"),
        ({"duplicates_removed": -1}, "Duplicate records removed (-1) is negative"),
    ],
)
def test_check_prisma_names_the_box(change: dict[str, Any], expected: str) -> None:
    bad = plain().model_copy(update=change)
    problems = check_prisma(bad)
    assert any(expected in p for p in problems), problems
    with pytest.raises(ValueError, match="do not add up") as err:
        prisma_flow(bad)
    assert expected in str(err.value)
    prisma_flow(bad, strict=False)  # draws anyway


def test_missing_counts_are_not_errors() -> None:
    assert check_prisma(Prisma()) == []
    assert check_prisma(Prisma(databases={"A": 10}, records_screened=10)) == []
    assert check_prisma(Prisma(databases={"A": 10}, records_screened=11))  # more than found


# --- PRISMA2020 CSV ------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def reference_csv() -> Path:
    if not PRISMA_CSV.is_file():
        pytest.skip(f"reference data absent: {PRISMA_CSV} not found (CI always has ../shared)")
    return PRISMA_CSV


def test_reference_csv_round_trip(reference_csv: Path, tmp_path: Path) -> None:
    prisma, notices = read_prisma_csv(reference_csv)
    assert prisma.records_screened == 0 and prisma.databases == {"Databases": 0}
    assert prisma.reports_excluded == {}  # "Reason1, xxx" is a placeholder, not a count
    assert any("dbr_excluded" in n and "Reason1, xxx" in n for n in notices)
    assert any("database_specific_results" in n for n in notices)

    out = write_prisma_csv(prisma, tmp_path / "PRISMA.csv")
    again, _ = read_prisma_csv(out)
    assert again == prisma

    ref_rows, new_rows = _csv_rows(reference_csv), _csv_rows(out)
    assert [r["data"] for r in new_rows] == [r["data"] for r in ref_rows]
    for ref, new in zip(ref_rows, new_rows, strict=True):
        for column in ("node", "box", "description", "boxtext", "tooltips", "url"):
            assert new[column] == ref[column], (ref["data"], column)
        if ref["n"] == "0":
            assert new["n"] in ("0", ""), ref["data"]  # unmapped zero counts may be blank


def test_csv_round_trip_full(tmp_path: Path) -> None:
    prisma = full()
    out = write_prisma_csv(prisma, tmp_path / "full.csv")
    again, notices = read_prisma_csv(out)
    assert again == prisma
    assert notices == []
    rows = {r["data"]: r["n"] for r in _csv_rows(out)}
    assert rows["database_results"] == "2560"
    assert rows["database_specific_results"].startswith("MEDLINE (Ovid), 812; Embase")
    assert rows["dbr_excluded"].endswith("Duplicate publication, 4")
    assert rows["total_studies"] == "24" and rows["previous_studies"] == ""


def test_csv_unmapped_values_are_kept_with_notices(tmp_path: Path) -> None:
    out = write_prisma_csv(full(), tmp_path / "a.csv")
    rows = _csv_rows(out)
    edits = {
        "previous_studies": "5",
        "other_assessed": "9",
        "register_specific_results": "ClinicalTrials.gov, 80; ICTRP, 40",
        "website_results": "3",
        "citations_results": "14",
        "total_studies": "29",
    }
    for row in rows:
        row["n"] = edits.get(row["data"], row["n"])
    edited = tmp_path / "b.csv"
    with edited.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    prisma, notices = read_prisma_csv(edited)
    text = "\n".join(notices)
    for name in ("previous_studies", "other_assessed", "register_specific_results"):
        assert name in text
    assert "total_studies = 29" in text
    assert "website_results = 3" in text  # the per-source split of other methods
    assert prisma.other_methods == 17
    extra = prisma.model_extra or {}
    assert extra["previous_studies"] == 5
    assert extra["register_specific_results"] == {"ClinicalTrials.gov": 80, "ICTRP": 40}

    back = {r["data"]: r["n"] for r in _csv_rows(write_prisma_csv(prisma, tmp_path / "c.csv"))}
    for name, value in edits.items():
        assert back[name] == value, name


def test_csv_rejects_non_counts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("data,n\nrecords_screened,many\n", encoding="utf-8")
    with pytest.raises(ValueError, match="records_screened"):
        read_prisma_csv(bad)
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a PRISMA2020 CSV"):
        read_prisma_csv(tmp_path / "other.csv")


# --- visual regression ---------------------------------------------------------------------


@pytest.mark.parametrize("case", ["ketamine", "full"])
def test_matches_reference_png(case: str, tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    title = "PRISMA 2020 flow diagram" if case == "full" else None
    fig = prisma_flow(CASES[case](), title=title)
    reference = REFERENCE_PNG / f"{case}.png"
    if REGENERATE:
        reference.parent.mkdir(parents=True, exist_ok=True)
        save(fig, reference)
        pytest.skip(f"regenerated {reference}; look at it before committing")
    if not reference.is_file():
        pytest.fail(f"{reference} missing; run with METAREVIEW_REGENERATE_FIGURES=1")
    actual = save(fig, tmp_path / f"{case}.png")
    want = np.asarray(mpimg.imread(reference), dtype=float)
    got = np.asarray(mpimg.imread(actual), dtype=float)
    assert got.shape == want.shape, f"{case}: image size {got.shape} != reference {want.shape}"
    diff = float(np.abs(got - want).mean() * 255)
    assert diff < MAX_MEAN_DIFF, f"{case}: mean absolute pixel difference {diff:.2f} (0-255)"
