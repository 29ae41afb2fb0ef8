"""Property 4: determinism. The same patient and screening date give a byte-identical
`model_dump_json()`, screened twice by one screener or by two screeners of the same rule set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import patients, screening_dates
from tests.properties._support import RULESET_PATH, default_screener, rs

_SECOND: list[ks.Screener] = []


def second() -> ks.Screener:
    if not _SECOND:
        _SECOND.append(ks.load_ruleset(RULESET_PATH, engine="reference"))
    return _SECOND[0]


def teardown_module() -> None:
    while _SECOND:
        _SECOND.pop().close()


@given(st.data())
def test_same_input_same_bytes(data: st.DataObject) -> None:
    on = data.draw(screening_dates())
    patient = data.draw(patients(ruleset=rs(), on=on))
    first = default_screener().screen(patient, on=on).model_dump_json()
    assert default_screener().screen(patient, on=on).model_dump_json() == first
    assert second().screen(patient, on=on).model_dump_json() == first
    # a dict record (the JSON form) screens the same as the validated model
    assert default_screener().screen(patient.model_dump(mode="python"), on=on).model_dump_json() == first
