"""Value sets: codes from several systems (ICD-10-CM prefixes, wildcards and ranges; SNOMED CT
concept ids; RxNorm codes; lower-case names) that one clinical concept may be recorded as."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ICD_ENTRY = re.compile(r"^[A-Z?][0-9?][0-9A-Z?](\.[0-9A-Z?]{0,4})?$")


def icd_entry_problem(entry: str) -> str | None:
    """Why an ICD-10-CM include/exclude entry is malformed, or None when it is fine."""
    parts = entry.split("-")
    if len(parts) == 2:
        lo, hi = parts
        if not (_ICD_ENTRY.match(lo) and _ICD_ENTRY.match(hi)) or "?" in entry:
            return "a range is two dotted codes without wildcards, e.g. F20-F29"
        if lo > hi:
            return f"range start {lo} is after its end {hi}"
        return None
    if len(parts) != 1 or not _ICD_ENTRY.match(entry) or entry.endswith("."):
        return "expected a dotted ICD-10-CM code or prefix (F33.1, I71, F1?.?5) or a range (F20-F29)"
    return None


@dataclass(frozen=True, slots=True)
class IcdEntry:
    """A prefix (may hold `?` wildcards) or an inclusive range compared on the bounds' length."""

    text: str

    def matches(self, code: str) -> bool:
        if "-" in self.text:
            lo, hi = self.text.split("-")
            return lo <= code[: len(lo)] and code[: len(hi)] <= hi
        if len(code) < len(self.text):
            return False
        return all(p == "?" or p == c for p, c in zip(self.text, code, strict=False))


@dataclass(frozen=True, slots=True)
class ValueSet:
    id: str
    title: str
    icd10cm_include: tuple[IcdEntry, ...] = ()
    icd10cm_exclude: tuple[IcdEntry, ...] = ()
    snomedct: frozenset[str] = frozenset()
    rxnorm: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    note: str | None = None
    # Codes repeat across patients; remember each answer (bounded, it is only a cache).
    _memo: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False, repr=False)

    def contains_code(self, system: str, code: str) -> bool:
        key = (system, code)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._match(system, code)
            if len(self._memo) < 100_000:
                self._memo[key] = hit
        return hit

    def _match(self, system: str, code: str) -> bool:
        if system == "icd10cm":
            return any(e.matches(code) for e in self.icd10cm_include) and not any(
                e.matches(code) for e in self.icd10cm_exclude
            )
        if system == "snomedct":
            return code in self.snomedct
        if system == "rxnorm":
            return code in self.rxnorm
        return False

    def contains_name(self, name: str) -> bool:
        return name.strip().lower() in self.names
