"""The patient model (public, frozen, Pydantic v2).

Conventions, everywhere in this module:
- `None` means **not recorded**. An empty tuple means **recorded: none**. The two are never
  conflated: a rule that needs a value that is `None` evaluates to *unknown*, never to false.
- Numbers, booleans and strings are strict: `"120"` is not a number and `"yes"` is not a boolean.
- Units are part of the field name or fixed by a `unit` field (blood pressure is mmHg only).
- Unknown fields are rejected, so a misspelt field is an error instead of silently ignored data.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ketascreen.errors import PatientDataError, Problem

__all__ = [
    "Allergy",
    "BloodPressureReading",
    "CardiacStatus",
    "ClinicalFindings",
    "Diagnosis",
    "HepaticStatus",
    "Medication",
    "Patient",
    "PsychosisManiaScreen",
    "Screens",
    "SubstanceUse",
    "SubstanceUseScreen",
    "SuicidalBehaviour",
    "SuicideScreen",
    "TreatmentTrial",
    "parse_patient",
]

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
# Text fields hold one line of printable text: control characters and line/paragraph separators
# are data errors, and YAML 1.1 readers fold U+0085/U+2028/U+2029 into spaces on the way back.
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$"
Name = Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=PRINTABLE)]

_ICD10CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_ICD10CM_UNDOTTED = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z][0-9A-Za-z]{1,4}$")
_SNOMED = re.compile(r"^[1-9][0-9]{5,17}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class Diagnosis(_Frozen):
    """A coded diagnosis. ICD-10-CM codes are dotted (`F33.1`); SNOMED CT codes are concept ids."""

    system: Literal["icd10cm", "snomedct"]
    code: StrictStr
    display: Name | None = None
    status: Literal["active", "historical", "ruled_out"]
    onset: dt.date | None = None

    @field_validator("code")
    @classmethod
    def _check_code(cls, code: str, info: ValidationInfo) -> str:
        system = info.data.get("system")
        if system == "icd10cm" and not _ICD10CM.match(code):
            hint = "ICD-10-CM codes are upper-case and dotted, e.g. F33.1"
            if _ICD10CM_UNDOTTED.match(code):
                hint = f"write it dotted and upper-case: {code[:3].upper()}.{code[3:].upper()}"
            raise ValueError(f"invalid ICD-10-CM code {code!r} ({hint})")
        if system == "snomedct" and not _SNOMED.match(code):
            raise ValueError(f"invalid SNOMED CT concept id {code!r} (digits only, 6-18 long)")
        return code


class BloodPressureReading(_Frozen):
    """One blood-pressure reading in mmHg. Classification uses seated readings only."""

    systolic: Annotated[Number, Field(ge=40, le=320)]
    diastolic: Annotated[Number, Field(ge=20, le=220)]
    unit: Literal["mmHg"] = "mmHg"
    date: dt.date
    position: Literal["seated", "standing", "supine", "unspecified"]

    @model_validator(mode="after")
    def _systolic_above_diastolic(self) -> BloodPressureReading:
        if self.systolic <= self.diastolic:
            raise ValueError(f"systolic ({self.systolic:g}) must be above diastolic ({self.diastolic:g})")
        return self


TrialCategory = Literal[
    "antidepressant",
    "augmentation",
    "antipsychotic",
    "mood_stabilizer",
    "bipolar_depression_agent",
    "gabapentinoid",
    "tca",
    "snri",
    "ssri",
    "neuropathic_agent",
    "migraine_preventive",
    "fibromyalgia_agent",
    "psychotherapy",
    "trauma_focused_psychotherapy",
    "erp",
    "rehabilitation",
    "exercise_programme",
    "ect",
    "rtms",
    "other",
]

TrialOutcome = Literal["nonresponse", "partial_response", "response", "remission", "intolerance", "ongoing"]


class TreatmentTrial(_Frozen):
    """A prior treatment: a drug trial or a therapy course (psychotherapy, rehabilitation...)."""

    agent: Name
    category: TrialCategory
    adequate_dose: StrictBool | None = None
    weeks_at_adequate_dose: Annotated[Number, Field(ge=0, le=2600)] | None = None
    outcome: TrialOutcome | None = None
    episode: Literal["current", "past"] | None = None
    completed: StrictBool | None = None


class SubstanceUse(_Frozen):
    """Use of one substance. `use_disorder`/`misuse` false means assessed and absent."""

    substance: Name
    use_disorder: StrictBool | None = None
    misuse: StrictBool | None = None
    in_remission: StrictBool | None = None
    last_use: dt.date | None = None
    prescribed: StrictBool | None = None


class SubstanceUseScreen(_Frozen):
    tool: Name | None = None
    date: dt.date | None = None
    result: Literal["negative", "positive"]


class PsychosisManiaScreen(_Frozen):
    """Psychosis and mania history, as documented by the assessing clinician."""

    date: dt.date | None = None
    current_psychotic_symptoms: StrictBool
    past_psychotic_features: StrictBool
    current_manic_or_mixed_episode: StrictBool


class SuicidalBehaviour(_Frozen):
    kind: Literal["attempt", "interrupted_attempt", "aborted_attempt", "preparatory"]
    date: dt.date | None = None


class SuicideScreen(_Frozen):
    """Suicide-risk screen (e.g. C-SSRS). `behaviours=()` means none ever; `None`, not asked."""

    tool: Name | None = None
    date: dt.date | None = None
    active_ideation: StrictBool
    plan: StrictBool | None = None
    intent: StrictBool | None = None
    behaviours: tuple[SuicidalBehaviour, ...] | None = None


class Screens(_Frozen):
    """The three mandatory screens; a screen that is `None` was not documented."""

    substance_use: SubstanceUseScreen | None = None
    psychosis_mania: PsychosisManiaScreen | None = None
    suicide: SuicideScreen | None = None


class Medication(_Frozen):
    name: Name
    rxnorm: Annotated[StrictStr, Field(pattern=r"^[0-9]{1,10}$")] | None = None
    current: StrictBool = True
    daily_dose_mg: Annotated[Number, Field(ge=0)] | None = None


class Allergy(_Frozen):
    substance: Name
    reaction: Name | None = None
    anaphylaxis: StrictBool | None = None


class CardiacStatus(_Frozen):
    nyha_class: Annotated[int, Field(strict=True, ge=1, le=4)] | None = None
    uncontrolled_arrhythmia: StrictBool | None = None


class HepaticStatus(_Frozen):
    """Liver status. Each test is given with its upper limit of normal (same unit)."""

    child_pugh: Literal["A", "B", "C"] | None = None
    alt: Annotated[Number, Field(ge=0)] | None = None
    alt_uln: Annotated[Number, Field(gt=0)] | None = None
    ast: Annotated[Number, Field(ge=0)] | None = None
    ast_uln: Annotated[Number, Field(gt=0)] | None = None
    bilirubin: Annotated[Number, Field(ge=0)] | None = None
    bilirubin_uln: Annotated[Number, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _paired(self) -> HepaticStatus:
        for test in ("alt", "ast", "bilirubin"):
            if (getattr(self, test) is None) != (getattr(self, f"{test}_uln") is None):
                raise ValueError(f"{test} and {test}_uln must be given together")
        return self


class ClinicalFindings(_Frozen):
    """Clinician attestations that supplement coded diagnoses. `None` means not assessed."""

    raised_intracranial_pressure: StrictBool | None = None
    icp_history_resolved: StrictBool | None = None
    seizure_within_12_months: StrictBool | None = None
    budapest_criteria_documented: StrictBool | None = None
    ketamine_uropathy_or_cholangiopathy: StrictBool | None = None
    current_mood_stabilizer: StrictBool | None = None


class Patient(_Frozen):
    """Everything the screening rules read. See the module docstring for the conventions."""

    id: Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=PRINTABLE)] | None = None
    birth_date: dt.date | None = None
    age_years: Annotated[int, Field(strict=True, ge=0, le=130)] | None = None
    sex: Literal["female", "male", "other"] | None = None
    pregnancy_status: Literal["pregnant", "not_pregnant"] | None = None
    breastfeeding: StrictBool | None = None
    reproductive_potential: StrictBool | None = None
    planning_pregnancy: StrictBool | None = None
    diagnoses: tuple[Diagnosis, ...] | None = None
    bp_readings: tuple[BloodPressureReading, ...] | None = None
    treatment_trials: tuple[TreatmentTrial, ...] | None = None
    substance_use: tuple[SubstanceUse, ...] | None = None
    screens: Screens | None = None
    medications: tuple[Medication, ...] | None = None
    allergies: tuple[Allergy, ...] | None = None
    cardiac: CardiacStatus | None = None
    hepatic: HepaticStatus | None = None
    thyroid_status: Literal["controlled", "uncontrolled"] | None = None
    capacity_to_consent: StrictBool | None = None
    clinical: ClinicalFindings | None = None

    @model_validator(mode="after")
    def _pregnancy_is_possible(self) -> Patient:
        # Rules treat "male" and "no reproductive potential" as "cannot be pregnant"; a record
        # that says both that and "pregnant" is contradictory, not something to guess about.
        if self.pregnancy_status == "pregnant":
            if self.sex == "male":
                raise ValueError("pregnancy_status is 'pregnant' but sex is 'male'; correct one of them")
            if self.reproductive_potential is False:
                raise ValueError(
                    "pregnancy_status is 'pregnant' but reproductive_potential is false; correct one of them"
                )
        return self

    @field_validator("birth_date")
    @classmethod
    def _not_ancient(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value.year < 1850:
            raise ValueError("birth date before 1850")
        return value


_PYDANTIC_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$|^(?:function|constrained)-")


def data_loc(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Where a pydantic error sits in the input data: its location minus pydantic's own
    validator tags (`function-after[...]`), dropped only where the input has no such key,
    so a user's key that happens to look like a tag is kept."""
    out: list[int | str] = []
    node: Any = data
    for part in loc:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node)
        )
        if present:
            node = node[part]
        elif isinstance(part, str) and _PYDANTIC_TAG.match(part):
            continue
        else:
            node = None
        out.append(part)
    return tuple(out)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<record>"


def problems_from_validation(exc: ValidationError, data: Any) -> list[Problem]:
    """Translate pydantic errors on `data` into located problems (`diagnoses[2].code`)."""
    problems = []
    for err in exc.errors(include_url=False):
        path = _path(data_loc(data, tuple(err["loc"])))
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        hint = None
        if err["type"] == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == PRINTABLE:
            message = "text must be one line of printable characters"
            hint = "remove control characters and line breaks"
        if err["type"] == "extra_forbidden":
            message = "unknown field"
            hint = "check the spelling against schemas/patient.schema.json"
        problems.append(Problem(location=path, code=_code_for(err["type"]), message=message, hint=hint))
    return problems


def _code_for(error_type: str) -> str:
    if error_type == "extra_forbidden":
        return "KS501"
    if error_type == "missing":
        return "KS502"
    if error_type.endswith("_type") or error_type.endswith("_parsing"):
        return "KS503"
    if error_type in ("literal_error", "enum"):
        return "KS504"
    return "KS505"


def parse_patient(data: Any) -> Patient:
    """Validate a patient record (a mapping), raising `PatientDataError` with data paths."""
    if not isinstance(data, dict):
        raise PatientDataError(
            [Problem("<record>", "KS503", f"a patient record must be a mapping, not {type(data).__name__}")]
        )
    try:
        return Patient.model_validate(data)
    except ValidationError as exc:
        raise PatientDataError(problems_from_validation(exc, data)) from exc
