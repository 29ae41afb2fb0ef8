"""Property 3: order does not matter.

Permuting diagnoses, BP readings, treatment trials, substance entries, medications and suicidal
behaviours, and the order of the rules in the rule file, gives the same outcome, reasons,
flags and per-rule statuses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import patients, rulesets, screening_dates
from tests.properties._support import (
    bundled_files,
    default_screener,
    loaded,
    rs,
    scaled,
    scratch,
    summary,
    value_set_source,
    write_files,
)

LISTS = ("diagnoses", "bp_readings", "treatment_trials", "substance_use", "medications", "allergies")


@st.composite
def shuffled(draw: st.DrawFn, patient: ks.Patient) -> ks.Patient:
    update: dict[str, Any] = {}
    for name in LISTS:
        items = getattr(patient, name)
        if items:
            update[name] = tuple(draw(st.permutations(items)))
    suicide = patient.screens.suicide if patient.screens else None
    if suicide is not None and suicide.behaviours:
        behaviours = tuple(draw(st.permutations(suicide.behaviours)))
        assert patient.screens is not None
        update["screens"] = patient.screens.model_copy(
            update={"suicide": suicide.model_copy(update={"behaviours": behaviours})}
        )
    return patient.model_copy(update=update)


def check(one: ks.Screener, two: ks.Screener, patient: ks.Patient, other: ks.Patient, on: dt.date) -> None:
    assert summary(one.screen(patient, on=on)) == summary(two.screen(other, on=on))


@given(st.data())
def test_permuted_lists(data: st.DataObject) -> None:
    screener = default_screener()
    on = data.draw(screening_dates())
    patient = data.draw(patients(ruleset=rs(), on=on))
    check(screener, screener, patient, data.draw(shuffled(patient)), on)


@settings(max_examples=scaled(0.2, minimum=5))
@given(st.data())
def test_permuted_rules_of_the_default_ruleset(data: st.DataObject) -> None:
    files = bundled_files()
    for name, content in files.items():
        if isinstance(content, dict) and content.get("rules"):
            content["rules"] = data.draw(st.permutations(content["rules"]), label=f"rules of {name}")
    with scratch() as tmp, ks.load_ruleset(write_files(files, tmp), engine="reference") as permuted:
        for _ in range(5):
            on = data.draw(screening_dates())
            patient = data.draw(patients(ruleset=rs(), on=on))
            check(default_screener(), permuted, patient, data.draw(shuffled(patient)), on)


@given(rulesets(min_rules=2), st.data())
def test_permuted_rules_of_random_rulesets(ruleset: dict[str, Any], data: st.DataObject) -> None:
    permuted = dict(ruleset, rules=data.draw(st.permutations(ruleset["rules"])))
    with loaded(ruleset) as one, loaded(permuted) as two:
        for _ in range(3):
            on = data.draw(screening_dates())
            patient = data.draw(patients(ruleset=value_set_source(), on=on))
            check(one, two, patient, data.draw(shuffled(patient)), on)
