"""Bad input: every problem reported at once, naming file, row, study, field, value and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import metareview as mr
from metareview.cli import app
from metareview.exceptions import DataError, SpecError
from metareview.io.tables import read_table

HEADER = "study,events_exp,n_exp,events_ctrl,n_ctrl\n"


def problems_of(data: object, **kw: object) -> list[str]:
    with pytest.raises(DataError) as exc:
        mr.meta_analysis(data, **kw)  # type: ignore[arg-type]
    return [str(p) for p in exc.value.problems]


def from_csv(tmp_path: Path, text: str, **kw: object) -> list[str]:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    frame, lines, _ = read_table(path)
    return problems_of(frame, source=str(path), lines=lines, **kw)


def test_events_greater_than_n_names_file_row_study_field_and_fix(tmp_path: Path) -> None:
    text = HEADER + "A,1,10,2,10\nB,2,10,3,10\nC,3,10,4,10\nEide 1994,12,10,4,10\n"
    (msg,) = from_csv(tmp_path, text, data_type="dich")
    path = tmp_path / "data.csv"
    assert msg.startswith(f'{path}:5, row 4, study "Eide 1994", field events_exp:')
    assert "events_exp (12) > n_exp (10)" in msg
    assert "Fix: events cannot exceed participants" in msg


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = HEADER + "A,-1,10,2,10\nB,2,ten,3,10\nC,,10,4,10\nD,2.5,10,1,10\n"
    msgs = from_csv(tmp_path, text, data_type="dich")
    assert len(msgs) == 4
    assert any("-1 is negative" in m and 'row 1, study "A"' in m for m in msgs)
    assert any("'ten' is not a number" in m and 'study "B"' in m for m in msgs)
    assert any("the value is missing" in m and 'study "C"' in m for m in msgs)
    assert any("2.5 is not a whole number" in m and 'study "D"' in m for m in msgs)


def test_negative_counts() -> None:
    data = {"study": ["A"], "events_exp": [1], "n_exp": [10], "events_ctrl": [-2], "n_ctrl": [10]}
    (msg,) = problems_of(data, data_type="dich")
    assert 'row 1, study "A", field events_ctrl: -2 is negative' in msg


@pytest.mark.parametrize("sd", [0.0, -1.5])
def test_sd_zero_or_negative(sd: float) -> None:
    data = {"study": ["A", "B"], "mean_exp": [1, 2], "sd_exp": [1.0, sd], "n_exp": [10, 10],
            "mean_ctrl": [1, 1], "sd_ctrl": [1, 1], "n_ctrl": [10, 10]}  # fmt: skip
    (msg,) = problems_of(data, data_type="cont")
    assert 'row 2, study "B", field sd_exp' in msg
    if sd == 0:
        assert "standard deviation of 0" in msg and "--allow-not-estimable" in msg
    else:
        assert "-1.5 is negative" in msg


@pytest.mark.parametrize("n", [0, -3])
def test_n_zero_or_negative(n: int) -> None:
    data = {"study": ["A"], "events_exp": [0], "n_exp": [n], "events_ctrl": [1], "n_ctrl": [10]}
    msgs = problems_of(data, data_type="dich")
    assert any("field n_exp" in m for m in msgs)
    assert any(("negative" in m) if n < 0 else ("participants of 0" in m) for m in msgs)


def test_missing_values_and_nan() -> None:
    data = {"study": ["A", "B"], "estimate": [0.1, float("nan")], "se": [None, 0.2]}
    msgs = problems_of(data, data_type="giv")
    assert len(msgs) == 2
    assert all("the value is missing" in m for m in msgs)
    assert 'study "A", field se' in msgs[1] or 'study "A", field se' in msgs[0]


def test_non_numbers() -> None:
    data = {"study": ["A"], "estimate": ["0.1 (log)"], "se": ["0,2"]}
    msgs = problems_of(data, data_type="giv")
    assert any("'0.1 (log)' is not a number" in m for m in msgs)
    assert any("'0,2' is not a number" in m and "'.' as the decimal mark" in m for m in msgs)


def test_duplicate_study_within_a_subgroup_is_refused_but_across_subgroups_allowed() -> None:
    data = {"study": ["A", "B", "A", "A"], "events_exp": [1, 2, 3, 1], "n_exp": [10] * 4,
            "events_ctrl": [2, 3, 4, 2], "n_ctrl": [10] * 4,
            "grp": ["x", "x", "y", "x"]}  # fmt: skip
    (msg,) = problems_of(data, data_type="dich", subgroup="grp")
    assert 'row 4, study "A"' in msg and 'appears twice in subgroup "x" (also row 1)' in msg
    data["grp"] = ["x", "x", "y", "z"]
    res = mr.meta_analysis(data, data_type="dich", subgroup="grp")
    assert res.overall.k == 4 and res.overall.studies == 2  # counted twice in the total


def test_missing_columns_listed_with_expected_ones() -> None:
    (msg,) = problems_of({"study": ["A"], "events": [1]}, data_type="dich")
    assert "missing column(s) events_exp, n_exp, events_ctrl, n_ctrl" in msg
    assert "Fix: dich data need the columns study, events_exp" in msg


def test_empty_study_name_and_subgroup() -> None:
    data = {"study": ["A", ""], "estimate": [0.1, 0.2], "se": [0.1, 0.1], "g": ["x", " "]}
    msgs = problems_of(data, data_type="giv", subgroup="g")
    assert any("the study name is empty" in m for m in msgs)
    assert any("the subgroup is empty" in m for m in msgs)


def test_unknown_and_incompatible_options() -> None:
    data = {"study": ["A"], "estimate": [0.1], "se": [0.1]}
    with pytest.raises(SpecError, match=r"data_type 'binary' is unknown; use one of"):
        mr.meta_analysis(data, data_type="binary")
    with pytest.raises(SpecError, match="measure 'HR' is not available for dich data"):
        mr.meta_analysis(data, data_type="dich", measure="HR")
    with pytest.raises(SpecError, match="method 'MH' is not available for cont data"):
        mr.meta_analysis(data, data_type="cont", method="MH")
    with pytest.raises(SpecError, match=r"ci must lie between"):
        mr.meta_analysis(data, data_type="giv", ci=1.5e3)


def test_cp1252_file_is_read_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("study,estimate,se\nMañosa 2013,0.1,0.2\n".encode("cp1252"))
    notices: list[str] = []
    frame, _, enc = read_table(path, notice=notices.append)
    assert enc == "cp1252" and frame["study"][0] == "Mañosa 2013"
    assert len(notices) == 1 and "is not valid UTF-8" in notices[0]
    # and the CLI prints it on stderr
    res = CliRunner().invoke(app, ["pool", str(path), "--type", "giv"])
    assert res.exit_code == 0 and "is not valid UTF-8" in res.stderr


def test_malformed_and_empty_csv(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="the file is empty"):
        read_table(empty)
    bad = tmp_path / "bad.csv"
    bad.write_text('study,estimate,se\n"A,0.1,0.2\nB,0.3\n')
    with pytest.raises(DataError, match=r"bad\.csv"):
        read_table(bad)
