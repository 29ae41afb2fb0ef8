"""Strategies for concrete codes drawn from (or kept out of) a rule set's value sets."""

from __future__ import annotations

import re
import string

from hypothesis import strategies as st

from ketascreen._rules.valuesets import IcdEntry, ValueSet

ICD10CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
SNOMED = re.compile(r"^[1-9][0-9]{5,17}$")

_ALNUM = string.digits + string.ascii_uppercase
# The characters an ICD-10-CM code may hold at each position (index 3 is the dot).
_POSITION = (string.ascii_uppercase, string.digits, _ALNUM, ".", _ALNUM, _ALNUM, _ALNUM, _ALNUM)


def _suffix(prefix: str) -> st.SearchStrategy[str]:
    """Characters that may follow `prefix` to make a complete, valid ICD-10-CM code."""
    if len(prefix) == 3:
        return st.one_of(
            st.just(""),
            st.text(_ALNUM, min_size=1, max_size=4).map(lambda s: "." + s),
        )
    room = 8 - len(prefix)
    return st.text(_ALNUM, min_size=1 if prefix.endswith(".") else 0, max_size=max(room, 0))


def _fill(pattern: str) -> st.SearchStrategy[str]:
    """Replace each `?` of a prefix pattern by a character allowed at its position."""
    parts = [st.sampled_from(_POSITION[i]) if c == "?" else st.just(c) for i, c in enumerate(pattern)]
    return st.tuples(*parts).map("".join)


def _between(lo: str, hi: str) -> st.SearchStrategy[str]:
    """A string of len(lo) positions, character by character within the bounds of the range."""

    @st.composite
    def draw(draw: st.DrawFn) -> str:
        out = ""
        tight_lo = tight_hi = True
        for i in range(max(len(lo), len(hi))):
            chars = _POSITION[i]
            low = lo[i] if tight_lo and i < len(lo) else chars[0]
            high = hi[i] if tight_hi and i < len(hi) else chars[-1]
            allowed = [c for c in chars if low <= c <= high] or [low]
            c = draw(st.sampled_from(allowed))
            tight_lo = tight_lo and i < len(lo) and c == lo[i]
            tight_hi = tight_hi and i < len(hi) and c == hi[i]
            out += c
        return out

    return draw()


def icd10cm_codes_matching(entry: str) -> st.SearchStrategy[str]:
    """Concrete, valid ICD-10-CM codes matched by one include/exclude entry: a prefix (`F33.1`),
    a prefix with `?` wildcards (`F1?.?5`, `S06.???A`) or a range (`F20-F29`, `O00-O9A`)."""
    matcher = IcdEntry(entry)
    if "-" in entry:
        lo, hi = entry.split("-")
        prefix = st.one_of(st.just(lo), st.just(hi), _between(lo, hi))
    else:
        prefix = _fill(entry)
    return prefix.flatmap(lambda p: _suffix(p).map(lambda s: p + s)).filter(
        lambda c: bool(ICD10CM.match(c)) and matcher.matches(c)
    )


def any_icd10cm_codes() -> st.SearchStrategy[str]:
    """Any syntactically valid, dotted upper-case ICD-10-CM code (shrinks towards `A00`)."""
    head = st.tuples(
        st.sampled_from(string.ascii_uppercase),
        st.sampled_from(string.digits),
        st.sampled_from(_ALNUM),
    ).map("".join)
    return head.flatmap(lambda h: _suffix(h).map(lambda s: h + s))


def icd10cm_codes(value_set: ValueSet | None = None, *, inside: bool = True) -> st.SearchStrategy[str]:
    """ICD-10-CM codes in `value_set` (honouring its excludes), or outside it (`inside=False`).
    Without a value set: any valid code."""
    if value_set is None:
        return any_icd10cm_codes()
    if not inside:
        near = [icd10cm_codes_matching(e.text) for e in value_set.icd10cm_exclude]
        return st.one_of(any_icd10cm_codes(), *near).filter(
            lambda c: not value_set.contains_code("icd10cm", c)
        )
    if not value_set.icd10cm_include:
        return st.nothing()
    entries = [icd10cm_codes_matching(e.text) for e in value_set.icd10cm_include]
    return st.one_of(entries).filter(lambda c: value_set.contains_code("icd10cm", c))


def snomed_ids(value_set: ValueSet | None = None, *, inside: bool = True) -> st.SearchStrategy[str]:
    """SNOMED CT concept ids of `value_set`, or ids outside it; without one, any valid id."""
    any_id = st.integers(100_000, 10**12).map(str)
    if value_set is None:
        return any_id
    if inside:
        return st.sampled_from(sorted(value_set.snomedct)) if value_set.snomedct else st.nothing()
    return any_id.filter(lambda c: c not in value_set.snomedct)


def coded_in(value_set: ValueSet) -> st.SearchStrategy[tuple[str, str]]:
    """(system, code) pairs the value set contains, in either code system it lists."""
    options: list[st.SearchStrategy[tuple[str, str]]] = []
    if value_set.icd10cm_include:
        options.append(icd10cm_codes(value_set).map(lambda c: ("icd10cm", c)))
    if value_set.snomedct:
        options.append(snomed_ids(value_set).map(lambda c: ("snomedct", c)))
    return st.one_of(options) if options else st.nothing()
