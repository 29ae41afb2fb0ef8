"""Property 1: less information is never more eligible.

Dropping recorded fields to None (never removing list items) can only keep the verdict or turn
it into needs_review: verdict(P') in {verdict(P), needs_review}; in particular P' is never
eligible unless P is, and never ineligible unless P is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
