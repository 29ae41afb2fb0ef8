"""Compile a checked `RuleSet` into an evaluation plan, and build a patient's facts from it.

The plan lists the facts, lists and aggregates (counts over lists) the rules read, so a patient
is normalised once per screening into exactly what both evaluators consume. Aggregates are
three-valued: `lo` items certainly match, `hi` items may match.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ketascreen._rules.ast import (
    Compare,
    Count,
    ItemAll,
    ItemAny,
    ItemCond,
    ItemInSet,
    ItemKnown,
    ItemNot,
    Known,
    Tri,
    walk,
)
from ketascreen._rules.catalogue import COLLECTIONS, FACTS, Item, Scalar
from ketascreen._rules.load import RuleSet
from ketascreen._rules.valuesets import ValueSet
from ketascreen.model import Patient

AggregateKey = tuple[str, ItemCond | None, str | None]


@dataclass(frozen=True)
class Aggregate:
    """How many list items (distinct by a field) match an item condition, as a [lo, hi] range."""

    lo: int
    hi: int
    matched: tuple[str, ...]
    possible: tuple[str, ...]
    unknown_fields: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """One patient's normalised facts on one screening date. Absent key = not recorded."""

    scalars: dict[str, Scalar]
    list_sizes: dict[str, int]
    aggregates: dict[int, Aggregate]  # by aggregate index; absent when the list is not recorded


@dataclass(frozen=True)
class Plan:
    ruleset: RuleSet
    scalar_facts: tuple[str, ...]
    collections: tuple[str, ...]
    aggregate_keys: tuple[AggregateKey, ...]
    # Count node (by identity: nodes live as long as the rule set) -> aggregate index; hashing
    # the nested condition on every evaluation would cost more than evaluating it.
    node_index: dict[int, int] = field(repr=False)
    matchers: tuple[ItemFn | None, ...] = field(repr=False, default=())

    def index_of(self, node: Count) -> int:
        return self.node_index[id(node)]


def compile_plan(ruleset: RuleSet) -> Plan:
    scalars: dict[str, None] = {}
    collections: dict[str, None] = {}
    aggregates: dict[AggregateKey, None] = {}
    counts: list[Count] = []
    for rule in ruleset.rules:
        for node in walk(rule.when):
            if isinstance(node, Compare):
                scalars[node.fact] = None
            elif isinstance(node, Known):
                (collections if node.fact in COLLECTIONS else scalars)[node.fact] = None
            elif isinstance(node, Count):
                aggregates[node.aggregate_key] = None
                counts.append(node)
                collections[node.collection] = None
    keys = tuple(aggregates)
    index = {k: i for i, k in enumerate(keys)}
    nodes = {id(node): index[node.aggregate_key] for node in counts}
    matchers = tuple(None if k[1] is None else compile_item(k[1], ruleset.value_sets) for k in keys)
    return Plan(ruleset, tuple(scalars), tuple(collections), keys, nodes, matchers)


def build_facts(plan: Plan, patient: Patient, on: dt.date) -> Facts:
    scalars: dict[str, Scalar] = {}
    for name in plan.scalar_facts:
        value = FACTS[name].extract(patient, on)
        if value is not None:
            scalars[name] = value
    lists: dict[str, list[Item] | None] = {c: COLLECTIONS[c].items(patient, on) for c in plan.collections}
    sizes = {c: len(items) for c, items in lists.items() if items is not None}
    aggregates = {}
    for i, key in enumerate(plan.aggregate_keys):
        items = lists[key[0]]
        if items is not None:
            aggregates[i] = _aggregate(items, key[1], plan.matchers[i], key[2], plan.ruleset.value_sets)
    return Facts(scalars, sizes, aggregates)


ItemFn = Callable[[dict[str, Any]], Tri]
_NEG = {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE, Tri.UNKNOWN: Tri.UNKNOWN}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "in": lambda v, t: v in t,
}


def compile_item(cond: ItemCond, value_sets: dict[str, ValueSet]) -> ItemFn:
    """The item condition as a closure over an item's fields (Kleene, short-circuiting):
    evaluated once per item per list condition, so it must not re-dispatch on the AST."""
    if isinstance(cond, ItemAll | ItemAny):
        parts = [compile_item(c, value_sets) for c in cond.items]
        stop = Tri.FALSE if isinstance(cond, ItemAll) else Tri.TRUE
        rest = Tri.TRUE if stop is Tri.FALSE else Tri.FALSE

        def combine(fields: dict[str, Any]) -> Tri:
            result = rest
            for part in parts:
                status = part(fields)
                if status is stop:
                    return stop
                if status is Tri.UNKNOWN:
                    result = Tri.UNKNOWN
            return result

        return combine
    if isinstance(cond, ItemNot):
        inner = compile_item(cond.item, value_sets)
        return lambda fields: _NEG[inner(fields)]
    name = cond.field
    if isinstance(cond, ItemKnown):
        return lambda fields: Tri.FALSE if fields.get(name) is None else Tri.TRUE
    if isinstance(cond, ItemInSet):
        vs = value_sets[cond.value_set]

        def in_set(fields: dict[str, Any]) -> Tri:
            value = fields.get(name)
            if value is None:
                return Tri.UNKNOWN
            hit = vs.contains_code(*value) if isinstance(value, tuple) else vs.contains_name(value)
            return Tri.TRUE if hit else Tri.FALSE

        return in_set
    test, target, fold = _OPS[cond.op], cond.value, name in _NAME_FIELDS

    def compare_field(fields: dict[str, Any]) -> Tri:
        value = fields.get(name)
        if value is None:
            return Tri.UNKNOWN
        if fold and isinstance(value, str):
            value = value.strip().lower()
        return Tri.TRUE if test(value, target) else Tri.FALSE

    return compare_field


def _aggregate(
    items: list[Item],
    where: ItemCond | None,
    match: ItemFn | None,
    distinct: str | None,
    value_sets: dict[str, ValueSet],
) -> Aggregate:
    certain: set[object] = set()
    maybe: set[object] = set()
    matched: list[str] = []
    possible: list[str] = []
    unknown: list[str] = []
    for item in items:
        status = Tri.TRUE if match is None else match(item.fields)
        raw = item.fields.get(distinct) if distinct else None
        key = raw.strip().lower() if isinstance(raw, str) else (raw if raw is not None else item.path)
        if status is Tri.TRUE:
            certain.add(key)
            maybe.add(key)
            matched.append(item.label)
        elif status is Tri.UNKNOWN:
            maybe.add(key)
            possible.append(item.label)
            assert where is not None
            unread = eval_item(where, item, value_sets)[1]  # the slow walk, only to explain
            unknown.extend(f"{item.path}.{f}" for f in sorted(unread))
    return Aggregate(len(certain), len(maybe), tuple(matched), tuple(possible), tuple(unknown))


def eval_item(cond: ItemCond, item: Item, value_sets: dict[str, ValueSet]) -> tuple[Tri, set[str]]:
    """Evaluate an item condition; also return the names of unrecorded fields it read."""
    if isinstance(cond, ItemAll | ItemAny):
        results = [eval_item(c, item, value_sets) for c in cond.items]
        combine = Tri.all if isinstance(cond, ItemAll) else Tri.any
        status = combine([r[0] for r in results])
        return status, set().union(*(r[1] for r in results)) if status is Tri.UNKNOWN else set()
    if isinstance(cond, ItemNot):
        status, unread = eval_item(cond.item, item, value_sets)
        return ~status, unread
    value = item.fields.get(cond.field)
    if isinstance(cond, ItemKnown):
        return (Tri.FALSE if value is None else Tri.TRUE), set()
    if value is None:
        return Tri.UNKNOWN, {cond.field}
    if isinstance(cond, ItemInSet):
        vs = value_sets[cond.value_set]
        hit = vs.contains_code(*value) if isinstance(value, tuple) else vs.contains_name(value)
        return (Tri.TRUE if hit else Tri.FALSE), set()
    if isinstance(value, str) and not isinstance(cond.value, bool):
        value = value.strip().lower() if cond.field in _NAME_FIELDS else value
    return (Tri.TRUE if compare(value, cond.op, cond.value) else Tri.FALSE), set()


_NAME_FIELDS = frozenset(f.name for c in COLLECTIONS.values() for f in c.fields.values() if f.type == "name")


def compare(value: Any, op: str, target: Any) -> bool:
    if op == "eq":
        return bool(value == target)
    if op == "ne":
        return bool(value != target)
    if op == "in":
        return value in target
    if op == "lt":
        return bool(value < target)
    if op == "le":
        return bool(value <= target)
    if op == "gt":
        return bool(value > target)
    if op == "ge":
        return bool(value >= target)
    raise ValueError(f"unknown operator {op!r}")


def count_status(op: str, k: int, lo: int, hi: int) -> Tri:
    """Three-valued `count op k` when the true count lies somewhere in [lo, hi]."""
    sure, never = {
        "ge": (lo >= k, hi < k),
        "gt": (lo > k, hi <= k),
        "le": (hi <= k, lo > k),
        "lt": (hi < k, lo >= k),
        "eq": (lo == hi == k, k < lo or k > hi),
        "ne": (k < lo or k > hi, lo == hi == k),
    }[op]
    return Tri.TRUE if sure else Tri.FALSE if never else Tri.UNKNOWN
