"""The durable-rules adapter: the ONLY module that imports `durable`.

Safe use, after shared/notes/durable-rules.md:
- each adapter owns a private, thread-free `Host`, with uniquely named rulesets freed on close;
- each evaluation asserts one *fact* per ruleset in a fresh session (random sid), always deleted
  once an action has run in it (a sentinel rule guarantees one does: deleting a session in
  which nothing ran can double-free);
- every rule is guarded by `_fact: patient`, so no rule can match the engine's state fact (loop);
- swallowed action exceptions, expired action leases and runaway action counts are detected;
- one lock serialises evaluations: durable gives no thread-safety guarantee.

Three-valued logic on a two-valued engine: each rule is registered twice, as its "definitely
true" form T and its "definitely false" form F (`T(a>=k) = known(a) & a>=k`, `F(a>=k) = known(a)
& a<k`, `T(not A) = F(A)`, `F(A and B) = F(A) or F(B)`, ...). Durable never matches a missing
field, which is exactly `known(a)`. A rule whose T and F both stay silent is unknown.

Two limits of durable shape the compilation (measured, and read in its C sources):
- its alpha-network walk keeps pending nodes on a fixed stack of 64 (`events.c`,
  MAX_STACK_SIZE): a ruleset whose guard node has too many matching descendants fails with error
  303, after which deleting the session crashes the process. So rule forms are packed into
  several small rulesets, each holding at most NODE_BUDGET alpha nodes;
- a fact holds at most ~250 properties: each ruleset's fact carries only the keys it reads.
Rule references are not inlined (that multiplies nodes): rules are evaluated in dependency
layers, and a rule that references another reads durable's own earlier result for it as a fact
(`r__<id>`: "met" / "not_met", absent when unknown).
"""

from __future__ import annotations

import threading
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from ketascreen._engine.plan import Facts, Plan
from ketascreen._rules.ast import All, Any_, Compare, Cond, Count, Known, Not, RuleRef, Tri
from ketascreen._rules.catalogue import COLLECTIONS
from ketascreen.errors import EngineError, Problem, RuleSetError

GUARD = {"_fact": "patient"}
SENTINEL = "sentinel"
# Measured: one ruleset tolerates an `$or` of 64 matching leaves and fails at 70 (error 303);
# a rule form may hold at most 15 `$and`/`$or` connectives (32 sequence slots, error 113).
NODE_BUDGET = 40
MAX_CONNECTIVES = 14  # plus the guard's own `$and`
MAX_FACT_PROPERTIES = 250

Json = dict[str, Any]


class _SyncHost(durable_engine.Host):  # type: ignore[misc]
    """A Host without the background dispatcher/timer threads (they crash under threads)."""

    def _run(self) -> None:
        pass


def _scalar_key(fact: str) -> str:
    return "f_" + fact.replace(".", "__")


def _list_key(collection: str) -> str:
    return "l_" + collection


def _ref_key(rule_id: str) -> str:
    return "r__" + rule_id


class _Compiler:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan

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
            return {_ref_key(cond.rule_id): "met" if positive else "not_met"}
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


def _nodes(expr: Json) -> int:
    """Alpha nodes an expression adds to the network (an `$or` adds its joining node)."""
    if "$and" in expr:
        return sum(_nodes(e) for e in expr["$and"])
    if "$or" in expr:
        return 1 + sum(_nodes(e) for e in expr["$or"])
    return 1


def _paths(expr: Json) -> int:
    """How many times a form can fire for one fact: durable activates once per matching path
    through its `$or`s (so `(a or b) and c` may fire twice)."""
    if "$and" in expr:
        product = 1
        for e in expr["$and"]:
            product *= _paths(e)
        return product
    if "$or" in expr:
        return sum(_paths(e) for e in expr["$or"])
    return 1


def _connectives(expr: Json) -> int:
    if "$and" in expr or "$or" in expr:
        return 1 + sum(_connectives(e) for e in next(iter(expr.values())))
    return 0


def _keys(expr: Json) -> set[str]:
    """The fact keys an expression reads."""
    if "$and" in expr or "$or" in expr:
        return set().union(*(_keys(e) for e in next(iter(expr.values()))))
    ((op, body),) = expr.items()
    return set(body) if op.startswith("$") else {op}


def _depths(plan: Plan) -> dict[str, int]:
    """0 for a rule without references, else 1 + the deepest rule it references."""
    depths: dict[str, int] = {}

    def depth(rule_id: str) -> int:
        if rule_id not in depths:
            refs = [n.rule_id for n in _walk_refs(plan.ruleset.by_id[rule_id].when)]
            depths[rule_id] = 1 + max(map(depth, refs)) if refs else 0
        return depths[rule_id]

    for rule in plan.ruleset.rules:
        depth(rule.id)
    return depths


def _walk_refs(cond: Cond) -> list[RuleRef]:
    if isinstance(cond, All | Any_):
        return [r for c in cond.items for r in _walk_refs(c)]
    if isinstance(cond, Not):
        return _walk_refs(cond.item)
    return [cond] if isinstance(cond, RuleRef) else []


@dataclass
class _Form:
    rule_index: int
    positive: bool
    expr: Json
    nodes: int
    keys: set[str]

    @property
    def name(self) -> str:
        return f"r{self.rule_index}_{'t' if self.positive else 'f'}"


@dataclass
class _Group:
    """One durable ruleset: a few rule forms of one dependency layer, and the keys they read."""

    name: str
    forms: list[_Form]
    keys: set[str]

    @property
    def max_actions(self) -> int:
        """The most actions one assert can run: every path of every form, and the sentinel."""
        return 1 + sum(_paths(f.expr) for f in self.forms)


class DurableEvaluator:
    """Evaluates every rule of a plan on durable-rules; returns each rule's status."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        rules = plan.ruleset.rules
        self.rule_ids = [r.id for r in rules]
        compiler = _Compiler(plan)
        depths = _depths(plan)
        layers: dict[int, list[_Form]] = {}
        for i, rule in enumerate(rules):
            for positive in (True, False):
                expr = compiler.form(rule.when, positive)
                form = _Form(i, positive, expr, _nodes(expr), _keys(expr))
                too_big = form.nodes > NODE_BUDGET or _connectives(expr) > MAX_CONNECTIVES
                if too_big or len(form.keys) > MAX_FACT_PROPERTIES:
                    raise RuleSetError(
                        [
                            Problem(
                                rule.location,
                                "KS407",
                                f"rule {rule.id!r} is too large for durable-rules ({form.nodes} condition "
                                f"nodes, {_connectives(expr)} all/any; at most {NODE_BUDGET} and "
                                f"{MAX_CONNECTIVES})",
                                "split it into criterion rules referenced with `rule:`, or use engine='reference'",  # noqa: E501
                            )
                        ]
                    )
                layers.setdefault(depths[rule.id], []).append(form)
        self._layers: list[list[_Group]] = []
        for depth in sorted(layers):
            groups: list[_Group] = []
            for form in layers[depth]:
                last = groups[-1] if groups else None
                if last is None or sum(f.nodes for f in last.forms) + form.nodes > NODE_BUDGET:
                    last = _Group(f"ketascreen_{uuid.uuid4().hex}", [], set())
                    groups.append(last)
                last.forms.append(form)
                last.keys |= form.keys
            self._layers.append(groups)
        self._fired: dict[str, list[str]] = {}
        self._host = _SyncHost()
        self._lock = threading.Lock()
        self._broken: str | None = None
        rulesets: Json = {}
        for group in self._groups():
            spec: Json = {SENTINEL: {"all": [{"m": GUARD}], "run": self._action(SENTINEL, group.max_actions)}}
            for form in group.forms:
                spec[form.name] = {
                    "all": [{"m": {"$and": [GUARD, form.expr]}}],
                    "run": self._action(form.name, group.max_actions),
                }
            rulesets[group.name] = spec
        try:
            self._host.set_rulesets(rulesets)
        except Exception as exc:  # durable raises bare Exception for engine-side errors
            raise EngineError(f"durable-rules rejected the compiled rule set: {exc}") from exc
        handles = [self._host._ruleset_directory[g.name]._handle for g in self._groups()]
        self._finalizer = weakref.finalize(self, _free_rulesets, handles)

    def _groups(self) -> list[_Group]:
        return [g for layer in self._layers for g in layer]

    @property
    def ruleset_count(self) -> int:
        return len(self._groups())

    def _action(self, name: str, limit: int) -> Any:
        fired = self._fired

        def action(c: Any) -> None:
            log = fired.get(c.s.sid)
            if log is None:
                return
            log.append(name)
            if len(log) > limit:
                c.delete_state()  # ends a runaway loop; assert_fact then raises, which we report

        return action

    def close(self) -> None:
        """Free the engine-side rulesets. Idempotent."""
        self._finalizer()

    def to_fact(self, facts: Facts) -> Json:
        """All the keys a patient's facts give, before each ruleset takes the ones it reads."""
        fact: Json = {}
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
        base = self.to_fact(facts)
        out: dict[str, Tri] = {}
        with self._lock:
            if self._broken:
                raise EngineError(f"the durable engine is unusable after an earlier failure: {self._broken}")
            for layer in self._layers:
                for group in layer:
                    fact = {k: base[k] for k in group.keys if k in base}
                    for key in group.keys:
                        if key.startswith("r__"):
                            status = out[key[3:]]
                            if status is not Tri.UNKNOWN:
                                fact[key] = "met" if status is Tri.TRUE else "not_met"
                    fired = self._assert(group, fact)
                    for form in group.forms:
                        rid = self.rule_ids[form.rule_index]
                        if form.name in fired:
                            if out.get(rid) in (Tri.TRUE, Tri.FALSE):
                                raise EngineError(f"durable-rules found rule {rid!r} both met and not met")
                            out[rid] = Tri.TRUE if form.positive else Tri.FALSE
                        else:
                            out.setdefault(rid, Tri.UNKNOWN)
        return out

    def _assert(self, group: _Group, fact: Json) -> set[str]:
        """Assert one fact in a fresh session of one ruleset; the names of the rules that fired."""
        sid = uuid.uuid4().hex
        log: list[str] = []
        self._fired[sid] = log
        try:
            try:
                state = self._host.assert_fact(group.name, {**fact, **GUARD, "sid": sid})
            except Exception as exc:
                if len(log) > group.max_actions:
                    detail = f"durable-rules ran away: {len(log)} actions"
                else:
                    detail = f"durable-rules failed: {exc}"
                # The session may be half-built: deleting it can crash the process, so it is
                # left alone and this engine is retired instead.
                self._broken = detail
                raise EngineError(detail) from exc
            if SENTINEL not in log:
                self._broken = "the sentinel rule did not run"
                raise EngineError("durable-rules did not run the sentinel rule")
            try:
                self._host.delete_state(group.name, sid)
            except Exception as exc:
                self._broken = f"could not delete a session: {exc}"
                raise EngineError(self._broken) from exc
        finally:
            del self._fired[sid]
        if not isinstance(state, dict):
            raise EngineError("durable-rules returned no state (an action lease expired)")
        if state.get("exception"):
            raise EngineError(f"a durable-rules action failed: {state['exception']}")
        return set(log)


def _free_rulesets(handles: list[int]) -> None:
    for handle in handles:
        durable_rules_engine.delete_ruleset(handle)
