"""Property 2: an absolute exclusion always wins.

Adding the data that meets an absolute exclusion of the clinical contract (pregnancy_status:
pregnant; a primary psychotic disorder code; any trigger of `ketascreen.testing.EXCLUSIONS`
whose rule exists) to ANY patient makes the verdict ineligible, with that rule among the
reasons. Rules missing from the rule set are skipped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import EXCLUSIONS, coded_in, patients, screening_dates
from tests.properties._support import default_screener, has_rule, rs


def check(screener: ks.Screener, patient: ks.Patient, rule_id: str, on: dt.date) -> None:
    verdict = screener.screen(patient, on=on)
    assert verdict.outcome == "ineligible", (verdict.outcome, verdict.reasons)
    assert rule_id in verdict.reasons, verdict.reasons


def _require(rule_id: str) -> ks.Screener:
    screener = default_screener()
    if not has_rule(screener, rule_id, "absolute"):
        pytest.skip(f"the rule set has no absolute rule {rule_id!r}")
    return screener


@given(st.data())
def test_pregnant_is_ineligible(data: st.DataObject) -> None:
    screener = _require("pregnancy")
    on = data.draw(screening_dates())
    patient = data.draw(patients(ruleset=rs(), on=on))
    check(screener, patient.model_copy(update={"pregnancy_status": "pregnant"}), "pregnancy", on)


@given(st.data())
def test_primary_psychotic_disorder_code_is_ineligible(data: st.DataObject) -> None:
    screener = _require("primary_psychotic_disorder")
    vs = screener.ruleset.value_sets.get("primary_psychotic_disorder")
    if vs is None:
        pytest.skip("no primary_psychotic_disorder value set")
    on = data.draw(screening_dates())
    patient = data.draw(patients(ruleset=rs(), on=on))
    system, code = data.draw(coded_in(vs))
    status = data.draw(st.sampled_from(["active", "historical"]))
    dx = ks.Diagnosis(system=system, code=code, status=status)
    diagnoses = data.draw(st.permutations([*(patient.diagnoses or ()), dx]))
    patient = patient.model_copy(update={"diagnoses": tuple(diagnoses)})
    check(screener, patient, "primary_psychotic_disorder", on)


@pytest.mark.parametrize("rule_id", EXCLUSIONS)
@given(data=st.data())
def test_forced_exclusion_is_ineligible(rule_id: str, data: st.DataObject) -> None:
    screener = _require(rule_id)
    on = data.draw(screening_dates())
    indication = data.draw(st.sampled_from([None, "mdd"]))
    patient = data.draw(patients(ruleset=rs(), on=on, exclude=rule_id, indication=indication))
    check(screener, patient, rule_id, on)
