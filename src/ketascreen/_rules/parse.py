"""Parse `when:` conditions from YAML data into the AST, checking them statically.

Every problem is collected (never raised one at a time) with its `file:line:col`, so a rule
author sees all of them at once. Codes: KS301 unknown fact or field, KS302 unknown value set,
KS303 type mismatch, KS304 malformed condition, KS305 unknown rule reference, KS306 bad value.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ketascreen._rules.ast import (
    COMPARE_OPS,
    COUNT_OPS,
    All,
    Any_,
    Compare,
    Cond,
    Count,
    ItemAll,
    ItemAny,
    ItemCompare,
    ItemCond,
    ItemInSet,
    ItemKnown,
    ItemNot,
    Known,
    Not,
    RuleRef,
    Value,
)
from ketascreen._rules.catalogue import COLLECTIONS, FACTS, FieldSpec
from ketascreen._rules.valuesets import ValueSet
from ketascreen._rules.yaml_source import Path
from ketascreen.errors import Problem

MAX_ABS_NUMBER = 1e12
CONDITION_KEYWORDS = (
    "all",
    "any",
    "not",
    "rule",
    "known",
    "missing",
    "asserted",
    "fact",
    "count",
    "exists",
    "diagnosis",
    "medication",
)
ITEM_KEYWORDS = ("all", "any", "not", "field", "known", "missing")
DIAGNOSIS_KEYS = ("in", "status", "onset_within_days", "onset_more_than_days")


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Suggest the closest choice; failing that, the one with a word closest to the last word
    of `word` (so `vitals.systolc` still finds `bp.mean_systolic`)."""
    options = list(choices)
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if match:
        return f"did you mean {match[0]!r}?"
    tail = re.split(r"[._]", word)[-1]
    scored = sorted(
        (max(difflib.SequenceMatcher(None, tail, part).ratio() for part in re.split(r"[._]", o)), o)
        for o in options
    )
    best = [o for score, o in scored if scored and score == scored[-1][0] and score >= 0.8]
    if 0 < len(best) <= 3:
        return "did you mean " + " or ".join(repr(o) for o in best) + "?"
    return None


@dataclass
class ParseContext:
    where: Callable[[Path], str]
    value_sets: dict[str, ValueSet]
    problems: list[Problem]

    def problem(self, path: Path, code: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.where(path), code, message, hint))


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check_number(ctx: ParseContext, path: Path, v: object) -> bool:
    if not _is_number(v):
        return False
    assert isinstance(v, int | float)
    if not math.isfinite(v) or abs(v) > MAX_ABS_NUMBER:
        ctx.problem(
            path, "KS306", f"number {v!r} out of range", f"use a finite value below {MAX_ABS_NUMBER:g}"
        )
    return True


def _single_op(
    ctx: ParseContext, data: dict[str, Any], path: Path, ops: tuple[str, ...], subject: str
) -> tuple[str, Any] | None:
    found = [k for k in data if k in ops]
    extra = [k for k in data if k not in ops and k != subject]
    for key in extra:
        ctx.problem(
            (*path, key),
            "KS304",
            f"unexpected key {key!r} in a comparison",
            did_you_mean(key, ops) or f"operators are {', '.join(ops)}",
        )
    if len(found) != 1:
        if not extra:
            ctx.problem(path, "KS304", f"a comparison needs exactly one operator of {', '.join(ops)}")
        return None
    return found[0], data[found[0]]


def _check_value(
    ctx: ParseContext, path: Path, op: str, value: Any, type_: str, values: tuple[str, ...], what: str
) -> Value | tuple[Value, ...] | None:
    """Type-check a comparison value against the fact's type; None when it is unusable."""
    if op == "in":
        if not isinstance(value, list) or not value:
            ctx.problem(path, "KS303", f"`in` takes a non-empty list of values for {what}")
            return None
        checked = [_check_value(ctx, (*path, i), "eq", v, type_, values, what) for i, v in enumerate(value)]
        if any(c is None for c in checked):
            return None
        return tuple(c for c in checked if c is not None and not isinstance(c, tuple))
    if type_ == "number":
        if not _check_number(ctx, path, value):
            ctx.problem(path, "KS303", f"{what} is a number; cannot compare it with {value!r}")
            return None
        return value  # type: ignore[no-any-return]
    if op not in ("eq", "ne", "in"):
        ctx.problem(path, "KS303", f"{what} is {type_}; `{op}` needs a number", "use eq, ne or in")
        return None
    if type_ == "boolean":
        if not isinstance(value, bool):
            ctx.problem(
                path, "KS303", f"{what} is a boolean; cannot compare it with {value!r}", "write true or false"
            )
            return None
        return value
    if not isinstance(value, str):
        ctx.problem(path, "KS303", f"{what} takes a string; got {value!r}")
        return None
    if type_ == "enum" and value not in values:
        ctx.problem(
            path,
            "KS306",
            f"{value!r} is not a value of {what}",
            did_you_mean(value, values) or f"values are {', '.join(values)}",
        )
        return None
    if type_ == "name":
        return value.strip().lower()
    return value


def parse_condition(ctx: ParseContext, data: Any, path: Path) -> Cond | None:
    """Parse one condition mapping; returns None (and records problems) when it is invalid."""
    loc = ctx.where(path)
    if not isinstance(data, dict) or not data:
        ctx.problem(
            path, "KS304", "a condition must be a non-empty mapping", "e.g. {fact: age_years, ge: 18}"
        )
        return None
    key = next((k for k in CONDITION_KEYWORDS if k in data), None)
    if key is None:
        first = next(iter(data))
        ctx.problem(
            (*path, first),
            "KS304",
            f"unknown condition keyword {first!r}",
            did_you_mean(first, CONDITION_KEYWORDS)
            or f"conditions start with one of {', '.join(CONDITION_KEYWORDS)}",
        )
        return None
    if key in ("fact", "count"):
        return _parse_comparison(ctx, data, path, key, loc)
    if len(data) != 1:
        extra = next(k for k in data if k != key)
        ctx.problem(
            (*path, extra),
            "KS304",
            f"unexpected key {extra!r} beside {key!r}",
            "a condition mapping holds one keyword; wrap several in `all:`",
        )
        return None
    body = data[key]
    sub = (*path, key)
    if key in ("all", "any"):
        if not isinstance(body, list) or not body:
            ctx.problem(sub, "KS304", f"`{key}` takes a non-empty list of conditions")
            return None
        items = [parse_condition(ctx, c, (*sub, i)) for i, c in enumerate(body)]
        if any(i is None for i in items):
            return None
        parts = tuple(i for i in items if i is not None)
        return All(parts, loc) if key == "all" else Any_(parts, loc)
    if key == "not":
        inner = parse_condition(ctx, body, sub)
        return Not(inner, loc) if inner is not None else None
    if key == "rule":
        if not isinstance(body, str):
            ctx.problem(sub, "KS304", "`rule` takes a rule id")
            return None
        return RuleRef(body, loc)
    if key == "asserted":
        ctx.problem(
            sub,
            "KS304",
            "`asserted` is not supported: it reads an unrecorded fact as false, "
            "which would let missing data make a patient eligible",
            f"write {{fact: {body}, eq: true}} (unknown when not recorded), and require the fact "
            "only where it matters, e.g. all: [{rule: <context>}, {fact: ..., eq: true}]",
        )
        return None
    if key in ("known", "missing"):
        return _parse_known(ctx, key, body, sub, loc)
    if key == "exists":
        return _parse_count_body(ctx, body, sub, "ge", 1, loc)
    if key == "diagnosis":
        return _parse_diagnosis(ctx, body, sub, loc)
    return _parse_medication(ctx, body, sub, loc)


def _parse_known(ctx: ParseContext, key: str, name: Any, path: Path, loc: str) -> Cond | None:
    if not isinstance(name, str):
        ctx.problem(path, "KS304", f"`{key}` takes a fact name")
        return None
    if name not in FACTS and name not in COLLECTIONS:
        ctx.problem(path, "KS301", f"unknown fact {name!r}", did_you_mean(name, [*FACTS, *COLLECTIONS]))
        return None
    known = Known(name, loc)
    return known if key == "known" else Not(known, loc)


def _parse_comparison(ctx: ParseContext, data: dict[str, Any], path: Path, key: str, loc: str) -> Cond | None:
    if key == "fact":
        name = data["fact"]
        if not isinstance(name, str) or name not in FACTS:
            hint = did_you_mean(name, FACTS) if isinstance(name, str) else None
            if isinstance(name, str) and name in COLLECTIONS:
                hint = f"{name!r} is a list: use count/exists, or known/missing"
            ctx.problem((*path, "fact"), "KS301", f"unknown fact {name!r}", hint)
            return None
        found = _single_op(ctx, data, path, COMPARE_OPS, "fact")
        if found is None:
            return None
        op, value = found
        spec = FACTS[name]
        checked = _check_value(ctx, (*path, op), op, value, spec.type, spec.values, f"fact {name!r}")
        return None if checked is None else Compare(name, op, checked, loc)
    found = _single_op(ctx, data, path, COUNT_OPS, "count")
    if found is None:
        return None
    op, value = found
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
        ctx.problem((*path, op), "KS303", f"a count compares with a whole number 0-1000, not {value!r}")
        return None
    return _parse_count_body(ctx, data["count"], (*path, "count"), op, value, loc)


def _parse_count_body(
    ctx: ParseContext, body: Any, path: Path, op: str, value: int, loc: str
) -> Count | None:
    if not isinstance(body, dict):
        ctx.problem(path, "KS304", "expected {of: <list>, where: <item condition>, distinct: <field>}")
        return None
    for key in body:
        if key not in ("of", "where", "distinct"):
            ctx.problem(
                (*path, key),
                "KS304",
                f"unexpected key {key!r}",
                did_you_mean(key, ("of", "where", "distinct")),
            )
            return None
    collection = body.get("of")
    if not isinstance(collection, str) or collection not in COLLECTIONS:
        ctx.problem(
            (*path, "of"),
            "KS301",
            f"unknown list {collection!r}",
            did_you_mean(str(collection), COLLECTIONS) or f"lists are {', '.join(COLLECTIONS)}",
        )
        return None
    fields = COLLECTIONS[collection].fields
    where = None
    if "where" in body:
        where = parse_item_condition(ctx, body["where"], (*path, "where"), fields, collection)
        if where is None:
            return None
    distinct = body.get("distinct")
    if distinct is not None and (not isinstance(distinct, str) or distinct not in fields):
        ctx.problem(
            (*path, "distinct"),
            "KS301",
            f"unknown field {distinct!r} of {collection}",
            did_you_mean(str(distinct), fields),
        )
        return None
    return Count(collection, where, distinct, op, value, loc)


def parse_item_condition(
    ctx: ParseContext, data: Any, path: Path, fields: dict[str, FieldSpec], collection: str
) -> ItemCond | None:
    if not isinstance(data, dict) or not data:
        ctx.problem(path, "KS304", "an item condition must be a non-empty mapping")
        return None
    key = next((k for k in ITEM_KEYWORDS if k in data), None)
    if key is None:
        first = next(iter(data))
        ctx.problem(
            (*path, first),
            "KS304",
            f"unknown item-condition keyword {first!r}",
            did_you_mean(first, ITEM_KEYWORDS) or f"use one of {', '.join(ITEM_KEYWORDS)}",
        )
        return None
    if key == "field":
        return _parse_item_compare(ctx, data, path, fields, collection)
    if len(data) != 1:
        extra = next(k for k in data if k != key)
        ctx.problem((*path, extra), "KS304", f"unexpected key {extra!r} beside {key!r}")
        return None
    body = data[key]
    sub = (*path, key)
    if key in ("all", "any"):
        if not isinstance(body, list) or not body:
            ctx.problem(sub, "KS304", f"`{key}` takes a non-empty list")
            return None
        items = [parse_item_condition(ctx, c, (*sub, i), fields, collection) for i, c in enumerate(body)]
        if any(i is None for i in items):
            return None
        parts = tuple(i for i in items if i is not None)
        return ItemAll(parts) if key == "all" else ItemAny(parts)
    if key == "not":
        inner = parse_item_condition(ctx, body, sub, fields, collection)
        return ItemNot(inner) if inner is not None else None
    if not isinstance(body, str) or body not in fields:
        ctx.problem(sub, "KS301", f"unknown field {body!r} of {collection}", did_you_mean(str(body), fields))
        return None
    return ItemKnown(body) if key == "known" else ItemNot(ItemKnown(body))


def _parse_item_compare(
    ctx: ParseContext, data: dict[str, Any], path: Path, fields: dict[str, FieldSpec], collection: str
) -> ItemCond | None:
    name = data["field"]
    if not isinstance(name, str) or name not in fields:
        ctx.problem(
            (*path, "field"),
            "KS301",
            f"unknown field {name!r} of {collection}",
            did_you_mean(str(name), fields) or f"fields are {', '.join(fields)}",
        )
        return None
    spec = fields[name]
    found = _single_op(ctx, data, path, (*COMPARE_OPS, "in_value_set"), "field")
    if found is None:
        return None
    op, value = found
    if op == "in_value_set":
        return _parse_in_set(ctx, (*path, op), spec, value)
    if spec.type == "code":
        ctx.problem((*path, op), "KS303", f"field {name!r} holds codes; match it with in_value_set")
        return None
    checked = _check_value(ctx, (*path, op), op, value, spec.type, spec.values, f"field {name!r}")
    return None if checked is None else ItemCompare(name, op, checked)


def _parse_in_set(ctx: ParseContext, path: Path, spec: FieldSpec, value: Any) -> ItemInSet | None:
    if spec.type not in ("code", "name"):
        ctx.problem(path, "KS303", f"field {spec.name!r} is {spec.type}; in_value_set needs codes or names")
        return None
    if not isinstance(value, str) or value not in ctx.value_sets:
        ctx.problem(path, "KS302", f"unknown value set {value!r}", did_you_mean(str(value), ctx.value_sets))
        return None
    vs = ctx.value_sets[value]
    if spec.type == "code" and not (vs.icd10cm_include or vs.snomedct):
        ctx.problem(path, "KS303", f"value set {value!r} has no diagnosis codes (icd10cm/snomedct)")
        return None
    if spec.type == "name" and not vs.names:
        ctx.problem(path, "KS303", f"value set {value!r} has no `names` to match {spec.name!r}")
        return None
    return ItemInSet(spec.name, value)


def _int_field(ctx: ParseContext, body: dict[str, Any], key: str, path: Path) -> int | None:
    v = body.get(key)
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 100_000:
        ctx.problem((*path, key), "KS303", f"`{key}` takes a whole number of days, not {v!r}")
        return None
    return v


def _parse_diagnosis(ctx: ParseContext, body: Any, path: Path, loc: str) -> Count | None:
    """`diagnosis: {in: vs, status: [...], onset_within_days: N}` = exists over diagnoses."""
    if not isinstance(body, dict):
        ctx.problem(path, "KS304", "expected {in: <value set>, status: [active, historical]}")
        return None
    for key in body:
        if key not in DIAGNOSIS_KEYS:
            ctx.problem(
                (*path, key),
                "KS304",
                f"unexpected key {key!r} in diagnosis",
                did_you_mean(key, DIAGNOSIS_KEYS),
            )
            return None
    fields = COLLECTIONS["diagnoses"].fields
    in_set = _parse_in_set(ctx, (*path, "in"), fields["code"], body.get("in"))
    status = body.get("status")
    statuses = fields["status"].values
    if not isinstance(status, list) or not status or any(s not in statuses for s in status):
        ctx.problem(
            (*path, "status"),
            "KS303",
            f"`status` is required: a list from {', '.join(statuses)}",
            "use [active] for current, [active, historical] for any history",
        )
        return None
    within = _int_field(ctx, body, "onset_within_days", path)
    older = _int_field(ctx, body, "onset_more_than_days", path)
    if in_set is None:
        return None
    parts: list[ItemCond] = [in_set, ItemCompare("status", "in", tuple(status))]
    if within is not None:
        parts.append(ItemCompare("onset_days_ago", "le", within))
    if older is not None:
        parts.append(ItemCompare("onset_days_ago", "gt", older))
    return Count("diagnoses", ItemAll(tuple(parts)), None, "ge", 1, loc)


def _parse_medication(ctx: ParseContext, body: Any, path: Path, loc: str) -> Count | None:
    """`medication: {in: vs}` = exists a current medication named in the value set."""
    if not isinstance(body, dict) or set(body) != {"in"}:
        ctx.problem(path, "KS304", "expected {in: <value set of names>}")
        return None
    in_set = _parse_in_set(ctx, (*path, "in"), COLLECTIONS["medications"].fields["name"], body["in"])
    if in_set is None:
        return None
    where = ItemAll((in_set, ItemCompare("current", "eq", True)))
    return Count("medications", where, None, "ge", 1, loc)
