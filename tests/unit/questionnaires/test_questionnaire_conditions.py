"""Condition semantics and which pages and questions a respondent sees."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcollect.questionnaires import OPERATORS, Condition, Registry, is_answered


@pytest.mark.parametrize(
    ("condition", "answer", "expected"),
    [
        (Condition("q", "equals", "in_place"), "in_place", True),
        (Condition("q", "equals", "in_place"), "partly", False),
        (Condition("q", "equals", 3), 3, True),
        (Condition("q", "equals", 3), 3.0, True),
        (Condition("q", "equals", 3), "3", False),
        (Condition("q", "equals", True), True, True),
        (Condition("q", "equals", True), False, False),
        (Condition("q", "equals", False), False, True),
        # True == 1 in Python, but a yes_no answer never matches a scale value.
        (Condition("q", "equals", 1), True, False),
        (Condition("q", "equals", True), 1, False),
        (Condition("q", "equals", "care"), ["care", "cleaning"], True),
        (Condition("q", "equals", "catering"), ["care", "cleaning"], False),
        (Condition("q", "any_of", ("a", "b")), "b", True),
        (Condition("q", "any_of", ("a", "b")), "c", False),
        (Condition("q", "any_of", (2, 3)), 2, True),
        (Condition("q", "any_of", ("care", "catering")), ("cleaning", "catering"), True),
        (Condition("q", "any_of", ("care", "catering")), {"cleaning"}, False),
        (Condition("q", "at_least", 500), 500, True),
        (Condition("q", "at_least", 500), 499, False),
        (Condition("q", "at_least", 500), 500.5, True),
        (Condition("q", "at_least", 500), "600", False),
        (Condition("q", "at_least", 1), True, False),
        (Condition("q", "at_most", 49), 49, True),
        (Condition("q", "at_most", 49), 50, False),
        (Condition("q", "at_most", 49), float("nan"), False),
        (Condition("q", "answered", True), "x", True),
        (Condition("q", "answered", True), 0, True),
        (Condition("q", "answered", True), False, True),
        (Condition("q", "answered", True), "   ", False),
        (Condition("q", "answered", True), [], False),
        (Condition("q", "answered", False), "", True),
        (Condition("q", "answered", False), "x", False),
    ],
)
def test_condition_holds(condition: Condition, answer: object, expected: bool) -> None:
    assert condition.holds({"q": answer}) is expected


@pytest.mark.parametrize(
    "condition",
    [
        Condition("q", "equals", "x"),
        Condition("q", "equals", False),
        Condition("q", "any_of", ("x", "y")),
        Condition("q", "at_least", 0),
        Condition("q", "at_most", 10),
        Condition("q", "answered", True),
    ],
)
@pytest.mark.parametrize("answers", [{}, {"q": None}, {"q": ""}, {"q": []}, {"other": "x"}])
def test_missing_answer_makes_every_operator_false(
    condition: Condition, answers: dict[str, Any]
) -> None:
    assert condition.holds(answers) is False


@pytest.mark.parametrize("answers", [{}, {"q": None}, {"q": ""}, {"q": ()}])
def test_missing_answer_satisfies_answered_false(answers: dict[str, Any]) -> None:
    assert Condition("q", "answered", False).holds(answers) is True


def test_operators_are_the_documented_five() -> None:
    assert OPERATORS == ("equals", "any_of", "at_least", "at_most", "answered")


numbers = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)


@given(answer=numbers, limit=numbers)
def test_at_least_and_at_most_cover_every_number(answer: float, limit: float) -> None:
    at_least = Condition("q", "at_least", limit).holds({"q": answer})
    at_most = Condition("q", "at_most", limit).holds({"q": answer})
    assert at_least or at_most
    assert (at_least and at_most) == (answer == limit)


@given(answer=st.one_of(st.none(), st.text(), st.lists(st.text()), numbers, st.booleans()))
def test_answered_true_and_false_are_opposites(answer: object) -> None:
    answers = {"q": answer}
    answered = Condition("q", "answered", True).holds(answers)
    assert answered is not Condition("q", "answered", False).holds(answers)
    assert answered is is_answered(answer)


@given(values=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1), answer=st.text())
def test_any_of_is_equals_for_some_value(values: list[str], answer: str) -> None:
    any_of = Condition("q", "any_of", tuple(values)).holds({"q": answer})
    assert any_of == any(Condition("q", "equals", v).holds({"q": answer}) for v in values)


def _visible(registry: Registry, answers: Mapping[str, object]) -> tuple[list[str], list[str]]:
    questionnaire = registry.get("conditions", 1)
    pages = [p.id for p in questionnaire.visible_pages(answers)]
    questions = [q.id for q in questionnaire.visible_questions(answers)]
    return pages, questions


START = ["staff", "is_charity", "sector", "services", "stress", "founded", "policy", "region"]


def test_nothing_answered_shows_unconditional_content(valid: Registry) -> None:
    pages, questions = _visible(valid, {})
    assert pages == ["start", "follow_up"]
    assert questions == [*START, "no_policy_reason"]


def test_conditions_follow_the_answers(valid: Registry) -> None:
    answers: dict[str, object] = {
        "staff": 10,
        "is_charity": True,
        "sector": "public",
        "services": ["cleaning"],
        "stress": 1,
        "founded": "2026-01-01",
        "policy": ["file-1"],
        "region": "North East",
    }
    pages, questions = _visible(valid, answers)
    assert pages == ["start", "small", "charity", "follow_up"]
    assert questions == [
        *START,
        "small_support",
        "charity_number",
        "public_body",
        "care_or_cleaning",
        "region_detail",
        "region_north",
        "founded_today",
        "exactly_ten",
    ]


def test_a_hidden_page_answer_does_not_switch_later_pages_on(valid: Registry) -> None:
    # board_lead was answered while staff was 500+, then staff changed to 20: the stale
    # board_lead answer must not show the page that depends on it.
    stale = {"staff": 20, "board_lead": False}
    pages, _ = _visible(valid, stale)
    assert "large" not in pages
    assert "large_follow_up" not in pages
    current = {"staff": 600, "board_lead": False}
    pages, questions = _visible(valid, current)
    assert pages == ["start", "large", "follow_up", "large_follow_up"]
    assert questions[-1] == "board_plan"


def test_visible_answers_drops_answers_to_hidden_questions(valid: Registry) -> None:
    questionnaire = valid.get("conditions", 1)
    answers = {"staff": 20, "board_lead": True, "sector": "private", "public_body": "NHS"}
    assert questionnaire.visible_answers(answers) == {"staff": 20, "sector": "private"}
