"""Property 1: less information is never more eligible.

Dropping recorded fields to None (never removing list items) can only keep the verdict or turn
it into needs_review: verdict(P') in {verdict(P), needs_review}; in particular P' is never
eligible unless P is, and never ineligible unless P is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import less_informed, rulesets, screening_dates
from tests.properties._support import default_screener, loaded, scaled, value_set_source, varied_patients


def check(screener: ks.Screener, patient: ks.Patient, fewer: ks.Patient, on: dt.date) -> None:
    """The invariant itself (raises AssertionError with both verdicts when it fails)."""
    before = screener.screen(patient, on=on).outcome
    after = screener.screen(fewer, on=on).outcome
    assert after in (before, "needs_review"), (before, after, fewer.model_dump(exclude_none=True))


@st.composite
def cases(draw: st.DrawFn, ruleset: ks.RuleSet | None = None) -> tuple[ks.Patient, ks.Patient, dt.date]:
    on = draw(screening_dates())
    patient = draw(varied_patients(on, ruleset))
    return patient, draw(less_informed(patient)), on


@given(cases())
def test_default_ruleset(case: tuple[ks.Patient, ks.Patient, dt.date]) -> None:
    check(default_screener(), *case)


@settings(max_examples=scaled(0.3))
@given(rulesets(monotone=True), st.data())
def test_random_monotone_rulesets(data: dict[str, Any], draw: st.DataObject) -> None:
    """Over rule sets without `known`/`missing`/`asserted` (two-valued by design)."""
    with loaded(data) as screener:
        for _ in range(3):
            check(screener, *draw.draw(cases(value_set_source())))


_TRIALS = tuple(
    ks.TreatmentTrial(
        agent=a,
        category="antidepressant",
        adequate_dose=True,
        weeks_at_adequate_dose=6.0,
        outcome="nonresponse",
        episode="current",
    )
    for a in ("sertraline", "bupropion")
)
_CLEAN = ks.Patient(
    age_years=40,
    sex="male",
    pregnancy_status="not_pregnant",
    thyroid_status="controlled",
    capacity_to_consent=True,
    treatment_trials=_TRIALS,
    substance_use=(),
    medications=(),
    allergies=(),
    diagnoses=(ks.Diagnosis(system="icd10cm", code="F33.1", status="active"),),
    bp_readings=(
        ks.BloodPressureReading(systolic=120.0, diastolic=80.0, date=dt.date(2025, 6, 1), position="seated"),
    ),
    screens=ks.Screens(
        substance_use=ks.SubstanceUseScreen(result="negative"),
        psychosis_mania=ks.PsychosisManiaScreen(
            current_psychotic_symptoms=False,
            past_psychotic_features=False,
            current_manic_or_mixed_episode=False,
        ),
        suicide=ks.SuicideScreen(active_ideation=False, plan=False, intent=False, behaviours=()),
    ),
    clinical=ks.ClinicalFindings(raised_intracranial_pressure=False),
)


@pytest.mark.parametrize(
    ("update", "dropped"),
    [
        ({"sex": "female", "age_years": 56, "pregnancy_status": "pregnant"}, "pregnancy_status"),
        ({"sex": "other", "pregnancy_status": "pregnant"}, "pregnancy_status"),
        ({"clinical": ks.ClinicalFindings(raised_intracranial_pressure=True)}, "clinical"),
    ],
)
def test_known_counterexamples(update: dict[str, Any], dropped: str) -> None:
    """Counterexamples property 1 once found (a recorded "pregnant" for a woman over 55 or of sex
    other, and a recorded raised ICP, cleared by leaving them out). Kept as regressions."""
    on = dt.date(2025, 6, 1)
    patient = _CLEAN.model_copy(update=update)
    check(default_screener(), patient, patient.model_copy(update={dropped: None}), on)
