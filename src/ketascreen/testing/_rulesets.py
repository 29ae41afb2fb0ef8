"""Strategies for small random rule sets over the real fact catalogue (for testing the engine)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from ketascreen._rules.catalogue import COLLECTIONS, FACTS, FieldSpec
from ketascreen._rules.load import VERDICT_CLASSES

Json = dict[str, Any]

#: Value sets every generated rule set carries (YAML form): prefixes, wildcards, ranges,
#: excludes, SNOMED CT ids and names.
VALUE_SETS: dict[str, Json] = {
    "depression": {
        "title": "Depression",
        "snomedct": ["370143000", "36923009"],
        "icd10cm": {"include": ["F32", "F33.0-F33.3"], "exclude": ["F32.A"]},
    },
    "psychosis": {
        "title": "Psychosis",
        "icd10cm": {"include": ["F20-F29", "F1?.?5"]},
        "snomedct": ["58214004"],
    },
    "pregnancy": {"title": "Pregnancy", "icd10cm": {"include": ["O00-O9A", "Z3A"]}},
    "head_injury": {"title": "Head injury", "icd10cm": {"include": ["S06.???A"]}},
    "sud": {
        "title": "Substance use disorder",
        "icd10cm": {"include": ["F10-F19"], "exclude": ["F1?.11", "F1?.21"]},
    },
    "tobacco": {"title": "Tobacco", "names": ["tobacco", "nicotine"]},
    "ketamine_like": {"title": "Ketamine-like", "names": ["ketamine", "esketamine", "pcp"]},
    "antidepressants": {
        "title": "Antidepressants",
        "names": ["sertraline", "escitalopram", "venlafaxine"],
    },
}
_CODED = sorted(k for k, v in VALUE_SETS.items() if "icd10cm" in v or "snomedct" in v)
_NAMED = sorted(k for k, v in VALUE_SETS.items() if "names" in v)

_NAMES = ("sertraline", "escitalopram", "lithium", "alcohol", "tobacco", "ketamine", "cbt")


def _number(name: str) -> st.SearchStrategy[float | int]:
    """Thresholds near the values patients are generated with (so comparisons go both ways)."""
    if name == "age_years":
        return st.integers(0, 100)
    if name.startswith("bp."):
        return st.one_of(st.integers(40, 240), st.sampled_from([139.5, 159.5, 180.0]))
    if name.endswith("_x_uln"):
        return st.sampled_from([0.5, 1, 2, 3, 5])
    if name.endswith("days_ago"):
        return st.sampled_from([0, 7, 30, 31, 90, 365, 3650])
    if name in ("cardiac.nyha_class", "bp.visit_reading_count"):
        return st.integers(1, 4)
    return st.one_of(st.integers(0, 100), st.sampled_from([3.5, 4, 600]))


def _comparison(name: str, type_: str, values: tuple[str, ...], key: str) -> st.SearchStrategy[Json]:
    if type_ == "number":
        return st.builds(
            lambda op, v: {key: name, op: v},
            st.sampled_from(["lt", "le", "gt", "ge", "eq", "ne"]),
            _number(name),
        )
    if type_ == "boolean":
        return st.builds(lambda op, v: {key: name, op: v}, st.sampled_from(["eq", "ne"]), st.booleans())
    if type_ == "name":
        return st.builds(
            lambda op, v: {key: name, op: v}, st.sampled_from(["eq", "ne"]), st.sampled_from(_NAMES)
        )
    return st.one_of(
        st.builds(lambda op, v: {key: name, op: v}, st.sampled_from(["eq", "ne"]), st.sampled_from(values)),
        st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True).map(
            lambda vs: {key: name, "in": vs}
        ),
    )


def _item_leaf(field: FieldSpec, monotone: bool) -> st.SearchStrategy[Json]:
    options: list[st.SearchStrategy[Json]] = []
    if field.type == "code":
        options.append(st.sampled_from(_CODED).map(lambda v: {"field": field.name, "in_value_set": v}))
    else:
        options.append(_comparison(field.name, field.type, field.values, "field"))
    if field.type == "name":
        options.append(st.sampled_from(_NAMED).map(lambda v: {"field": field.name, "in_value_set": v}))
    if not monotone:
        options.append(st.sampled_from([{"known": field.name}, {"missing": field.name}]))
    return st.one_of(options)


@lru_cache(maxsize=256)
def item_conditions(
    collection: str, *, monotone: bool = False, max_leaves: int = 4
) -> st.SearchStrategy[Json]:
    """Item conditions (`where:`) over one list of the catalogue."""
    fields = list(COLLECTIONS[collection].fields.values())
    leaves = st.one_of([_item_leaf(f, monotone) for f in fields])
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=max_leaves,
    )


@lru_cache(maxsize=256)
def _count(monotone: bool) -> st.SearchStrategy[Json]:
    @st.composite
    def draw(draw: st.DrawFn) -> Json:
        collection = draw(st.sampled_from(sorted(COLLECTIONS)))
        body: Json = {"of": collection}
        if draw(st.booleans()):
            body["where"] = draw(item_conditions(collection, monotone=monotone))
        if draw(st.integers(0, 3)) == 0:
            body["distinct"] = draw(st.sampled_from(sorted(COLLECTIONS[collection].fields)))
        if draw(st.booleans()):
            return {"exists": body}
        op = draw(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]))
        return {"count": body, op: draw(st.integers(0, 3))}

    return draw()


@lru_cache(maxsize=256)
def _diagnosis() -> st.SearchStrategy[Json]:
    @st.composite
    def draw(draw: st.DrawFn) -> Json:
        body: Json = {
            "in": draw(st.sampled_from(_CODED)),
            "status": draw(
                st.lists(
                    st.sampled_from(["active", "historical", "ruled_out"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            ),
        }
        if draw(st.booleans()):
            body["onset_within_days"] = draw(st.sampled_from([30, 365, 3650]))
        if draw(st.integers(0, 3)) == 0:
            body["onset_more_than_days"] = draw(st.sampled_from([0, 90, 365]))
        return {"diagnosis": body}

    return draw()


@lru_cache(maxsize=256)
def conditions(
    *, monotone: bool = False, rule_ids: tuple[str, ...] = (), max_leaves: int = 6
) -> st.SearchStrategy[Json]:
    """Random, valid `when:` conditions (YAML-able dicts) over the real fact catalogue and the
    value sets in `VALUE_SETS`: comparisons of every fact type, counts and `exists` over every
    list with item conditions, `diagnosis:`, `medication:`, `all`/`any`/`not`, and `rule:`
    references to `rule_ids`.

    `monotone=True` leaves out `known`, `missing` and "recorded and true" guards, two-valued by design
    (a missing value makes them false, not unknown); every other condition can only move from
    met/not met to unknown when data is removed.
    """
    facts = sorted(FACTS.values(), key=lambda f: f.name)
    leaves: list[st.SearchStrategy[Json]] = [
        st.sampled_from(facts).flatmap(lambda f: _comparison(f.name, f.type, f.values, "fact")),
        _count(monotone),
        _diagnosis(),
        st.sampled_from(_NAMED).map(lambda v: {"medication": {"in": v}}),
    ]
    if not monotone:
        booleans = [f.name for f in facts if f.type == "boolean"]
        names = [f.name for f in facts] + sorted(COLLECTIONS)
        leaves += [
            st.builds(lambda k, n: {k: n}, st.sampled_from(["known", "missing"]), st.sampled_from(names)),
            # "recorded and true": two-valued, like known/missing
            st.sampled_from(booleans).map(lambda n: {"all": [{"known": n}, {"fact": n, "eq": True}]}),
        ]
    if rule_ids:
        leaves.append(st.sampled_from(rule_ids).map(lambda r: {"rule": r}))
    return st.recursive(
        st.one_of(leaves),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=max_leaves,
    )


_KINDS = sorted({(k, s) for k, s in VERDICT_CLASSES}, key=lambda ks: (ks[0], ks[1] or ""))


def rulesets(*, min_rules: int = 1, max_rules: int = 6, monotone: bool = False) -> st.SearchStrategy[Json]:
    """Small random rule sets as one YAML-able rule file (a dict with `ruleset`, `sources`,
    `value_sets` and `rules`). Rules may reference earlier rules, so there is never a cycle.
    Write one with `write_ruleset` and load it with `ketascreen.load_ruleset(path)`."""

    @st.composite
    def draw(draw: st.DrawFn) -> Json:
        n = draw(st.integers(min_rules, max_rules))
        rules: list[Json] = []
        for i in range(n):
            kind, severity = draw(st.sampled_from(_KINDS))
            ids = tuple(r["id"] for r in rules)
            rule: Json = {"id": f"r{i}", "kind": kind}
            if severity is not None:
                rule["severity"] = severity
            rule.update(
                {
                    "title": f"Rule {i}",
                    "rationale": "generated",
                    "sources": ["S1"],
                    "when": draw(conditions(monotone=monotone, rule_ids=ids)),
                }
            )
            rules.append(rule)
        return {
            "ruleset": {"id": "generated", "version": "0", "title": "Generated rule set"},
            "sources": {"S1": {"citation": "ketascreen.testing"}},
            "value_sets": VALUE_SETS,
            "rules": rules,
        }

    return draw()


def write_ruleset(data: Json, directory: str | Path, name: str = "ruleset.yaml") -> Path:
    """Write a rule-set dict as a YAML file in `directory`; returns its path."""
    path = Path(directory) / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def screening_dates(
    min_value: dt.date = dt.date(2000, 1, 1), max_value: dt.date = dt.date(2040, 12, 31)
) -> st.SearchStrategy[dt.date]:
    """Screening dates (shrinks towards 2025-06-01, with month/leap-year edges likely)."""
    edges = st.sampled_from(
        [dt.date(2024, 2, 29), dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2028, 2, 29)]
    )
    return st.one_of(
        st.just(dt.date(2025, 6, 1)), edges, st.dates(min_value=min_value, max_value=max_value)
    ).filter(lambda d: min_value <= d <= max_value)
