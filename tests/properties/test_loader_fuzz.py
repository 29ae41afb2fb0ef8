"""Property 8: the rule loader never crashes.

Random and mutated YAML text (random bytes, unicode, wrong types, deep nesting, huge numbers,
anchors/aliases and alias bombs, mutated valid rule sets) written to a file gives either a
working screener or `ketascreen.RuleSetError` whose problems are located in that file; never
another exception, and never a hang (a per-test timeout).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

import ketascreen as ks
from ketascreen.testing import rulesets
from tests.properties._support import hang_timeout, scratch

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**400), 10**400),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["", "yes", "F20-F29", "F1?.?5", "Z9-A0", "fact", "all", "rule", "not", "9" * 500]),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid generated rule set with one to three values replaced by junk, as YAML."""
    data: Any = copy.deepcopy(draw(rulesets(max_rules=3)))
    for _ in range(draw(st.integers(1, 3))):
        node, key = data, None
        path_len = draw(st.integers(0, 6))
        for _ in range(path_len):
            if isinstance(node, dict) and node:
                key = draw(st.sampled_from(sorted(node)))
            elif isinstance(node, list) and node:
                key = draw(st.integers(0, len(node) - 1))
            else:
                break
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if action == "delete":
                del node[key]
            elif action == "insert":
                node[draw(st.text(max_size=12))] = draw(junk)
            else:
                node[key] = draw(junk)
        elif isinstance(node, list) and node:
            i = draw(st.integers(0, len(node) - 1))
            if action == "delete":
                del node[i]
            else:
                node[i] = draw(junk)
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)


def _nested(depth: int) -> str:
    return "rules: " + "[" * depth + "]" * depth + "\n"


bombs = st.sampled_from(
    [
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        "a: &a {x: 1}\n<<: *a\n",
        "&a [*a]\n",
        "rules: &r\n  - id: x\n    when: *r\n",
        "!!python/object:os.system {}\n",
        "ruleset: !!binary aGVsbG8=\n",
        "ruleset: {id: x, version: 2025-01-01 10:00:00, title: t}\n",
        "ruleset: {id: x, version: 1e999999, title: t}\n",
        "\ufeffruleset: {id: x, version: '1', title: t}\nrules: []\n",
        "%YAML 1.1\n---\na: 1\n---\nb: 2\n",
    ]
)
texts = st.one_of(
    mutated(),
    bombs,
    st.integers(1, 3000).map(_nested),
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "ruleset:",
                "rules:",
                "- ",
                "  ",
                "id: a",
                "&x ",
                "*x",
                "{",
                "}",
                "[",
                "]",
                ": ",
                "\n",
                "'",
                '"',
                "#",
                "!!str ",
                "\t",
                "\x85",
                "\u2028",
                "~",
                "when:",
            ]
        ),
        max_size=40,
    ).map("".join),
)


def check(path: Path) -> None:
    try:
        screener = ks.load_ruleset(path)
    except ks.RuleSetError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.location.startswith(str(path)), problem
            assert problem.code.startswith("KS") and problem.message, problem
    else:
        screener.close()


@hang_timeout()
@given(texts)
def test_text_never_crashes_the_loader(text: str) -> None:
    with scratch() as tmp:
        path = Path(tmp) / "rules.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        check(path)


@hang_timeout()
@given(st.binary(max_size=400))
def test_bytes_never_crash_the_loader(raw: bytes) -> None:
    with scratch() as tmp:
        path = Path(tmp) / "rules.yaml"
        path.write_bytes(raw)
        check(path)
