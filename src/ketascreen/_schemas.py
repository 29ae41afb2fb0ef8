"""JSON Schemas generated from the Pydantic models; committed under `schemas/`.

Regenerate with `ketascreen schemas -o schemas` (a test fails when the committed files drift).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from ketascreen._rules.schema import RuleFile
from ketascreen._verdict import Verdict
from ketascreen.model import Patient

_BASE = "https://ketascreen.invalid/schemas/"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for the patient record, a rule file and a verdict."""
    out: dict[str, dict[str, Any]] = {}
    models: tuple[tuple[str, type[BaseModel], Literal["validation", "serialization"]], ...] = (
        ("patient.schema.json", Patient, "validation"),
        ("ruleset.schema.json", RuleFile, "validation"),
        ("verdict.schema.json", Verdict, "serialization"),
    )
    for name, model, mode in models:
        schema = model.model_json_schema(mode=mode)
        out[name] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": _BASE + name, **schema}
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
