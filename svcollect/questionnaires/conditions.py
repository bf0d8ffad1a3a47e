"""Meaning checks for show_if conditions: what they refer to and whether the test fits."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from .model import OPERATORS, same_value
from .naming import quoted_list, show_value
from .problems import PathT, Report

_NUMERIC_TYPES = frozenset({"number", "scale"})
_TEXT_TYPES = frozenset({"short_text", "long_text"})


@dataclass(frozen=True)
class QuestionRef:
    """What a condition needs to know about the question it refers to."""

    id: str
    type: str
    page_index: int
    page_id: str
    path: PathT
    #: 0-based position on its page
    question_index: int
    option_values: tuple[Any, ...]
    #: the lowest and highest answer a number or scale question takes (None: no limit)
    bounds: tuple[float | None, float | None] = (None, None)


def check_condition(
    condition: dict[str, Any],
    path: PathT,
    owner: str,
    owner_page: int,
    index: dict[str, QuestionRef],
    report: Report,
    *,
    owner_is_page: bool,
) -> None:
    """Check one condition carried by ``owner`` (a page or question on page ``owner_page``)."""
    operators = [key for key in OPERATORS if key in condition]
    if not operators:
        report.at(
            path,
            f"the show_if condition of {owner} needs a test: one of {quoted_list(OPERATORS)}",
        )
        return
    if len(operators) > 1:
        report.at(
            (*path, operators[1]),
            f"the show_if condition of {owner} has more than one test "
            f"({quoted_list(operators)}); use only one",
        )
        return
    ref = condition["question"]
    target = index.get(ref)
    if target is None:
        close = difflib.get_close_matches(ref, list(index), n=1, cutoff=0.7)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        report.at(
            (*path, "question"),
            f"{owner} has a show_if condition on '{ref}', "
            f"which is not a question in this questionnaire{hint}",
        )
        return
    if target.page_index >= owner_page:
        if target.page_index > owner_page:
            where = f"a later page ('{target.page_id}')"
        elif owner_is_page:
            where = "that page itself"
        else:
            where = f"the same page ('{target.page_id}')"
        report.at(
            (*path, "question"),
            f"{owner} has a show_if condition on '{ref}', which is on {where}; "
            "a condition can only use answers from an earlier page",
        )
    _check_operator(condition, operators[0], path, owner, target, report)


def _check_operator(
    condition: dict[str, Any],
    operator: str,
    path: PathT,
    owner: str,
    target: QuestionRef,
    report: Report,
) -> None:
    kind = target.type
    if operator == "answered":
        return
    if operator in ("at_least", "at_most"):
        if kind not in _NUMERIC_TYPES:
            report.at(
                (*path, operator),
                f"{owner} uses '{operator}' on '{target.id}', which is a {kind} question; "
                f"'{operator}' only works with number and scale questions",
            )
            return
        problem = _never_true(operator, condition[operator], target)
        if problem:
            report.at((*path, operator), f"{owner} has a show_if condition that {problem}")
        return
    if kind == "file":
        report.at(
            (*path, operator),
            f"{owner} uses '{operator}' on '{target.id}', which is a file question; "
            "only 'answered' works with file questions",
        )
        return
    if operator == "any_of":
        items = [((*path, "any_of", i), value) for i, value in enumerate(condition["any_of"])]
    else:
        items = [((*path, operator), condition[operator])]
    for where, value in items:
        problem = _value_problem(target, value)
        if problem:
            report.at(
                where,
                f"{owner} has a show_if condition on '{target.id}' with the value "
                f"{show_value(value)}, {problem}",
            )


def _never_true(operator: str, value: Any, target: QuestionRef) -> str | None:
    """Why ``at_least`` / ``at_most`` ``value`` can never hold for ``target``'s answers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"compares '{target.id}' with {show_value(value)}, which is not a number"
    low, high = target.bounds
    if operator == "at_least" and high is not None and value > high:
        return (
            f"can never be true: '{target.id}' is answered {show_value(high)} at most, "
            f"so it is never at least {show_value(value)}"
        )
    if operator == "at_most" and low is not None and value < low:
        return (
            f"can never be true: '{target.id}' is answered {show_value(low)} at least, "
            f"so it is never at most {show_value(value)}"
        )
    return None


def _value_problem(target: QuestionRef, value: Any) -> str | None:
    kind = target.type
    if target.option_values:
        if any(same_value(value, option) for option in target.option_values):
            return None
        shown = quoted_list(show_value(option) for option in target.option_values)
        return f"which is not one of its options ({shown})"
    if kind == "yes_no" and not isinstance(value, bool):
        return f"but '{target.id}' is a yes_no question, so the value must be true or false"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"but '{target.id}' is a number question, so the value must be a number"
    if kind in _TEXT_TYPES and not isinstance(value, str):
        return f"but '{target.id}' is a {kind} question, so the value must be text in quotes"
    if kind == "date" and not _is_iso_date(value):
        return (
            f"but '{target.id}' is a date question, so the value must be a date like '2026-03-27'"
        )
    return None


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def answer_bounds(
    question: dict[str, Any], options: list[Any]
) -> tuple[float | None, float | None]:
    """The lowest and highest answer a number or scale question can have (None: no limit)."""
    if question.get("type") == "scale":
        numbers = [v for v in options if isinstance(v, int | float) and not isinstance(v, bool)]
        return (min(numbers), max(numbers)) if numbers else (None, None)
    if question.get("type") == "number":
        low, high = question.get("min"), question.get("max")
        return (
            low if isinstance(low, int | float) and not isinstance(low, bool) else None,
            high if isinstance(high, int | float) and not isinstance(high, bool) else None,
        )
    return None, None
