"""ketascreen: explained, three-valued screening of candidates for IV ketamine infusion therapy.

>>> import datetime as dt, ketascreen as ks
>>> screener = ks.load_ruleset()
>>> verdict = screener.screen(patient, on=dt.date(2025, 6, 1))
"""

from ketascreen._cases import CaseReport, CaseResult, RuleCoverage, run_cases
from ketascreen._display import render_html, render_json, render_markdown, render_text
from ketascreen._fhir import FhirImport, patient_from_fhir
from ketascreen._rules.load import Rule, RuleSet
from ketascreen._screener import Screener, library_version, load_patient, load_ruleset
from ketascreen._verdict import (
    Evidence,
    Finding,
    MissingData,
    Outcome,
    Provenance,
    Verdict,
)
from ketascreen.errors import CaseError, EngineError, KetascreenError, PatientDataError, Problem, RuleSetError
from ketascreen.model import (
    Allergy,
    BloodPressureReading,
    CardiacStatus,
    ClinicalFindings,
    Diagnosis,
    HepaticStatus,
    Medication,
    Patient,
    PsychosisManiaScreen,
    Screens,
    SubstanceUse,
    SubstanceUseScreen,
    SuicidalBehaviour,
    SuicideScreen,
    TreatmentTrial,
    parse_patient,
)

__version__ = library_version()

__all__ = [
    "Allergy",
    "BloodPressureReading",
    "CardiacStatus",
    "CaseError",
    "CaseReport",
    "CaseResult",
    "ClinicalFindings",
    "Diagnosis",
    "EngineError",
    "Evidence",
    "FhirImport",
    "Finding",
    "HepaticStatus",
    "KetascreenError",
    "Medication",
    "MissingData",
    "Outcome",
    "Patient",
    "PatientDataError",
    "Problem",
    "Provenance",
    "PsychosisManiaScreen",
    "Rule",
    "RuleCoverage",
    "RuleSet",
    "RuleSetError",
    "Screener",
    "Screens",
    "SubstanceUse",
    "SubstanceUseScreen",
    "SuicidalBehaviour",
    "SuicideScreen",
    "TreatmentTrial",
    "Verdict",
    "__version__",
    "load_patient",
    "load_ruleset",
    "parse_patient",
    "patient_from_fhir",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "run_cases",
]
