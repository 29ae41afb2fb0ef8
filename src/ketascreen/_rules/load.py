"""Load a rule set (a YAML file or a folder of them), layer it over its base, check it, and
return an immutable `RuleSet`. Every problem is collected and raised together as `RuleSetError`.

Codes: KS2xx schema of a file; KS4xx rule-set level (KS401 duplicate id, KS402 unknown source,
KS403 reference cycle, KS404 no `ruleset:`, KS405 several `ruleset:`, KS406 bad `extends`,
KS408 reserved id, KS409 empty rule set).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from ketascreen._rules.ast import Cond, RuleRef, walk
from ketascreen._rules.parse import ParseContext, did_you_mean, parse_condition
from ketascreen._rules.schema import RuleFile, RuleSetMeta, RuleSpec, Source
from ketascreen._rules.valuesets import IcdEntry, ValueSet, icd_entry_problem
from ketascreen._rules.yaml_source import Located, Path, YamlProblem, read_yaml_file
from ketascreen.errors import Problem, RuleSetError
from ketascreen.model import data_loc

RESERVED_IDS = frozenset({"insufficient_data"})
MAX_LAYERS = 8

VERDICT_CLASSES = {
    ("exclusion", "absolute"): "absolute",
    ("exclusion", "relative"): "relative",
    ("indication", "fail"): "indication_fail",
    ("prerequisite", "fail"): "indication_fail",
    ("indication", "review"): "indication_review",
    ("prerequisite", "review"): "indication_review",
    ("missing_data", None): "missing_data",
    ("flag", "must_raise"): "flag",
    ("flag", "advisory"): "flag",
    ("criterion", None): "criterion",
}


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str | None
    verdict_class: str
    title: str
    rationale: str
    sources: tuple[str, ...]
    program_default: bool
    action: str | None
    when: Cond
    location: str

    @property
    def determining(self) -> bool:
        """Whether the rule can decide the outcome (flags and criteria cannot)."""
        return self.verdict_class not in ("flag", "criterion")


@dataclass(frozen=True)
class RuleSet:
    """A loaded, checked rule set. Immutable; safe to share between threads."""

    id: str
    version: str
    title: str
    description: str | None
    content_hash: str
    files: tuple[str, ...]
    sources: dict[str, Source]
    value_sets: dict[str, ValueSet]
    rules: tuple[Rule, ...]
    by_id: dict[str, Rule] = field(repr=False)


def bundled_ruleset_path() -> FsPath:
    """The default rule set shipped with the package (`rules/ketamine` in the source tree)."""
    return FsPath(str(importlib.resources.files("ketascreen._bundled_rules"))) / "ketamine"


def _rule_files(path: FsPath) -> list[FsPath]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


@dataclass
class _Layer:
    meta: RuleSetMeta | None = None
    meta_where: str = ""
    sources: dict[str, tuple[Source, str]] = field(default_factory=dict)
    value_sets: dict[str, tuple[Any, str, Located]] = field(default_factory=dict)
    rules: list[tuple[RuleSpec, Located, int]] = field(default_factory=list)
    files: list[FsPath] = field(default_factory=list)


def _read_layer(path: FsPath, problems: list[Problem]) -> _Layer:
    layer = _Layer()
    if not path.exists():
        problems.append(Problem(str(path), "KS406", "no such rule file or folder"))
        return layer
    files = _rule_files(path)
    if not files:
        problems.append(Problem(str(path), "KS409", "folder holds no .yaml rule files"))
    for file in files:
        layer.files.append(file)
        try:
            located = read_yaml_file(file, code="KS101")
        except YamlProblem as exc:
            problems.append(exc.problem)
            continue
        if located.data is None:
            continue
        if not isinstance(located.data, dict):
            problems.append(
                Problem(
                    located.where(()),
                    "KS201",
                    "a rule file must be a mapping",
                    "top-level keys: ruleset, sources, value_sets, rules",
                )
            )
            continue
        # Validate each rule on its own, so one malformed rule does not hide the others' problems.
        raw_rules = located.data.get("rules", [])
        header = {k: v for k, v in located.data.items() if k != "rules"}
        try:
            parsed = RuleFile.model_validate(header)
        except ValidationError as exc:
            problems.extend(_schema_problems(exc, located, header))
            parsed = RuleFile()
        if not isinstance(raw_rules, list):
            problems.append(Problem(located.where(("rules",)), "KS201", "`rules` must be a list"))
            raw_rules = []
        for i, raw in enumerate(raw_rules):
            try:
                layer.rules.append((RuleSpec.model_validate(raw), located, i))
            except ValidationError as exc:
                problems.extend(_schema_problems(exc, located, raw, ("rules", i)))
        if parsed.ruleset is not None:
            if layer.meta is not None:
                problems.append(
                    Problem(
                        located.where(("ruleset",)),
                        "KS405",
                        f"second `ruleset:` block (first at {layer.meta_where})",
                    )
                )
            else:
                layer.meta, layer.meta_where = parsed.ruleset, located.where(("ruleset",))
        for sid, source in parsed.sources.items():
            where = located.where(("sources", sid))
            if sid in layer.sources:
                problems.append(Problem(where, "KS401", f"duplicate source id {sid!r}"))
            layer.sources[sid] = (source, where)
        for vid, spec in parsed.value_sets.items():
            where = located.where(("value_sets", vid))
            if vid in layer.value_sets:
                problems.append(Problem(where, "KS401", f"duplicate value set id {vid!r}"))
            layer.value_sets[vid] = (spec, where, located)
    return layer


def _schema_problems(
    exc: ValidationError, located: Located, data: Any, prefix: tuple[str | int, ...] = ()
) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = prefix + data_loc(data, tuple(err["loc"]))
        message = err["msg"].removeprefix("Value error, ")
        hint = None
        if err["type"] == "extra_forbidden":
            field_name = str(loc[-1]) if loc else "?"
            message = f"unknown field {field_name!r}"
            hint = _field_hint(field_name)
        elif err["type"] == "string_type" and isinstance(err.get("input"), int | float):
            hint = "quote it to make it a string"
        elif err["type"] == "missing":
            message = f"missing required field {loc[-1]!r}" if loc else "missing required field"
        problems.append(
            Problem(located.where(loc), "KS201" if err["type"] != "missing" else "KS202", message, hint)
        )
    return problems


def _field_hint(name: str) -> str | None:
    from ketascreen._rules import schema

    candidates: set[str] = set()
    for model in (
        schema.RuleFile,
        schema.RuleSpec,
        schema.ValueSetSpec,
        schema.Source,
        schema.RuleSetMeta,
        schema.IcdCodes,
    ):
        candidates.update(model.model_fields)
    return did_you_mean(name, candidates)


def _value_set(vid: str, spec: Any, where: str, located: Located, problems: list[Problem]) -> ValueSet:
    include: list[IcdEntry] = []
    exclude: list[IcdEntry] = []
    if spec.icd10cm is not None:
        for key, out in (("include", include), ("exclude", exclude)):
            for i, entry in enumerate(getattr(spec.icd10cm, key)):
                why = icd_entry_problem(entry)
                if why:
                    problems.append(
                        Problem(
                            located.where(("value_sets", vid, "icd10cm", key, i)),
                            "KS306",
                            f"bad ICD-10-CM entry {entry!r}",
                            why,
                        )
                    )
                else:
                    out.append(IcdEntry(entry))
    return ValueSet(
        id=vid,
        title=spec.title,
        note=spec.note,
        icd10cm_include=tuple(include),
        icd10cm_exclude=tuple(exclude),
        snomedct=frozenset(spec.snomedct),
        rxnorm=frozenset(spec.rxnorm),
        names=frozenset(n.strip() for n in spec.names),
    )


def _merge(
    base: dict[str, Any], layer: dict[str, Any], what: str, problems: list[Problem], override_of: Any
) -> dict[str, Any]:
    merged = dict(base)
    for key, entry in layer.items():
        item, where = entry[0], entry[1]
        if key in base and not override_of(item):
            problems.append(
                Problem(
                    where,
                    "KS401",
                    f"{what} {key!r} is already defined by the base rule set",
                    "add `override: true` to replace it",
                )
            )
        elif key not in base and override_of(item):
            problems.append(
                Problem(
                    where,
                    "KS406",
                    f"{what} {key!r} overrides nothing",
                    did_you_mean(key, base) or "remove `override: true`",
                )
            )
        merged[key] = entry
    return merged


def load_ruleset(path: str | FsPath | None = None) -> RuleSet:
    """Load and check a rule set; `None` loads the bundled default. Raises `RuleSetError`."""
    problems: list[Problem] = []
    root = FsPath(path) if path is not None else bundled_ruleset_path()
    layers: list[_Layer] = []
    seen: set[FsPath] = set()
    current: FsPath | None = root
    while current is not None:
        resolved = current.resolve()
        if resolved in seen or len(layers) >= MAX_LAYERS:
            problems.append(Problem(str(current), "KS406", "`extends` forms a cycle or is too deep"))
            break
        seen.add(resolved)
        layer = _read_layer(current, problems)
        layers.append(layer)
        current = None
        if layer.meta is None:
            if layer.files and not problems:  # a broken file would make this one misleading
                problems.append(
                    Problem(
                        f"{layer.files[0]}:1:1",
                        "KS404",
                        "no `ruleset:` block (id, version, title) in the rule set",
                    )
                )
        elif layer.meta.extends is not None:
            ext = layer.meta.extends
            base_dir = FsPath(layer.meta_where.rsplit(":", 2)[0]).parent
            current = bundled_ruleset_path() if ext == "default" else FsPath(os.path.normpath(base_dir / ext))
    if any(layer.meta is None for layer in layers):
        raise RuleSetError(problems)
    # Go on despite problems so far: condition checks add theirs, and all are reported together.
    return _assemble(list(reversed(layers)), problems)


def _assemble(layers: list[_Layer], problems: list[Problem]) -> RuleSet:
    sources: dict[str, Any] = {}
    value_specs: dict[str, Any] = {}
    rule_entries: dict[str, tuple[RuleSpec, Located, int]] = {}
    duplicates: list[tuple[RuleSpec, Located, int]] = []  # parsed for their problems only
    for depth, layer in enumerate(layers):
        sources = _merge(sources, layer.sources, "source", problems, lambda s: s.override)
        value_specs = _merge(value_specs, layer.value_sets, "value set", problems, lambda v: v.override)
        this_layer: set[str] = set()
        for spec, located, i in layer.rules:
            where = located.where(("rules", i, "id"))
            if spec.id in this_layer:
                problems.append(Problem(where, "KS401", f"duplicate rule id {spec.id!r}"))
                duplicates.append((spec, located, i))
                continue
            if spec.id in rule_entries and not spec.override:
                problems.append(
                    Problem(
                        where,
                        "KS401",
                        f"rule {spec.id!r} is already defined by the base rule set",
                        "add `override: true` to replace it",
                    )
                )
            elif spec.id not in rule_entries and spec.override:
                problems.append(
                    Problem(
                        where,
                        "KS406",
                        f"rule {spec.id!r} overrides nothing",
                        did_you_mean(spec.id, rule_entries),
                    )
                )
            if spec.id in RESERVED_IDS:
                problems.append(Problem(where, "KS408", f"{spec.id!r} is a reserved reason id"))
            this_layer.add(spec.id)
            if depth > 0 and spec.id in rule_entries:
                del rule_entries[spec.id]  # keep the override at the end of the evaluation order
            rule_entries[spec.id] = (spec, located, i)

    value_sets = {vid: _value_set(vid, e[0], e[1], e[2], problems) for vid, e in value_specs.items()}
    ctx = ParseContext(where=lambda p: "", value_sets=value_sets, problems=problems)
    rules: list[Rule] = []
    for spec, located, i in [*rule_entries.values(), *duplicates]:
        ctx.where = _rule_locator(located, i)
        when = parse_condition(ctx, spec.when, ("when",))
        for j, sid in enumerate(spec.sources):
            if sid not in sources:
                problems.append(
                    Problem(
                        located.where(("rules", i, "sources", j)),
                        "KS402",
                        f"unknown source id {sid!r}",
                        did_you_mean(sid, sources),
                    )
                )
        if when is not None and spec.id in rule_entries and rule_entries[spec.id][0] is spec:
            rules.append(
                Rule(
                    id=spec.id,
                    kind=spec.kind,
                    severity=spec.severity,
                    verdict_class=VERDICT_CLASSES[(spec.kind, spec.severity)],
                    title=spec.title,
                    rationale=spec.rationale,
                    sources=tuple(spec.sources),
                    program_default=spec.program_default,
                    action=spec.action,
                    when=when,
                    location=located.where(("rules", i)),
                )
            )
    by_id = {r.id: r for r in rules}
    _check_references(rules, by_id, set(rule_entries), problems)
    top = layers[-1]
    if not rules and not problems:
        problems.append(Problem(top.meta_where, "KS409", "the rule set has no rules"))
    if problems:
        raise RuleSetError(problems)
    assert top.meta is not None
    files = [f for layer in layers for f in layer.files]
    return RuleSet(
        id=top.meta.id,
        version=top.meta.version,
        title=top.meta.title,
        description=top.meta.description,
        content_hash=_content_hash(files),
        files=tuple(str(f) for f in files),
        sources={k: v[0] for k, v in sources.items()},
        value_sets=value_sets,
        rules=tuple(rules),
        by_id=by_id,
    )


def _rule_locator(located: Located, index: int) -> Callable[[Path], str]:
    def where(path: Path) -> str:
        return located.where(("rules", index, *path))

    return where


def _check_references(
    rules: list[Rule], by_id: dict[str, Rule], declared: set[str], problems: list[Problem]
) -> None:
    graph: dict[str, list[str]] = {}
    for rule in rules:
        refs = []
        for node in walk(rule.when):
            if isinstance(node, RuleRef):
                if node.rule_id not in declared:
                    problems.append(
                        Problem(
                            node.loc,
                            "KS305",
                            f"unknown rule {node.rule_id!r}",
                            did_you_mean(node.rule_id, declared),
                        )
                    )
                elif node.rule_id in by_id:
                    refs.append(node.rule_id)
        graph[rule.id] = refs
    state: dict[str, int] = {}

    def visit(rid: str, chain: list[str]) -> None:
        state[rid] = 1
        for ref in graph.get(rid, []):
            if state.get(ref) == 1:
                cycle = " -> ".join([*chain[chain.index(ref) :], ref]) if ref in chain else ref
                problems.append(
                    Problem(by_id[rid].location, "KS403", f"rule references form a cycle: {cycle}")
                )
            elif ref not in state:
                visit(ref, [*chain, ref])
        state[rid] = 2

    for rid in graph:
        if rid not in state:
            visit(rid, [rid])


def _content_hash(files: list[FsPath]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()
