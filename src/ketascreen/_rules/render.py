"""Plain one-line renderings of conditions, shared by the rule sheet and the verdict evidence:
`bp.mean_systolic >= 160 or exists diagnoses[code in hypertensive_crisis and status in [active]]`.
"""

from __future__ import annotations

from ketascreen._rules.ast import (
    All,
    Any_,
    Compare,
    Cond,
    Count,
    ItemAll,
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

OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "in": "in"}


def render_value(v: Value | tuple[Value, ...]) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(render_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def render_condition(cond: Cond) -> str:
    """A compact one-line rendering of a condition, e.g. `bp.mean_systolic >= 160 or ...`."""
    return _cond(cond, top=True)


def _cond(cond: Cond, top: bool = False) -> str:
    if isinstance(cond, Known):
        return f"known({cond.fact})"
    if isinstance(cond, Compare):
        return f"{cond.fact} {OPS[cond.op]} {render_value(cond.value)}"
    if isinstance(cond, RuleRef):
        return f"rule({cond.rule_id})"
    if isinstance(cond, Not):
        if isinstance(cond.item, Known):
            return f"missing({cond.item.fact})"
        return f"not {_cond(cond.item)}"
    if isinstance(cond, All | Any_):
        items = cond.items
        joined = (" and " if isinstance(cond, All) else " or ").join(_cond(c) for c in items)
        return joined if top or len(items) == 1 else f"({joined})"
    return _count(cond)


def _count(cond: Count) -> str:
    where = f"[{render_item(cond.where, top=True)}]" if cond.where is not None else ""
    distinct = f" distinct {cond.distinct}" if cond.distinct else ""
    if cond.op == "ge" and cond.value == 1 and not distinct:
        return f"exists {cond.collection}{where}"
    return f"count({cond.collection}{where}{distinct}) {OPS[cond.op]} {cond.value}"


def render_item(cond: ItemCond, top: bool = False) -> str:
    if isinstance(cond, ItemCompare):
        return f"{cond.field} {OPS[cond.op]} {render_value(cond.value)}"
    if isinstance(cond, ItemInSet):
        return f"{cond.field} in {cond.value_set}"
    if isinstance(cond, ItemKnown):
        return f"known({cond.field})"
    if isinstance(cond, ItemNot):
        if isinstance(cond.item, ItemKnown):
            return f"missing({cond.item.field})"
        return f"not {render_item(cond.item)}"
    joined = (" and " if isinstance(cond, ItemAll) else " or ").join(render_item(c) for c in cond.items)
    return joined if top or len(cond.items) == 1 else f"({joined})"
