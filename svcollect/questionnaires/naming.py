"""Plain-English names for parts of a questionnaire file, used in problem messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .problems import PathT


def get_at(data: Any, path: PathT) -> Any:
    """The value at ``path`` in parsed content, or None when the path does not exist."""
    node = data
    for step in path:
        if isinstance(step, str) and isinstance(node, dict):
            node = node.get(step)
        elif isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
        else:
            return None
    return node


def _named(kind: str, node: Any, index: int, within: str | None = None) -> str:
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        return f"{kind} '{node['id']}'"
    return f"{kind} {index + 1}" + (f" on {within}" if within else "")


def entity(data: Any, path: PathT) -> tuple[str, int]:
    """Name the innermost recognisable part containing ``path``; also how many steps it used."""
    size = len(path)
    if size >= 1 and path[0] == "licence":
        return "the licence block", 1
    if size >= 2 and path[0] == "scales":
        scale = f"scale '{path[1]}'"
        if size >= 4 and path[2] == "options" and isinstance(path[3], int):
            return f"option {path[3] + 1} of {scale}", 4
        return scale, 2
    if size >= 2 and path[0] == "pages" and isinstance(path[1], int):
        page = _named("page", get_at(data, path[:2]), path[1])
        if size >= 3 and path[2] in ("show_if", "meta"):
            return _part(str(path[2]), page), 3
        if size >= 4 and path[2] == "questions" and isinstance(path[3], int):
            question = _named("question", get_at(data, path[:4]), path[3], within=page)
            if size >= 5 and path[4] in ("show_if", "meta", "messages"):
                return _part(str(path[4]), question), 5
            if size >= 6 and path[4] == "options" and isinstance(path[5], int):
                return f"option {path[5] + 1} of {question}", 6
            return question, 4
        return page, 2
    return "the questionnaire", 0


def _part(key: str, owner: str) -> str:
    return f"the show_if condition of {owner}" if key == "show_if" else f"the {key} of {owner}"


def describe(data: Any, path: PathT) -> str:
    """A phrase naming the value at ``path``, e.g. "'required' in question 'anxiety'"."""
    name, used = entity(data, path)
    rest = path[used:]
    if not rest:
        return name
    head = f"'{rest[0]}'" if isinstance(rest[0], str) else f"item {rest[0] + 1}"
    for step in rest[1:]:
        head = f"item {step + 1} of {head}" if isinstance(step, int) else f"'{step}' in {head}"
    return head if used == 0 else f"{head} in {name}"


def quoted_list(values: Iterable[object]) -> str:
    """``a, b, c`` for messages that list what is allowed."""
    return ", ".join(str(value) for value in values)


def show_value(value: object) -> str:
    """A value as the person wrote it in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_kind(value: object) -> str:
    """What sort of value this is, for 'must be X, but it is Y' messages."""
    if isinstance(value, bool):
        return f"true/false ({show_value(value)})"
    if value is None:
        return "empty"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text ('{shown}')"
    if isinstance(value, int | float):
        return f"a number ({show_value(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value pairs)"
    return type(value).__name__
