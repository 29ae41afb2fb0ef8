"""Hypothesis profiles for the whole suite.

- `ci` (default): fast and reproducible (derandomized, no example database), no deadline
  (the durable-rules engine is slowish and its timing varies).
- `thorough`: at least 10,000 examples per property. Select it with
  `KETASCREEN_HYPOTHESIS_PROFILE=thorough`.

Neither profile relies on pytest's cache provider or on a `.hypothesis/` directory, so
`-p no:cacheprovider` and read-only checkouts behave the same.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=10_000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("KETASCREEN_HYPOTHESIS_PROFILE", "ci"))
