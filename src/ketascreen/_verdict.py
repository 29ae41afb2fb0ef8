"""The explained verdict, and how rule findings combine into an outcome.

Combining logic (shared/clinical/criteria.md section 2) as a truth table over the determining
findings, where B = an absolute or indication_fail rule is met, R = a relative, missing_data or
indication_review rule is met, U = some determining rule is unknown:

| B   | R   | U   | outcome      |
|-----|-----|-----|--------------|
| yes | any | any | ineligible   |
| no  | yes | any | needs_review |
| no  | no  | yes | needs_review |
| no  | no  | no  | eligible     |

Reasons: for `ineligible`, the met absolute + indication_fail ids; for `needs_review`, the met
relative + missing_data + indication_review ids, plus `insufficient_data` when a determining rule
is unknown and no met missing_data rule already names the missing data; `eligible` has none.
Hence unknown data can never produce `eligible`. Flags are raised whatever the outcome.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["eligible", "ineligible", "needs_review"]
Status = Literal["met", "not_met", "unknown"]
VerdictClass = Literal[
    "absolute", "indication_fail", "relative", "missing_data", "indication_review", "flag", "criterion"
]

INSUFFICIENT_DATA = "insufficient_data"
_BLOCKING = ("absolute", "indication_fail")
_REVIEW = ("relative", "missing_data", "indication_review")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Frozen):
    """A fact a rule read and its value (`null` = not recorded), or the list items it counted."""

    fact: str
    value: bool | int | float | str | list[str] | None = None
    detail: str | None = None


class Finding(_Frozen):
    rule_id: str
    kind: str
    severity: str | None
    verdict_class: VerdictClass
    status: Status
    determining: bool = Field(description="whether this finding is one of the verdict's reasons")
    title: str
    rationale: str
    sources: tuple[str, ...]
    program_default: bool
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...] = Field(description="data that would settle an unknown finding")
    action: str | None = None


class MissingData(_Frozen):
    data: str = Field(description="a patient data path, e.g. `bp_readings` or `treatment_trials[1].outcome`")
    rules: tuple[str, ...] = Field(description="the unknown rules this data would settle")


class Provenance(_Frozen):
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    engine: Literal["durable", "reference"]
    library_version: str
    screened_on: dt.date


class Verdict(_Frozen):
    """An explained screening verdict. Serialises to JSON and back losslessly."""

    patient_id: str | None
    outcome: Outcome
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    findings: tuple[Finding, ...]
    missing: tuple[MissingData, ...]
    provenance: Provenance

    def finding(self, rule_id: str) -> Finding:
        """The finding of one rule; raises `KeyError` for an unknown id."""
        for f in self.findings:
            if f.rule_id == rule_id:
                return f
        raise KeyError(rule_id)

    def _repr_html_(self) -> str:
        from ketascreen._display import render_html

        return render_html(self)

    def __str__(self) -> str:
        from ketascreen._display import render_text

        return render_text(self)


def decide(findings: list[dict[str, Any]]) -> tuple[Outcome, tuple[str, ...], set[str]]:
    """Apply the truth table. `findings` carry rule_id, verdict_class, status, unrecorded
    (every fact read but not recorded) and unknown_facts (the facts that make it unknown).

    Returns the outcome, the determining reason ids (sorted), and the ids of the findings that
    are determining (the reasons that are rules, plus the unknown rules behind insufficient_data).
    """

    def ids(classes: tuple[str, ...], status: str) -> list[str]:
        return sorted(
            f["rule_id"] for f in findings if f["verdict_class"] in classes and f["status"] == status
        )

    blocking = ids(_BLOCKING, "met")
    if blocking:
        return "ineligible", tuple(blocking), set(blocking)
    review = ids(_REVIEW, "met")
    unknown = [
        f for f in findings if f["verdict_class"] in (*_BLOCKING, *_REVIEW) and f["status"] == "unknown"
    ]
    if not review and not unknown:
        return "eligible", (), set()
    named = {
        m
        for f in findings
        if f["verdict_class"] == "missing_data" and f["status"] == "met"
        for m in f["unrecorded"]
    }
    uncovered = [f for f in unknown if not named.intersection(f["unknown_facts"])]
    reasons = review + ([INSUFFICIENT_DATA] if uncovered else [])
    return "needs_review", tuple(reasons), set(review) | {f["rule_id"] for f in uncovered}
