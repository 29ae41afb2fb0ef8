"""Screening through the public API: the verdict contract of criteria.md section 2."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import ketascreen as ks

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "patients"
ON = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def screener() -> Iterator[ks.Screener]:
    with ks.load_ruleset() as s:
        yield s


def example(name: str) -> ks.Patient:
    return ks.load_patient(EXAMPLES / name)


def test_examples_have_the_documented_outcomes(screener: ks.Screener) -> None:
    assert screener.screen(example("eligible_trd_mdd.yaml"), on=ON).outcome == "eligible"
    bad = screener.screen(example("ineligible_uncontrolled_bp.yaml"), on=ON)
    assert (bad.outcome, bad.reasons) == ("ineligible", ("uncontrolled_hypertension",))
    assert "bp_severely_elevated" in bad.flags
    review = screener.screen(example("needs_review_no_bp.yaml"), on=ON)
    assert review.outcome == "needs_review" and "missing_blood_pressure" in review.reasons


def test_no_blood_pressure_is_never_eligible(screener: ks.Screener) -> None:
    patient = example("eligible_trd_mdd.yaml")
    for readings in (None, ()):
        v = screener.screen(patient.model_copy(update={"bp_readings": readings}), on=ON)
        assert v.outcome == "needs_review"
        assert "missing_blood_pressure" in v.reasons
        assert v.finding("uncontrolled_hypertension").status == "unknown"
        assert any(
            m.data.startswith("bp_readings") and "uncontrolled_hypertension" in m.rules for m in v.missing
        )


def test_readings_older_than_30_days_or_not_seated_do_not_count(screener: ks.Screener) -> None:
    patient = example("eligible_trd_mdd.yaml")
    for reading in (
        {"systolic": 120, "diastolic": 80, "date": "2025-05-01", "position": "seated"},
        {"systolic": 120, "diastolic": 80, "date": "2025-05-30", "position": "standing"},
        {"systolic": 120, "diastolic": 80, "date": "2025-06-02", "position": "seated"},
    ):
        v = screener.screen(
            patient.model_copy(update={"bp_readings": (ks.BloodPressureReading.model_validate(reading),)}),
            on=ON,
        )
        assert "missing_blood_pressure" in v.reasons


def test_visit_mean_and_single_reading_flag(screener: ks.Screener) -> None:
    patient = example("eligible_trd_mdd.yaml")

    def screen(*readings: tuple[int, int, str]) -> ks.Verdict:
        bp = tuple(
            ks.BloodPressureReading(
                systolic=s, diastolic=d, date=dt.date.fromisoformat(day), position="seated"
            )
            for s, d, day in readings
        )
        return screener.screen(patient.model_copy(update={"bp_readings": bp}), on=ON)

    # the latest visit decides: an old high visit does not count, a mean of 170 and 150 is 160
    assert screen((190, 120, "2025-05-02"), (128, 80, "2025-05-30")).outcome == "eligible"
    assert screen((170, 80, "2025-05-30"), (150, 80, "2025-05-30")).reasons == ("uncontrolled_hypertension",)
    assert screen((140, 90, "2025-05-30")).outcome == "eligible"
    assert screen((141, 90, "2025-05-30")).reasons == ("elevated_blood_pressure",)
    assert screen((159, 99, "2025-05-30")).reasons == ("elevated_blood_pressure",)
    # one reading >= 180 raises the flag even though the visit mean (150) is only elevated
    v = screen((180, 90, "2025-05-30"), (120, 80, "2025-05-30"))
    assert v.reasons == ("elevated_blood_pressure",)
    assert "bp_severely_elevated" in v.flags


def test_unknown_exclusion_gives_insufficient_data(screener: ks.Screener) -> None:
    patient = example("eligible_trd_mdd.yaml").model_copy(update={"substance_use": None})
    v = screener.screen(patient, on=ON)
    assert (v.outcome, v.reasons) == ("needs_review", ("insufficient_data",))
    assert v.finding("active_substance_use_disorder").determining
    assert [m.data for m in v.missing] == ["substance_use"]


def test_absolute_exclusion_wins_and_flags_stay(screener: ks.Screener) -> None:
    patient = example("ineligible_uncontrolled_bp.yaml").model_copy(
        update={"sex": "female", "reproductive_potential": True, "pregnancy_status": "pregnant"}
    )
    v = screener.screen(patient, on=ON)
    assert v.outcome == "ineligible"
    assert set(v.reasons) >= {"pregnancy", "uncontrolled_hypertension"}
    assert "bp_severely_elevated" in v.flags


def test_treatment_history(screener: ks.Screener) -> None:
    patient = example("eligible_trd_mdd.yaml")
    none = screener.screen(patient.model_copy(update={"treatment_trials": ()}), on=ON)
    assert none.reasons == ("not_treatment_resistant",)
    missing = screener.screen(patient.model_copy(update={"treatment_trials": None}), on=ON)
    assert missing.outcome == "needs_review" and "missing_treatment_history" in missing.reasons


def test_verdict_json_round_trip_and_provenance(screener: ks.Screener) -> None:
    v = screener.screen(example("ineligible_uncontrolled_bp.yaml"), on=ON)
    again = ks.Verdict.model_validate_json(v.model_dump_json())
    assert again == v
    data = json.loads(v.model_dump_json())
    assert data["provenance"]["ruleset_id"] == screener.ruleset.id
    assert data["provenance"]["ruleset_hash"] == screener.ruleset.content_hash
    assert data["provenance"]["screened_on"] == "2025-06-01"
    assert data["provenance"]["engine"] == "durable"
    finding = v.finding("uncontrolled_hypertension")
    assert {"fact": "bp.mean_systolic", "value": 172.0, "detail": None} in data["findings"][
        [f["rule_id"] for f in data["findings"]].index("uncontrolled_hypertension")
    ]["evidence"]
    assert finding.sources and finding.rationale


def test_screen_takes_a_mapping_and_rejects_bad_input(screener: ks.Screener) -> None:
    assert screener.screen({"age_years": 40}, on=ON).outcome in ("needs_review", "ineligible")
    with pytest.raises(ks.PatientDataError) as info:
        screener.screen({"diagnoses": [{"system": "icd10cm", "code": "F33", "status": "now"}]}, on=ON)
    assert info.value.problems[0].location == "diagnoses[0].status"
    with pytest.raises(TypeError):
        screener.screen({}, on=dt.datetime(2025, 6, 1))
    with pytest.raises(TypeError):
        screener.screen({}, on="2025-06-01")  # type: ignore[arg-type]


def test_screening_date_is_an_input(screener: ks.Screener) -> None:
    patient = example("eligible_trd_mdd.yaml")
    assert screener.screen(patient, on=ON).outcome == "eligible"
    later = screener.screen(patient, on=ON + dt.timedelta(days=60))
    assert "missing_blood_pressure" in later.reasons


def test_renderings(screener: ks.Screener) -> None:
    v = screener.screen(example("ineligible_uncontrolled_bp.yaml"), on=ON)
    text = str(v)
    assert "INELIGIBLE" in text and "uncontrolled_hypertension" in text and "bp.mean_systolic = 172" in text
    assert "<table>" in v._repr_html_()
    assert "| `uncontrolled_hypertension` |" in ks.render_markdown(v)
    assert json.loads(ks.render_json(v))["outcome"] == "ineligible"
