"""Both evaluators: Kleene logic, three-valued counts, T/F compilation, and their agreement."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest

import ketascreen as ks
from ketascreen._engine.durable import DurableEvaluator
from ketascreen._engine.plan import build_facts, compile_plan, count_status
from ketascreen._engine.reference import ReferenceEvaluator
from ketascreen._rules.ast import Tri
from ketascreen._rules.load import load_ruleset as load_rules

from ._util import rule, write_ruleset

ON = dt.date(2025, 6, 1)
T, F, U = Tri.TRUE, Tri.FALSE, Tri.UNKNOWN


def test_kleene_tables() -> None:
    assert Tri.all([F, U]) is F and Tri.all([T, U]) is U and Tri.all([T, T]) is T
    assert Tri.any([T, U]) is T and Tri.any([F, U]) is U and Tri.any([F, F]) is F
    assert ~U is U and ~T is F


@pytest.mark.parametrize(
    ("op", "k"), list(itertools.product(["ge", "gt", "le", "lt", "eq", "ne"], [0, 1, 2, 3]))
)
def test_count_status_is_exact_over_the_range(op: str, k: int) -> None:
    ops = {
        "ge": int.__ge__,
        "gt": int.__gt__,
        "le": int.__le__,
        "lt": int.__lt__,
        "eq": int.__eq__,
        "ne": int.__ne__,
    }
    for lo in range(4):
        for hi in range(lo, 4):
            truths = {ops[op](n, k) for n in range(lo, hi + 1)}
            expected = T if truths == {True} else F if truths == {False} else U
            assert count_status(op, k, lo, hi) is expected, (op, k, lo, hi)


RULES = "rules:\n" + "".join(
    [
        rule("adult", "{fact: age_years, ge: 18}"),
        rule("not_adult", "{not: {fact: age_years, ge: 18}}"),
        rule("female_or_old", "{any: [{fact: sex, eq: female}, {fact: age_years, gt: 64}]}"),
        rule("sex_in", "{fact: sex, in: [male, other]}"),
        rule("sex_ne", "{fact: sex, ne: male}"),
        rule("bp_known", "{known: bp.mean_systolic}"),
        rule("dx_missing", "{missing: diagnoses}"),
        rule(
            "breastfeeding_recorded_true", "{all: [{known: breastfeeding}, {fact: breastfeeding, eq: true}]}"
        ),
        rule("mdd", "{diagnosis: {in: mdd, status: [active]}}"),
        rule("recent_mdd", "{diagnosis: {in: mdd, status: [active], onset_within_days: 182}}"),
        rule(
            "two_ads",
            "{count: {of: treatment_trials, distinct: agent, where: {all: [{field: agent, "
            "in_value_set: ad}, {field: weeks_at_adequate_dose, ge: 4}]}}, ge: 2}",
        ),
        rule("no_trials_eq", "{count: {of: treatment_trials}, eq: 0}"),
        rule("trials_ne", "{count: {of: treatment_trials}, ne: 1}"),
        rule("ref", "{all: [{rule: mdd}, {not: {rule: two_ads}}]}"),
    ]
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> ks.RuleSet:
    return load_rules(write_ruleset(tmp_path_factory.mktemp("tiny"), RULES))


PATIENTS: list[dict[str, Any]] = [
    {},
    {"age_years": 30, "sex": "male", "diagnoses": [], "treatment_trials": []},
    {
        "age_years": 17,
        "sex": "female",
        "breastfeeding": True,
        "diagnoses": [{"system": "snomedct", "code": "370143000", "status": "active", "onset": "2025-03-01"}],
    },
    {
        "age_years": 70,
        "diagnoses": [{"system": "icd10cm", "code": "F33.1", "status": "active"}],
        "treatment_trials": [
            {"agent": "Sertraline", "category": "antidepressant", "weeks_at_adequate_dose": 6},
            {"agent": "sertraline", "category": "antidepressant", "weeks_at_adequate_dose": 8},
            {"agent": "venlafaxine", "category": "antidepressant"},
        ],
    },
    {
        "sex": "other",
        "breastfeeding": False,
        "bp_readings": [{"systolic": 150, "diastolic": 95, "date": "2025-05-30", "position": "seated"}],
        "treatment_trials": [
            {"agent": "sertraline", "category": "antidepressant", "weeks_at_adequate_dose": 6},
            {"agent": "venlafaxine", "category": "antidepressant", "weeks_at_adequate_dose": 4},
        ],
    },
]

EXPECTED = [
    # adult not_adult female_or_old sex_in sex_ne bp_known dx_missing breastfeeding_recorded_true
    # mdd recent_mdd two_ads no_trials_eq trials_ne ref
    "U U U U U F T F U U U U U U",
    "T F F T F F F F F F F T T F",
    "F T T F T F F T T T U U U U",
    "T F T U U F F F T U U F T U",
    "U U U T T T T F U U T F T F",
]


@pytest.mark.parametrize(("record", "expected"), list(zip(PATIENTS, EXPECTED, strict=True)))
def test_reference_and_durable_agree_on_hand_cases(
    tiny: ks.RuleSet, record: dict[str, Any], expected: str
) -> None:
    plan = compile_plan(tiny)
    facts = build_facts(plan, ks.parse_patient(record), ON)
    reference = {k: v.status for k, v in ReferenceEvaluator(plan).evaluate(facts).items()}
    durable = DurableEvaluator(plan)
    try:
        assert durable.evaluate(facts) == reference
    finally:
        durable.close()
    letters = " ".join({T: "T", F: "F", U: "U"}[reference[r.id]] for r in tiny.rules)
    assert letters == expected


def test_missing_facts_are_reported(tiny: ks.RuleSet) -> None:
    plan = compile_plan(tiny)
    facts = build_facts(plan, ks.parse_patient(PATIENTS[3]), ON)
    results = ReferenceEvaluator(plan).evaluate(facts)
    assert results["recent_mdd"].missing == ("diagnoses[0].onset_days_ago",)
    assert results["two_ads"].missing == ("treatment_trials[2].weeks_at_adequate_dose",)
    assert results["sex_in"].missing == ("sex",)
    assert results["adult"].missing == ()


def test_disagreement_is_an_engine_error(tiny: ks.RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    screener = ks.Screener(tiny)
    try:
        monkeypatch.setattr(
            DurableEvaluator, "evaluate", lambda self, facts: dict.fromkeys(self.rule_ids, Tri.TRUE)
        )
        with pytest.raises(ks.EngineError, match="disagree"):
            screener.screen({}, on=ON)
    finally:
        screener.close()


def test_closed_screener_raises_and_close_is_idempotent(tiny: ks.RuleSet) -> None:
    screener = ks.Screener(tiny)
    screener.close()
    screener.close()
    with pytest.raises(ks.EngineError, match="closed"):
        screener.screen({}, on=ON)


def test_swallowed_action_exception_is_detected(tiny: ks.RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    durable = DurableEvaluator(compile_plan(tiny))

    def boom(self: Any, c: Any) -> None:
        raise RuntimeError("boom")

    try:
        original = durable._host.assert_fact

        def assert_with_exception(name: str, fact: dict[str, Any]) -> Any:
            state = original(name, fact)
            return {**state, "exception": "action failed: boom"}

        monkeypatch.setattr(durable._host, "assert_fact", assert_with_exception)
        facts = build_facts(durable.plan, ks.parse_patient({}), ON)
        with pytest.raises(ks.EngineError, match="action failed"):
            durable.evaluate(facts)
    finally:
        durable.close()


def test_reference_engine_gives_the_same_verdict(tmp_path: Path) -> None:
    with ks.load_ruleset() as durable, ks.load_ruleset(engine="reference") as reference:
        for record in PATIENTS:
            a = durable.screen(record, on=ON).model_dump()
            b = reference.screen(record, on=ON).model_dump()
            a["provenance"].pop("engine")
            b["provenance"].pop("engine")
            assert a == b


def test_engine_name_is_checked() -> None:
    with pytest.raises(ValueError, match="engine"):
        ks.load_ruleset(engine="drools")  # type: ignore[arg-type]


def test_many_matching_rules_do_not_overflow_durable(tmp_path: Path) -> None:
    # durable's alpha walk has a 64-slot stack: 80 rules whose first test matches the same fact
    # used to fail with error 303 and then crash on delete_state. Rules are packed into small
    # rulesets now.
    rules = "rules:\n" + "".join(rule(f"r{i}", f"{{fact: age_years, ge: {i}}}") for i in range(80))
    rs = load_rules(write_ruleset(tmp_path, rules))
    with ks.Screener(rs) as screener:
        verdict = screener.screen({"age_years": 90}, on=ON)
        assert all(f.status == "met" for f in verdict.findings)
        assert screener._durable is not None and screener._durable.ruleset_count > 1


def test_rule_references_are_evaluated_in_layers(tiny: ks.RuleSet) -> None:
    durable = DurableEvaluator(compile_plan(tiny))
    try:
        assert len(durable._layers) == 2  # `ref` reads the results of `mdd` and `two_ads`
    finally:
        durable.close()


def test_a_rule_too_large_for_durable_is_a_located_error(tmp_path: Path) -> None:
    branches = ", ".join(
        f"{{all: [{{fact: age_years, ge: {i}}}, {{fact: sex, eq: male}}]}}" for i in range(20)
    )
    rs = load_rules(write_ruleset(tmp_path, "rules:\n" + rule("huge", f"{{any: [{branches}]}}")))
    with pytest.raises(ks.RuleSetError) as info:
        ks.Screener(rs)
    (problem,) = info.value.problems
    assert problem.code == "KS407" and problem.location.endswith("rules.yaml:2:5")
    ks.Screener(rs, engine="reference").close()  # the reference engine takes it


def test_a_failed_assert_retires_the_engine(tiny: ks.RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    durable = DurableEvaluator(compile_plan(tiny))
    facts = build_facts(durable.plan, ks.parse_patient({}), ON)
    try:

        def fail(name: str, fact: dict[str, Any]) -> Any:
            raise RuntimeError("Could not assert fact, error code: 303")

        monkeypatch.setattr(durable._host, "assert_fact", fail)
        with pytest.raises(ks.EngineError, match="303"):
            durable.evaluate(facts)
        monkeypatch.undo()
        with pytest.raises(ks.EngineError, match="unusable"):
            durable.evaluate(facts)
    finally:
        durable.close()
