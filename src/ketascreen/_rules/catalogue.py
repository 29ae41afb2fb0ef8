"""The fact catalogue: every name a rule condition may read, its type, and how it is derived
from a validated `Patient` on a screening date.

This is the single source of truth shared by the static checks (unknown names, type mismatches),
both evaluators and the documentation. Extractors return `None` for "not recorded"; they never
guess. Dates are turned into whole days before the screening date, so rules compare numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from ketascreen.errors import PatientDataError, Problem
from ketascreen.model import (
    BloodPressureReading,
    Diagnosis,
    HepaticStatus,
    Patient,
    SubstanceUseScreen,
    SuicidalBehaviour,
    TreatmentTrial,
)

FactType = Literal["number", "boolean", "enum"]
FieldType = Literal["number", "boolean", "enum", "name", "code"]
Scalar = float | int | bool | str

BP_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    type: FactType
    description: str
    extract: Callable[[Patient, dt.date], Scalar | None]
    values: tuple[str, ...] = ()
    unit: str | None = None
    data: str = ""  # the patient field(s) that would settle it when it is missing

    @property
    def settled_by(self) -> str:
        return self.data or self.name


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: FieldType
    description: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One list entry as the evaluators see it: field values (None = not recorded) and a label."""

    path: str
    label: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    name: str
    description: str
    fields: dict[str, FieldSpec]
    items: Callable[[Patient, dt.date], list[Item] | None] = field(repr=False)


def _choices(model: type[BaseModel], name: str) -> tuple[str, ...]:
    """The values of a `Literal` field of the patient model, so the catalogue cannot drift from it."""
    annotation = model.model_fields[name].annotation
    parts = (annotation,) if get_origin(annotation) is Literal else get_args(annotation)
    return tuple(v for part in parts if get_origin(part) is Literal for v in get_args(part))


def _days(on: dt.date, when: dt.date | None) -> int | None:
    return None if when is None else (on - when).days


def age_years(p: Patient, on: dt.date) -> int | None:
    """Age in whole years on the screening date; the birth date wins over a recorded age."""
    if p.birth_date is not None:
        b = p.birth_date
        if b > on:
            raise PatientDataError(
                [Problem("birth_date", "KS506", f"birth date {b} is after the screening date {on}")]
            )
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))
    return p.age_years


def _bp_window(p: Patient, on: dt.date) -> list[BloodPressureReading]:
    return [r for r in p.bp_readings or () if 0 <= (on - r.date).days <= BP_WINDOW_DAYS]


def bp_visit(p: Patient, on: dt.date) -> list[BloodPressureReading]:
    """Seated readings of the most recent visit (same date) within 30 days before screening."""
    seated = [r for r in _bp_window(p, on) if r.position == "seated"]
    if not seated:
        return []
    latest = max(r.date for r in seated)
    return [r for r in seated if r.date == latest]


def _bp_mean(attr: str) -> Callable[[Patient, dt.date], float | None]:
    def extract(p: Patient, on: dt.date) -> float | None:
        visit = bp_visit(p, on)
        return round(fmean(getattr(r, attr) for r in visit), 1) if visit else None

    return extract


def _bp_max(attr: str) -> Callable[[Patient, dt.date], float | None]:
    def extract(p: Patient, on: dt.date) -> float | None:
        window = _bp_window(p, on)
        return max(getattr(r, attr) for r in window) if window else None

    return extract


def _ratio(test: str) -> Callable[[Patient, dt.date], float | None]:
    def extract(p: Patient, on: dt.date) -> float | None:
        h = p.hepatic
        value, uln = (getattr(h, test), getattr(h, f"{test}_uln")) if h else (None, None)
        return None if value is None or uln is None else round(value / uln, 3)

    return extract


def _attr(*path: str) -> Callable[[Patient, dt.date], Any]:
    def extract(p: Patient, on: dt.date) -> Any:
        obj: Any = p
        for part in path:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    return extract


_DATA = {
    "age_years": "birth_date or age_years",
    "hepatic.alt_x_uln": "hepatic.alt and hepatic.alt_uln",
    "hepatic.ast_x_uln": "hepatic.ast and hepatic.ast_uln",
    "hepatic.bilirubin_x_uln": "hepatic.bilirubin and hepatic.bilirubin_uln",
}


def _fact(
    name: str,
    type_: FactType,
    description: str,
    extract: Callable[[Patient, dt.date], Any],
    values: Sequence[str] = (),
    unit: str | None = None,
) -> FactSpec:
    data = _DATA.get(name, "bp_readings (seated, within 30 days)" if name.startswith("bp.") else "")
    return FactSpec(name, type_, description, extract, tuple(values), unit, data)


_YES: FactType = "boolean"
FACTS: dict[str, FactSpec] = {
    f.name: f
    for f in [
        _fact("age_years", "number", "age in whole years on the screening date", age_years, unit="years"),
        _fact("sex", "enum", "sex", _attr("sex"), _choices(Patient, "sex")),
        _fact(
            "pregnancy_status",
            "enum",
            "documented pregnancy status",
            _attr("pregnancy_status"),
            _choices(Patient, "pregnancy_status"),
        ),
        _fact("breastfeeding", _YES, "currently breastfeeding", _attr("breastfeeding")),
        _fact(
            "reproductive_potential",
            _YES,
            "of reproductive potential (false: post-menopause, hysterectomy, oophorectomy)",
            _attr("reproductive_potential"),
        ),
        _fact("planning_pregnancy", _YES, "planning a pregnancy", _attr("planning_pregnancy")),
        _fact(
            "capacity_to_consent", _YES, "has capacity to give informed consent", _attr("capacity_to_consent")
        ),
        _fact(
            "thyroid_status",
            "enum",
            "control status of hyperthyroidism",
            _attr("thyroid_status"),
            _choices(Patient, "thyroid_status"),
        ),
        _fact(
            "bp.mean_systolic",
            "number",
            "mean seated systolic BP of the latest visit within 30 days",
            _bp_mean("systolic"),
            unit="mmHg",
        ),
        _fact(
            "bp.mean_diastolic",
            "number",
            "mean seated diastolic BP of the latest visit within 30 days",
            _bp_mean("diastolic"),
            unit="mmHg",
        ),
        _fact(
            "bp.max_systolic",
            "number",
            "highest systolic reading (any position) within 30 days",
            _bp_max("systolic"),
            unit="mmHg",
        ),
        _fact(
            "bp.max_diastolic",
            "number",
            "highest diastolic reading (any position) within 30 days",
            _bp_max("diastolic"),
            unit="mmHg",
        ),
        _fact(
            "bp.visit_reading_count",
            "number",
            "number of seated readings at the latest visit",
            lambda p, on: len(bp_visit(p, on)) or None,
        ),
        _fact(
            "cardiac.nyha_class", "number", "NYHA heart-failure class (1-4)", _attr("cardiac", "nyha_class")
        ),
        _fact(
            "cardiac.uncontrolled_arrhythmia",
            _YES,
            "uncontrolled arrhythmia",
            _attr("cardiac", "uncontrolled_arrhythmia"),
        ),
        _fact(
            "hepatic.child_pugh",
            "enum",
            "Child-Pugh class",
            _attr("hepatic", "child_pugh"),
            _choices(HepaticStatus, "child_pugh"),
        ),
        _fact(
            "hepatic.alt_x_uln",
            "number",
            "ALT as a multiple of its upper limit of normal",
            _ratio("alt"),
            unit="x ULN",
        ),
        _fact(
            "hepatic.ast_x_uln",
            "number",
            "AST as a multiple of its upper limit of normal",
            _ratio("ast"),
            unit="x ULN",
        ),
        _fact(
            "hepatic.bilirubin_x_uln",
            "number",
            "total bilirubin as a multiple of its upper limit of normal",
            _ratio("bilirubin"),
            unit="x ULN",
        ),
        _fact(
            "screens.substance_use.result",
            "enum",
            "substance-use screen result (e.g. AUDIT-C/DAST-10)",
            _attr("screens", "substance_use", "result"),
            _choices(SubstanceUseScreen, "result"),
        ),
        _fact(
            "screens.psychosis_mania.current_psychotic_symptoms",
            _YES,
            "current psychotic symptoms (psychosis/mania screen)",
            _attr("screens", "psychosis_mania", "current_psychotic_symptoms"),
        ),
        _fact(
            "screens.psychosis_mania.past_psychotic_features",
            _YES,
            "psychotic features in the past (psychosis/mania screen)",
            _attr("screens", "psychosis_mania", "past_psychotic_features"),
        ),
        _fact(
            "screens.psychosis_mania.current_manic_or_mixed_episode",
            _YES,
            "currently manic, hypomanic or mixed (psychosis/mania screen)",
            _attr("screens", "psychosis_mania", "current_manic_or_mixed_episode"),
        ),
        _fact(
            "screens.suicide.active_ideation",
            _YES,
            "active suicidal ideation (suicide screen)",
            _attr("screens", "suicide", "active_ideation"),
        ),
        _fact(
            "screens.suicide.plan", _YES, "suicidal ideation with a plan", _attr("screens", "suicide", "plan")
        ),
        _fact(
            "screens.suicide.intent",
            _YES,
            "suicidal ideation with intent",
            _attr("screens", "suicide", "intent"),
        ),
        *[
            _fact(f"clinical.{name}", _YES, description, _attr("clinical", name))
            for name, description in [
                ("raised_intracranial_pressure", "clinician-documented raised intracranial pressure"),
                ("icp_history_resolved", "past raised-ICP condition, now treated or resolved"),
                ("seizure_within_12_months", "a seizure in the last 12 months"),
                ("budapest_criteria_documented", "Budapest criteria for CRPS documented"),
                (
                    "ketamine_uropathy_or_cholangiopathy",
                    "past ketamine-associated uropathy, cystitis or cholangiopathy",
                ),
                ("current_mood_stabilizer", "currently on an antimanic mood stabiliser"),
            ]
        ],
    ]
}


def _label(*parts: object) -> str:
    return ", ".join(str(p) for p in parts if p is not None and p != "")


def _diagnoses(p: Patient, on: dt.date) -> list[Item] | None:
    if p.diagnoses is None:
        return None
    return [
        Item(
            f"diagnoses[{i}]",
            _label(
                f"{d.code}" + (f" {d.display}" if d.display else ""),
                d.status,
                f"onset {d.onset}" if d.onset else None,
            ),
            {
                "code": (d.system, d.code),
                "system": d.system,
                "status": d.status,
                "onset_days_ago": _days(on, d.onset),
            },
        )
        for i, d in enumerate(p.diagnoses)
    ]


def _trials(p: Patient, on: dt.date) -> list[Item] | None:
    if p.treatment_trials is None:
        return None
    return [
        Item(
            f"treatment_trials[{i}]",
            _label(
                t.agent,
                t.category,
                f"{t.weeks_at_adequate_dose:g} wk" if t.weeks_at_adequate_dose is not None else None,
                t.outcome,
                t.episode and f"{t.episode} episode",
            ),
            {
                "agent": t.agent,
                "category": t.category,
                "adequate_dose": t.adequate_dose,
                "weeks_at_adequate_dose": t.weeks_at_adequate_dose,
                "outcome": t.outcome,
                "episode": t.episode,
                "completed": t.completed,
            },
        )
        for i, t in enumerate(p.treatment_trials)
    ]


def _substances(p: Patient, on: dt.date) -> list[Item] | None:
    if p.substance_use is None:
        return None
    return [
        Item(
            f"substance_use[{i}]",
            _label(
                s.substance,
                "use disorder" if s.use_disorder else None,
                "misuse" if s.misuse else None,
                "in remission" if s.in_remission else None,
                f"last use {s.last_use}" if s.last_use else None,
            ),
            {
                "substance": s.substance,
                "use_disorder": s.use_disorder,
                "misuse": s.misuse,
                "in_remission": s.in_remission,
                "prescribed": s.prescribed,
                "last_use_days_ago": _days(on, s.last_use),
            },
        )
        for i, s in enumerate(p.substance_use)
    ]


def _behaviours(p: Patient, on: dt.date) -> list[Item] | None:
    screen = p.screens.suicide if p.screens else None
    if screen is None or screen.behaviours is None:
        return None
    return [
        Item(
            f"screens.suicide.behaviours[{i}]",
            _label(b.kind, b.date),
            {"kind": b.kind, "days_ago": _days(on, b.date)},
        )
        for i, b in enumerate(screen.behaviours)
    ]


def _medications(p: Patient, on: dt.date) -> list[Item] | None:
    if p.medications is None:
        return None
    return [
        Item(
            f"medications[{i}]",
            _label(m.name, "current" if m.current else "past"),
            {"name": m.name, "current": m.current, "daily_dose_mg": m.daily_dose_mg},
        )
        for i, m in enumerate(p.medications)
    ]


def _allergies(p: Patient, on: dt.date) -> list[Item] | None:
    if p.allergies is None:
        return None
    return [
        Item(
            f"allergies[{i}]",
            _label(a.substance, a.reaction),
            {"substance": a.substance, "anaphylaxis": a.anaphylaxis},
        )
        for i, a in enumerate(p.allergies)
    ]


def _readings(p: Patient, on: dt.date) -> list[Item] | None:
    if p.bp_readings is None:
        return None
    return [
        Item(
            f"bp_readings[{i}]",
            _label(f"{r.systolic:g}/{r.diastolic:g} mmHg", r.position, r.date),
            {
                "systolic": r.systolic,
                "diastolic": r.diastolic,
                "position": r.position,
                "days_ago": _days(on, r.date),
            },
        )
        for i, r in enumerate(p.bp_readings)
    ]


def _fields(*specs: FieldSpec) -> dict[str, FieldSpec]:
    return {s.name: s for s in specs}


COLLECTIONS: dict[str, CollectionSpec] = {
    c.name: c
    for c in [
        CollectionSpec(
            "diagnoses",
            "coded diagnoses",
            _fields(
                FieldSpec("code", "code", "the diagnosis code (match it with in_value_set)"),
                FieldSpec("system", "enum", "code system", _choices(Diagnosis, "system")),
                FieldSpec("status", "enum", "active, historical or ruled out", _choices(Diagnosis, "status")),
                FieldSpec("onset_days_ago", "number", "days from onset to the screening date"),
            ),
            _diagnoses,
        ),
        CollectionSpec(
            "treatment_trials",
            "prior drug trials and therapy courses",
            _fields(
                FieldSpec("agent", "name", "drug or therapy name"),
                FieldSpec(
                    "category",
                    "enum",
                    "treatment category",
                    _choices(TreatmentTrial, "category"),
                ),
                FieldSpec("adequate_dose", "boolean", "reached at least the minimum effective dose"),
                FieldSpec("weeks_at_adequate_dose", "number", "weeks at an adequate dose"),
                FieldSpec(
                    "outcome",
                    "enum",
                    "trial outcome",
                    _choices(TreatmentTrial, "outcome"),
                ),
                FieldSpec("episode", "enum", "current or past episode", _choices(TreatmentTrial, "episode")),
                FieldSpec("completed", "boolean", "therapy course completed"),
            ),
            _trials,
        ),
        CollectionSpec(
            "substance_use",
            "substance-use entries",
            _fields(
                FieldSpec("substance", "name", "substance"),
                FieldSpec("use_disorder", "boolean", "meets criteria for a use disorder"),
                FieldSpec("misuse", "boolean", "misuse (non-medical use)"),
                FieldSpec("in_remission", "boolean", "use disorder in documented remission"),
                FieldSpec("prescribed", "boolean", "prescribed use"),
                FieldSpec("last_use_days_ago", "number", "days since last use"),
            ),
            _substances,
        ),
        CollectionSpec(
            "suicidal_behaviours",
            "suicidal behaviours from the suicide screen",
            _fields(
                FieldSpec(
                    "kind",
                    "enum",
                    "kind of behaviour",
                    _choices(SuicidalBehaviour, "kind"),
                ),
                FieldSpec("days_ago", "number", "days since the behaviour"),
            ),
            _behaviours,
        ),
        CollectionSpec(
            "medications",
            "medications",
            _fields(
                FieldSpec("name", "name", "generic name"),
                FieldSpec("current", "boolean", "taken now"),
                FieldSpec("daily_dose_mg", "number", "daily dose in mg"),
            ),
            _medications,
        ),
        CollectionSpec(
            "allergies",
            "allergies and hypersensitivities",
            _fields(
                FieldSpec("substance", "name", "substance"),
                FieldSpec("anaphylaxis", "boolean", "anaphylactic reaction"),
            ),
            _allergies,
        ),
        CollectionSpec(
            "bp_readings",
            "blood-pressure readings",
            _fields(
                FieldSpec("systolic", "number", "systolic, mmHg"),
                FieldSpec("diastolic", "number", "diastolic, mmHg"),
                FieldSpec("position", "enum", "position", _choices(BloodPressureReading, "position")),
                FieldSpec("days_ago", "number", "days before the screening date"),
            ),
            _readings,
        ),
    ]
}
