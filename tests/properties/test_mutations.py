"""Mutation checks: each property fails when the guarantee it states is broken on purpose.

Each test monkeypatches the library to break one guarantee, then searches (with
`hypothesis.find`, generation only, no shrinking) for an input on which the property's own
`check` fails. Finding none would mean the property cannot see the bug it is meant to catch.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, find, settings
from hypothesis import strategies as st

import ketascreen as ks
import ketascreen._engine.reference as reference_module
import ketascreen._rules.catalogue as catalogue
import ketascreen._rules.valuesets as valuesets
import ketascreen._screener as screener_module
from ketascreen.testing import patients, screening_dates
from tests.properties import (
    test_absolute_exclusion,
    test_determinism,
    test_engine_parity,
    test_less_information,
    test_loader_fuzz,
    test_order,
    test_round_trip,
    test_safety_flags,
)
from tests.properties._support import default_screener, rs

SEARCH = settings(max_examples=2000, phases=[Phase.generate], database=None, derandomize=True, deadline=None)


def fails(check: Callable[..., None], *args: Any) -> bool:
    """Whether the property's check fails: an assertion, an engine disagreement or a crash."""
    try:
        check(*args)
    except ks.RuleSetError:
        return False
    except Exception:
        return True
    return False


def _search(strategy: st.SearchStrategy[Any], predicate: Callable[[Any], bool]) -> Any:
    return find(strategy, predicate, settings=SEARCH)


@st.composite
def _dated(draw: st.DrawFn, /, **kwargs: Any) -> tuple[ks.Patient, Any]:
    on = draw(screening_dates())
    kwargs.setdefault("ruleset", rs())
    return draw(patients(on=on, **kwargs)), on


def test_1_unknown_treated_as_not_met(monkeypatch: pytest.MonkeyPatch) -> None:
    original = getattr(screener_module, "decide")  # noqa: B009

    def broken(findings: list[dict[str, Any]]) -> Any:
        return original(
            [{**f, "status": "not_met" if f["status"] == "unknown" else f["status"]} for f in findings]
        )

    monkeypatch.setattr(screener_module, "decide", broken)
    screener = default_screener("reference")
    _search(test_less_information.cases(), lambda case: fails(test_less_information.check, screener, *case))


def test_2_absolute_treated_as_relative(monkeypatch: pytest.MonkeyPatch) -> None:
    original = getattr(screener_module, "decide")  # noqa: B009

    def broken(findings: list[dict[str, Any]]) -> Any:
        return original(
            [
                {**f, "verdict_class": "relative" if f["verdict_class"] == "absolute" else f["verdict_class"]}
                for f in findings
            ]
        )

    monkeypatch.setattr(screener_module, "decide", broken)
    screener = default_screener("reference")
    _search(
        _dated(exclude="pregnancy"),
        lambda case: fails(test_absolute_exclusion.check, screener, case[0], "pregnancy", case[1]),
    )


def test_3_bp_visit_depends_on_list_order(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(p: ks.Patient, on: Any) -> list[ks.BloodPressureReading]:
        seated = [r for r in catalogue._bp_window(p, on) if r.position == "seated"]
        return [r for r in seated if r.date == seated[0].date] if seated else []

    monkeypatch.setattr(catalogue, "bp_visit", broken)
    screener = default_screener("reference")

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[ks.Patient, ks.Patient, Any]:
        patient, on = draw(_dated())
        old, new = (
            ks.BloodPressureReading(
                systolic=s, diastolic=d, date=on - dt.timedelta(days=days), position="seated"
            )
            for s, d, days in ((170.0, 105.0, draw(st.integers(2, 30))), (112.0, 70.0, 1))
        )
        patient = patient.model_copy(update={"bp_readings": (*(patient.bp_readings or ()), old, new)})
        return patient, draw(test_order.shuffled(patient)), on

    _search(cases(), lambda c: fails(test_order.check, screener, screener, *c))


def test_4_nondeterministic_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ks.Screener._verdict

    def broken(self: ks.Screener, *args: Any) -> ks.Verdict:
        verdict = original(self, *args)
        reasons = list(verdict.reasons)
        random.shuffle(reasons)
        return verdict.model_copy(
            update={
                "reasons": tuple(reasons),
                "patient_id": verdict.patient_id and f"{verdict.patient_id}-{uuid.uuid4().hex[:4]}",
            }
        )

    monkeypatch.setattr(ks.Screener, "_verdict", broken)
    monkeypatch.setattr(test_determinism, "default_screener", lambda: default_screener("reference"))
    monkeypatch.setattr(test_determinism, "second", lambda: default_screener("reference"))
    _search(
        st.data(),
        lambda data: fails(
            getattr(test_determinism.test_same_input_same_bytes, "hypothesis").inner_test,  # noqa: B009
            data,
        ),
    )


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
def test_5_lossy_patient_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    # A loader that silently trims text (as `str_strip_whitespace=True` would) loses data.
    original: Callable[[Any], ks.Patient] = getattr(screener_module, "parse_patient")  # noqa: B009

    def trimming(data: Any) -> ks.Patient:
        if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"].strip():
            data = {**data, "id": data["id"].strip()}
        return original(data)

    monkeypatch.setattr(screener_module, "parse_patient", trimming)
    _search(
        st.tuples(patients(ruleset=rs()), test_round_trip.ids),
        lambda args: fails(
            getattr(test_round_trip.test_patient_yaml, "hypothesis").inner_test,  # noqa: B009
            *args,
        ),
    )


def test_6_reference_evaluator_off_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    original = getattr(reference_module, "compare")  # noqa: B009

    def broken(value: Any, op: str, target: Any) -> bool:
        return bool(original(value, "gt" if op == "ge" else op, target))

    monkeypatch.setattr(reference_module, "compare", broken)

    # both screeners are built here, after the patch: the comparisons are looked up at call time
    durable, ref = default_screener("durable"), default_screener("reference")
    _search(
        _dated(indication="mdd", benign=True),
        lambda c: fails(test_engine_parity.check, durable, ref, *c),
    )


def test_7_flags_dropped_when_ineligible(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ks.Screener._verdict

    def broken(self: ks.Screener, *args: Any) -> ks.Verdict:
        verdict = original(self, *args)
        return verdict.model_copy(update={"flags": ()}) if verdict.outcome == "ineligible" else verdict

    monkeypatch.setattr(ks.Screener, "_verdict", broken)
    screener = default_screener("reference")

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[ks.Patient, Any]:
        on = draw(screening_dates())
        patient = draw(test_safety_flags.any_patient(on))
        reading = draw(test_safety_flags.severe_reading(on))
        return patient.model_copy(update={"bp_readings": (*(patient.bp_readings or ()), reading)}), on

    _search(cases(), lambda c: fails(test_safety_flags.check, screener, c[0], "bp_severely_elevated", c[1]))


def test_8_loader_crash_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = valuesets.icd_entry_problem

    def broken(entry: str) -> str | None:
        if "-" in entry:
            raise ValueError(f"cannot parse {entry}")
        return original(entry)

    monkeypatch.setattr(valuesets, "icd_entry_problem", broken)
    import ketascreen._rules.load as load_module

    monkeypatch.setattr(load_module, "icd_entry_problem", broken)

    def crashes(text: str) -> bool:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "rules.yaml"
            path.write_text(text, encoding="utf-8")
            return fails(test_loader_fuzz.check, path)

    _search(test_loader_fuzz.mutated(), crashes)
