"""FHIR R4 input: synthetic resources, and the real samples in ../shared (skipped when absent)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ketascreen as ks

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "fhir-samples"
SYNTHEA = SAMPLES / "synthea-r4-smart-generated-sample-data"
US_CORE = SAMPLES / "hl7-us-core-examples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/fhir-samples not present")


def condition(
    code: str,
    *,
    system: str = "http://snomed.info/sct",
    clinical: str | None = "active",
    verification: str = "confirmed",
    onset: str | None = "2020-01-02T00:00:00Z",
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "code": {"coding": [{"system": system, "code": code}]},
        "verificationStatus": {"coding": [{"code": verification}]},
    }
    if clinical:
        res["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if onset:
        res["onsetDateTime"] = onset
    return res


def bp(sys_: float, dia: float, day: str = "2025-05-30", unit: str = "mm[Hg]") -> dict[str, Any]:
    def comp(code: str, value: float) -> dict[str, Any]:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "code": unit},
        }

    return {
        "resourceType": "Observation",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "effectiveDateTime": f"{day}T10:00:00Z",
        "component": [comp("8480-6", sys_), comp("8462-4", dia)],
    }


def test_statuses_codes_and_notes() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": r}
            for r in [
                {"resourceType": "Patient", "id": "p1", "birthDate": "1980-02-03", "gender": "female"},
                condition("370143000"),
                condition("F33.1", system="http://hl7.org/fhir/sid/icd-10-cm", clinical="resolved"),
                condition("58214004", verification="refuted"),
                condition("69322001", verification="entered-in-error"),
                condition("123", system="http://example.org/local"),
                condition("47505003", clinical=None),
                bp(150.44, 95.0),
                bp(15, 9, unit="kPa"),
                {
                    "resourceType": "MedicationRequest",
                    "status": "active",
                    "medicationCodeableConcept": {
                        "coding": [
                            {
                                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                "code": "314076",
                                "display": "Sertraline 50 MG Oral Tablet",
                            }
                        ]
                    },
                },
            ]
        ],
    }
    imported = ks.patient_from_fhir(bundle)
    p = imported.patient
    assert (p.id, p.sex, p.birth_date) == ("p1", "female", dt.date(1980, 2, 3))
    assert p.diagnoses is not None
    assert [(d.system, d.code, d.status) for d in p.diagnoses] == [
        ("snomedct", "370143000", "active"),
        ("icd10cm", "F33.1", "historical"),
        ("snomedct", "58214004", "ruled_out"),
    ]
    assert p.bp_readings is not None
    assert [(r.systolic, r.diastolic, r.position) for r in p.bp_readings] == [(150.4, 95.0, "unspecified")]
    assert p.medications is not None and p.medications[0].name == "sertraline"
    assert p.medications[0].rxnorm == "314076"
    assert p.allergies is None and p.treatment_trials is None  # not in the input: not recorded
    assert len(imported.notes) == 3  # the local code, the missing clinical status, the kPa reading


def test_complete_and_assume_seated() -> None:
    imported = ks.patient_from_fhir([bp(120, 80)], assume_seated=True, complete=True)
    assert imported.patient.diagnoses == () and imported.patient.allergies == ()
    assert imported.patient.bp_readings is not None and imported.patient.bp_readings[0].position == "seated"


def test_not_fhir() -> None:
    with pytest.raises(ks.PatientDataError):
        ks.patient_from_fhir("nope")


@pytest.fixture(scope="module")
def screener() -> Iterator[ks.Screener]:
    with ks.load_ruleset() as s:
        yield s


def _latest_bp_date(p: ks.Patient) -> dt.date:
    return max((r.date for r in p.bp_readings or ()), default=dt.date(2020, 1, 1))


@needs_samples
@pytest.mark.parametrize(
    "path", sorted(SYNTHEA.glob("*.json")) if SYNTHEA.is_dir() else [], ids=lambda p: p.stem[:20]
)
def test_every_synthea_bundle_screens(path: Path, screener: ks.Screener) -> None:
    imported = ks.patient_from_fhir(json.loads(path.read_text()), assume_seated=True, complete=True)
    p = imported.patient
    assert p.diagnoses and p.bp_readings and p.birth_date
    verdict = screener.screen(p, on=_latest_bp_date(p))  # durable and reference must agree
    assert verdict.outcome in ("ineligible", "needs_review")  # no screens documented: never eligible
    assert verdict.finding("uncontrolled_hypertension").status in ("met", "not_met")


@needs_samples
def test_synthea_high_bp_and_opioid_abuse(screener: ks.Screener) -> None:
    data = json.loads((SYNTHEA / "Darron_Feeney_ff447d4a-3e5c-4e90-9854-a66a1d0bdfac.json").read_text())
    seated = ks.patient_from_fhir(data, assume_seated=True, complete=True).patient
    verdict = screener.screen(seated, on=_latest_bp_date(seated))
    assert verdict.outcome == "ineligible"
    assert {"uncontrolled_hypertension", "active_substance_use_disorder"} <= set(verdict.reasons)
    assert "bp_severely_elevated" in verdict.flags
    unspecified = ks.patient_from_fhir(data, complete=True).patient
    assert (
        screener.screen(unspecified, on=_latest_bp_date(seated)).finding("missing_blood_pressure").status
        == "met"
    )


@needs_samples
def test_us_core_pregnancy_status(screener: ks.Screener) -> None:
    data = json.loads((US_CORE / "observation-pregnancy-status.json").read_text())
    patient = ks.patient_from_fhir(data).patient
    assert patient.pregnancy_status == "pregnant"
    verdict = screener.screen(patient, on=dt.date(2022, 8, 24))
    assert verdict.outcome == "ineligible" and "pregnancy" in verdict.reasons
