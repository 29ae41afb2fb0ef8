"""Load YAML safely while remembering where every value came from.

PyYAML's SafeLoader is used to compose the node graph; we build the Python values ourselves so
that (1) every value's `line:col` is kept in a location map keyed by its path, (2) only the YAML 1.2
booleans `true`/`false` are booleans (`yes`, `no`, `on`, `off` stay strings), (3) duplicate
mapping keys are an error instead of last-one-wins, and (4) alias bombs and deep nesting end in a
located error instead of exhausting memory or the stack.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from ketascreen.errors import Problem

Path = tuple[str | int, ...]

MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_BYTES = 5_000_000

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans; `yes`/`no`/`on`/`off` resolve to strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


@dataclass
class Located:
    """A parsed YAML document with the `line:col` (1-based) of every value, keyed by path."""

    data: Any
    file: str
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path) -> str:
        """`file:line:col` of the value at `path`, or of its nearest located ancestor."""
        probe = tuple(path)
        while probe not in self.marks and probe:
            probe = probe[:-1]
        line, col = self.marks.get(probe, (1, 1))
        return f"{self.file}:{line}:{col}"


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_yaml_file(file: FsPath, *, code: str) -> Located:
    """Read and parse one YAML file. Every failure is a `YamlProblem`; an unreadable file gets
    `code` (the caller's code family), a parse failure its KS1xx code."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(Problem(f"{file}:1:1", code, "file is not UTF-8 text")) from exc
    except OSError as exc:
        raise YamlProblem(Problem(str(file), code, f"cannot read file: {exc.strerror}")) from exc
    return load_yaml(text, str(file))


def load_yaml(text: str, file: str) -> Located:
    """Parse one YAML document. Raises `YamlProblem` with a located `Problem` on any failure."""
    if len(text) > MAX_BYTES:
        raise YamlProblem(Problem(f"{file}:1:1", "KS105", f"file larger than {MAX_BYTES} bytes"))
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else f"{file}:1:1"
        message = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(Problem(where, "KS101", f"YAML syntax error: {message}")) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(f"{file}:1:1", "KS101", f"YAML error: {exc}")) from exc
    except RecursionError as exc:
        raise YamlProblem(Problem(f"{file}:1:1", "KS104", "YAML nested too deeply")) from exc
    located = Located(data=None, file=file)
    if node is None:
        return located
    builder = _Builder(located, loader_constructor(), file)
    located.data = builder.build(node, (), 0)
    return located


def loader_constructor() -> Callable[[yaml.ScalarNode], Any]:
    """A function that turns a scalar node into its value, with our resolver's tags."""
    constructor = yaml.constructor.SafeConstructor()

    def construct(node: yaml.ScalarNode) -> Any:
        return constructor.construct_object(node, deep=True)

    return construct


class _Builder:
    def __init__(self, located: Located, construct: Callable[[yaml.ScalarNode], Any], file: str):
        self.located = located
        self.construct = construct
        self.file = file
        self.count = 0

    def _where(self, node: yaml.Node) -> str:
        return f"{self.file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(
                Problem(self._where(node), "KS104", f"more than {MAX_NODES} values (alias expansion?)")
            )
        if depth > MAX_DEPTH:
            raise YamlProblem(Problem(self._where(node), "KS104", f"nested deeper than {MAX_DEPTH}"))
        self.located.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise YamlProblem(Problem(self._where(node), "KS102", f"unsupported YAML tag {node.tag!r}"))
            try:
                value = self.construct(node)
            except (yaml.YAMLError, ValueError, OverflowError) as exc:
                raise YamlProblem(
                    Problem(self._where(node), "KS101", f"invalid scalar {node.value!r}: {exc}")
                ) from exc
            if isinstance(value, dt.datetime):
                raise YamlProblem(
                    Problem(self._where(node), "KS102", "date-times are not supported; use a date")
                )
            return value
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise YamlProblem(Problem(self._where(node), "KS102", f"unsupported tag {node.tag!r}"))
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise YamlProblem(Problem(self._where(node), "KS102", f"unsupported tag {node.tag!r}"))
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem(
                        Problem(self._where(key_node), "KS102", "mapping keys must be plain scalars")
                    )
                key = self.construct(key_node)
                if not isinstance(key, str):
                    key = str(key) if isinstance(key, int | float | bool) else key
                if not isinstance(key, str):
                    raise YamlProblem(Problem(self._where(key_node), "KS102", "mapping keys must be strings"))
                if key in out:
                    raise YamlProblem(
                        Problem(
                            self._where(key_node),
                            "KS103",
                            f"duplicate key {key!r}",
                            "each key may appear once in a mapping",
                        )
                    )
                out[key] = self.build(value_node, (*path, key), depth + 1)
            return out
        raise YamlProblem(Problem(self._where(node), "KS102", "unsupported YAML node"))
