"""The rule sheet (`docs/rules.md`): it must match the rule files it was generated from."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketascreen._ruledoc import render_rule_sheet, thresholds
from ketascreen._rules.load import load_ruleset as load_rules
from ketascreen._rules.render import render_condition
from ketascreen.cli import main
from tests._util import rule, write_ruleset

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_docs_rules_md_matches_the_bundled_rule_set() -> None:
    ruleset = load_rules()
    expected = render_rule_sheet(ruleset)
    actual = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert actual == expected, (
        f"docs/rules.md is out of date with the rule files (content hash {ruleset.content_hash}); "
        "regenerate it with `ketascreen docs -o docs/rules.md` and have the sheet re-signed"
    )


def test_sheet_header_rows_and_value_sets(tmp_path: Path) -> None:
    rules = (
        "rules:\n"
        + rule("bp_high", "{any: [{fact: bp.mean_systolic, ge: 160}, {fact: bp.mean_diastolic, ge: 100}]}")
        + rule("mdd", "{diagnosis: {in: mdd, status: [active]}}", kind="criterion", severity=None)
    )
    rs = load_rules(write_ruleset(tmp_path / "rs", rules))
    sheet = render_rule_sheet(rs)
    assert f"- Content hash: `{rs.content_hash}`" in sheet
    assert "- Rule set: `tiny`" in sheet and "- Version: `1`" in sheet
    row = next(line for line in sheet.splitlines() if line.startswith("| `bp_high` |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[1] == "exclusion (absolute)"
    assert cells[2] == "**bp_high.** why"
    assert cells[3] == "`bp.mean_systolic >= 160`<br>`bp.mean_diastolic >= 100`"
    assert cells[5:] == ["S1", "no"]
    assert "| `mdd` | MDD | 1 | 0 | 1 | 0 | 0 |" in sheet
    assert "| `ad` | Antidepressants | 0 | 0 | 0 | 0 | 2 |" in sheet
    assert render_rule_sheet(rs) == sheet  # deterministic


@pytest.mark.parametrize(
    ("when", "rendered", "numbers"),
    [
        ("{fact: age_years, ge: 18}", "age_years >= 18", ["age_years >= 18"]),
        (
            "{all: [{known: capacity_to_consent}, {fact: capacity_to_consent, eq: true}]}",
            "known(capacity_to_consent) and capacity_to_consent = true",
            [],
        ),
        ("{missing: bp.mean_systolic}", "missing(bp.mean_systolic)", []),
        (
            "{all: [{fact: sex, eq: female}, {any: [{fact: age_years, lt: 12}, {rule: helper}]}]}",
            "sex = female and (age_years < 12 or rule(helper))",
            ["age_years < 12"],
        ),
        (
            "{count: {of: treatment_trials, where: {field: weeks_at_adequate_dose, ge: 4},"
            " distinct: agent}, ge: 2}",
            "count(treatment_trials[weeks_at_adequate_dose >= 4] distinct agent) >= 2",
            ["treatment_trials.weeks_at_adequate_dose >= 4", "count(treatment_trials) >= 2"],
        ),
    ],
)
def test_condition_rendering_and_thresholds(
    tmp_path: Path, when: str, rendered: str, numbers: list[str]
) -> None:
    rules = (
        "rules:\n" + rule("helper", "{known: age_years}", kind="criterion", severity=None) + rule("r", when)
    )
    rs = load_rules(write_ruleset(tmp_path / "rs", rules))
    assert render_condition(rs.by_id["r"].when) == rendered
    assert thresholds(rs.by_id["r"].when) == numbers


def test_cli_docs_writes_the_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_ruleset(tmp_path / "rs", "rules:\n" + rule("r", "{fact: age_years, ge: 65}"))
    out = tmp_path / "out" / "rules.md"
    assert main(["docs", str(folder), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_rule_sheet(load_rules(folder))
    capsys.readouterr()
    assert main(["docs", str(folder)]) == 0
    assert capsys.readouterr().out == out.read_text(encoding="utf-8")
    bad = write_ruleset(tmp_path / "bad", "rules:\n" + rule("r", "{fact: nonsense, ge: 1}"))
    assert main(["docs", str(bad)]) == 2
