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
    missing: tuple[str, ...]  # data paths that would settle an unknown rule (empty unless unknown)
    unknown_facts: frozenset[str]  # the facts and lists that make it unknown (empty unless unknown)
    unrecorded: frozenset[str]  # every fact and list it read that was not (fully) recorded


Gaps = tuple[dict[str, None], frozenset[str]]  # (data paths that would settle, unknown facts)
_NO_GAPS: Gaps = ({}, frozenset())


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
            unrecorded: set[str] = set()
            cond = self.plan.ruleset.by_id[rule_id].when
            status, (settle, unknown) = self._eval(cond, facts, results, evidence, unrecorded)
            results[rule_id] = RuleResult(
                status, tuple(evidence.values()), tuple(settle), unknown, frozenset(unrecorded)
            )
        return results[rule_id]

    def _eval(
        self,
        cond: Cond,
        facts: Facts,
        results: dict[str, RuleResult],
        evidence: dict[tuple[str, str], Evidence],
        unrecorded: set[str],
    ) -> tuple[Tri, Gaps]:
        """A node's status and, when it is unknown, the gaps behind it: only the gaps of unknown
        branches count (a branch that is false despite a gap does not need that data)."""
        if isinstance(cond, All | Any_):
            # Evaluate every branch (no short-circuit) so the evidence shows all that was read.
            parts = [self._eval(c, facts, results, evidence, unrecorded) for c in cond.items]
            status = (Tri.all if isinstance(cond, All) else Tri.any)([p[0] for p in parts])
            if status is not Tri.UNKNOWN:
                return status, _NO_GAPS
            settle: dict[str, None] = {}
            unknown: set[str] = set()
            for part_status, (part_settle, part_unknown) in parts:
                if part_status is Tri.UNKNOWN:
                    settle.update(part_settle)
                    unknown |= part_unknown
            return status, (settle, frozenset(unknown))
        if isinstance(cond, Not):
            status, gaps = self._eval(cond.item, facts, results, evidence, unrecorded)
            return ~status, gaps
        if isinstance(cond, RuleRef):
            ref = self._rule(cond.rule_id, facts, results)
            evidence[("rule", cond.rule_id)] = Evidence(f"rule:{cond.rule_id}", ref.status.value)
            unrecorded.update(ref.unrecorded)
            return ref.status, (dict.fromkeys(ref.missing), ref.unknown_facts)
        if isinstance(cond, Known):
            if cond.fact in COLLECTIONS:
                size = facts.list_sizes.get(cond.fact)
                evidence[("list", cond.fact)] = Evidence(
                    cond.fact, size, "not recorded" if size is None else f"{size} recorded"
                )
                if size is None:
                    unrecorded.add(cond.fact)
                return (Tri.FALSE if size is None else Tri.TRUE), _NO_GAPS
            value = facts.scalars.get(cond.fact)
            evidence[("fact", cond.fact)] = Evidence(cond.fact, value)
            if value is None:
                unrecorded.add(cond.fact)
            return (Tri.FALSE if value is None else Tri.TRUE), _NO_GAPS
        if isinstance(cond, Compare):
            value = facts.scalars.get(cond.fact)
            evidence[("fact", cond.fact)] = Evidence(cond.fact, value)
            if value is None:
                unrecorded.add(cond.fact)
                return Tri.UNKNOWN, ({FACTS[cond.fact].settled_by: None}, frozenset({cond.fact}))
            return (Tri.TRUE if compare(value, cond.op, cond.value) else Tri.FALSE), _NO_GAPS
        return self._count(cond, facts, evidence, unrecorded)

    def _count(
        self, cond: Count, facts: Facts, evidence: dict[tuple[str, str], Evidence], unrecorded: set[str]
    ) -> tuple[Tri, Gaps]:
        index = self.plan.index_of(cond)
        agg = facts.aggregates.get(index)
        key = ("agg", str(index))
        if agg is None:
            evidence[key] = Evidence(cond.collection, None, self._where[index].strip())
            unrecorded.add(cond.collection)
            return Tri.UNKNOWN, ({cond.collection: None}, frozenset({cond.collection}))
        status = count_status(cond.op, cond.value, agg.lo, agg.hi)
        counted = f"{agg.lo}" if agg.lo == agg.hi else f"{agg.lo}-{agg.hi}"
        value = list(agg.matched) + [f"{label} (?)" for label in agg.possible]
        evidence[key] = Evidence(cond.collection, value, counted + self._where[index])
        if status is not Tri.UNKNOWN:
            return status, _NO_GAPS
        unrecorded.add(cond.collection)
        return status, (dict.fromkeys(agg.unknown_fields), frozenset({cond.collection}))
