"""Benchmark: patients/s for the default rule set with each engine, and rule-set load cost.

Run: .venv/bin/python bench/bench_screen.py [--patients 2000] [--repeat 3]
Prints figures; asserts nothing. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time
from pathlib import Path

import ketascreen as ks

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "patients"
ON = dt.date(2025, 6, 1)


def cohort(n: int) -> list[ks.Patient]:
    """A varied cohort: the examples with blood pressure spread over the thresholds."""
    base = [ks.load_patient(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    out = []
    for i in range(n):
        reading = ks.BloodPressureReading(
            systolic=110 + i % 90, diastolic=70 + i % 40, date=dt.date(2025, 5, 30), position="seated"
        )
        out.append(base[i % len(base)].model_copy(update={"id": f"p{i}", "bp_readings": (reading,)}))
    return out


def best_of(repeat: int, fn: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, ketascreen {ks.__version__}")

    load_times = []
    for _ in range(5):
        start = time.perf_counter()
        ks.load_ruleset(engine="reference").close()
        load_times.append(time.perf_counter() - start)
    durable_loads = []
    for _ in range(5):
        start = time.perf_counter()
        ks.load_ruleset().close()
        durable_loads.append(time.perf_counter() - start)
    with ks.load_ruleset(engine="reference") as s:
        rs = s.ruleset
    print(f"rule set {rs.id} {rs.version}: {len(rs.rules)} rules, {len(rs.value_sets)} value sets")
    print(
        f"load + check + compile: {statistics.median(load_times) * 1000:.1f} ms (reference), "
        f"{statistics.median(durable_loads) * 1000:.1f} ms (durable, incl. engine build); median of 5"
    )

    patients = cohort(args.patients)
    for engine in ("reference", "durable"):
        with ks.load_ruleset(engine=engine) as screener:
            screener.screen(patients[0], on=ON)  # warm-up
            seconds = best_of(args.repeat, lambda s=screener: [s.screen(p, on=ON) for p in patients])
        rate = len(patients) / seconds
        print(
            f"{engine:>9}: {rate:8.0f} patients/s ({seconds / len(patients) * 1e6:6.0f} us/patient), "
            f"{len(patients)} patients, best of {args.repeat}"
        )


if __name__ == "__main__":
    main()
