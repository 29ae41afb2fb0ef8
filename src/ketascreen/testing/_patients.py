"""Strategies for valid, clinically plausible patients, and for less-informed versions of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any, TypeVar

from hypothesis import strategies as st
from pydantic import BaseModel

from ketascreen._engine.plan import build_facts, compile_plan
from ketascreen._engine.reference import ReferenceEvaluator
from ketascreen._rules.ast import Tri
from ketascreen._rules.load import RuleSet
from ketascreen._rules.load import load_ruleset as _load_rules
from ketascreen._rules.valuesets import ValueSet
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
)
from ketascreen.testing._codes import coded_in, icd10cm_codes, snomed_ids

T = TypeVar("T")

#: The screening date patients are generated around when none is given.
REFERENCE_DATE = dt.date(2025, 6, 1)

#: Indications `patients(indication=...)` can force, and the value set that codes each.
INDICATIONS: dict[str, str] = {"mdd": "mdd_current_episode"}

#: Exclusions `patients(exclude=...)` can force. Each is named after the default rule set's rule
#: that it triggers; the data is what that rule reads (see `_force_exclusion`).
EXCLUSIONS = (
    "pregnancy",
    "age_under_18",
    "primary_psychotic_disorder",
    "uncontrolled_hypertension",
    "active_psychosis",
    "active_substance_use_disorder",
    "raised_intracranial_pressure",
)

ANTIDEPRESSANTS = (
    "sertraline",
    "escitalopram",
    "fluoxetine",
    "venlafaxine",
    "bupropion",
    "mirtazapine",
    "duloxetine",
    "vortioxetine",
    "nortriptyline",
)
OTHER_AGENTS = ("aripiprazole", "lithium", "quetiapine", "cbt", "ect", "rtms", "pregabalin")
SUBSTANCES = (
    "alcohol",
    "cannabis",
    "cocaine",
    "opioids",
    "tobacco",
    "ketamine",
    "nicotine",
    "Alcohol",
    "methamphetamine",
)
MEDICATIONS = (
    "sertraline",
    "lithium",
    "lamotrigine",
    "amlodipine",
    "levothyroxine",
    "lorazepam",
    "naltrexone",
    "esketamine",
)

# --------------------------------------------------------------------------------- helpers


@lru_cache(maxsize=8)
def _default_ruleset() -> RuleSet:
    return _load_rules(None)


def _opt(strategy: st.SearchStrategy[T], complete: bool) -> st.SearchStrategy[T | None]:
    """A recorded value, or None ("not recorded") unless `complete`. Shrinks towards None."""
    return strategy if complete else st.one_of(st.none(), strategy)


def _opt_list(
    strategy: st.SearchStrategy[T],
    complete: bool,
    max_size: int,
) -> st.SearchStrategy[tuple[T, ...] | None]:
    return _opt(st.lists(strategy, max_size=max_size).map(tuple), complete)


def _days_before(on: dt.date, lo: int, hi: int) -> st.SearchStrategy[dt.date]:
    return st.integers(lo, hi).map(lambda d: on - dt.timedelta(days=d))


def _age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _booleans(complete: bool) -> st.SearchStrategy[bool | None]:
    return _opt(st.booleans(), complete)


# ------------------------------------------------------------------------------ components


def _diagnosis(
    codes: st.SearchStrategy[tuple[str, str]],
    on: dt.date,
    complete: bool,
    status: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Diagnosis]:
    return st.builds(
        lambda sc, st_, onset, display: Diagnosis(
            system=sc[0], code=sc[1], status=st_, onset=onset, display=display
        ),
        codes,
        status if status is not None else st.sampled_from(["active", "historical", "ruled_out"]),
        _opt(_days_before(on, 0, 20 * 365), complete),
        _opt(st.sampled_from(["primary diagnosis", "referral letter", "Dx"]), complete),
    )


def _code_pairs(value_sets: list[ValueSet]) -> st.SearchStrategy[tuple[str, str]]:
    coded = [vs for vs in value_sets if vs.icd10cm_include or vs.snomedct]
    inside = [coded_in(vs) for vs in coded]
    outside = st.one_of(
        icd10cm_codes().map(lambda c: ("icd10cm", c)), snomed_ids().map(lambda c: ("snomedct", c))
    )
    return st.one_of(*inside, outside) if inside else outside


def bp_readings(on: dt.date, *, complete: bool = False) -> st.SearchStrategy[BloodPressureReading]:
    """Readings around the decision thresholds (130-200 / 70-120 mmHg, sometimes wider), dated
    within or outside the 30-day window before `on`."""
    del complete  # every field of a reading is required

    @st.composite
    def draw(draw: st.DrawFn) -> BloodPressureReading:
        diastolic: float = draw(st.one_of(st.integers(70, 120), st.integers(40, 140)))
        systolic: float = draw(st.one_of(st.integers(130, 200), st.integers(90, 240)))
        if draw(st.booleans()):
            systolic += 0.5
        if systolic <= diastolic:
            systolic = diastolic + draw(st.integers(1, 60))
        days = draw(st.one_of(st.integers(0, 30), st.integers(-3, 400), st.sampled_from([29, 30, 31])))
        position = draw(st.sampled_from(["seated", "standing", "supine", "unspecified"]))
        return BloodPressureReading(
            systolic=float(systolic),
            diastolic=float(diastolic),
            date=on - dt.timedelta(days=days),
            position=position,
        )

    return draw()


def _trial(complete: bool) -> st.SearchStrategy[TreatmentTrial]:
    return st.builds(
        TreatmentTrial,
        agent=st.sampled_from(ANTIDEPRESSANTS + OTHER_AGENTS),
        category=st.sampled_from(
            [
                "antidepressant",
                "augmentation",
                "antipsychotic",
                "ssri",
                "snri",
                "psychotherapy",
                "ect",
                "rtms",
                "mood_stabilizer",
                "other",
            ]
        ),
        adequate_dose=_booleans(complete),
        weeks_at_adequate_dose=_opt(
            st.one_of(st.integers(0, 12), st.sampled_from([3.5, 4, 6.5])).map(float), complete
        ),
        outcome=_opt(
            st.sampled_from(
                [
                    "nonresponse",
                    "partial_response",
                    "response",
                    "remission",
                    "intolerance",
                    "ongoing",
                ]
            ),
            complete,
        ),
        episode=_opt(st.sampled_from(["current", "past"]), complete),
        completed=_booleans(complete),
    )


def _failed_trials(on: dt.date) -> st.SearchStrategy[list[TreatmentTrial]]:
    """Two or three distinct antidepressants, adequate, >= 4 weeks, failed, current episode."""
    return st.lists(st.sampled_from(ANTIDEPRESSANTS), min_size=2, max_size=3, unique=True).flatmap(
        lambda agents: st.tuples(
            *[
                st.builds(
                    TreatmentTrial,
                    agent=st.just(a),
                    category=st.just("antidepressant"),
                    adequate_dose=st.just(True),
                    weeks_at_adequate_dose=st.sampled_from([4.0, 6.0, 8.0, 12.0]),
                    outcome=st.sampled_from(["nonresponse", "partial_response"]),
                    episode=st.just("current"),
                    completed=st.booleans(),
                )
                for a in agents
            ]
        ).map(list)
    )


def _substance(on: dt.date, names: list[str], complete: bool) -> st.SearchStrategy[SubstanceUse]:
    return st.builds(
        SubstanceUse,
        substance=st.sampled_from(sorted(set(SUBSTANCES) | set(names))),
        use_disorder=_booleans(complete),
        misuse=_booleans(complete),
        in_remission=_booleans(complete),
        last_use=_opt(_days_before(on, 0, 3 * 365), complete),
        prescribed=_booleans(complete),
    )


def _screens(on: dt.date, complete: bool) -> st.SearchStrategy[Screens]:
    date = _opt(_days_before(on, 0, 120), complete)
    tool = _opt(st.sampled_from(["C-SSRS", "AUDIT-C", "DAST-10", "MINI"]), complete)
    suicide = st.builds(
        SuicideScreen,
        tool=tool,
        date=date,
        active_ideation=st.booleans(),
        plan=_booleans(complete),
        intent=_booleans(complete),
        behaviours=_opt_list(
            st.builds(
                SuicidalBehaviour,
                kind=st.sampled_from(["attempt", "interrupted_attempt", "aborted_attempt", "preparatory"]),
                date=_opt(_days_before(on, 0, 5 * 365), complete),
            ),
            complete,
            3,
        ),
    )
    return st.builds(
        Screens,
        substance_use=_opt(
            st.builds(
                SubstanceUseScreen,
                tool=tool,
                date=date,
                result=st.sampled_from(["negative", "positive"]),
            ),
            complete,
        ),
        psychosis_mania=_opt(
            st.builds(
                PsychosisManiaScreen,
                date=date,
                current_psychotic_symptoms=st.booleans(),
                past_psychotic_features=st.booleans(),
                current_manic_or_mixed_episode=st.booleans(),
            ),
            complete,
        ),
        suicide=_opt(suicide, complete),
    )


def _hepatic(complete: bool) -> st.SearchStrategy[HepaticStatus]:
    def pair(uln: float) -> st.SearchStrategy[tuple[float | None, float | None]]:
        both = st.floats(0, 10 * uln, allow_nan=False).map(lambda v: (round(v, 1), uln))
        return both if complete else st.one_of(st.just((None, None)), both)

    return st.builds(
        lambda cp, alt, ast, bil: HepaticStatus(
            child_pugh=cp,
            alt=alt[0],
            alt_uln=alt[1],
            ast=ast[0],
            ast_uln=ast[1],
            bilirubin=bil[0],
            bilirubin_uln=bil[1],
        ),
        _opt(st.sampled_from(["A", "B", "C"]), complete),
        pair(40.0),
        pair(40.0),
        pair(1.2),
    )


def _clinical(complete: bool) -> st.SearchStrategy[ClinicalFindings]:
    b = _booleans(complete)
    return st.builds(
        ClinicalFindings,
        raised_intracranial_pressure=b,
        icp_history_resolved=b,
        seizure_within_12_months=b,
        budapest_criteria_documented=b,
        ketamine_uropathy_or_cholangiopathy=b,
        current_mood_stabilizer=b,
    )


# ----------------------------------------------------------------------------- the patient


def _value_sets(ruleset: RuleSet) -> list[ValueSet]:
    return [ruleset.value_sets[k] for k in sorted(ruleset.value_sets)]


def _base_patient(ruleset: RuleSet, on: dt.date, complete: bool) -> st.SearchStrategy[Patient]:
    value_sets = _value_sets(ruleset)
    names = sorted({n for vs in value_sets for n in vs.names})
    # Strategies are built once here, not per draw: building them is the expensive part.
    ages = st.one_of(st.integers(18, 90), st.integers(12, 25), st.integers(0, 110))
    recorded = st.sampled_from(["age_years", "birth_date", "both", "neither"])
    sexes = _opt(st.sampled_from(["female", "male", "other"]), complete)
    pregnancy = {
        True: _opt(st.just("not_pregnant"), complete),
        False: _opt(st.sampled_from(["not_pregnant", "pregnant"]), complete),
    }
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": _opt(st.integers(1, 9999).map(lambda i: f"P{i:04d}"), complete),
        "breastfeeding": _booleans(complete),
        "reproductive_potential": _booleans(complete),
        "planning_pregnancy": _booleans(complete),
        "diagnoses": _opt_list(_diagnosis(_code_pairs(value_sets), on, complete), complete, 4),
        "bp_readings": _opt_list(bp_readings(on), complete, 4),
        "treatment_trials": _opt_list(_trial(complete), complete, 4),
        "substance_use": _opt_list(_substance(on, names, complete), complete, 3),
        "screens": _opt(_screens(on, complete), complete),
        "medications": _opt_list(
            st.builds(
                Medication,
                name=st.sampled_from(sorted(set(MEDICATIONS) | set(names))),
                rxnorm=_opt(st.integers(1, 999999).map(str), complete),
                current=st.booleans(),
                daily_dose_mg=_opt(st.integers(0, 600).map(float), complete),
            ),
            complete,
            3,
        ),
        "allergies": _opt_list(
            st.builds(
                Allergy,
                substance=st.sampled_from(["penicillin", "ketamine", "latex", "sulfa"]),
                reaction=_opt(st.sampled_from(["rash", "anaphylaxis", "nausea"]), complete),
                anaphylaxis=_booleans(complete),
            ),
            complete,
            2,
        ),
        "cardiac": _opt(
            st.builds(
                CardiacStatus,
                nyha_class=_opt(st.integers(1, 4), complete),
                uncontrolled_arrhythmia=_booleans(complete),
            ),
            complete,
        ),
        "hepatic": _opt(_hepatic(complete), complete),
        "thyroid_status": _opt(st.sampled_from(["controlled", "uncontrolled"]), complete),
        "capacity_to_consent": _booleans(complete),
        "clinical": _opt(_clinical(complete), complete),
    }

    @st.composite
    def draw(draw: st.DrawFn) -> Patient:
        age = draw(ages)
        birth = on - dt.timedelta(days=int(age * 365.25) + draw(st.integers(0, 364)))
        # birth_date and age_years agree on `on`, so dropping either is less information
        record = "both" if complete else draw(recorded)
        sex = draw(sexes)
        values = {name: draw(strategy) for name, strategy in fields.items()}
        return Patient(
            birth_date=birth if record in ("both", "birth_date") else None,
            age_years=_age_on(birth, on) if record in ("both", "age_years") else None,
            sex=sex,
            # "pregnant" contradicts male sex or no reproductive potential (the model rejects it)
            pregnancy_status=draw(pregnancy[sex == "male" or values.get("reproductive_potential") is False]),
            **values,
        )

    return draw()


def _benign(ruleset: RuleSet, on: dt.date, complete: bool) -> st.SearchStrategy[Patient]:
    """A patient biased away from every exclusion: an adult, not pregnant, normal seated BP
    today, codes outside the rule set's value sets, negative screens."""
    outside = [vs for vs in _value_sets(ruleset) if vs.icd10cm_include]

    def neutral(code: str) -> bool:
        return not any(vs.contains_code("icd10cm", code) for vs in outside)

    base = _base_patient(ruleset, on, complete)
    extra_dx = st.lists(
        _diagnosis(icd10cm_codes().filter(neutral).map(lambda c: ("icd10cm", c)), on, complete),
        max_size=2,
    )

    @st.composite
    def draw(draw: st.DrawFn) -> Patient:
        p = draw(base)
        age = draw(st.integers(18, 80))
        birth = on - dt.timedelta(days=int(age * 365.25) + draw(st.integers(0, 364)))
        reading = BloodPressureReading(
            systolic=float(draw(st.integers(100, 138))),
            diastolic=float(draw(st.integers(60, 85))),
            date=on,
            position="seated",
        )
        dx = draw(extra_dx)
        screens = Screens(
            substance_use=SubstanceUseScreen(result="negative", date=on),
            psychosis_mania=PsychosisManiaScreen(
                current_psychotic_symptoms=False,
                past_psychotic_features=False,
                current_manic_or_mixed_episode=False,
                date=on,
            ),
            suicide=SuicideScreen(active_ideation=False, plan=False, intent=False, behaviours=(), date=on),
        )
        return p.model_copy(
            update={
                "birth_date": birth if complete or p.birth_date is not None else None,
                "age_years": _age_on(birth, on),
                "pregnancy_status": "not_pregnant",
                "diagnoses": tuple(dx),
                "bp_readings": (reading,),
                "substance_use": (),
                "screens": screens,
                "clinical": ClinicalFindings(raised_intracranial_pressure=False),
            }
        )

    return draw()


def _revalidate(p: Patient) -> Patient:
    """model_copy does not validate; round-trip through the validator so every field is real."""
    return Patient.model_validate(p.model_dump(mode="json"))


def _force_exclusion(
    name: str,
    ruleset: RuleSet,
    on: dt.date,
) -> Callable[[st.DrawFn, Patient], Patient]:
    def apply(draw: st.DrawFn, p: Patient) -> Patient:
        if name == "pregnancy":
            sex = draw(st.sampled_from(["female", None]))
            potential = None if p.reproductive_potential is False else p.reproductive_potential
            return p.model_copy(
                update={"pregnancy_status": "pregnant", "sex": sex, "reproductive_potential": potential}
            )
        if name == "age_under_18":
            return p.model_copy(update={"age_years": draw(st.integers(12, 17)), "birth_date": None})
        if name == "primary_psychotic_disorder":
            vs = ruleset.value_sets.get("primary_psychotic_disorder")
            codes = coded_in(vs) if vs else st.integers(20, 29).map(lambda i: ("icd10cm", f"F{i}"))
            dx = draw(_diagnosis(codes, on, False, st.sampled_from(["active", "historical"])))
            return p.model_copy(update={"diagnoses": (*(p.diagnoses or ()), dx)})
        if name == "uncontrolled_hypertension":
            high = draw(
                st.lists(
                    st.builds(
                        lambda s, d: BloodPressureReading(
                            systolic=float(s), diastolic=float(d), date=on, position="seated"
                        ),
                        st.integers(160, 210),
                        st.integers(70, 125),
                    ),
                    min_size=1,
                    max_size=3,
                )
            )
            keep = [r for r in p.bp_readings or () if not (r.date >= on and r.position == "seated")]
            return p.model_copy(update={"bp_readings": (*keep, *high)})
        if name == "active_psychosis":
            screens = p.screens or Screens()
            pm = PsychosisManiaScreen(
                current_psychotic_symptoms=True,
                past_psychotic_features=draw(st.booleans()),
                current_manic_or_mixed_episode=draw(st.booleans()),
            )
            return p.model_copy(update={"screens": screens.model_copy(update={"psychosis_mania": pm})})
        if name == "active_substance_use_disorder":
            entry = SubstanceUse(
                substance=draw(st.sampled_from(["alcohol", "cocaine", "opioids"])),
                use_disorder=True,
                in_remission=False,
                last_use=draw(_opt(_days_before(on, 0, 60), False)),
            )
            return p.model_copy(update={"substance_use": (*(p.substance_use or ()), entry)})
        if name == "raised_intracranial_pressure":
            clinical = (p.clinical or ClinicalFindings()).model_copy(
                update={"raised_intracranial_pressure": True}
            )
            return p.model_copy(update={"clinical": clinical})
        raise ValueError(f"unknown exclusion {name!r}; choose from {', '.join(EXCLUSIONS)}")

    return apply


class _Blocked:
    """Whether the reference evaluator finds a met absolute/indication_fail exclusion."""

    def __init__(self, ruleset: RuleSet, on: dt.date) -> None:
        self.ruleset, self.on = ruleset, on
        self.evaluator = ReferenceEvaluator(compile_plan(ruleset))
        self.absolute = [r.id for r in ruleset.rules if r.verdict_class == "absolute"]

    def __call__(self, p: Patient) -> bool:
        results = self.evaluator.evaluate(build_facts(self.evaluator.plan, p, self.on))
        return any(results[r].status is Tri.TRUE for r in self.absolute)


def patients(
    *,
    ruleset: RuleSet | None = None,
    on: dt.date = REFERENCE_DATE,
    indication: str | None = None,
    exclude: str | Collection[str] = (),
    forbid_exclusions: bool = False,
    benign: bool = False,
    complete: bool = False,
) -> st.SearchStrategy[Patient]:
    """Valid, clinically plausible patients for screening on `on`.

    - `ruleset`: codes, substance and medication names are drawn in and out of its value sets
      (default: the bundled rule set).
    - `on`: the screening date; every date (birth, onset, BP readings within and outside the
      30-day window, last use, screens) is placed relative to it, never after it except for a
      few BP readings dated up to 3 days later (outside the window).
    - `indication`: force an indication: a key of `INDICATIONS` (`"mdd"`: an active code from
      `mdd_current_episode` and a treatment history of >= 2 failed adequate antidepressant
      trials) or the id of a coded value set of the rule set (an active code from it).
    - `exclude`: force one or more exclusions, named as in `EXCLUSIONS`.
    - `benign`: bias the patient towards a clean candidate (an adult, not pregnant, a normal
      seated BP today, negative screens, extra codes outside the rule set's value sets);
      `exclude` and `indication` are applied on top, so `benign=True, exclude="pregnancy"`
      is a patient whose only problem is likely the pregnancy.
    - `forbid_exclusions`: only patients for whom no absolute exclusion of the rule set is met
      (implies `benign`; checked with the reference evaluator, so it holds for any rule set).
    - `complete`: every field, nested ones included, is recorded (no `None`); lists may still
      be empty (recorded: none).

    `birth_date` and `age_years`, when both recorded, agree on `on`.
    """
    if ruleset is None:  # load the bundled rule set lazily: strategies are built at import time
        return st.deferred(
            lambda: patients(
                ruleset=_default_ruleset(),
                on=on,
                indication=indication,
                exclude=exclude,
                forbid_exclusions=forbid_exclusions,
                benign=benign,
                complete=complete,
            )
        )
    rs = ruleset
    forced = [exclude] if isinstance(exclude, str) else list(exclude)
    for name in forced:
        if name not in EXCLUSIONS:
            raise ValueError(f"unknown exclusion {name!r}; choose from {', '.join(EXCLUSIONS)}")
    if forced and forbid_exclusions:
        raise ValueError("`exclude` and `forbid_exclusions=True` contradict each other")
    vs_id = None
    if indication is not None:
        vs_id = INDICATIONS.get(indication, indication)
        if vs_id not in rs.value_sets:
            raise ValueError(f"indication {indication!r}: the rule set has no value set {vs_id!r}")
    key = (id(rs), on, vs_id, indication, tuple(forced), forbid_exclusions, benign, complete)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is rs:
        return cached[1]
    clean = benign or forbid_exclusions
    base = _benign(rs, on, complete) if clean else _base_patient(rs, on, complete)
    indicated = (
        _diagnosis(coded_in(rs.value_sets[vs_id]), on, complete, st.just("active"))
        if vs_id is not None
        else None
    )
    failed = _failed_trials(on)
    forcers = [_force_exclusion(name, rs, on) for name in forced]

    @st.composite
    def draw(draw: st.DrawFn) -> Patient:
        p = draw(base)
        if indicated is not None:
            update: dict[str, Any] = {"diagnoses": (*(p.diagnoses or ()), draw(indicated))}
            if indication == "mdd":
                update["treatment_trials"] = (*(p.treatment_trials or ()), *draw(failed))
            p = p.model_copy(update=update)
        for force in forcers:
            p = force(draw, p)
        return _revalidate(p)

    strategy = draw()
    if forbid_exclusions:
        blocked = _Blocked(rs, on)
        strategy = strategy.filter(lambda p: not blocked(p))
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (rs, strategy)
    return strategy


_CACHE: dict[tuple[Any, ...], tuple[RuleSet, st.SearchStrategy[Patient]]] = {}


# -------------------------------------------------------------------------- less informed

_PAIRED = {"alt": "alt_uln", "ast": "ast_uln", "bilirubin": "bilirubin_uln"}


def _droppable(model: BaseModel, path: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
    """Paths of recorded fields that may be None (not recorded), nested ones included."""
    out: list[tuple[str | int, ...]] = []
    for name, info in type(model).model_fields.items():
        if name in _PAIRED.values():
            continue  # dropped together with its test
        value = getattr(model, name)
        if value is None:
            continue
        if info.default is None and not info.is_required():
            out.append((*path, name))
        if isinstance(value, BaseModel):
            out.extend(_droppable(value, (*path, name)))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    out.extend(_droppable(item, (*path, name, i)))
    return out


def _drop(data: Any, path: tuple[str | int, ...]) -> None:
    for part in path[:-1]:
        data = data[part]
        if data is None:
            return  # an ancestor was dropped already
    last = path[-1]
    assert isinstance(last, str)
    data[last] = None
    if last in _PAIRED:
        data[_PAIRED[last]] = None


def drop_fields(patient: Patient, paths: Collection[tuple[str | int, ...]]) -> Patient:
    """The patient with the fields at `paths` set to None ("not recorded")."""
    data = patient.model_dump(mode="json")  # lists, so nested items can be edited in place
    for path in sorted(paths, key=len):
        _drop(data, path)
    return Patient.model_validate(data)


def droppable_fields(patient: Patient) -> list[tuple[str | int, ...]]:
    """Every path `less_informed` may drop: recorded, optional fields (nested ones included)."""
    return _droppable(patient, ())


def less_informed(patient: Patient, *, min_dropped: int = 1) -> st.SearchStrategy[Patient]:
    """Versions of `patient` with some recorded fields dropped to None ("not recorded"): top-level
    and nested (a diagnosis onset, a trial's weeks, the suicide screen, a hepatic test with its
    upper limit). List items are never removed (that is different information, not less).

    Shrinks towards dropping few fields. `min_dropped=0` also allows the patient itself; a
    patient with nothing recorded yields only itself.
    """
    paths = droppable_fields(patient)
    if not paths:
        return st.just(patient)
    one = st.sampled_from(paths).map(lambda path: drop_fields(patient, [path]))
    chosen = st.lists(
        st.sampled_from(paths),
        min_size=min(min_dropped, len(paths)),
        max_size=len(paths),
        unique=True,
    )
    several = chosen.map(lambda ps: drop_fields(patient, ps))
    # one field at a time finds "this one datum decided it" bugs far sooner than random subsets
    return st.one_of(one, several) if min_dropped <= 1 else several
