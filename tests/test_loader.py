"""Rule-set loading and static checks: every problem, with its code and file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

import ketascreen as ks
from ketascreen._rules.load import load_ruleset as load_rules

from ._util import META, rule, write_ruleset


def load_problems(folder: Path) -> list[tuple[str, str]]:
    """(location relative to the folder, code) of every problem, in report order."""
    with pytest.raises(ks.RuleSetError) as info:
        load_rules(folder)
    return [(p.location.replace(f"{folder}/", ""), p.code) for p in info.value.problems]


def test_bundled_rule_set_loads() -> None:
    rs = load_rules(None)
    assert rs.id == "ketamine-default"
    assert rs.content_hash.startswith("sha256:")
    assert {"uncontrolled_hypertension", "missing_blood_pressure", "pregnancy"} <= set(rs.by_id)


def test_misspelt_fact_is_located_with_did_you_mean(tmp_path: Path) -> None:
    write_ruleset(tmp_path, "rules:\n" + rule("x", "{fact: bp.mean_systolc, ge: 160}"))
    with pytest.raises(ks.RuleSetError) as info:
        load_rules(tmp_path)
    (p,) = info.value.problems
    assert (p.code, p.location) == ("KS301", f"{tmp_path}/rules.yaml:8:18")
    assert p.hint == "did you mean 'bp.mean_systolic'?"


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ("{fact: bp.mean_systolic, ge: high}", "KS303"),
        ("{fact: sex, eq: 1}", "KS303"),
        ("{fact: sex, eq: femal}", "KS306"),
        ("{fact: sex, gt: female}", "KS303"),
        ("{fact: breastfeeding, eq: 'yes'}", "KS303"),
        ("{fact: age_years, ge: 1.0e+400}", "KS306"),
        ("{fact: age_years, ge: 18, le: 30}", "KS304"),
        ("{fact: age_years, gte: 18}", "KS304"),
        ("{fatc: age_years}", "KS304"),
        ("{diagnosis: {in: nosuch, status: [active]}}", "KS302"),
        ("{diagnosis: {in: mdd}}", "KS303"),
        ("{diagnosis: {in: ad, status: [active]}}", "KS303"),
        ("{count: {of: treatment_trials, where: {field: agent, in_value_set: mdd}}, ge: 2}", "KS303"),
        ("{count: {of: trials}, ge: 2}", "KS301"),
        ("{count: {of: treatment_trials}, ge: two}", "KS303"),
        ("{exists: {of: diagnoses, where: {field: cod, eq: x}}}", "KS301"),
        ("{exists: {of: diagnoses, where: {field: code, eq: F33.1}}}", "KS303"),
        ("{exists: {of: []}}", "KS301"),  # found by the loader fuzz property (unhashable lookup)
        ("{count: {of: treatment_trials, distinct: [agent]}, ge: 2}", "KS301"),
        ("{rule: nosuch}", "KS305"),
        ("{all: []}", "KS304"),
        ("{known: diagnosis}", "KS301"),
        ("{asserted: breastfeeding}", "KS304"),
        ("{fact: diagnoses, eq: 1}", "KS301"),
        ("[1, 2]", "KS201"),
    ],
)
def test_static_checks(tmp_path: Path, when: str, code: str) -> None:
    write_ruleset(tmp_path, "rules:\n" + rule("x", when))
    assert [c for _, c in load_problems(tmp_path)] == [code]


def test_all_problems_are_reported_together_sorted(tmp_path: Path) -> None:
    rules = (
        "rules:\n"
        + rule("a", "{fact: agee_years, ge: 1}")
        + rule("a", "{fact: sex, eq: x}")
        + (
            "  - id: b\n    kind: exclusion\n    title: b\n    rationale: r\n    sources: [S9]\n"
            "    when: {rule: c}\n"
        )
    )
    write_ruleset(tmp_path, rules)
    got = load_problems(tmp_path)
    assert [c for _, c in got] == ["KS301", "KS401", "KS306", "KS201"]
    assert [int(loc.split(":")[1]) for loc, _ in got] == sorted(int(loc.split(":")[1]) for loc, _ in got)


def test_schema_problems(tmp_path: Path) -> None:
    write_ruleset(
        tmp_path,
        """\
    rules:
      - id: Bad-Id
        kind: exclusion
        severity: absolute
        title: t
        rationale: r
        sources: [S1]
        when: {fact: age_years, lt: 18}
      - id: no_sources
        kind: exclusion
        severity: absolute
        title: t
        rationale: r
        when: {fact: age_years, lt: 18}
      - id: bad_severity
        kind: flag
        severity: absolute
        title: t
        rationale: r
        sources: [S1]
        when: {fact: age_years, lt: 18}
      - id: no_rationale
        kind: flag
        severity: advisory
        title: t
        sources: [S1]
        when: {fact: age_years, lt: 18}
        colour: red
    """,
    )
    got = load_problems(tmp_path)
    assert got == [
        ("rules.yaml:2:9", "KS201"),
        ("rules.yaml:9:5", "KS201"),
        ("rules.yaml:15:5", "KS201"),
        ("rules.yaml:22:5", "KS202"),
        ("rules.yaml:28:13", "KS201"),
    ]


def test_unknown_source_and_reserved_id(tmp_path: Path) -> None:
    text = "rules:\n" + rule("insufficient_data", "{fact: age_years, lt: 18}").replace("[S1]", "[S2]")
    write_ruleset(tmp_path, text)
    assert sorted(c for _, c in load_problems(tmp_path)) == ["KS402", "KS408"]


def test_reference_cycle(tmp_path: Path) -> None:
    text = "rules:\n" + rule("a", "{rule: b}") + rule("b", "{not: {rule: a}}")
    write_ruleset(tmp_path, text)
    assert "KS403" in {c for _, c in load_problems(tmp_path)}


def test_missing_ruleset_block_and_second_block(tmp_path: Path) -> None:
    write_ruleset(
        tmp_path, "rules:\n" + rule("a", "{fact: age_years, lt: 18}"), meta="sources: {S1: {citation: c}}\n"
    )
    assert [c for _, c in load_problems(tmp_path)] == ["KS404"]
    (tmp_path / "more.yaml").write_text('ruleset: {id: other, version: "1", title: t}\n')
    (tmp_path / "ruleset.yaml").write_text(META)
    assert [c for _, c in load_problems(tmp_path)] == ["KS405"]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    write_ruleset(tmp_path, "rules:\n  - id: a\n    when: {fact: [\n")
    ((loc, code),) = load_problems(tmp_path)
    assert code == "KS101" and loc.startswith("rules.yaml:4:")


def test_bad_icd_entry(tmp_path: Path) -> None:
    meta = META + '  bad: {title: Bad, icd10cm: {include: ["F2-F29x"]}}\n'
    write_ruleset(tmp_path, "rules:\n" + rule("a", "{fact: age_years, lt: 18}"), meta=meta)
    assert load_problems(tmp_path) == [("ruleset.yaml:8:41", "KS306")]


def test_no_such_path(tmp_path: Path) -> None:
    assert [c for _, c in load_problems(tmp_path / "nope")] == ["KS406"]


def test_layering_requires_override(tmp_path: Path) -> None:
    base = write_ruleset(tmp_path / "base", "rules:\n" + rule("a", "{fact: age_years, lt: 18}"))
    child = tmp_path / "clinic"
    child.mkdir()
    (child / "ruleset.yaml").write_text(
        'ruleset: {id: clinic, version: "2", title: c, extends: ../base}\n'
        "rules:\n" + rule("a", "{fact: age_years, lt: 21}")
    )
    assert [c for _, c in load_problems(child)] == ["KS401"]
    (child / "ruleset.yaml").write_text(
        'ruleset: {id: clinic, version: "2", title: c, extends: ../base}\n'
        "rules:\n"
        + rule("a", "{fact: age_years, lt: 21}")
        + "    override: true\n"
        + rule("b", "{fact: age_years, gt: 90}")
    )
    rs = load_rules(child)
    assert (rs.id, rs.version) == ("clinic", "2")
    assert [r.id for r in rs.rules] == ["a", "b"]
    assert rs.by_id["a"].when.value == 21  # type: ignore[union-attr]
    assert len(rs.files) == 3 and str(base) in rs.files[0]


def test_override_of_nothing_and_extends_cycle(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "ruleset.yaml").write_text('ruleset: {id: a, version: "1", title: a, extends: ../b}\n')
    (b / "ruleset.yaml").write_text('ruleset: {id: b, version: "1", title: b, extends: ../a}\n')
    assert "KS406" in {c for _, c in load_problems(a)}


def test_content_hash_changes_with_content(tmp_path: Path) -> None:
    write_ruleset(tmp_path, "rules:\n" + rule("a", "{fact: age_years, lt: 18}"))
    h1 = load_rules(tmp_path).content_hash
    (tmp_path / "rules.yaml").write_text("rules:\n" + rule("a", "{fact: age_years, lt: 17}"))
    assert load_rules(tmp_path).content_hash != h1


def test_keys_that_look_like_pydantic_tags_are_located(tmp_path: Path) -> None:
    # Found by the loader fuzz property: a key containing "[" used to vanish from the location
    # (it was taken for one of pydantic's validator tags) and the error report crashed.
    write_ruleset(tmp_path, "rules: []\n", meta=META + '"0[": 1\n')
    assert load_problems(tmp_path) == [("ruleset.yaml:8:7", "KS201")]
