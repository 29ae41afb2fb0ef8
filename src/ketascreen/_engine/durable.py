"""The durable-rules adapter: the ONLY module that imports `durable`.

Safe use, after shared/notes/durable-rules.md:
- each adapter owns a private, thread-free `Host` with a uniquely named ruleset, freed on close;
- each evaluation asserts one *fact* in a fresh session (random sid) that is always deleted;
- every rule is guarded by `_fact: patient`, so no rule can match the engine's state fact (loop);
- a sentinel rule always fires, so a session is never deleted untouched (double-free crash);
- swallowed action exceptions, expired action leases and runaway action counts are detected;
- one lock serialises evaluations: durable gives no thread-safety guarantee.

Three-valued logic on a two-valued engine: each rule is registered twice, as its "definitely
true" form T and its "definitely false" form F (`T(a>=k) = known(a) & a>=k`, `F(a>=k) = known(a)
& a<k`, `T(not A) = F(A)`, `F(A and B) = F(A) or F(B)`, ...). Durable never matches a missing
field, which is exactly `known(a)`. A rule whose T and F both stay silent is unknown.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from ketascreen._engine.plan import Facts, Plan
from ketascreen._rules.ast import All, Any_, Compare, Cond, Count, Known, Not, RuleRef, Tri
from ketascreen._rules.catalogue import COLLECTIONS
from ketascreen.errors import EngineError, Problem, RuleSetError

GUARD = {"_fact": "patient"}
SENTINEL = "sentinel"
MAX_FACT_PROPERTIES = 250  # durable rejects facts with more than ~253 flattened properties

Json = dict[str, Any]


class _SyncHost(durable_engine.Host):  # type: ignore[misc]
    """A Host without the background dispatcher/timer threads (they crash under threads)."""

    def _run(self) -> None:
        pass


def _scalar_key(fact: str) -> str:
    return "f_" + fact.replace(".", "__")


def _list_key(collection: str) -> str:
    return "l_" + collection


class _Compiler:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.memo: dict[tuple[str, bool], Json] = {}

    def agg_keys(self, node: Count) -> tuple[str, str]:
        i = self.plan.index_of(node)
        return f"a{i}_lo", f"a{i}_hi"

    def form(self, cond: Cond, positive: bool) -> Json:
        """The durable expression that matches exactly when `cond` is TRUE (or FALSE)."""
        if isinstance(cond, All | Any_):
            conj = isinstance(cond, All) == positive
            parts = [self.form(c, positive) for c in cond.items]
            return parts[0] if len(parts) == 1 else {"$and" if conj else "$or": parts}
        if isinstance(cond, Not):
            return self.form(cond.item, not positive)
        if isinstance(cond, RuleRef):
            memo_key = (cond.rule_id, positive)
            if memo_key not in self.memo:
                self.memo[memo_key] = self.form(self.plan.ruleset.by_id[cond.rule_id].when, positive)
            return self.memo[memo_key]
        if isinstance(cond, Known):
            key = _list_key(cond.fact) if cond.fact in COLLECTIONS else _scalar_key(cond.fact)
            return {"$ex" if positive else "$nex": {key: 1}}
        if isinstance(cond, Compare):
            return _compare(_scalar_key(cond.fact), cond.op, cond.value, positive)
        return self._count(cond, positive)

    def _count(self, cond: Count, positive: bool) -> Json:
        lo, hi = self.agg_keys(cond)
        k, op = cond.value, cond.op
        if op in ("eq", "ne") and (op == "eq") == positive:
            return {"$and": [{lo: k}, {hi: k}]}
        if op in ("eq", "ne"):
            return {"$or": [{"$gt": {lo: k}}, {"$lt": {hi: k}}]}
        table = {  # (key, durable op) for the TRUE form, then for the FALSE form
            "ge": ((lo, "$gte"), (hi, "$lt")),
            "gt": ((lo, "$gt"), (hi, "$lte")),
            "le": ((hi, "$lte"), (lo, "$gt")),
            "lt": ((hi, "$lt"), (lo, "$gte")),
        }
        key, dop = table[op][0 if positive else 1]
        return {dop: {key: k}}


_NEGATED = {"lt": "$gte", "le": "$gt", "gt": "$lte", "ge": "$lt"}
_DIRECT = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


def _compare(key: str, op: str, value: Any, positive: bool) -> Json:
    if op == "in":
        if positive:
            parts = [{key: v} for v in value]
            return parts[0] if len(parts) == 1 else {"$or": parts}
        parts = [{"$neq": {key: v}} for v in value]
        return parts[0] if len(parts) == 1 else {"$and": parts}
    if op in ("eq", "ne"):
        return {key: value} if (op == "eq") == positive else {"$neq": {key: value}}
    return {(_DIRECT if positive else _NEGATED)[op]: {key: value}}


class DurableEvaluator:
    """Evaluates every rule of a plan on durable-rules; returns each rule's T/F firing."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rule_ids = [r.id for r in plan.ruleset.rules]
        width = len(plan.scalar_facts) + len(plan.collections) + 2 * len(plan.aggregate_keys) + 1
        if width > MAX_FACT_PROPERTIES:
            raise RuleSetError(
                [
                    Problem(
                        plan.ruleset.files[0] if plan.ruleset.files else plan.ruleset.id,
                        "KS407",
                        f"the rule set reads {width} facts; durable takes at most {MAX_FACT_PROPERTIES}",
                        "use engine='reference', or share value sets and counts between rules",
                    )
                ]
            )
        self._fired: dict[str, list[str]] = {}
        self._limit = 2 * len(self.rule_ids) + 1
        compiler = _Compiler(plan)
        rules: Json = {SENTINEL: {"all": [{"m": GUARD}], "run": self._action(SENTINEL)}}
        for i, rule in enumerate(plan.ruleset.rules):
            for positive in (True, False):
                name = f"r{i}_{'t' if positive else 'f'}"
                expr = {"$and": [GUARD, compiler.form(rule.when, positive)]}
                rules[name] = {"all": [{"m": expr}], "run": self._action(name)}
        self._name = f"ketascreen_{uuid.uuid4().hex}"
        self._host = _SyncHost()
        self._lock = threading.Lock()
        try:
            self._host.set_rulesets({self._name: rules})
        except Exception as exc:  # durable raises bare Exception for engine-side errors
            raise EngineError(f"durable-rules rejected the compiled rule set: {exc}") from exc
        handle = self._host._ruleset_directory[self._name]._handle
        self._finalizer = weakref.finalize(self, _free_ruleset, handle)

    def _action(self, name: str) -> Any:
        fired = self._fired
        limit = self._limit

        def action(c: Any) -> None:
            log = fired.get(c.s.sid)
            if log is None:
                return
            log.append(name)
            if len(log) > limit:
                c.delete_state()  # ends a runaway loop; assert_fact then raises, which we report

        return action

    def close(self) -> None:
        """Free the engine-side ruleset. Idempotent."""
        self._finalizer()

    def to_fact(self, facts: Facts) -> Json:
        fact: Json = {"_fact": "patient"}
        for name, value in facts.scalars.items():
            fact[_scalar_key(name)] = value
        for name, size in facts.list_sizes.items():
            fact[_list_key(name)] = size
        for i, agg in facts.aggregates.items():
            fact[f"a{i}_lo"], fact[f"a{i}_hi"] = agg.lo, agg.hi
        return fact

    def evaluate(self, facts: Facts) -> dict[str, Tri]:
        if not self._finalizer.alive:
            raise EngineError("the durable engine was closed")
        sid = uuid.uuid4().hex
        fact = self.to_fact(facts)
        fact["sid"] = sid
        with self._lock:
            log: list[str] = []
            self._fired[sid] = log
            try:
                try:
                    state = self._host.assert_fact(self._name, fact)
                finally:
                    self._delete(sid, log)
            except EngineError:
                raise
            except Exception as exc:
                if len(log) > self._limit:
                    raise EngineError(f"durable-rules ran away: {len(log)} actions") from exc
                raise EngineError(f"durable-rules failed: {exc}") from exc
            finally:
                del self._fired[sid]
        if not isinstance(state, dict):
            raise EngineError("durable-rules returned no state (an action lease expired)")
        if state.get("exception"):
            raise EngineError(f"a durable-rules action failed: {state['exception']}")
        if SENTINEL not in log:
            raise EngineError("durable-rules did not run the sentinel rule")
        fired = set(log)
        out = {}
        for i, rid in enumerate(self.rule_ids):
            t, f = f"r{i}_t" in fired, f"r{i}_f" in fired
            if t and f:
                raise EngineError(f"durable-rules found rule {rid!r} both met and not met")
            out[rid] = Tri.TRUE if t else Tri.FALSE if f else Tri.UNKNOWN
        return out

    def _delete(self, sid: str, log: list[str]) -> None:
        if len(log) > self._limit:
            return  # the action already deleted the session
        try:
            self._host.delete_state(self._name, sid)
        except Exception as exc:
            raise EngineError(f"durable-rules could not delete session: {exc}") from exc


def _free_ruleset(handle: int) -> None:
    durable_rules_engine.delete_ruleset(handle)
