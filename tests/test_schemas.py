"""The committed JSON Schemas match the models (regenerate: `ketascreen schemas -o schemas`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketascreen._schemas import json_schemas, render

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("name", sorted(json_schemas()))
def test_schema_is_current(name: str) -> None:
    committed = (SCHEMAS / name).read_text(encoding="utf-8")
    assert committed == render(json_schemas()[name]), (
        f"schemas/{name} is stale: run `ketascreen schemas -o schemas` and commit it"
    )
