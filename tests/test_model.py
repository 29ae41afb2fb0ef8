"""The patient model: strict types, located errors, and "not recorded" vs "recorded: none"."""

from __future__ import annotations

import datetime as dt

import pytest

import ketascreen as ks


def problems(record: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ks.PatientDataError) as info:
        ks.parse_patient(record)
    return {p.location: p.code for p in info.value.problems}


def test_minimal_record_is_all_not_recorded() -> None:
    p = ks.parse_patient({})
    assert p.diagnoses is None and p.bp_readings is None and p.screens is None


def test_recorded_none_differs_from_not_recorded() -> None:
    assert ks.parse_patient({"diagnoses": []}).diagnoses == ()
    assert ks.parse_patient({"diagnoses": None}).diagnoses is None


def test_errors_name_the_data_path() -> None:
    got = problems(
        {
            "diagnoses": [
                {"system": "icd10cm", "code": "F33.1", "status": "active"},
                {"system": "icd10cm", "code": "F33.1", "status": "active"},
                {"system": "icd10cm", "code": "f331", "status": "active"},
            ],
            "bp_readings": [{"systolic": 80, "diastolic": 90, "date": "2025-01-01", "position": "seated"}],
        }
    )
    assert got == {"diagnoses[2].code": "KS505", "bp_readings[0]": "KS505"}


def test_undotted_icd_code_gets_a_hint() -> None:
    with pytest.raises(ks.PatientDataError) as info:
        ks.parse_patient({"diagnoses": [{"system": "icd10cm", "code": "F331", "status": "active"}]})
    assert "F33.1" in str(info.value)


@pytest.mark.parametrize(
    ("record", "path", "code"),
    [
        ({"age_years": "40"}, "age_years", "KS503"),
        ({"age_years": -1}, "age_years", "KS505"),
        ({"breastfeeding": "yes"}, "breastfeeding", "KS503"),
        ({"sex": "F"}, "sex", "KS504"),
        ({"agee_years": 40}, "agee_years", "KS501"),
        (
            {"diagnoses": [{"system": "icd9", "code": "296.2", "status": "active"}]},
            "diagnoses[0].system",
            "KS504",
        ),
        (
            {"diagnoses": [{"system": "snomedct", "code": "abc", "status": "active"}]},
            "diagnoses[0].code",
            "KS505",
        ),
        (
            {
                "bp_readings": [
                    {"systolic": "150", "diastolic": 90, "date": "2025-01-01", "position": "seated"}
                ]
            },
            "bp_readings[0].systolic",
            "KS503",
        ),
        (
            {"bp_readings": [{"systolic": 150, "diastolic": 90, "date": "2025-01-01"}]},
            "bp_readings[0].position",
            "KS502",
        ),
        (
            {
                "bp_readings": [
                    {
                        "systolic": 150,
                        "diastolic": 90,
                        "date": "2025-01-01",
                        "position": "seated",
                        "unit": "kPa",
                    }
                ]
            },
            "bp_readings[0].unit",
            "KS504",
        ),
        ({"hepatic": {"alt": 40}}, "hepatic", "KS505"),
    ],
)
def test_bad_values_are_rejected_with_their_path(record: dict[str, object], path: str, code: str) -> None:
    assert problems(record) == {path: code}


@pytest.mark.parametrize(
    "record",
    [
        {"sex": "male", "pregnancy_status": "pregnant"},
        {"reproductive_potential": False, "pregnancy_status": "pregnant"},
    ],
)
def test_contradictory_pregnancy_is_rejected(record: dict[str, object]) -> None:
    assert problems(record) == {"<record>": "KS505"}
    ks.parse_patient({**record, "pregnancy_status": "not_pregnant"})


@pytest.mark.parametrize("text", ["a\x85b", "line\nbreak", "tab\there", "sep\u2028", "\x00"])
def test_text_must_be_one_printable_line(text: str) -> None:
    with pytest.raises(ks.PatientDataError) as info:
        ks.parse_patient({"id": text, "medications": [{"name": text}]})
    assert {p.location for p in info.value.problems} == {"id", "medications[0].name"}
    assert all(p.message == "text must be one line of printable characters" for p in info.value.problems)


def test_not_a_mapping() -> None:
    with pytest.raises(ks.PatientDataError):
        ks.parse_patient([1, 2])


def test_model_is_frozen() -> None:
    p = ks.parse_patient({"age_years": 40})
    with pytest.raises(ValueError, match="frozen"):
        p.age_years = 41  # type: ignore[misc]


def test_load_patient_reports_file_line_col(tmp_path: object) -> None:
    from pathlib import Path

    f = Path(str(tmp_path)) / "p.yaml"
    f.write_text("age_years: 40\ndiagnoses:\n  - {system: icd10cm, code: F331, status: active}\n")
    with pytest.raises(ks.PatientDataError) as info:
        ks.load_patient(f)
    (problem,) = info.value.problems
    assert problem.location == f"{f}:3:29 diagnoses[0].code"


def test_yaml_no_stays_a_string_and_is_rejected_as_a_boolean(tmp_path: object) -> None:
    from pathlib import Path

    f = Path(str(tmp_path)) / "p.yaml"
    f.write_text("breastfeeding: no\n")
    with pytest.raises(ks.PatientDataError, match="breastfeeding"):
        ks.load_patient(f)


def test_birth_date_after_screening_date_is_an_error() -> None:
    screener = ks.load_ruleset(engine="reference")
    with pytest.raises(ks.PatientDataError, match="after the screening date"):
        screener.screen({"birth_date": "2030-01-01"}, on=dt.date(2025, 6, 1))
