"""The durable-rules traps: the 1024-session cap, and crashes under threads."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ketascreen as ks

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "patients"
ON = dt.date(2025, 6, 1)


def _patients(n: int) -> list[ks.Patient]:
    base = [ks.load_patient(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    out = []
    for i in range(n):
        p = base[i % len(base)]
        reading = ks.BloodPressureReading(
            systolic=110 + i % 90, diastolic=70 + i % 40, date=dt.date(2025, 5, 30), position="seated"
        )
        out.append(p.model_copy(update={"id": f"p{i}", "bp_readings": (reading,)}))
    return out


def test_5000_patients_in_a_row_leave_no_session_behind() -> None:
    # Sessions are capped at 1024 per ruleset; a leak would raise MemoryError and then crash.
    with ks.load_ruleset() as screener:
        durable = screener._durable
        assert durable is not None
        verdicts = [screener.screen(p, on=ON) for p in _patients(5000)]
        assert durable._fired == {}
    assert len(verdicts) == 5000
    assert {v.outcome for v in verdicts} == {"eligible", "ineligible", "needs_review"}


def test_eight_threads_give_exactly_the_serial_verdicts() -> None:
    patients = _patients(400)
    with ks.load_ruleset() as screener:
        serial = [screener.screen(p, on=ON).model_dump_json() for p in patients]
        with ThreadPoolExecutor(max_workers=8) as pool:
            threaded = list(pool.map(lambda p: screener.screen(p, on=ON).model_dump_json(), patients))
    assert threaded == serial


def test_many_screeners_can_be_built_and_closed() -> None:
    # Each load owns its host and ruleset and frees it: no name clash, no global state.
    for _ in range(10):
        with ks.load_ruleset() as screener:
            screener.screen({}, on=ON)
