"""The condition AST, and Kleene's three-valued logic it is evaluated in.

Conditions are data. The parser builds these nodes from YAML; both evaluators (the reference
evaluator and the durable-rules adapter) walk the same nodes. `loc` is where the node was written
(`file:line:col`); it is excluded from equality so structurally equal nodes can be shared.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Union


class Tri(enum.Enum):
    """Kleene three-valued truth: `FALSE & UNKNOWN = FALSE`, `TRUE | UNKNOWN = TRUE`."""

    TRUE = "met"
    FALSE = "not_met"
    UNKNOWN = "unknown"

    def __invert__(self) -> Tri:
        return {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE, Tri.UNKNOWN: Tri.UNKNOWN}[self]

    @staticmethod
    def all(values: list[Tri]) -> Tri:
        if Tri.FALSE in values:
            return Tri.FALSE
        return Tri.UNKNOWN if Tri.UNKNOWN in values else Tri.TRUE

    @staticmethod
    def any(values: list[Tri]) -> Tri:
        if Tri.TRUE in values:
            return Tri.TRUE
        return Tri.UNKNOWN if Tri.UNKNOWN in values else Tri.FALSE


Value = float | int | bool | str
COMPARE_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in")
COUNT_OPS = ("eq", "ne", "lt", "le", "gt", "ge")


@dataclass(frozen=True)
class All:
    items: tuple[Cond, ...]
    loc: str = field(default="", compare=False)


@dataclass(frozen=True)
class Any_:
    items: tuple[Cond, ...]
    loc: str = field(default="", compare=False)


@dataclass(frozen=True)
class Not:
    item: Cond
    loc: str = field(default="", compare=False)


@dataclass(frozen=True)
class RuleRef:
    rule_id: str
    loc: str = field(default="", compare=False)


@dataclass(frozen=True)
class Known:
    """True when the fact (or list) is recorded; never unknown."""

    fact: str
    loc: str = field(default="", compare=False)


@dataclass(frozen=True)
class Compare:
    fact: str
    op: str
    value: Value | tuple[Value, ...]
    loc: str = field(default="", compare=False)


@dataclass(frozen=True)
class ItemAll:
    items: tuple[ItemCond, ...]


@dataclass(frozen=True)
class ItemAny:
    items: tuple[ItemCond, ...]


@dataclass(frozen=True)
class ItemNot:
    item: ItemCond


@dataclass(frozen=True)
class ItemCompare:
    field: str
    op: str
    value: Value | tuple[Value, ...]


@dataclass(frozen=True)
class ItemInSet:
    field: str
    value_set: str


@dataclass(frozen=True)
class ItemKnown:
    field: str


@dataclass(frozen=True)
class Count:
    """Count list items matching `where` (distinct by `distinct`), compared with `op value`.

    Three-valued: `lo` counts items that certainly match, `hi` those that may match; the
    comparison is met when it holds for every count in [lo, hi], not met when for none.
    """

    collection: str
    where: ItemCond | None
    distinct: str | None
    op: str
    value: int
    loc: str = field(default="", compare=False)

    @property
    def aggregate_key(self) -> tuple[str, ItemCond | None, str | None]:
        return (self.collection, self.where, self.distinct)


Cond = Union[All, Any_, Not, RuleRef, Known, Compare, Count]  # noqa: UP007
ItemCond = Union[ItemAll, ItemAny, ItemNot, ItemCompare, ItemInSet, ItemKnown]  # noqa: UP007


def walk(cond: Cond) -> list[Cond]:
    """Every node of a condition, pre-order (rule references are not followed)."""
    out: list[Cond] = [cond]
    if isinstance(cond, All | Any_):
        for item in cond.items:
            out.extend(walk(item))
    elif isinstance(cond, Not):
        out.extend(walk(cond.item))
    return out
