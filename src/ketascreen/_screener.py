"""The façade: load a rule set once, screen many patients, get explained verdicts."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from ketascreen._engine.durable import DurableEvaluator
from ketascreen._engine.plan import Plan, build_facts, compile_plan
from ketascreen._engine.reference import ReferenceEvaluator, RuleResult
from ketascreen._rules.ast import Tri
from ketascreen._rules.load import RuleSet
from ketascreen._rules.load import load_ruleset as _load_rules
from ketascreen._rules.yaml_source import Located, YamlProblem, load_yaml
from ketascreen._verdict import Verdict, decide
from ketascreen.errors import EngineError, PatientDataError, Problem
from ketascreen.model import Patient, parse_patient

Engine = Literal["durable", "reference"]


def library_version() -> str:
    try:
        return importlib.metadata.version("ketascreen")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


class Screener:
    """Screens patients against one loaded rule set. Thread-safe; close it (or use `with`)."""

    def __init__(self, ruleset: RuleSet, *, engine: Engine = "durable") -> None:
        if engine not in ("durable", "reference"):
            raise ValueError(f"engine must be 'durable' or 'reference', not {engine!r}")
        self.ruleset = ruleset
        self.engine: Engine = engine
        self._plan: Plan = compile_plan(ruleset)
        self._reference = ReferenceEvaluator(self._plan)
        self._durable = DurableEvaluator(self._plan) if engine == "durable" else None
        self._version = library_version()

    def __repr__(self) -> str:
        rs = self.ruleset
        return f"<Screener {rs.id} {rs.version} ({len(rs.rules)} rules, engine={self.engine})>"

    def close(self) -> None:
        """Free the engine's resources. Idempotent; screening afterwards raises `EngineError`."""
        if self._durable is not None:
            self._durable.close()

    def __enter__(self) -> Screener:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def screen(self, patient: Patient | Mapping[str, Any], *, on: dt.date) -> Verdict:
        """Screen one patient on the screening date `on`. Returns a verdict; never raises for
        an ineligible patient or unknown data. Raises `PatientDataError` for an invalid record."""
        if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise TypeError(f"`on` must be a datetime.date, not {type(on).__name__}")
        if not isinstance(patient, Patient):
            patient = parse_patient(dict(patient) if isinstance(patient, Mapping) else patient)
        facts = build_facts(self._plan, patient, on)
        results = self._reference.evaluate(facts)
        if self._durable is not None:
            fired = self._durable.evaluate(facts)
            wrong = [rid for rid, status in fired.items() if results[rid].status is not status]
            if wrong:
                details = ", ".join(
                    f"{r}: durable {fired[r].value}, reference {results[r].status.value}" for r in wrong[:5]
                )
                raise EngineError(f"the evaluators disagree on {len(wrong)} rule(s): {details}")
        return self._verdict(patient, on, results)

    def screen_many(self, patients: Iterable[Patient | Mapping[str, Any]], *, on: dt.date) -> list[Verdict]:
        return [self.screen(p, on=on) for p in patients]

    def _verdict(self, patient: Patient, on: dt.date, results: dict[str, RuleResult]) -> Verdict:
        rules = self.ruleset.rules
        raw = [
            {
                "rule_id": r.id,
                "verdict_class": r.verdict_class,
                "status": results[r.id].status.value,
                "unrecorded": results[r.id].unrecorded,
                "unknown_facts": results[r.id].unknown_facts,
            }
            for r in rules
        ]
        outcome, reasons, determining = decide(raw)
        # One validation pass in pydantic-core over plain data: several times faster than
        # building the 50-odd nested models one by one in Python.
        findings = [
            {
                "rule_id": r.id,
                "kind": r.kind,
                "severity": r.severity,
                "verdict_class": r.verdict_class,
                "status": results[r.id].status.value,
                "determining": r.id in determining,
                "title": r.title,
                "rationale": r.rationale,
                "sources": r.sources,
                "program_default": r.program_default,
                "evidence": [
                    {"fact": e.fact, "value": e.value, "detail": e.detail} for e in results[r.id].evidence
                ],
                "missing": results[r.id].missing,
                "action": r.action,
            }
            for r in rules
        ]
        flags = sorted(r.id for r in rules if r.verdict_class == "flag" and results[r.id].status is Tri.TRUE)
        settles: dict[str, list[str]] = {}
        for r in rules:
            if r.verdict_class != "criterion":
                for data in results[r.id].missing:
                    settles.setdefault(data, []).append(r.id)
        return Verdict.model_validate(
            {
                "patient_id": patient.id,
                "outcome": outcome,
                "reasons": reasons,
                "flags": flags,
                "findings": findings,
                "missing": [{"data": d, "rules": ids} for d, ids in sorted(settles.items())],
                "provenance": {
                    "ruleset_id": self.ruleset.id,
                    "ruleset_version": self.ruleset.version,
                    "ruleset_hash": self.ruleset.content_hash,
                    "engine": self.engine,
                    "library_version": self._version,
                    "screened_on": on,
                },
            }
        )


def load_ruleset(path: str | Path | None = None, *, engine: Engine = "durable") -> Screener:
    """Load, check and compile a rule set (default: the bundled ketamine rule set).

    Raises `RuleSetError` listing every problem with its `file:line:col`.
    """
    return Screener(_load_rules(path), engine=engine)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _data_path(text: str) -> tuple[str | int, ...]:
    return tuple(int(i) if i else name for name, i in _PATH_PART.findall(text))


def load_patient(path: str | Path) -> Patient:
    """Read one patient record from a YAML or JSON file.

    Raises `PatientDataError` whose problems name the data path and the `file:line:col`.
    """
    file = Path(path)
    try:
        located: Located = load_yaml(file.read_text(encoding="utf-8"), str(file))  # JSON is YAML
    except YamlProblem as exc:
        raise PatientDataError([exc.problem]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PatientDataError([Problem(str(file), "KS500", f"cannot read patient file: {exc}")]) from exc
    try:
        return parse_patient(located.data)
    except PatientDataError as exc:
        raise PatientDataError(
            Problem(f"{located.where(_data_path(p.location))} {p.location}", p.code, p.message, p.hint)
            for p in exc.problems
        ) from exc
