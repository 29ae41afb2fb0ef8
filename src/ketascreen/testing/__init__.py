"""Hypothesis strategies for testing code that uses ketascreen (and ketascreen itself).

    >>> from hypothesis import given
    >>> from ketascreen.testing import patients, less_informed, screening_dates

Every generated `Patient` validates; dates are placed relative to a screening date `on`.
See docs/testing.md for a worked example.
"""

from ketascreen.testing._codes import (
    any_icd10cm_codes,
    coded_in,
    icd10cm_codes,
    icd10cm_codes_matching,
    snomed_ids,
)
from ketascreen.testing._patients import (
    EXCLUSIONS,
    INDICATIONS,
    REFERENCE_DATE,
    bp_readings,
    drop_fields,
    droppable_fields,
    less_informed,
    patients,
)
from ketascreen.testing._rulesets import (
    VALUE_SETS,
    conditions,
    item_conditions,
    rulesets,
    screening_dates,
    write_ruleset,
)

__all__ = [
    "EXCLUSIONS",
    "INDICATIONS",
    "REFERENCE_DATE",
    "VALUE_SETS",
    "any_icd10cm_codes",
    "bp_readings",
    "coded_in",
    "conditions",
    "drop_fields",
    "droppable_fields",
    "icd10cm_codes",
    "icd10cm_codes_matching",
    "item_conditions",
    "less_informed",
    "patients",
    "rulesets",
    "screening_dates",
    "snomed_ids",
    "write_ruleset",
]
