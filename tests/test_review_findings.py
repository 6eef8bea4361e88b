"""Regression tests for defects found in review (each reproduced before the fix)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import metareview as mr
from metareview import stats
from metareview.analysis.format import fmt_p
from metareview.cli import app
from metareview.exceptions import DataError
from metareview.io.revman import read_rm5
from metareview.io.revman_check import check_file
from metareview.io.tables import read_table

runner = CliRunner()
DICH = {"study": ["A", "B", "C"], "events_exp": [3, 5, 4], "n_exp": [20, 22, 19],
        "events_ctrl": [6, 9, 8], "n_ctrl": [21, 20, 20]}  # fmt: skip


def test_empty_subgroup_in_rm5_is_not_estimable_not_a_crash(revman_dir: Path,
                                                            tmp_path: Path) -> None:  # fmt: skip
    src = revman_dir / "rm5" / "CD000023.pub4-antibiotics-for-sore-throat.rm5"
    text = src.read_bytes()
    outcome = re.search(rb'<DICH_OUTCOME [^>]*ID="CMP-001.02"', text)
    assert outcome is not None
    end = text.index(b"</DICH_OUTCOME>", outcome.end())
    empty = (b'<DICH_SUBGROUP CHI2="0.0" DF="0" EFFECT_SIZE="0.0" ESTIMABLE="NO" ID='
             b'"CMP-001.02.09" NO="9" STUDIES="0" TOTAL_1="0" TOTAL_2="0" EVENTS_1="0" '
             b'EVENTS_2="0" WEIGHT="0.0"><NAME>Empty</NAME></DICH_SUBGROUP>')  # fmt: skip
    path = tmp_path / "empty_subgroup.rm5"
    path.write_bytes(text[:end] + empty + text[end:])
    fc = check_file(read_rm5(path), ["CMP-001.02"])
    assert [o.status for o in fc.outcomes] == ["match"]


def test_square_brackets_in_user_text_are_printed_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("study,events_exp,n_exp,events_ctrl,n_ctrl\nSmith [/b],0,10,2,10\n"
                    "Jones [red]x,3,10,4,10\n")  # fmt: skip
    res = runner.invoke(app, ["pool", str(path), "--type", "dich"])
    assert res.exit_code == 0, res.output
    assert "Smith [/b]" in res.stdout and "Jones [red]x" in res.stdout
    assert "Smith [/b]" in res.stderr  # the continuity-correction warning
    bad = tmp_path / "c.csv"
    bad.write_text("study,estimate,se\nS [x],[/x],0.1\n")
    res = runner.invoke(app, ["pool", str(bad), "--type", "giv", "--measure", "HR [/]"])
    assert res.exit_code == 1
    assert "'[/x]' is not a number" in res.stderr and 'study "S [x]"' in res.stderr


def test_csv_trailing_commas_blank_lines_and_empty_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("study,events_exp,n_exp,events_ctrl,n_ctrl,\nA,3,20,6,21,\n\n"
                    "B,30,20,6,21,\n,,,,,\n,,,,,\n")  # fmt: skip
    frame, lines, _ = read_table(path)
    assert list(frame.columns) == ["study", "events_exp", "n_exp", "events_ctrl", "n_ctrl"]
    assert frame["study"].tolist() == ["A", "B"]
    assert lines == [2, 4]
    with pytest.raises(DataError) as exc:
        mr.meta_analysis(frame, data_type="dich", source=str(path), lines=lines)
    assert str(exc.value.problems[0]).startswith(f'{path}:4, row 2, study "B"')


def test_csv_extra_cells_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("study,estimate,se\nA,0.1,0.2\nB,0,3,0.2\n")
    with pytest.raises(DataError, match=r"x\.csv:3: the row has 4 cells but the header has 3"):
        read_table(path)
    semi = tmp_path / "s.csv"
    semi.write_text('study;estimate;se\n"Smith; 2001";0.1;0.2\n')
    frame, _, _ = read_table(semi)
    assert frame["study"].tolist() == ["Smith; 2001"]


def test_multiline_quoted_cell_keeps_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('study,estimate,se\n"A\nsecond line",0.1,0.2\nB,x,0.2\n')
    _, lines, _ = read_table(path)
    assert lines == [2, 4]


def test_totals_no_shows_no_subtotals() -> None:
    data = dict(DICH, grp=["x", "y", "y"])
    res = mr.meta_analysis(data, data_type="dich", subgroup="grp", totals="no", warn=False)
    assert res.summary_lines() == []
    assert all(r.weight == 0 for r in res.studies)
    assert "%" not in res.summary().split("\n", 2)[2]


def test_interleaved_subgroups_are_listed_grouped() -> None:
    data = dict(DICH, grp=["x", "y", "x"])
    res = mr.meta_analysis(data, data_type="dich", subgroup="grp", warn=False)
    assert [(r.study, r.subgroup) for r in res.studies] == [("A", "x"), ("C", "x"), ("B", "y")]


@pytest.mark.parametrize(("p", "text"), [(0.00096, "= 0.001"), (0.000095, "= 0.0001"),
                                         (0.1269, "= 0.13"), (0.0101, "= 0.01"),
                                         (0.00101, "= 0.001"), (4e-6, "< 0.00001")])  # fmt: skip
def test_p_formatting(p: float, text: str) -> None:
    # statistics.md §9: 2 decimals from 0.01, one significant digit below, < 0.00001
    assert fmt_p(p) == text


def test_non_numeric_dtypes_scalars_and_duplicate_columns_are_refused() -> None:
    with pytest.raises(DataError, match="holds bool values"):
        mr.meta_analysis(dict(DICH, events_exp=[True, False, True]), data_type="dich")
    with pytest.raises(DataError, match="hold a single value"):
        mr.meta_analysis(dict(DICH, n_exp=20), data_type="dich")
    with pytest.raises(DataError, match="hold a single value"):
        mr.meta_analysis(dict(DICH, study="ABC"), data_type="dich")
    frame = pd.DataFrame(DICH)
    frame.columns = ["study", "events_exp", "n_exp", "events_ctrl", "events_ctrl"]
    with pytest.raises(DataError, match="duplicate column name"):
        mr.meta_analysis(frame, data_type="dich")


def test_smd_with_three_participants_is_not_estimable() -> None:
    eff = stats.continuous([5], [1], [1], [0], [1], [2], "SMD")
    assert not eff.estimable[0]
    assert eff.reason[0] == stats.NotEstimable.TOO_FEW_PARTICIPANTS


def test_variance_underflow_or_overflow_is_not_estimable() -> None:
    eff = stats.generic_inverse_variance([0.1, 0.2, 0.3], [1e-170, 0.1, 1e200])
    assert eff.estimable.tolist() == [False, True, False]
    res = stats.pool(eff, stats.Groups.from_counts([3]))
    assert res.k[0] == 1 and res.estimate[0] == pytest.approx(0.2)
