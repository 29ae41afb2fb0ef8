"""Property 7: safety flags are independent of the outcome.

A must-raise flag's trigger raises it whatever else is recorded and whatever the outcome:
- a reading (any position) of systolic >= 180 or diastolic >= 110 within the 30 days before
  screening raises `bp_severely_elevated`;
- active suicidal ideation with a plan raises `suicide_risk_urgent`.
Each is skipped when its rule is not in the rule set. Patients are drawn with and without
forced exclusions, so ineligible verdicts are well represented.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import EXCLUSIONS, patients, screening_dates
from tests.properties._support import default_screener, has_rule, rs


def check(screener: ks.Screener, patient: ks.Patient, flag: str, on: dt.date) -> None:
    verdict = screener.screen(patient, on=on)
    assert flag in verdict.flags, (verdict.outcome, verdict.flags)
    assert verdict.finding(flag).status == "met"


@st.composite
def any_patient(draw: st.DrawFn, on: dt.date) -> ks.Patient:
    exclude = draw(st.lists(st.sampled_from(EXCLUSIONS), max_size=2, unique=True))
    return draw(
        patients(ruleset=rs(), on=on, exclude=exclude, indication=draw(st.sampled_from([None, "mdd"])))
    )


@st.composite
def severe_reading(draw: st.DrawFn, on: dt.date) -> ks.BloodPressureReading:
    if draw(st.booleans()):
        systolic, diastolic = draw(st.integers(180, 260)), draw(st.integers(40, 179))
    else:
        diastolic = draw(st.integers(110, 160))
        systolic = draw(st.integers(diastolic + 1, 280))
    return ks.BloodPressureReading(
        systolic=float(systolic),
        diastolic=float(min(diastolic, systolic - 1)),
        date=on - dt.timedelta(days=draw(st.integers(0, 30))),
        position=draw(st.sampled_from(["seated", "standing", "supine", "unspecified"])),
    )


@given(st.data())
def test_severe_bp_raises_the_flag(data: st.DataObject) -> None:
    screener = default_screener()
    if not has_rule(screener, "bp_severely_elevated", "flag"):
        pytest.skip("no bp_severely_elevated flag")
    on = data.draw(screening_dates())
    patient = data.draw(any_patient(on))
    readings = data.draw(st.permutations([*(patient.bp_readings or ()), data.draw(severe_reading(on))]))
    check(screener, patient.model_copy(update={"bp_readings": tuple(readings)}), "bp_severely_elevated", on)


@given(st.data())
def test_ideation_with_plan_raises_the_flag(data: st.DataObject) -> None:
    screener = default_screener()
    if not has_rule(screener, "suicide_risk_urgent", "flag"):
        pytest.skip("no suicide_risk_urgent flag in the rule set")
    on = data.draw(screening_dates())
    patient = data.draw(any_patient(on))
    screens = patient.screens or ks.Screens()
    old = screens.suicide
    suicide = ks.SuicideScreen(
        active_ideation=True,
        plan=True,
        date=old.date if old else None,
        tool=old.tool if old else None,
        intent=data.draw(st.sampled_from([None, True, False])),
        behaviours=old.behaviours if old else None,
    )
    patient = patient.model_copy(update={"screens": screens.model_copy(update={"suicide": suicide})})
    check(screener, patient, "suicide_risk_urgent", on)
