"""Examples in docstrings and the README's claims stay true."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import metareview.analysis.api

ROOT = Path(__file__).resolve().parents[1]


def test_docstring_examples_run() -> None:
    result = doctest.testmod(metareview.analysis.api)
    assert result.attempted >= 1
    assert result.failed == 0


def test_readme_quick_start_has_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, test = (part.strip() for part in commands[1].split("&&"))
    assert install in ci
    assert test in ci


def test_readme_first_command_runs_on_the_bundled_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    first = next(line for line in block.splitlines()[1:] if line.strip())
    run = first.split("&&", 1)[1].strip()
    args = re.sub(r"^metareview\s+", "", run).split()
    out = subprocess.run([sys.executable, "-m", "metareview", *args], cwd=ROOT,
                         capture_output=True, text=True, check=True)  # fmt: skip
    # it says where the report is, and the report is there
    assert "wrote examples/ketamine-neuropathic-pain/_build/report.html" in out.stdout
    html = ROOT / "examples" / "ketamine-neuropathic-pain" / "_build" / "report.html"
    assert "Characteristics of included studies (18)" in html.read_text(encoding="utf-8")
