"""Architecture rules: layers import only downward; durable-rules behind one adapter; a small,
sorted public surface; no unsafe loading or evaluation of untrusted rule and patient data."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ketascreen

SRC = Path(ketascreen.__file__).resolve().parent

# Lower number = lower layer. A module may import only from its own layer or lower ones.
LAYERS = {
    "errors": 0,
    "model": 1,
    "_fhir": 2,
    "_rules": 2,
    "_engine": 3,
    "_verdict": 4,
    "_display": 4,
    "_schemas": 5,
    "_screener": 5,
    "_cases": 6,
    "_ruledoc": 6,
    "testing": 7,
    "cli": 8,
    "__init__": 9,
    "__main__": 9,
}


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _modules() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" and len(rel.parts) > 1 else rel.parts)
        out.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _imports(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
    return names


def test_layers_import_only_downward() -> None:
    wrong = []
    for name, tree in _modules():
        if name.split(".")[0] not in LAYERS:
            wrong.append(f"{name}: not assigned to a layer")
            continue
        for imported in _imports(tree):
            if imported.startswith("ketascreen.") and imported != "ketascreen":
                target = imported.removeprefix("ketascreen.")
                if _layer(target) > _layer(name):
                    wrong.append(f"{name} imports {imported}")
    assert not wrong


def test_only_the_adapter_imports_durable() -> None:
    importers = {
        name
        for name, tree in _modules()
        if any(i == "durable" or i.startswith(("durable.", "durable_rules")) for i in _imports(tree))
    }
    assert importers == {"_engine.durable"}


def test_public_names_are_sorted_and_exist() -> None:
    assert ketascreen.__all__ == sorted(ketascreen.__all__)
    for name in ketascreen.__all__:
        assert hasattr(ketascreen, name), name


def test_no_unsafe_loading_or_eval() -> None:
    pattern = re.compile(
        r"yaml\.load\(|yaml\.unsafe_load|yaml\.full_load|(?<![\w.])eval\(|(?<![\w.])exec\(|pickle"
    )
    hits = [
        f"{p.name}:{i}"
        for p in SRC.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not hits
