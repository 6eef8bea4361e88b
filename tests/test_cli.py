"""The ``metareview`` command line, driven through typer's CliRunner and a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metareview.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "aspirin_fleiss1993.csv"
runner = CliRunner()


def test_pool_prints_table_and_revman_summary() -> None:
    res = runner.invoke(app, ["pool", str(EXAMPLE), "--type", "dich", "--measure", "OR",
                              "--model", "fixed"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Odds Ratio (M-H, Fixed, 95% CI)" in res.stdout
    assert "ISIS-2" in res.stdout and "72.9%" in res.stdout
    assert "Heterogeneity: Chi² = 9.95, df = 6 (P = 0.13); I² = 40%" in res.stdout
    assert "Test for overall effect: Z = 3.29 (P = 0.001)" in res.stdout


def test_pool_json_has_the_documented_fields() -> None:
    res = runner.invoke(app, ["pool", str(EXAMPLE), "--type", "dich", "--measure", "RR",
                              "--model", "random", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    o = out["overall"]
    for key in ("estimate", "ci_low", "ci_high", "z", "p", "q", "df", "p_q", "i2", "tau2", "k",
                "log_estimate", "se"):  # fmt: skip
        assert key in o
    assert o["k"] == 7 and o["df"] == 6
    assert o["estimate"] == pytest.approx(2.718281828459045 ** o["log_estimate"], rel=1e-14)
    s = out["studies"][0]
    assert {"study", "estimate", "ci_low", "ci_high", "weight", "estimable"} <= set(s)
    assert out["subgroups"] == [] and out["subgroup_test"] is None


def test_pool_subgroups_json(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().splitlines()
    rows = [text[0] + ",era"] + [f"{line},{'70s' if i < 4 else '80s'}"
                                 for i, line in enumerate(text[1:])]  # fmt: skip
    path = tmp_path / "sub.csv"
    path.write_text("\n".join(rows) + "\n")
    args = ["pool", str(path), "--type", "dich", "--measure", "OR", "--model", "random",
            "--subgroup", "era", "--ci", "99", "--json"]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [g["label"] for g in out["subgroups"]] == ["70s", "80s"]
    assert set(out["subgroup_test"]) == {"q", "df", "p", "i2"}
    assert out["subgroup_test"]["df"] == 1
    assert out["settings"]["ci"] == 0.99


def test_pool_giv_log_scale(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text("study,estimate,se\nA,-0.2,0.1\nB,-0.1,0.15\nC,0.05,0.2\n")
    res = runner.invoke(app, ["pool", str(path), "--type", "giv", "--log", "--model", "random",
                              "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    o = json.loads(res.stdout)["overall"]
    assert o["estimate"] < 1 and o["log_estimate"] < 0


def test_pool_bad_data_exits_1_naming_file_line_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "study,events_exp,n_exp,events_ctrl,n_ctrl\nA,1,10,2,10\nEide 1994,12,10,4,10\n"
    )
    res = runner.invoke(app, ["pool", str(path), "--type", "dich"])
    assert res.exit_code == 1
    assert f'{path}:3, row 2, study "Eide 1994", field events_exp' in res.stderr
    assert "events_exp (12) > n_exp (10)" in res.stderr and "Fix:" in res.stderr


def test_pool_unknown_option_value_exits_1() -> None:
    res = runner.invoke(app, ["pool", str(EXAMPLE), "--type", "dich", "--model", "mixed"])
    assert res.exit_code == 1
    assert "model 'mixed' is unknown" in res.stderr


def test_revman_check_exit_codes(revman_dir: Path, tmp_path: Path) -> None:
    good = revman_dir / "rm5" / "Fleiss1993.rm5"
    res = runner.invoke(app, ["revman", "check", str(good)])
    assert res.exit_code == 0, res.output
    assert "1 outcomes match, 0 mismatch, 1 skipped" in res.stdout
    altered = tmp_path / "altered.rm5"
    altered.write_bytes(good.read_bytes().replace(b'Z="3.287633061337987"', b'Z="3.29"'))
    res = runner.invoke(app, ["revman", "check", str(altered), "--json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["ok"] is False
    mism = out["files"][0]["outcomes"][0]["mismatches"]
    assert mism == [{"where": "total", "item": "Z", "ours": pytest.approx(3.287633061337987),
                     "revman": 3.29}]  # fmt: skip


def test_revman_check_unknown_outcome(revman_dir: Path) -> None:
    res = runner.invoke(app, ["revman", "check", str(revman_dir / "rm5" / "Fleiss1993.rm5"),
                              "--outcome", "CMP-009.09"])  # fmt: skip
    assert res.exit_code == 1 and "no outcome CMP-009.09" in res.stderr


def test_cli_import_is_light() -> None:
    # `metareview --help` must start fast: the CLI module may not import the numeric stack
    code = (
        "import sys, metareview.cli; "
        "heavy = [m for m in ('numpy', 'scipy', 'pandas') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_module_entry_point_version() -> None:
    out = subprocess.run([sys.executable, "-m", "metareview", "--version"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.startswith("metareview ")


def test_revman_check_all_18_reference_files_exit_0(revman_dir: Path) -> None:
    # issue 2: `metareview revman check` exits 0 on every .rm5 file of the corpus
    files = sorted(str(p) for p in (revman_dir / "rm5").glob("*.rm5"))
    assert len(files) == 18
    res = runner.invoke(app, ["revman", "check", *files, "--json"])
    assert res.exit_code == 0, res.output[-2000:]
    out = json.loads(res.stdout)
    assert out["ok"] is True
    assert sum(f["counts"]["match"] for f in out["files"]) == 552
