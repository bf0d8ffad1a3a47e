"""Babel extractor: every string a respondent sees in a questionnaire file, with its line.

Register in babel.cfg as ``[svcollect.questionnaires.babel_extract:extract_questionnaire:
questionnaires/**.yaml]`` so a .po file can translate content without code changes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from .problems import PathT
from .yamlsource import ParsedYaml, YamlSyntaxError, parse_yaml

_TOP_KEYS = ("title", "description")
_PAGE_KEYS = ("title", "intro")
_QUESTION_KEYS = ("text", "hint")
_OPTION_KEYS = ("label", "hint")
_SCALE_KEYS = ("min_label", "max_label")

Extracted = tuple[int, str | None, str, list[str]]


def translatable(data: Any) -> Iterator[tuple[PathT, str]]:
    """Paths and text of every user-facing string, in file order."""
    if not isinstance(data, dict):
        return
    yield from _keys(data, (), _TOP_KEYS)
    licence = data.get("licence")
    if isinstance(licence, dict):
        yield from _keys(licence, ("licence",), ("notice",))
    scales = data.get("scales")
    if isinstance(scales, dict):
        for scale_id, scale in scales.items():
            if isinstance(scale, dict):
                yield from _keys(scale, ("scales", scale_id), _SCALE_KEYS)
                yield from _options(scale.get("options"), ("scales", scale_id, "options"))
    for p, page in _items(data.get("pages"), ("pages",)):
        yield from _keys(page, p, _PAGE_KEYS)
        for q, question in _items(page.get("questions"), (*p, "questions")):
            yield from _keys(question, q, _QUESTION_KEYS)
            yield from _options(question.get("options"), (*q, "options"))
            messages = question.get("messages")
            if isinstance(messages, dict):
                yield from _keys(messages, (*q, "messages"), tuple(messages))


def _keys(
    node: Mapping[str, Any], path: PathT, keys: Collection[str]
) -> Iterator[tuple[PathT, str]]:
    for key in keys:
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            yield (*path, key), value


def _items(node: Any, path: PathT) -> Iterator[tuple[PathT, dict[str, Any]]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict):
                yield (*path, index), item


def _options(node: Any, path: PathT) -> Iterator[tuple[PathT, str]]:
    for o, option in _items(node, path):
        yield from _keys(option, o, _OPTION_KEYS)


def extract_questionnaire(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel extraction method: yields ``(lineno, None, message, [])`` per string.

    A file that is not valid YAML stops extraction with a ValueError naming the line.
    """
    encoding = str(options.get("encoding", "utf-8"))
    text = fileobj.read().decode(encoding)
    try:
        parsed: ParsedYaml = parse_yaml(text)
    except YamlSyntaxError as exc:
        name = getattr(fileobj, "name", "<questionnaire>")
        raise ValueError(f"{name}:{exc.line}: {exc.message}") from exc
    for path, message in translatable(parsed.data):
        yield parsed.line_of(path), None, message, []
