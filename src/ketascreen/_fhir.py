"""Read a patient from FHIR R4 resources (a Bundle, a list of resources, or one resource).

Plain-JSON reading of the few resources screening needs, with no FHIR library: Patient,
Condition (SNOMED CT / ICD-10-CM codings), blood-pressure Observations (LOINC 85354-9 / 55284-4
panels with 8480-6 / 8462-4 components), pregnancy-status Observations (LOINC 82810-3),
MedicationRequest and AllergyIntolerance. Nothing is guessed: what cannot be read is left out and
said in `notes`, and lists of a resource type the input does not contain stay *not recorded*
unless the caller says the export is complete.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ketascreen.errors import PatientDataError, Problem
from ketascreen.model import Patient, parse_patient

__all__ = ["FhirImport", "patient_from_fhir"]

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
BP_PANELS = {"85354-9", "55284-4"}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
PREGNANCY_STATUS = "82810-3"
PREGNANT = {"77386006": "pregnant", "60001007": "not_pregnant"}
ACTIVE = {"active", "recurrence", "relapse"}
HISTORICAL = {"inactive", "remission", "resolved"}
_ICD = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


@dataclass(frozen=True)
class FhirImport:
    """The patient read from FHIR, and notes on every resource or value left out."""

    patient: Patient
    notes: tuple[str, ...]


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _codings(concept: Any) -> list[Mapping[str, Any]]:
    if not isinstance(concept, Mapping):
        return []
    return [c for c in concept.get("coding", []) if isinstance(c, Mapping)]


def _code_in(concept: Any, system: str) -> str | None:
    return next(
        (str(c["code"]) for c in _codings(concept) if c.get("system") == system and "code" in c), None
    )


def _resources(data: Any) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping) and data.get("resourceType") == "Bundle":
        return [e["resource"] for e in data.get("entry", []) if isinstance(e, Mapping) and "resource" in e]
    if isinstance(data, Mapping):
        return [data]
    if isinstance(data, list):
        return [r for item in data for r in _resources(item)]
    raise PatientDataError(
        [Problem("<fhir>", "KS507", "expected a FHIR Bundle, resource or list of resources")]
    )


def _drug_name(text: str) -> str:
    """`Fluoxetine 25MG` -> `fluoxetine`: the words before the first one holding a digit."""
    words = []
    for word in text.split():
        if any(ch.isdigit() for ch in word):
            break
        words.append(word)
    return " ".join(words).lower() or text.lower()


def patient_from_fhir(data: Any, *, assume_seated: bool = False, complete: bool = False) -> FhirImport:
    """Read a `Patient` from FHIR R4 JSON (already parsed).

    `assume_seated`: FHIR blood pressures rarely record body position, and screening classifies
    seated readings only; set it when your source only takes seated readings.
    `complete`: the input is the patient's whole record, so a resource type that is absent means
    "none" (e.g. no Condition resources -> `diagnoses: []`). Otherwise it means "not recorded".
    """
    resources = _resources(data)
    notes: list[str] = []
    record: dict[str, Any] = {}
    lists: dict[str, list[dict[str, Any]]] = {
        "diagnoses": [],
        "bp_readings": [],
        "medications": [],
        "allergies": [],
    }
    seen: set[str] = set()
    pregnancy: tuple[dt.date, str] | None = None
    for index, res in enumerate(resources):
        kind = res.get("resourceType")
        where = f"{kind}[{res.get('id', index)}]"
        if kind == "Patient":
            record["id"] = str(res["id"]) if "id" in res else None
            birth = _date(res.get("birthDate"))
            if birth:
                record["birth_date"] = birth
            if res.get("gender") in ("female", "male", "other"):
                record["sex"] = res["gender"]
        elif kind == "Condition":
            seen.add("diagnoses")
            lists["diagnoses"].extend(_condition(res, where, notes))
        elif kind == "Observation":
            codes = {str(c.get("code")) for c in _codings(res.get("code")) if c.get("system") == LOINC}
            if codes & BP_PANELS:
                seen.add("bp_readings")
                reading = _blood_pressure(res, where, notes, assume_seated)
                if reading:
                    lists["bp_readings"].append(reading)
            elif PREGNANCY_STATUS in codes:
                status = PREGNANT.get(_code_in(res.get("valueCodeableConcept"), SNOMED) or "")
                when = _date(res.get("effectiveDateTime")) or dt.date.min
                if status is None:
                    notes.append(f"{where}: pregnancy status value not recognised; left out")
                elif pregnancy is None or when >= pregnancy[0]:
                    pregnancy = (when, status)
        elif kind == "MedicationRequest":
            seen.add("medications")
            concept = res.get("medicationCodeableConcept")
            text = (concept or {}).get("text") or next((c.get("display") for c in _codings(concept)), None)
            if not text:
                notes.append(f"{where}: medication without a name; left out")
                continue
            med: dict[str, Any] = {"name": _drug_name(str(text)), "current": res.get("status") == "active"}
            rx = _code_in(concept, RXNORM)
            if rx and rx.isdigit():
                med["rxnorm"] = rx
            lists["medications"].append(med)
        elif kind == "AllergyIntolerance":
            seen.add("allergies")
            concept = res.get("code")
            text = (concept or {}).get("text") or next((c.get("display") for c in _codings(concept)), None)
            if text:
                lists["allergies"].append({"substance": str(text).lower()})
            else:
                notes.append(f"{where}: allergy without a substance; left out")
    if pregnancy is not None:
        record["pregnancy_status"] = pregnancy[1]
    for name, items in lists.items():
        if name in seen or complete:
            record[name] = items
    try:
        patient = parse_patient(record)
    except PatientDataError as exc:  # should not happen: every value above is checked
        raise PatientDataError(
            Problem(f"<fhir> {p.location}", p.code, p.message, p.hint) for p in exc.problems
        ) from exc
    return FhirImport(patient=patient, notes=tuple(notes))


def _condition(res: Mapping[str, Any], where: str, notes: list[str]) -> Iterable[dict[str, Any]]:
    verification = next((c.get("code") for c in _codings(res.get("verificationStatus"))), None)
    if verification == "entered-in-error":
        return []
    clinical = next((c.get("code") for c in _codings(res.get("clinicalStatus"))), None)
    if verification == "refuted":
        status = "ruled_out"
    elif clinical in ACTIVE:
        status = "active"
    elif clinical in HISTORICAL:
        status = "historical"
    else:
        notes.append(f"{where}: no clinical status; left out")
        return []
    out = []
    onset = _date(res.get("onsetDateTime"))
    for coding in _codings(res.get("code")):
        system, code = coding.get("system"), str(coding.get("code", ""))
        if system == SNOMED and code.isdigit():
            entry = {"system": "snomedct", "code": code}
        elif system == ICD10CM and _ICD.match(code):
            entry = {"system": "icd10cm", "code": code}
        else:
            continue
        display = coding.get("display")
        out.append({**entry, "status": status, "onset": onset, **({"display": display} if display else {})})
    if not out:
        notes.append(f"{where}: no SNOMED CT or ICD-10-CM coding; left out")
    return out


def _blood_pressure(
    res: Mapping[str, Any], where: str, notes: list[str], assume_seated: bool
) -> dict[str, Any] | None:
    values: dict[str, float] = {}
    for comp in res.get("component", []):
        code = _code_in(comp.get("code"), LOINC)
        quantity = comp.get("valueQuantity") or {}
        if code in (SYSTOLIC, DIASTOLIC):
            unit = quantity.get("code") or quantity.get("unit")
            if unit not in ("mm[Hg]", "mmHg") or not isinstance(quantity.get("value"), int | float):
                notes.append(f"{where}: blood pressure not in mmHg; left out")
                return None
            values[code] = round(float(quantity["value"]), 1)
    day = _date(res.get("effectiveDateTime"))
    if SYSTOLIC not in values or DIASTOLIC not in values or day is None:
        notes.append(f"{where}: blood pressure without systolic, diastolic and date; left out")
        return None
    if (
        not 40 <= values[SYSTOLIC] <= 320
        or not 20 <= values[DIASTOLIC] <= 220
        or values[SYSTOLIC] <= values[DIASTOLIC]
    ):
        notes.append(f"{where}: implausible blood pressure {values[SYSTOLIC]}/{values[DIASTOLIC]}; left out")
        return None
    return {
        "systolic": values[SYSTOLIC],
        "diastolic": values[DIASTOLIC],
        "date": day,
        "position": "seated" if assume_seated else "unspecified",
    }
