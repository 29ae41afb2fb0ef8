"""Helpers shared by the tests: tiny rule sets written to a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

META = """\
ruleset: {id: tiny, version: "1", title: Tiny test rule set}
sources:
  S1: {citation: A source}
value_sets:
  mdd: {title: MDD, icd10cm: {include: ["F32-F33"]}, snomedct: ["370143000"]}
  psychosis: {title: Psychosis, icd10cm: {include: ["F20-F29"]}}
  ad: {title: Antidepressants, names: [sertraline, venlafaxine]}
"""


def write_ruleset(folder: Path, rules: str, meta: str = META) -> Path:
    """Write `ruleset.yaml` (metadata, one source, value sets) and `rules.yaml`; return folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ruleset.yaml").write_text(meta, encoding="utf-8")
    (folder / "rules.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
    return folder


def rule(id_: str, when: str, kind: str = "exclusion", severity: str | None = "absolute") -> str:
    """One rule as YAML text, indented for a `rules:` list."""
    sev = f"\n    severity: {severity}" if severity else ""
    return (
        f"  - id: {id_}\n    kind: {kind}{sev}\n    title: {id_}\n    rationale: why\n"
        f"    sources: [S1]\n    when: {when}\n"
    )
