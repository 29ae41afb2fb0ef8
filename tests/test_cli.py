"""The command line: output a clinician can follow, located rule problems, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketascreen.cli import EXIT_INPUT, EXIT_OK, EXIT_RULES, main

from ._util import rule, write_ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "patients"


def test_screen_examples_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(EXAMPLES), "--on", "2025-06-01"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "ELIGIBLE" in out and "INELIGIBLE" in out and "NEEDS REVIEW" in out
    assert "uncontrolled_hypertension" in out and "evidence:" in out
    assert "missing_blood_pressure" in out


def test_screen_json(capsys: pytest.CaptureFixture[str]) -> None:
    f = EXAMPLES / "needs_review_no_bp.yaml"
    assert (
        main(["screen", str(f), "--on", "2025-06-01", "--format", "json", "--engine", "reference"]) == EXIT_OK
    )
    (verdict,) = json.loads(capsys.readouterr().out)
    assert verdict["outcome"] == "needs_review"
    assert verdict["provenance"]["engine"] == "reference"


def test_screen_bad_patient_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("age_years: forty\n")
    assert main(["screen", str(f), "--on", "2025-06-01"]) == EXIT_INPUT
    assert f"{f}:1:12 age_years: KS503" in capsys.readouterr().err


def test_bad_usage_is_exit_2_from_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["screen", "x.yaml", "--on", "June"])
    assert info.value.code == 2  # argparse's own usage-error code
    assert "not a date" in capsys.readouterr().err


def test_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ROOT / "rules" / "ketamine")]) == EXIT_OK
    assert "ok (sha256:" in capsys.readouterr().out


def test_check_misspelt_fact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_ruleset(
        tmp_path,
        "rules:\n"
        + rule("x", "{fact: vitals.systolc, ge: 160}")
        + rule("y", "{fact: bp.mean_systolc, ge: 160}"),
    )
    assert main(["check", str(tmp_path)]) == EXIT_RULES
    err = capsys.readouterr().err
    assert (
        f"{tmp_path}/rules.yaml:8:18: KS301 unknown fact 'vitals.systolc' "
        "(did you mean 'bp.max_systolic' or 'bp.mean_systolic'?)"
    ) in err
    assert (
        f"{tmp_path}/rules.yaml:15:18: KS301 unknown fact 'bp.mean_systolc' "
        "(did you mean 'bp.mean_systolic'?)"
    ) in err
    assert "2 problem(s)" in err


def test_screen_with_broken_rules_is_exit_2(tmp_path: Path) -> None:
    write_ruleset(tmp_path, "rules:\n" + rule("x", "{fact: nope, ge: 1}"))
    assert main(["screen", str(EXAMPLES), "--rules", str(tmp_path), "--on", "2025-06-01"]) == EXIT_RULES


def test_module_entry_point() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ketascreen", "check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
