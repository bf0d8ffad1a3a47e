"""Meaning checks for content that already has the right shape (see schema.json)."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .conditions import QuestionRef, answer_bounds, check_condition
from .licensed import check_licensed
from .messages import MESSAGE_KEYS, applicable_message_keys
from .model import MAX_MAX_LENGTH
from .naming import describe, quoted_list, show_value
from .problems import PathT, Report

#: Keys that only some question types may use.
_TYPE_KEYS: dict[str, frozenset[str]] = {
    "scale": frozenset({"scale"}),
    "single_choice": frozenset({"options", "scale"}),
    "multiple_choice": frozenset({"options", "scale"}),
    "number": frozenset({"min", "max", "integer"}),
    "short_text": frozenset({"max_length"}),
    "long_text": frozenset({"max_length"}),
    "date": frozenset({"not_before"}),
    "yes_no": frozenset(),
    "file": frozenset({"accept", "max_files"}),
}
_TYPED_KEYS = frozenset().union(*_TYPE_KEYS.values())
#: Most points a min..max scale may expand to.
MAX_RANGE_POINTS = 101


@dataclass(frozen=True)
class FileName:
    """What the file's location says the content must be."""

    folder: str
    version: int
    name: str


def check_meaning(
    data: dict[str, Any], where: FileName, known_scorers: Collection[str], report: Report
) -> None:
    """Report everything that is well-shaped but wrong: ids, references, conditions."""
    _check_identity(data, where, report)
    _check_scorer(data, known_scorers, report)
    scales = _check_scales(data, report)
    index = _index_questions(data, scales, report)
    for page_index, page in enumerate(data["pages"]):
        page_path: PathT = ("pages", page_index)
        if "show_if" in page:
            owner = describe(data, page_path)
            check_condition(
                page["show_if"],
                (*page_path, "show_if"),
                owner,
                page_index,
                index,
                report,
                owner_is_page=True,
            )
        for question_index, question in enumerate(page["questions"]):
            path: PathT = (*page_path, "questions", question_index)
            _check_question(data, question, path, scales, report)
            if "not_before" in question and question["type"] == "date":
                own = (page_index, question_index)
                _check_not_before(data, question["not_before"], path, own, index, report)
            if "show_if" in question:
                owner = describe(data, path)
                check_condition(
                    question["show_if"],
                    (*path, "show_if"),
                    owner,
                    page_index,
                    index,
                    report,
                    owner_is_page=False,
                )


def _check_identity(data: dict[str, Any], where: FileName, report: Report) -> None:
    if data["id"] != where.folder:
        report.at(
            ("id",),
            f"id '{data['id']}' does not match the folder name '{where.folder}'; "
            "they must be the same",
        )
    if data["version"] != where.version:
        report.at(
            ("version",),
            f"version {show_value(data['version'])} does not match the file name "
            f"'{where.name}'; a file named {where.name} must have version: {where.version}",
        )


def _check_scorer(data: dict[str, Any], known_scorers: Collection[str], report: Report) -> None:
    scorer = data["scorer"]
    if scorer not in known_scorers:
        known = quoted_list(sorted(known_scorers)) or "none"
        report.at(("scorer",), f"scorer '{scorer}' is not a known scorer (known scorers: {known})")
    # The wemwbs and swemwbs scorers read licensed items: the licence, their wording and
    # their answers must stay as released (DOMAIN.md section 2.1).
    check_licensed(data, report)


def _check_scales(data: dict[str, Any], report: Report) -> dict[str, list[Any]]:
    """Check each scale; return the option values of every scale (empty if it is broken)."""
    values: dict[str, list[Any]] = {}
    for scale_id, scale in data.get("scales", {}).items():
        path: PathT = ("scales", scale_id)
        name = f"scale '{scale_id}'"
        has_options = "options" in scale
        has_range = "min" in scale or "max" in scale
        values[scale_id] = []
        if has_options and has_range:
            report.at(path, f"{name} has both 'options' and 'min'/'max'; use one or the other")
        elif has_options:
            for key in ("min_label", "max_label"):
                if key in scale:
                    report.at(
                        (*path, key),
                        f"{name} has '{key}', which only applies to a scale with min and max; "
                        "give option labels instead",
                    )
            values[scale_id] = _check_options(scale["options"], (*path, "options"), name, report)
        elif "min" in scale and "max" in scale:
            low, high = scale["min"], scale["max"]
            if low >= high:
                report.at(
                    (*path, "max"), f"{name} has min {low}, which is not less than max {high}"
                )
            elif high - low + 1 > MAX_RANGE_POINTS:
                report.at(
                    (*path, "max"),
                    f"{name} runs from {low} to {high}, which is more than "
                    f"{MAX_RANGE_POINTS} points; use a number question instead",
                )
            else:
                values[scale_id] = list(range(low, high + 1))
        elif has_range:
            missing = "max" if "min" in scale else "min"
            report.at(path, f"{name} has no '{missing}'; a range scale needs both min and max")
        else:
            report.at(path, f"{name} needs either 'options' or 'min' and 'max'")
    return values


def _check_options(options: list[Any], path: PathT, owner: str, report: Report) -> list[Any]:
    values: list[Any] = []
    labels: list[str] = []
    for index, option in enumerate(options):
        value, label = option["value"], option["label"]
        if value in values:
            report.at(
                (*path, index, "value"),
                f"{owner} has the option value {show_value(value)} more than once",
            )
        if label in labels:
            report.at(
                (*path, index, "label"),
                f"{owner} has the option label '{label}' more than once",
            )
        values.append(value)
        labels.append(label)
    return values


def _index_questions(
    data: dict[str, Any], scales: dict[str, list[Any]], report: Report
) -> dict[str, QuestionRef]:
    index: dict[str, QuestionRef] = {}
    page_lines: dict[str, int] = {}
    for page_index, page in enumerate(data["pages"]):
        page_path: PathT = ("pages", page_index)
        page_id = page["id"]
        if page_id in page_lines:
            report.at(
                (*page_path, "id"),
                f"page id '{page_id}' is used more than once (first on line {page_lines[page_id]})",
            )
        else:
            page_lines[page_id] = report.line_of((*page_path, "id"))
        for question_index, question in enumerate(page["questions"]):
            path: PathT = (*page_path, "questions", question_index)
            question_id = question["id"]
            if question_id in index:
                first = report.line_of((*index[question_id].path, "id"))
                report.at(
                    (*path, "id"),
                    f"question id '{question_id}' is used more than once (first on line {first})",
                )
                continue
            options = [option["value"] for option in question.get("options", [])]
            if "scale" in question:
                options = scales.get(question["scale"], [])
            index[question_id] = QuestionRef(
                id=question_id,
                type=question["type"],
                page_index=page_index,
                page_id=page_id,
                path=path,
                question_index=question_index,
                option_values=tuple(options),
                bounds=answer_bounds(question, options),
            )
    return index


def _check_question(
    data: dict[str, Any],
    question: dict[str, Any],
    path: PathT,
    scales: dict[str, list[Any]],
    report: Report,
) -> None:
    kind = question["type"]
    name = describe(data, path)
    for key in sorted(_TYPED_KEYS & question.keys() - _TYPE_KEYS[kind]):
        users = [t for t, keys in _TYPE_KEYS.items() if key in keys]
        report.at(
            (*path, key),
            f"{name} is a {kind} question, so it cannot have '{key}' "
            f"(only {_and_list(users)} questions use it)",
        )
    if kind == "scale" and "scale" not in question:
        report.at(path, f"{name} is a scale question, so it needs 'scale: <scale id>'")
    if kind in ("single_choice", "multiple_choice"):
        if "options" in question and "scale" in question:
            report.at(
                (*path, "scale"), f"{name} has both 'options' and 'scale'; use one or the other"
            )
        elif "options" not in question and "scale" not in question:
            report.at(path, f"{name} is a {kind} question, so it needs 'options' or 'scale'")
        if "options" in question:
            _check_options(question["options"], (*path, "options"), name, report)
    if "scale" in question and kind in _TYPE_KEYS and "scale" in _TYPE_KEYS[kind]:
        scale_id = question["scale"]
        if scale_id not in scales:
            defined = quoted_list(sorted(scales)) or "none"
            report.at(
                (*path, "scale"),
                f"{name} refers to scale '{scale_id}', which is not defined "
                f"(defined scales: {defined})",
            )
    if kind == "number":
        _check_number(question, path, name, report)
    if kind in MAX_MAX_LENGTH and "max_length" in question:
        limit = MAX_MAX_LENGTH[kind]
        if question["max_length"] > limit:
            report.at(
                (*path, "max_length"),
                f"'max_length' in {name} must be {limit} or less for a {kind} question, "
                f"but it is {question['max_length']}",
            )
    allowed = applicable_message_keys(kind)
    for key in question.get("messages", {}):
        if key not in allowed:
            report.at(
                (*path, "messages", key),
                f"{name} cannot have a '{key}' message: it does not apply to {kind} questions "
                f"(messages it can have: {quoted_list(k for k in MESSAGE_KEYS if k in allowed)})",
            )
        elif key in ("too_small", "too_large") and kind == "number":
            bound = "min" if key == "too_small" else "max"
            if bound not in question:
                report.at(
                    (*path, "messages", key),
                    f"{name} has a '{key}' message but no '{bound}', so it can never be shown",
                )
        elif key == "too_early" and "not_before" not in question:
            report.at(
                (*path, "messages", key),
                f"{name} has a 'too_early' message but no 'not_before', so it can never be shown",
            )


def _check_not_before(
    data: dict[str, Any],
    ref: str,
    path: PathT,
    own: tuple[int, int],
    index: dict[str, QuestionRef],
    report: Report,
) -> None:
    """``not_before`` names a date question earlier on the same page.

    The same page, so the two dates are checked together whenever either is saved: a
    date on an earlier page could be changed later without this one being checked again.
    """
    name = describe(data, path)
    where: PathT = (*path, "not_before")
    rule = "not_before must name a date question earlier on the same page"
    target = index.get(ref)
    if target is None:
        close = difflib.get_close_matches(ref, list(index), n=1, cutoff=0.7)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        report.at(
            where,
            f"{name} has not_before '{ref}', which is not a question in this questionnaire"
            f"{hint}; {rule}",
        )
        return
    page_index, question_index = own
    if target.path == path:
        problem = "which is the question itself"
    elif target.page_index != page_index:
        later = target.page_index > page_index
        problem = f"which is on {'a later' if later else 'an earlier'} page ('{target.page_id}')"
    elif target.question_index > question_index:
        problem = "which comes after it on the page"
    elif target.type != "date":
        problem = f"which is a {target.type} question"
    else:
        return
    report.at(where, f"{name} has not_before '{ref}', {problem}; {rule}")


def _check_number(question: dict[str, Any], path: PathT, name: str, report: Report) -> None:
    if question.get("integer", True):
        for bound in ("min", "max"):
            value = question.get(bound)
            if value is not None and value != int(value):
                report.at(
                    (*path, bound),
                    f"'{bound}' in {name} is {value}, but the answer must be a whole number; "
                    "use a whole number, or set integer: false to allow decimals",
                )
    if "min" in question and "max" in question and question["min"] > question["max"]:
        report.at(
            (*path, "max"),
            f"{name} has min {show_value(question['min'])}, which is greater than "
            f"max {show_value(question['max'])}",
        )


def _and_list(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]
