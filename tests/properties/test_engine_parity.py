"""Property 6: engine parity. The durable-rules and the reference evaluator agree on every
rule's status (the durable screener raises EngineError on any disagreement), and the two
screeners' verdicts are equal apart from `provenance.engine`: on random rule sets x random
patients, and on the default rule set."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import patients, rulesets, screening_dates
from tests.properties._support import default_screener, loaded, rs, value_set_source


def check(durable: ks.Screener, reference: ks.Screener, patient: ks.Patient, on: dt.date) -> None:
    one = durable.screen(patient, on=on)  # raises EngineError on a per-rule disagreement
    two = reference.screen(patient, on=on)
    assert {f.rule_id: f.status for f in one.findings} == {f.rule_id: f.status for f in two.findings}
    same = {"provenance": {"engine"}}
    assert one.model_dump(exclude=same) == two.model_dump(exclude=same)


@given(st.data())
def test_default_ruleset(data: st.DataObject) -> None:
    on = data.draw(screening_dates())
    complete = data.draw(st.booleans())
    patient = data.draw(patients(ruleset=rs(), on=on, complete=complete))
    check(default_screener("durable"), default_screener("reference"), patient, on)


@given(rulesets(), st.data())
def test_random_rulesets(ruleset: dict[str, Any], data: st.DataObject) -> None:
    with loaded(ruleset) as durable, loaded(ruleset, engine="reference") as reference:
        for _ in range(4):
            on = data.draw(screening_dates())
            patient = data.draw(
                patients(ruleset=value_set_source(), on=on, complete=data.draw(st.booleans()))
            )
            check(durable, reference, patient, on)
