"""The reference evaluator: pure-Python, three-valued, with evidence.

It is the explanation engine (durable-rules reports only rules that fired) and the oracle the
durable adapter is checked against. For each rule it returns met / not met / unknown, the facts
it read with their values, and, when unknown, the data that would settle it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketascreen._engine.plan import Facts, Plan, compare, count_status
from ketascreen._rules.ast import (
    All,
    Any_,
    Compare,
    Cond,
    Count,
    Known,
    Not,
    RuleRef,
    Tri,
)
from ketascreen._rules.catalogue import COLLECTIONS, FACTS
from ketascreen._rules.render import render_item


@dataclass(frozen=True)
class Evidence:
    """One thing a rule read: a fact and its value (None = not recorded), or a list count."""

    fact: str
    value: object
    detail: str | None = None


@dataclass(frozen=True)
class RuleResult:
    status: Tri
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...]  # data that would settle an unknown rule (empty unless unknown)
    unrecorded: frozenset[str]  # facts and lists read that were not (fully) recorded


class ReferenceEvaluator:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._where = [
            f" where {render_item(k[1], top=True)}" if k[1] else " recorded" for k in plan.aggregate_keys
        ]

    def evaluate(self, facts: Facts) -> dict[str, RuleResult]:
        results: dict[str, RuleResult] = {}
        for rule in self.plan.ruleset.rules:
            self._rule(rule.id, facts, results)
        return results

    def _rule(self, rule_id: str, facts: Facts, results: dict[str, RuleResult]) -> RuleResult:
        if rule_id not in results:
            evidence: dict[tuple[str, str], Evidence] = {}
            missing: dict[str, None] = {}
            unrecorded: set[str] = set()
            cond = self.plan.ruleset.by_id[rule_id].when
            status = self._eval(cond, facts, results, evidence, missing, unrecorded)
            results[rule_id] = RuleResult(
                status,
                tuple(evidence.values()),
                tuple(missing) if status is Tri.UNKNOWN else (),
                frozenset(unrecorded),
            )
        return results[rule_id]

    def _eval(
        self,
        cond: Cond,
        facts: Facts,
        results: dict[str, RuleResult],
        evidence: dict[tuple[str, str], Evidence],
        missing: dict[str, None],
        unrecorded: set[str],
    ) -> Tri:
        if isinstance(cond, All | Any_):
            # Evaluate every branch (no short-circuit) so the evidence shows all that was read.
            values = [self._eval(c, facts, results, evidence, missing, unrecorded) for c in cond.items]
            return Tri.all(values) if isinstance(cond, All) else Tri.any(values)
        if isinstance(cond, Not):
            return ~self._eval(cond.item, facts, results, evidence, missing, unrecorded)
        if isinstance(cond, RuleRef):
            ref = self._rule(cond.rule_id, facts, results)
            evidence[("rule", cond.rule_id)] = Evidence(f"rule:{cond.rule_id}", ref.status.value)
            for m in ref.missing:
                missing[m] = None
            unrecorded.update(ref.unrecorded)
            return ref.status
        if isinstance(cond, Known):
            if cond.fact in COLLECTIONS:
                size = facts.list_sizes.get(cond.fact)
                evidence[("list", cond.fact)] = Evidence(
                    cond.fact, size, "not recorded" if size is None else f"{size} recorded"
                )
                if size is None:
                    unrecorded.add(cond.fact)
                return Tri.FALSE if size is None else Tri.TRUE
            value = facts.scalars.get(cond.fact)
            evidence[("fact", cond.fact)] = Evidence(cond.fact, value)
            if value is None:
                unrecorded.add(cond.fact)
            return Tri.FALSE if value is None else Tri.TRUE
        if isinstance(cond, Compare):
            value = facts.scalars.get(cond.fact)
            evidence[("fact", cond.fact)] = Evidence(cond.fact, value)
            if value is None:
                missing[FACTS[cond.fact].settled_by] = None
                unrecorded.add(cond.fact)
                return Tri.UNKNOWN
            return Tri.TRUE if compare(value, cond.op, cond.value) else Tri.FALSE
        return self._count(cond, facts, evidence, missing, unrecorded)

    def _count(
        self,
        cond: Count,
        facts: Facts,
        evidence: dict[tuple[str, str], Evidence],
        missing: dict[str, None],
        unrecorded: set[str],
    ) -> Tri:
        index = self.plan.index_of(cond)
        agg = facts.aggregates.get(index)
        key = ("agg", str(index))
        if agg is None:
            evidence[key] = Evidence(cond.collection, None, self._where[index].strip())
            missing[cond.collection] = None
            unrecorded.add(cond.collection)
            return Tri.UNKNOWN
        status = count_status(cond.op, cond.value, agg.lo, agg.hi)
        counted = f"{agg.lo}" if agg.lo == agg.hi else f"{agg.lo}-{agg.hi}"
        detail = counted + self._where[index]
        value = list(agg.matched) + [f"{label} (?)" for label in agg.possible]
        evidence[key] = Evidence(cond.collection, value, detail)
        if status is Tri.UNKNOWN:
            unrecorded.add(cond.collection)
            for path in agg.unknown_fields:
                missing[path] = None
        return status
