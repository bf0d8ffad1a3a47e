"""Check a questionnaire's shape against schema.json and explain each failure plainly."""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .naming import describe, describe_kind, entity, quoted_list, show_value
from .problems import PathT, Report

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value pairs)",
    "null": "empty",
}

_PATTERN_NAMES = {
    "^[a-z0-9][a-z0-9_-]*$": (
        "must use only lowercase letters, digits, '_' and '-', starting with a letter or digit"
    ),
    "\\S": "must not be blank",
    "^https?://\\S+$": "must be a web address starting with https://",
}


@cache
def schema() -> dict[str, Any]:
    """The questionnaire JSON Schema (draft 2020-12) shipped beside this module."""
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def check_shape(data: Any, report: Report) -> None:
    """Report every way ``data`` does not fit the schema, one readable message each."""
    for error in _validator().iter_errors(data):
        _explain(data, error, report)


def _explain(data: Any, error: ValidationError, report: Report) -> None:
    path: PathT = tuple(error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        _explain_key_name(data, error, path, report)
        return
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    name = describe(data, path)
    if keyword == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                report.at((*path, key), _unknown_key(key, entity(data, path)[0], allowed))
        return
    if keyword == "required":
        owner = entity(data, path)[0]
        for key in value:
            if key not in instance:
                report.at(path, f"{owner} is missing the required key '{key}'")
        return
    report.at(path, _message(keyword, value, instance, name))


def _message(keyword: object, value: Any, instance: Any, name: str) -> str:
    if keyword == "type":
        types = [value] if isinstance(value, str) else list(value)
        expected = _or_list([_TYPE_NAMES.get(t, t) for t in types])
        message = f"{name} must be {expected}, but it is {describe_kind(instance)}"
        if isinstance(instance, bool) and "string" in types:
            message += "; YAML reads yes/no/true/false/on/off as true or false, so put it in quotes"
        return message
    if keyword == "enum":
        allowed = quoted_list(value)
        return f"{name} must be one of: {allowed}; {show_value(instance)} is not allowed"
    if keyword == "pattern":
        rule = _PATTERN_NAMES.get(str(value), f"must match the pattern {value}")
        if value == "\\S":
            return f"{name} {rule}"
        return f"{name} {rule}, but it is {show_value(instance)}"
    if keyword == "minItems":
        return f"{name} must list at least {value} item{'s' if value != 1 else ''}"
    if keyword == "uniqueItems":
        return f"{name} lists {show_value(_first_repeat(instance))} more than once"
    if keyword == "minimum":
        return f"{name} must be {show_value(value)} or more, but it is {show_value(instance)}"
    if keyword == "maximum":
        return f"{name} must be {show_value(value)} or less, but it is {show_value(instance)}"
    if keyword == "maxLength":
        return f"{name} must be {value} characters or fewer"
    if keyword == "minLength":
        return f"{name} must not be empty"
    return f"{name} is not valid ({keyword}: {value})"


def _explain_key_name(data: Any, error: ValidationError, path: PathT, report: Report) -> None:
    key = error.instance if isinstance(error.instance, str) else str(error.instance)
    owner = describe(data, path)
    if error.validator == "maxLength":
        rule = f"must be {error.validator_value} characters or fewer"
    else:
        rule = _PATTERN_NAMES.get(str(error.validator_value), "is not allowed")
    report.at((*path, key), f"the name '{key}' in {owner} {rule}")


def _unknown_key(key: str, owner: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
    if close:
        return f"unknown key '{key}' in {owner}; did you mean '{close[0]}'?"
    return f"unknown key '{key}' in {owner} (allowed keys: {quoted_list(allowed)})"


def _first_repeat(items: list[Any]) -> Any:
    seen: list[Any] = []
    for item in items:
        if item in seen:
            return item
        seen.append(item)
    return None


def _or_list(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
