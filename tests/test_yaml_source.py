"""Located YAML loading: YAML 1.2 booleans, duplicate keys, tags, bombs."""

from __future__ import annotations

import pytest

from ketascreen._rules.yaml_source import YamlProblem, load_yaml


def code_of(text: str) -> tuple[str, str]:
    with pytest.raises(YamlProblem) as info:
        load_yaml(text, "f.yaml")
    return info.value.problem.code, info.value.problem.location


def test_values_and_locations() -> None:
    doc = load_yaml("a: yes\nb: [1, true, off]\nc:\n  d: 1.5\n", "f.yaml")
    assert doc.data == {"a": "yes", "b": [1, True, "off"], "c": {"d": 1.5}}
    assert doc.where(("c", "d")) == "f.yaml:4:6"
    assert doc.where(("b", 2)) == "f.yaml:2:14"
    assert doc.where(("c", "nope")) == "f.yaml:4:3"


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ("a: 1\na: 2\n", "KS103", "f.yaml:2:1"),
        ("a: [1\n", "KS101", "f.yaml:2:1"),
        ("!!python/object:os.system x", "KS102", "f.yaml:1:1"),
        ("a: !!binary aGk=", "KS102", "f.yaml:1:4"),
        ("? [1]\n: 2", "KS102", "f.yaml:1:3"),
        ("a: 2020-01-01 10:00:00", "KS102", "f.yaml:1:4"),
        ("x: &a [*a]", "KS104", "f.yaml:1:4"),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 80)), "KS104", ""),
    ],
)
def test_bad_yaml_is_located(text: str, code: str, where: str) -> None:
    got_code, got_where = code_of(text)
    assert got_code == code
    if where:
        assert got_where == where


def test_alias_bomb_is_stopped() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    assert code_of("\n".join(lines))[0] == "KS104"


def test_empty_document() -> None:
    assert load_yaml("", "f.yaml").data is None
