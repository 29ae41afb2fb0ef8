"""Golden cases: example patients with their expected verdicts, kept beside a rule set.

A rule set folder may hold `cases/*.yaml`, each file of this form:

    bases:                    # optional; named base patients usable by any case file of the folder
      trd_mdd_male: { ...patient record... }
    cases:
      - id: bp_exactly_160_100_is_uncontrolled
        description: Visit mean exactly 160/100 meets the exclusion line.
        on: 2025-06-01
        base: trd_mdd_male          # with an optional `patch`, deep-merged into the base ...
        patch: { bp_readings: [...] }
        # patient: { ... }          # ... or a whole patient record instead of base/patch
        expect:
          outcome: ineligible
          reasons: [uncontrolled_hypertension]   # exact set of determining reasons
          flags: []                              # exact set of raised flags
          findings: {uncontrolled_hypertension: met}   # optional per-rule status

Deep merge: mappings merge key by key; any other value (lists too) replaces the base's; `null`
means "not recorded". `reasons` and `flags`, when given, are compared as exact sets.

Coverage: for every rule, which of met / not_met / unknown some case produced (from all findings
of every verdict, asserted or not). A rule whose condition can never be unknown (see
`can_be_unknown`) has its unknown cell not applicable.

Codes: KS601 case-file structure, KS602 missing field, KS603 duplicate case id or base name,
KS604 unknown base, KS605 invalid patient data, KS606 unknown rule id in `expect.findings`,
KS607 unknown reason or flag id, KS608 no case files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, model_validator

from ketascreen._rules.ast import All, Any_, Compare, Cond, Known, Not, RuleRef
from ketascreen._rules.load import Rule, RuleSet
from ketascreen._rules.parse import did_you_mean
from ketascreen._rules.yaml_source import Located, YamlProblem, read_yaml_file
from ketascreen._screener import Engine, Screener, _data_path, load_ruleset
from ketascreen._verdict import INSUFFICIENT_DATA, Outcome, Status, Verdict
from ketascreen.errors import CaseError, PatientDataError, Problem
from ketascreen.model import Patient, data_loc, parse_patient

CaseId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExpectSpec(_Strict):
    outcome: Outcome
    reasons: list[StrictStr] | None = None
    flags: list[StrictStr] | None = None
    findings: dict[StrictStr, Status] = {}


class CaseSpec(_Strict):
    id: CaseId
    description: StrictStr | None = None
    on: dt.date
    base: StrictStr | None = None
    patch: dict[str, Any] | None = None
    patient: dict[str, Any] | None = None
    expect: ExpectSpec

    @model_validator(mode="after")
    def _one_patient(self) -> CaseSpec:
        if self.patient is not None and (self.base is not None or self.patch is not None):
            raise ValueError("give either `patient` or `base` (with an optional `patch`), not both")
        if self.patient is None and self.base is None:
            raise ValueError("a case needs `patient`, or `base` with an optional `patch`")
        return self


class CaseFileSpec(_Strict):
    bases: dict[StrictStr, dict[str, Any]] = {}
    cases: list[Any] = []


@dataclass(frozen=True)
class Case:
    """One loaded golden case: its patient is already validated."""

    id: str
    description: str | None
    location: str
    on: dt.date
    patient: Patient
    expect: ExpectSpec


@dataclass(frozen=True)
class CaseResult:
    id: str
    description: str | None
    location: str
    passed: bool
    diff: tuple[str, ...]
    verdict: Verdict


@dataclass(frozen=True)
class RuleCoverage:
    """Which statuses some case produced for one rule; `unknown` is None when not applicable."""

    rule_id: str
    met: bool
    not_met: bool
    unknown: bool | None

    @property
    def cells(self) -> tuple[bool | None, bool | None, bool | None]:
        return (self.met, self.not_met, self.unknown)


@dataclass(frozen=True)
class CaseReport:
    """The result of running a rule set's golden cases."""

    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    cases: tuple[CaseResult, ...]
    coverage: tuple[RuleCoverage, ...]
    covered_cells: int
    applicable_cells: int
    coverage_percent: float
    passed: bool

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if not c.passed)

    def ok(self, min_coverage: float = 100.0) -> bool:
        """All cases pass and coverage reaches `min_coverage` percent."""
        return self.passed and self.coverage_percent >= min_coverage


def deep_merge(base: Any, patch: Any) -> Any:
    """Merge `patch` into `base`: mappings key by key; any other value (lists too) replaces."""
    if isinstance(base, Mapping) and isinstance(patch, Mapping):
        out = dict(base)
        for key, value in patch.items():
            out[key] = deep_merge(base[key], value) if key in base else value
        return out
    return patch


def can_be_unknown(rule: Rule, ruleset: RuleSet) -> bool:
    """Whether the rule's condition can evaluate to unknown.

    It cannot when its leaves (following `rule:` references) are only `Known` nodes, or
    comparisons guarded by a `Known` of the same fact in the same `all:` (as `asserted:` is).
    """
    return _unknowable(rule.when, ruleset, frozenset({rule.id}))


def _unknowable(cond: Cond, ruleset: RuleSet, seen: frozenset[str]) -> bool:
    if isinstance(cond, Known):
        return False
    if isinstance(cond, Not):
        return _unknowable(cond.item, ruleset, seen)
    if isinstance(cond, All):
        guarded = {c.fact for c in cond.items if isinstance(c, Known)}
        return any(
            _unknowable(c, ruleset, seen)
            for c in cond.items
            if not (isinstance(c, Compare) and c.fact in guarded)
        )
    if isinstance(cond, Any_):
        return any(_unknowable(c, ruleset, seen) for c in cond.items)
    if isinstance(cond, RuleRef):
        ref = ruleset.by_id.get(cond.rule_id)
        if ref is None or cond.rule_id in seen:
            return True
        return _unknowable(ref.when, ruleset, seen | {cond.rule_id})
    return True  # Compare and Count read data that may be unrecorded


def cases_dir(ruleset: RuleSet) -> Path:
    """`cases/` beside the rule set's top layer (its files come last in `ruleset.files`)."""
    return Path(ruleset.files[-1]).parent / "cases"


def _case_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _structure_problems(
    exc: ValidationError, located: Located, data: Any, prefix: tuple[str | int, ...]
) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = prefix + data_loc(data, tuple(err["loc"]))
        message = err["msg"].removeprefix("Value error, ")
        code, hint = "KS601", None
        if err["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}"
            hint = did_you_mean(
                str(loc[-1]),
                {*CaseSpec.model_fields, *ExpectSpec.model_fields, *CaseFileSpec.model_fields},
            )
        elif err["type"] == "missing":
            code, message = "KS602", f"missing required field {loc[-1]!r}"
        problems.append(Problem(located.where(loc), code, message, hint))
    return problems


@dataclass
class _Base:
    data: dict[str, Any]
    located: Located
    where: str


def load_cases(ruleset: RuleSet, folder: str | Path | None = None) -> list[Case]:
    """Load and check the golden cases of `folder` (default: `cases/` beside the rule set).

    Raises `CaseError` listing every problem with its `file:line:col`.
    """
    root = Path(folder) if folder is not None else cases_dir(ruleset)
    problems: list[Problem] = []
    files = _case_files(root)
    if not files:
        raise CaseError([Problem(str(root), "KS608", "no golden case files (cases/*.yaml)")])
    documents: list[tuple[Located, CaseFileSpec]] = []
    bases: dict[str, _Base] = {}
    for file in files:
        try:
            located = read_yaml_file(file, code="KS601")
        except YamlProblem as exc:
            problems.append(exc.problem)
            continue
        if located.data is None:
            continue
        if not isinstance(located.data, dict):
            problems.append(
                Problem(located.where(()), "KS601", "a case file must be a mapping", "keys: bases, cases")
            )
            continue
        try:
            spec = CaseFileSpec.model_validate(located.data)
        except ValidationError as exc:
            problems.extend(_structure_problems(exc, located, located.data, ()))
            continue
        for name, data in spec.bases.items():
            where = located.where(("bases", name))
            if name in bases:
                problems.append(
                    Problem(where, "KS603", f"duplicate base {name!r} (first at {bases[name].where})")
                )
                continue
            bases[name] = _Base(data, located, where)
        documents.append((located, spec))

    cases: list[Case] = []
    seen: dict[str, str] = {}
    for located, spec in documents:
        for i, raw in enumerate(spec.cases):
            try:
                case = CaseSpec.model_validate(raw)
            except ValidationError as exc:
                problems.extend(_structure_problems(exc, located, raw, ("cases", i)))
                continue
            where = located.where(("cases", i))
            if case.id in seen:
                problems.append(
                    Problem(
                        located.where(("cases", i, "id")),
                        "KS603",
                        f"duplicate case id {case.id!r} (first at {seen[case.id]})",
                    )
                )
                continue
            seen[case.id] = where
            _check_expect(case, ruleset, located, ("cases", i, "expect"), problems)
            patient = _case_patient(case, i, located, bases, problems)
            if patient is not None:
                cases.append(Case(case.id, case.description, where, case.on, patient, case.expect))
    if problems:
        raise CaseError(dict.fromkeys(problems))
    return cases


def _case_patient(
    case: CaseSpec, i: int, located: Located, bases: dict[str, _Base], problems: list[Problem]
) -> Patient | None:
    if case.patient is not None:
        data: dict[str, Any] = case.patient
    else:
        assert case.base is not None
        base = bases.get(case.base)
        if base is None:
            problems.append(
                Problem(
                    located.where(("cases", i, "base")),
                    "KS604",
                    f"unknown base {case.base!r}",
                    did_you_mean(case.base, bases) or "define it under `bases:` in a case file",
                )
            )
            return None
        data = deep_merge(base.data, case.patch or {})
    try:
        return parse_patient(data)
    except PatientDataError as exc:
        for p in exc.problems:
            path = _data_path(p.location) if p.location != "<record>" else ()
            if case.patient is not None:
                where = located.where(("cases", i, "patient", *path))
            elif case.patch is not None and _in_patch(case.patch, path):
                where = located.where(("cases", i, "patch", *path))
            else:
                base = bases[str(case.base)]
                where = base.located.where(("bases", str(case.base), *path))
                problems.append(
                    Problem(where, "KS605", f"base {case.base!r}: {p.location}: {p.message}", p.hint)
                )
                continue
            problems.append(Problem(where, "KS605", f"case {case.id!r}: {p.location}: {p.message}", p.hint))
        return None


def _in_patch(patch: Any, path: tuple[str | int, ...]) -> bool:
    """Whether the value at `path` of the merged record comes from the patch."""
    node = patch
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return True
    return True


def _check_expect(
    case: CaseSpec, ruleset: RuleSet, located: Located, at: tuple[str | int, ...], problems: list[Problem]
) -> None:
    rules = ruleset.by_id
    reasons = {r.id for r in ruleset.rules if r.determining} | {INSUFFICIENT_DATA}
    flags = {r.id for r in ruleset.rules if r.verdict_class == "flag"}
    for j, rid in enumerate(case.expect.reasons or []):
        if rid not in reasons:
            hint = "it is a flag: list it under `flags`" if rid in flags else did_you_mean(rid, reasons)
            problems.append(
                Problem(located.where((*at, "reasons", j)), "KS607", f"unknown reason id {rid!r}", hint)
            )
    for j, rid in enumerate(case.expect.flags or []):
        if rid not in flags:
            hint = "it is not a flag rule" if rid in rules else did_you_mean(rid, flags)
            problems.append(
                Problem(located.where((*at, "flags", j)), "KS607", f"unknown flag id {rid!r}", hint)
            )
    for rid in case.expect.findings:
        if rid not in rules:
            problems.append(
                Problem(
                    located.where((*at, "findings", rid)),
                    "KS606",
                    f"unknown rule id {rid!r}",
                    did_you_mean(rid, rules),
                )
            )


def _diff(expect: ExpectSpec, verdict: Verdict) -> list[str]:
    lines: list[str] = []
    if expect.outcome != verdict.outcome:
        lines.append(f"outcome: expected {expect.outcome}, got {verdict.outcome}")
    for name, wanted, got in (
        ("reasons", expect.reasons, verdict.reasons),
        ("flags", expect.flags, verdict.flags),
    ):
        if wanted is None or set(wanted) == set(got):
            continue
        missing = sorted(set(wanted) - set(got))
        extra = sorted(set(got) - set(wanted))
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(extra)}" if extra else "",
            )
            if part
        )
        lines.append(f"{name}: expected [{', '.join(sorted(wanted))}], got [{', '.join(got)}] ({detail})")
    for rid, status in expect.findings.items():
        actual = verdict.finding(rid).status
        if actual != status:
            lines.append(f"finding {rid}: expected {status}, got {actual}")
    return lines


def run_cases(
    source: Screener | str | Path | None = None,
    *,
    engine: Engine = "durable",
    cases: str | Path | None = None,
) -> CaseReport:
    """Run the golden cases of a rule set and measure its rule coverage.

    `source` is a `Screener`, or a rule-set path (default: the bundled rule set) loaded with
    `engine`. `cases` is the case folder (default: `cases/` beside the rule set's top layer).
    Raises `RuleSetError` for a bad rule set and `CaseError` for bad case files.
    """
    if isinstance(source, Screener):
        return _run(source, cases)
    with load_ruleset(source, engine=engine) as screener:
        return _run(screener, cases)


def _run(screener: Screener, folder: str | Path | None) -> CaseReport:
    ruleset = screener.ruleset
    loaded = load_cases(ruleset, folder)
    seen: dict[str, set[str]] = {r.id: set() for r in ruleset.rules}
    results: list[CaseResult] = []
    for case in loaded:
        verdict = screener.screen(case.patient, on=case.on)
        for finding in verdict.findings:
            seen[finding.rule_id].add(finding.status)
        diff = _diff(case.expect, verdict)
        results.append(CaseResult(case.id, case.description, case.location, not diff, tuple(diff), verdict))
    coverage = tuple(
        RuleCoverage(
            rule_id=r.id,
            met="met" in seen[r.id],
            not_met="not_met" in seen[r.id],
            unknown=("unknown" in seen[r.id]) if can_be_unknown(r, ruleset) else None,
        )
        for r in ruleset.rules
    )
    cells = [c for cov in coverage for c in cov.cells if c is not None]
    covered, applicable = sum(cells), len(cells)
    return CaseReport(
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_hash=ruleset.content_hash,
        cases=tuple(results),
        coverage=coverage,
        covered_cells=covered,
        applicable_cells=applicable,
        coverage_percent=100.0 * covered / applicable if applicable else 100.0,
        passed=all(r.passed for r in results),
    )
