"""Read YAML into plain JSON-like data while remembering the line of every key and item."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from .naming import describe
from .problems import PathT

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_PLAIN_TAGS = frozenset(
    {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
#: Refused while composing: an alias shares a node, and expanding shared nodes into plain
#: data can grow exponentially (a "billion laughs" file), so none is ever built.
ANCHORS_REFUSED = (
    "anchors and aliases (&name, *name) are not allowed in svcollect's YAML files: "
    "write the text out in full"
)


class YamlSyntaxError(Exception):
    """The text is not YAML at all; carries the 1-based line and a readable message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class ParsedYaml:
    """Plain data (dicts, lists, str, int, float, bool, None) plus where each part came from.

    ``issues`` are (line, message) pairs for YAML that parsed but cannot be accepted
    as content, such as a key written twice in the same mapping.
    """

    data: Any
    lines: dict[PathT, int] = field(default_factory=dict)
    issues: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, path: PathT) -> int:
        """The line of the deepest known part of ``path`` (the key line for mapping entries)."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return self.lines.get((), 1)


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing an anchor or alias as soon as the composer meets it.

    Every node is then used once, so the document is a tree and converting it is linear
    in the size of the file.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.NodeEvent):  # an alias, or a node that may have an anchor
            event = self.current_event
            if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
                raise YamlSyntaxError(event.start_mark.line + 1, ANCHORS_REFUSED)
        return super().compose_node(parent, index)


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document; raise :class:`YamlSyntaxError` if it cannot be read."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(text, exc) from exc
    try:
        node = loader.get_single_node()
        result = ParsedYaml(data=None)
        if node is not None:
            result.lines[()] = node.start_mark.line + 1
            converter = _Converter(loader, result)
            result.data = converter.convert(node, ())
            converter.finish()
        return result
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from exc
    except yaml.reader.ReaderError as exc:
        raise _reader_error(text, exc) from exc
    finally:
        loader.dispose()


def _reader_error(text: str, exc: yaml.reader.ReaderError) -> YamlSyntaxError:
    line = text[: exc.position].count("\n") + 1
    character = exc.character if isinstance(exc.character, int) else 0
    return YamlSyntaxError(
        line, f"the file contains a control character YAML does not allow (U+{character:04X})"
    )


def _syntax_error(exc: yaml.MarkedYAMLError) -> YamlSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = exc.problem or "the YAML could not be read"
    if problem.startswith("but found another document"):
        return YamlSyntaxError(
            line, "the file holds more than one YAML document; remove the second '---' line"
        )
    message = f"this is not valid YAML: {problem}"
    if exc.context:
        message += f" ({exc.context}"
        if exc.context_mark is not None and exc.context_mark.line + 1 != line:
            message += f" that starts on line {exc.context_mark.line + 1}"
        message += ")"
    if "'\\t'" in problem:
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        message += "; check the indentation, and put text containing ': ' in quotes"
    return YamlSyntaxError(line, message)


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, result: ParsedYaml) -> None:
        self._loader = loader
        self._result = result
        #: (line, key, first line, path of the mapping) for keys written twice.
        self._repeats: list[tuple[int, str, int, PathT]] = []

    def finish(self) -> None:
        """Explain repeated keys now that the whole document can be described."""
        for line, key, first, path in self._repeats:
            where = describe(self._result.data, path)
            self._result.issues.append(
                (
                    line,
                    f"the key '{key}' appears twice in {where} (first on line {first}); keep one",
                )
            )

    def _issue(self, node: yaml.Node, message: str) -> None:
        self._result.issues.append((node.start_mark.line + 1, message))

    def convert(self, node: yaml.Node, path: PathT) -> Any:
        # A tree (the loader refuses aliases), so each node is converted once.
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path)
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: PathT) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:
                self._issue(
                    key_node, "YAML merge keys ('<<') are not supported; write the keys out"
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._issue(key_node, "a key must be a plain word, not a list or mapping")
                continue
            key = str(key_node.value)
            if key in first_line:
                self._repeats.append((line, key, first_line[key], path))
                continue
            first_line[key] = line
            self._result.lines[(*path, key)] = line
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _sequence(self, node: yaml.SequenceNode, path: PathT) -> list[Any]:
        items: list[Any] = []
        for index, item in enumerate(node.value):
            self._result.lines[(*path, index)] = item.start_mark.line + 1
            items.append(self.convert(item, (*path, index)))
        return items

    def _scalar(self, node: yaml.Node) -> Any:
        raw = str(node.value)
        if node.tag in (_STR, _TIMESTAMP):
            # Dates stay as the text written, so the content is plain JSON.
            return raw
        if node.tag == _NULL:
            return None
        if node.tag in _PLAIN_TAGS:
            value = self._loader.construct_object(node, deep=True)
            if isinstance(value, float) and not math.isfinite(value):
                self._issue(node, f"'{raw}' is not an ordinary number; write a finite number")
                return raw
            return value
        self._issue(node, f"the YAML tag '{node.tag}' is not supported; write plain values")
        return raw
