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


def test_pool_random_effects_options_in_json() -> None:
    # the contract: overall carries the Q-profile bounds and, when asked, the PI
    res = runner.invoke(app, ["pool", str(EXAMPLE), "--type", "dich", "--measure", "OR",
                              "--model", "random", "--tau2", "REML", "--ci-method", "hksj",
                              "--prediction", "t-k1", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    o = out["overall"]
    for key in ("tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high", "pi_low", "pi_high"):
        assert isinstance(o[key], float), key
    assert o["tau2_ci_low"] <= o["tau2"] <= o["tau2_ci_high"]
    assert o["pi_low"] <= o["ci_low"] <= o["estimate"] <= o["ci_high"] <= o["pi_high"]
    assert o["stat"] == "t" and o["stat_df"] == 6
    assert out["settings"]["tau2_method"] == "REML" and out["settings"]["ci_method"] == "hksj"
    # the same through the Python API
    import metareview as mr
    from metareview.io.tables import read_table

    frame, _, _ = read_table(EXAMPLE)
    api = mr.meta_analysis(
        frame,
        data_type="dich",
        measure="OR",
        model="random",
        tau2_method="REML",
        ci_method="hksj",
        prediction="t-k1",
        warn=False,
    )
    assert api.overall.pi_low == pytest.approx(o["pi_low"], rel=1e-15)


def test_pool_presets() -> None:
    res = runner.invoke(app, ["pool", str(EXAMPLE), "--type", "dich", "--measure", "OR",
                              "--model", "random", "--preset", "cochrane2025"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Tau² (REML) = " in res.stdout and "I² = " in res.stdout
    assert "Test for overall effect: t = " in res.stdout
    assert "95% prediction interval: [" in res.stdout
    res = runner.invoke(app, ["pool", str(EXAMPLE), "--type", "dich", "--model", "random",
                              "--preset", "stata"])  # fmt: skip
    assert res.exit_code == 1 and "preset 'stata' is unknown" in res.output
    res = runner.invoke(app, ["pool", str(EXAMPLE), "--type", "dich", "--ci-method", "hksj"])
    assert res.exit_code == 1 and "random-effects" in res.output


def test_sensitivity_json_and_tables(tmp_path: Path) -> None:
    f = tmp_path / "g.csv"
    f.write_text("study,estimate,se,year\nA,0.1,0.1,2001\nB,0.5,0.2,1999\nC,-0.2,0.15,2005\n"
                 "D,0.8,0.3,1990\nE,0.3,0.12,2010\n")  # fmt: skip
    res = runner.invoke(app, ["sensitivity", str(f), "--type", "giv", "--model", "random",
                              "--tau2", "REML", "--order-by", "year", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    kinds = [a["kind"] for a in out["analyses"]]
    assert kinds == ["leave-one-out", "cumulative", "influence"]
    loo, cum, inf = out["analyses"]
    assert [r["omitted"] for r in loo["rows"]] == list("ABCDE")
    assert all(r["k"] == 4 for r in loo["rows"])
    assert [r["added"] for r in cum["rows"]] == list("DBACE")  # by year
    assert [r["k"] for r in cum["rows"]] == [1, 2, 3, 4, 5]
    # the last cumulative step is the full analysis
    full = runner.invoke(app, ["pool", str(f), "--type", "giv", "--model", "random",
                               "--tau2", "REML", "--json"])  # fmt: skip
    o = json.loads(full.stdout)["overall"]
    assert cum["rows"][-1]["estimate"] == pytest.approx(o["estimate"], rel=1e-12)
    assert sum(r["weight"] for r in inf["rows"]) == pytest.approx(100.0)
    res = runner.invoke(app, ["sensitivity", str(f), "--type", "giv", "--cumulative",
                              "--order-by", "month"])  # fmt: skip
    assert res.exit_code == 1 and "order column 'month' is not in the data" in res.output
    res = runner.invoke(app, ["sensitivity", str(f), "--type", "giv", "--influence"])
    assert res.exit_code == 0 and "cook.d" in res.stdout and "Baujat" in res.stdout


def test_bias_all_tests_json_and_warning() -> None:
    res = runner.invoke(app, ["bias", str(EXAMPLE), "--type", "dich", "--measure", "OR",
                              "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["test"] for r in out["results"]] == [
        "egger", "begg", "peters", "harbord", "trimfill", "failsafe"
    ]  # fmt: skip
    assert out["k"] == 7
    assert "only 7 studies" in out["warnings"][0] and "§13.3.5.4" in out["warnings"][0]
    egger = out["results"][0]
    assert egger["df"] == 5 and 0 < egger["p"] < 1
    # the same numbers as the stats layer on the study estimates
    import numpy as np

    from metareview import stats
    from metareview.exceptions import FewStudiesWarning
    from metareview.io.tables import read_table
    from metareview.stats import bias

    frame, _, _ = read_table(EXAMPLE)
    eff = stats.dichotomous(*(frame[c].astype(float) for c in
                              ("events_exp", "n_exp", "events_ctrl", "n_ctrl")), "OR")  # fmt: skip
    with pytest.warns(FewStudiesWarning):
        ref = bias.egger(eff.y, eff.se**2)
    assert egger["p"] == pytest.approx(ref.p, rel=1e-14)
    assert np.isfinite(out["results"][4]["estimate"])


def test_bias_errors_are_reported_per_test(tmp_path: Path) -> None:
    res = runner.invoke(app, ["bias", str(EXAMPLE), "--type", "cont", "--peters"])
    assert res.exit_code == 1  # wrong columns for cont data
    f = tmp_path / "g.csv"
    f.write_text("study,estimate,se\nA,0.1,0.1\nB,0.5,0.2\n")
    res = runner.invoke(app, ["bias", str(f), "--type", "giv", "--peters"])
    assert res.exit_code == 1 and "peters needs dichotomous data" in res.output
    # a test that cannot be computed reports why; exit 1 when no test could be computed
    res = runner.invoke(app, ["bias", str(f), "--type", "giv", "--egger", "--json"])
    assert res.exit_code == 1, res.output
    egger = json.loads(res.stdout)["results"][0]
    assert "error" in egger and "3" in egger["error"]  # needs at least 3 studies
    res = runner.invoke(app, ["bias", str(f), "--type", "giv", "--egger", "--failsafe"])
    assert res.exit_code == 0, res.output
    # bad option values are errors, not per-test results
    res = runner.invoke(app, ["bias", str(f), "--type", "giv", "--side", "up"])
    assert res.exit_code == 1 and "side 'up' is unknown" in res.output
    res = runner.invoke(app, ["bias", str(f), "--type", "giv", "--estimator", "XX"])
    assert res.exit_code == 1 and "estimator 'XX' is unknown" in res.output
    res = runner.invoke(app, ["bias", str(f), "--type", "giv", "--model", "fixed",
                              "--tau2", "REML"])  # fmt: skip
    assert res.exit_code == 1 and "applies to random-effects analyses" in res.output


def test_sensitivity_order_by_needs_cumulative(tmp_path: Path) -> None:
    f = tmp_path / "g.csv"
    f.write_text("study,estimate,se,year\nA,0.1,0.1,2001\nB,0.5,0.2,1999\nC,0.2,0.3,2003\n")
    res = runner.invoke(app, ["sensitivity", str(f), "--type", "giv", "--leave-one-out",
                              "--order-by", "year"])  # fmt: skip
    assert res.exit_code == 2 and "--order-by and --descending apply to --cumulative" in (
        res.output
    )


def test_regress_missing_values_and_preset(tmp_path: Path) -> None:
    f = tmp_path / "g.csv"
    rows = ["study,estimate,se,dose,arm"]
    for i in range(12):
        dose = "NA" if i == 5 else str(i % 4)
        rows.append(f"S{i},{0.1 * (i % 5)},{0.1 + 0.02 * i},{dose},{'ab'[i % 2]}")
    f.write_text("\n".join(rows) + "\n")
    res = runner.invoke(app, ["regress", str(f), "--type", "giv", "-m", "dose"])
    assert res.exit_code == 1 and "moderator values missing for S5 (dose)" in res.output
    res = runner.invoke(app, ["regress", str(f), "--type", "giv", "-m", "dose", "--common-tau2"])
    assert res.exit_code == 1 and "missing for S5" in res.output
    res = runner.invoke(app, ["regress", str(f), "--type", "giv", "-m", "arm", "-m", "arm"])
    assert res.exit_code == 1 and "named more than once" in res.output
    # the preset's HKSJ becomes Knapp-Hartung
    res = runner.invoke(app, ["regress", str(f), "--type", "giv", "-m", "arm",
                              "--preset", "cochrane2025", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["test"] == "knha" and out["tau2_method"] == "REML"
    assert isinstance(out["qm_df"], list)


def _bcg_csv(tmp_path: Path) -> tuple[Path, dict]:
    """BCG trials (metadat::dat.bcg) as generic inverse-variance rows with moderators."""
    ref = json.loads((Path(__file__).parent / "fixtures" / "metafor_reference.json").read_text())
    d = ref["datasets"]["bcg_RR"]
    lines = ["study,estimate,se,ablat,alloc"]
    for i, (y, v) in enumerate(zip(d["yi"], d["vi"], strict=True)):
        lines.append(f"T{i + 1},{y!r},{v**0.5!r},{d['mods']['ablat'][i]},{d['mods']['alloc'][i]}")
    f = tmp_path / "bcg.csv"
    f.write_text("\n".join(lines) + "\n")
    return f, d


def test_regress_matches_metafor(tmp_path: Path) -> None:
    # source: metafor 3.8.1 rma(yi, vi, mods = ~ ablat + alloc, method = "REML") on dat.bcg
    f, d = _bcg_csv(tmp_path)
    res = runner.invoke(app, ["regress", str(f), "--type", "giv", "--log", "-m", "ablat",
                              "-m", "alloc", "--tau2", "REML", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    ref = d["metareg"]["ablat+alloc"]["REML"]
    assert [c["name"] for c in out["coefficients"]] == [
        "intrcpt", "ablat", "alloc[random]", "alloc[systematic]"
    ]  # fmt: skip
    for j, c in enumerate(out["coefficients"]):
        assert c["estimate"] == pytest.approx(ref["beta"][j], rel=1e-6)
        assert c["se"] == pytest.approx(ref["se"][j], rel=1e-6)
    assert out["qm"] == pytest.approx(ref["QM"], rel=1e-6)
    assert out["tau2"] == pytest.approx(ref["tau2"], rel=1e-6)
    assert out["r2"] == pytest.approx(ref["R2"], rel=1e-6)
    text = runner.invoke(app, ["regress", str(f), "--type", "giv", "--log", "-m", "ablat"])
    assert text.exit_code == 0 and "pseudo-R²" in text.stdout


def test_regress_common_tau2_subgroups(tmp_path: Path) -> None:
    # source: metafor rma(yi, vi, mods = ~ factor(alloc) - 1, method = "REML") on dat.bcg
    f, d = _bcg_csv(tmp_path)
    res = runner.invoke(app, ["regress", str(f), "--type", "giv", "--log", "-m", "alloc",
                              "--common-tau2", "--tau2", "REML", "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    ref = d["subgroup_common_tau2"]
    for j, c in enumerate(out["coefficients"]):
        assert c["estimate"] == pytest.approx(ref["beta"][j], rel=1e-6)
    assert out["tau2"] == pytest.approx(ref["tau2"], rel=1e-6)
    assert out["subgroup_difference"]["df"] == 2
    res = runner.invoke(app, ["regress", str(f), "--type", "giv", "-m", "nope"])
    assert res.exit_code == 1 and "moderator column(s) nope not in the data" in res.output


def test_figure_command(tmp_path: Path) -> None:
    ex = Path(__file__).resolve().parents[1] / "examples"
    args = ["figure", "forest", str(ex / "aspirin-fleiss1993"), "--outcome", "cmp-001-01"]
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "f.svg")])
    assert res.exit_code == 0, res.output
    svg = (tmp_path / "f.svg").read_text()
    assert "0.90 [0.84, 0.96]" in svg and "ISIS-2" in svg  # text stays text in SVG
    res = runner.invoke(app, ["figure", "prisma", str(ex / "ketamine-neuropathic-pain"),
                              "--out", str(tmp_path / "p.png")])  # fmt: skip
    assert res.exit_code == 0 and (tmp_path / "p.png").stat().st_size > 10_000
    res = runner.invoke(app, ["figure", "rob", str(ex / "ketamine-neuropathic-pain"),
                              "--out", str(tmp_path / "r.pdf")])  # fmt: skip
    assert res.exit_code == 1 and "name a risk-of-bias tool" in res.output
    res = runner.invoke(app, ["figure", "violin", str(ex / "aspirin-fleiss1993"),
                              "--out", str(tmp_path / "v.png")])  # fmt: skip
    assert res.exit_code == 2


@pytest.mark.parametrize(
    "kind", ["contour-funnel", "galbraith", "labbe", "baujat", "leave-one-out", "cumulative"]
)
def test_figure_command_diagnostic_kinds(kind: str, tmp_path: Path) -> None:
    ex = Path(__file__).resolve().parents[1] / "examples" / "aspirin-fleiss1993"
    out = tmp_path / f"{kind}.svg"
    args = ["figure", kind, str(ex), "--outcome", "cmp-001-01", "--out", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("<?xml")


def test_prisma_csv_export_and_import(tmp_path: Path) -> None:
    import shutil

    ex = Path(__file__).resolve().parents[1] / "examples" / "aspirin-fleiss1993"
    folder = tmp_path / "review"
    shutil.copytree(ex, folder, ignore=shutil.ignore_patterns("_build"))
    res = runner.invoke(app, ["prisma", "export", str(folder), str(tmp_path / "p.csv")])
    assert res.exit_code == 1 and "no [prisma] counts" in res.output
    ref = Path(__file__).resolve().parents[2] / "shared" / "refdata" / "prisma" / "PRISMA.csv"
    if not ref.exists():
        pytest.skip("the PRISMA2020 template is in ../shared/refdata (absent)")
    res = runner.invoke(app, ["prisma", "import", str(ref), str(folder)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["prisma", "export", str(folder), str(tmp_path / "p.csv")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p.csv").read_text().startswith("data,")
