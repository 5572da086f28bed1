"""Limits an agreement's text meets before it is checked field by field, stored or previewed.

An agreement is YAML written by a person, and YAML can say much more than an agreement needs:
anchors and aliases (``&a`` / ``*a``) expand a few kilobytes into gigabytes (the "billion
laughs"), nesting thousands deep exhausts the parser's stack, ``.inf`` and ``.nan`` are numbers
no rule can use, escapes write NUL characters or lone surrogates that no database stores, and a
400-digit integer overflows every column. Each is refused here with its line and field, before
anything else reads the document.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

MAX_TEXT = 200_000  # characters: the demo agreement is about 5,000
MAX_DEPTH = 12  # the deepest a valid agreement goes is 5 (fit.personas[].criteria[].in[])
MAX_STRING = 2_000
MAX_INT = 10**15  # whole numbers beyond this are no count, weight, hour or revenue


def text_problems(text: str) -> list[tuple[int, str, str]]:
    """(line, field, message) for a text too long, with aliases or nested too deep."""
    if len(text) > MAX_TEXT:
        return [(1, "(document)", f"is too long ({len(text):,} characters; at most {MAX_TEXT:,})")]
    problems: list[tuple[int, str, str]] = []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else 1
            if isinstance(event, yaml.AliasEvent):
                problems.append(
                    (
                        line,
                        "(document)",
                        f"aliases (*{event.anchor}) are not allowed: write the values out",
                    )
                )
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    problems.append(
                        (line, "(document)", f"is nested deeper than {MAX_DEPTH} levels")
                    )
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return problems  # the parser's own message comes from compose, with its line
    return problems


def value_problems(root: yaml.Node) -> list[tuple[int, str, str]]:
    """(line, field, message) for every scalar no agreement may hold (see the module)."""
    problems: list[tuple[int, str, str]] = []
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value)
                stack.append((key_node, f"{path}.{key}" if path else key))
                stack.append((value_node, f"{path}.{key}" if path else key))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(node.value))
        elif isinstance(node, yaml.ScalarNode):
            message = _scalar_problem(node)
            if message:
                problems.append((node.start_mark.line + 1, path or "(document)", message))
    return problems


def _scalar_problem(node: yaml.ScalarNode) -> str:
    try:
        value: Any = yaml.safe_load(yaml.serialize(node))
    except (yaml.YAMLError, ValueError):  # e.g. more digits than Python converts
        return "is not a value an agreement can hold"
    if isinstance(value, str):
        if "\x00" in value:
            return "must not contain a NUL character"
        if any("\ud800" <= c <= "\udfff" for c in value):
            return "holds an invalid character (a lone surrogate)"
        if len(value) > MAX_STRING:
            return f"is too long (at most {MAX_STRING:,} characters)"
    elif isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number (.inf and .nan are not allowed)"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        return f"is too large (at most {MAX_INT:,})"
    return ""
