"""The rule-file format as Pydantic models: validated on load, exported as a JSON Schema.

A rule set is one YAML file, or a folder of them, holding any of the top-level keys below.
Exactly one file of a rule set carries `ruleset:` (its id, version and optional `extends`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

Id = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]{0,79}$")]
SourceId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")]
Text = Annotated[StrictStr, Field(min_length=1, max_length=4000)]

SEVERITIES: dict[str, tuple[str, ...]] = {
    "exclusion": ("absolute", "relative"),
    "indication": ("fail", "review"),
    "prerequisite": ("fail", "review"),
    "flag": ("must_raise", "advisory"),
    "missing_data": (),
    "criterion": (),
}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleSetMeta(_Strict):
    """Identity of the rule set, reported in every verdict's provenance."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_.-]{0,79}$")]
    version: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    title: Text
    description: Text | None = None
    extends: StrictStr | None = Field(
        default=None,
        description="`default` for the bundled rule set, or a path relative to this file",
    )


class Source(_Strict):
    citation: Text
    url: StrictStr | None = None
    note: Text | None = None
    override: StrictBool = False


class IcdCodes(_Strict):
    include: list[StrictStr] = Field(min_length=1)
    exclude: list[StrictStr] = []


class ValueSetSpec(_Strict):
    """Codes one concept may be recorded as, in several code systems, and/or plain names."""

    title: Text
    note: Text | None = None
    icd10cm: IcdCodes | None = None
    snomedct: list[Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]{5,17}$")]] = []
    rxnorm: list[Annotated[StrictStr, Field(pattern=r"^[0-9]{1,10}$")]] = []
    names: list[Annotated[StrictStr, Field(min_length=1, pattern=r"^[^A-Z]+$")]] = []
    override: StrictBool = False

    @model_validator(mode="after")
    def _not_empty(self) -> ValueSetSpec:
        if not (self.icd10cm or self.snomedct or self.rxnorm or self.names):
            raise ValueError("a value set needs at least one of icd10cm, snomedct, rxnorm, names")
        return self


class RuleSpec(_Strict):
    """One rule. Its `id` is the reason id verdicts report; `when` is its condition."""

    id: Id
    kind: Literal["indication", "prerequisite", "exclusion", "missing_data", "flag", "criterion"]
    severity: Literal["absolute", "relative", "fail", "review", "must_raise", "advisory"] | None = None
    title: Text
    rationale: Text
    sources: list[SourceId] = []
    program_default: StrictBool = False
    action: Text | None = Field(default=None, description="what to do when a flag is raised")
    when: dict[str, Any] = Field(description="the condition; see docs/rule-authoring.md")
    override: StrictBool = False

    @model_validator(mode="after")
    def _severity_fits_kind(self) -> RuleSpec:
        allowed = SEVERITIES[self.kind]
        if allowed and self.severity not in allowed:
            raise ValueError(f"a {self.kind} rule needs severity: one of {', '.join(allowed)}")
        if not allowed and self.severity is not None:
            raise ValueError(f"a {self.kind} rule takes no severity")
        if self.kind != "criterion" and not self.sources:
            raise ValueError("cite at least one source id in `sources`")
        return self


class RuleFile(_Strict):
    """One YAML file of a rule set."""

    ruleset: RuleSetMeta | None = None
    sources: dict[SourceId, Source] = {}
    value_sets: dict[Id, ValueSetSpec] = {}
    rules: list[RuleSpec] = []
