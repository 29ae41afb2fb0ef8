"""Shared helpers of the property tests: cached screeners, rule-set files, verdict comparison."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen._rules.load import bundled_ruleset_path
from ketascreen._rules.load import load_ruleset as load_rules
from ketascreen._rules.yaml_source import load_yaml
from ketascreen._screener import Engine
from ketascreen.testing import EXCLUSIONS, VALUE_SETS, patients, write_ruleset

RANK = {"eligible": 0, "needs_review": 1, "ineligible": 2}

_OPEN: list[ks.Screener] = []

#: The rule set the properties run against: the bundled one, or any other rule set folder/file
#: given in KETASCREEN_PROPERTY_RULESET (the properties must hold for every valid rule set).
RULESET_PATH = os.environ.get("KETASCREEN_PROPERTY_RULESET") or None


def rs() -> ks.RuleSet:
    """The rule set under test (loaded once, with the reference screener)."""
    return default_screener().ruleset


@cache
def default_screener(engine: Engine = "reference") -> ks.Screener:
    """The bundled rule set, built once per module (closed by `close_all`).

    The semantic properties (1-5, 7) screen with the reference evaluator; property 6 (parity)
    is the one that builds the durable screener of the bundled rule set and holds it equal."""
    screener = ks.load_ruleset(RULESET_PATH, engine=engine)
    _OPEN.append(screener)
    return screener


def close_all() -> None:
    while _OPEN:
        _OPEN.pop().close()
    default_screener.cache_clear()


@contextlib.contextmanager
def loaded(data: dict[str, Any], engine: Engine = "durable") -> Iterator[ks.Screener]:
    """Write a generated rule-set dict to a temporary folder, load it, close it afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        screener = ks.load_ruleset(write_ruleset(data, tmp), engine=engine)
        with screener:
            yield screener


def bundled_files() -> dict[str, Any]:
    """The bundled rule set's files as data (read with the library's own YAML loader)."""
    root = Path(RULESET_PATH) if RULESET_PATH else bundled_ruleset_path()
    return {
        p.name: load_yaml(p.read_text(encoding="utf-8"), str(p)).data
        for p in sorted(root.iterdir())
        if p.suffix in (".yaml", ".yml")
    }


def write_files(files: dict[str, Any], directory: str | Path) -> Path:
    for name, data in files.items():
        write_ruleset(data, directory, name)
    return Path(directory)


def summary(verdict: ks.Verdict) -> dict[str, Any]:
    """What must not depend on the order of the input: outcome, reasons, flags, statuses."""
    return {
        "outcome": verdict.outcome,
        "reasons": verdict.reasons,
        "flags": verdict.flags,
        "statuses": {f.rule_id: f.status for f in verdict.findings},
    }


def has_rule(screener: ks.Screener, rule_id: str, verdict_class: str | None = None) -> bool:
    rule = screener.ruleset.by_id.get(rule_id)
    return rule is not None and (verdict_class is None or rule.verdict_class == verdict_class)


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory()


def scaled(fraction: float, minimum: int = 10) -> int:
    """A share of the active profile's max_examples (for the expensive, rule-set-building tests)."""
    profile = settings.default
    assert profile is not None
    return max(minimum, int(profile.max_examples * fraction))


def varied_patients(on: Any, ruleset: ks.RuleSet | None = None) -> st.SearchStrategy[ks.Patient]:
    """Anything; clean MDD candidates; and clean candidates with one or two forced exclusions.
    Without the clean ones, eligible patients (where property 1 bites) would be rare."""
    exclusions = st.lists(st.sampled_from(EXCLUSIONS), min_size=1, max_size=2, unique=True)
    indication = None if ruleset is not None else "mdd"
    ruleset = ruleset if ruleset is not None else rs()
    return st.one_of(
        patients(ruleset=ruleset, on=on),
        patients(ruleset=ruleset, on=on, benign=True, indication=indication),
        exclusions.flatmap(
            lambda ex: patients(ruleset=ruleset, on=on, benign=True, indication=indication, exclude=ex)
        ),
    )


@cache
def value_set_source() -> ks.RuleSet:
    """A rule set carrying `ketascreen.testing.VALUE_SETS` (those of every generated rule set),
    so `patients(ruleset=value_set_source())` draws codes and names the generated rules read."""
    data = {
        "ruleset": {"id": "value-sets", "version": "0", "title": "Generated value sets"},
        "sources": {"S1": {"citation": "ketascreen.testing"}},
        "value_sets": VALUE_SETS,
        "rules": [
            {
                "id": "adult",
                "kind": "criterion",
                "title": "Adult",
                "rationale": "generated",
                "when": {"fact": "age_years", "ge": 18},
            }
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        return load_rules(write_ruleset(data, tmp))


def hang_timeout() -> pytest.MarkDecorator:
    """A per-test timeout that catches a hang: 240 s for the CI profile, two hours for the
    thorough one (10,000 examples take minutes, and a fixed 240 s would cut them off)."""
    thorough = os.environ.get("KETASCREEN_HYPOTHESIS_PROFILE") == "thorough"
    return pytest.mark.timeout(7200 if thorough else 240)
