"""Exception hierarchy and the located `Problem` every user-fixable error carries.

Problem codes:
  KS1xx  YAML syntax and structure of a rule file
  KS2xx  rule-file schema (fields, types, required values)
  KS3xx  static checks of conditions (facts, value sets, types, references)
  KS4xx  rule-set level checks (duplicates, layering, size)
  KS5xx  patient data
  KS6xx  golden case files (`<rule set>/cases/*.yaml`)
  KS9xx  engine failures (not user-fixable; reported as EngineError)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CaseError",
    "EngineError",
    "KetascreenError",
    "PatientDataError",
    "Problem",
    "RuleSetError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One user-fixable problem: where, which code, what, and how to fix it.

    `location` is `file:line:col` for rule files and a data path such as
    `diagnoses[2].code` for patient records.
    """

    location: str
    code: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.code} {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def sort_key(self) -> tuple[str, int, int, str]:
        """Sort by file, then numerically by line and column, then code."""
        parts = self.location.rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            return (parts[0], int(parts[1]), int(parts[2]), self.code)
        return (self.location, 0, 0, self.code)


class KetascreenError(Exception):
    """Base class of every error the library raises on purpose."""


class _ProblemsError(KetascreenError):
    def __init__(self, problems: Iterable[Problem], summary: str) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=Problem.sort_key))
        lines = [summary, *(f"  {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


class RuleSetError(_ProblemsError):
    """A rule set could not be loaded; `problems` lists every problem found, sorted by location."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        problems = tuple(problems)
        n = len(problems)
        super().__init__(problems, f"rule set has {n} problem{'s' if n != 1 else ''}:")


class PatientDataError(_ProblemsError, ValueError):
    """A patient record is invalid; `problems` name the data path of each problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        problems = tuple(problems)
        n = len(problems)
        super().__init__(problems, f"patient record has {n} problem{'s' if n != 1 else ''}:")


class CaseError(_ProblemsError):
    """Golden case files could not be loaded; `problems` lists every problem, sorted by location."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        problems = tuple(problems)
        n = len(problems)
        super().__init__(problems, f"case files have {n} problem{'s' if n != 1 else ''}:")


class EngineError(KetascreenError):
    """The rules engine failed or the two evaluators disagreed. Never a user-data problem."""
