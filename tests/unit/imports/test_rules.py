"""The import's answer rules give the web form's answers: same validity, same stored form."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wtforms.validators import StopValidation, ValidationError

from svcollect.forms import answer_types as web
from svcollect.imports.cells import column_text
from svcollect.imports.rules import (
    CONTROL_CHARACTERS,
    CONTROL_MESSAGE,
    check_column,
    typed_value,
)


class _Field:
    """Just enough of a WTForms field for the web form's validators."""

    def __init__(self, data: object) -> None:
        self.data = data


def _import(question, typed: object):
    """(value_text, value_number, problem) for one cell as the import sees it."""
    checked = check_column(question, column_text(np.array([typed], dtype=object)))
    number = checked.number[0]
    return checked.text[0], None if np.isnan(number) else float(number), checked.problem[0]


def _web_typed(question, typed: str, validators):
    """What the web form stores for typed text: the stored pair, "invalid", or None."""
    field = _Field(web.clean_text(typed))
    try:
        for check in validators:
            check(None, field)
    except (StopValidation, ValidationError):
        return "invalid"
    except ArithmeticError:
        # The web form's abs() raises on exponents past Decimal's limit (1E1000000):
        # a crash there, a refusal here.
        return "invalid"
    return web.answer_type(question).to_stored(question, field.data)


def _same(question, typed: str, validators) -> None:
    text, number, problem = _import(question, typed)
    expected = _web_typed(question, typed, validators)
    if expected == "invalid":
        assert problem is not None, (typed, text)
    elif expected is None:
        assert (text, problem) == (None, None), typed
    else:
        assert problem is None, (typed, problem)
        assert (text, number) == expected


def test_control_characters_are_exactly_the_web_forms():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        refused = (
            unicodedata.category(char) in {"Cc", "Cs", "Co"} and char not in web._ALLOWED_CONTROLS
        )
        assert (CONTROL_CHARACTERS.search(char) is not None) is refused, hex(code)


NUMBER_TEXT = st.one_of(
    st.text(alphabet="0123456789.,-+£eE _\t", max_size=12),
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-0",
            "1e15",
            "999999999999999",
            "١٢",
            "1_000",
            "£1,200.50",
            "5.",
            "1E1000000",
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(typed=NUMBER_TEXT)
def test_numbers_match_the_web_form(branching, typed):
    for question_id in ("team_size", "spend"):
        question = branching.question(question_id)
        _same(question, typed, [web._no_control_characters, web._number(question)])


def test_numbers_past_decimals_range_are_refused_not_a_crash(branching):
    question = branching.question("team_size")
    assert _import(question, "1E1000000")[2] == question.message("invalid")


@settings(max_examples=300, deadline=None)
@given(typed=st.text(max_size=40))
def test_text_matches_the_web_form(branching, typed):
    question = branching.question("other_detail")
    _same(question, typed, [web._no_control_characters, web._length(question)])


def test_choices_store_what_the_web_form_stores(branching):
    for question_id in ("supported", "role"):
        question = branching.question(question_id)
        for option in question.options:
            stored = web.answer_type(question).to_stored(question, str(option.value))
            assert _import(question, str(option.value))[:2] == stored
    supported = branching.question("supported")
    assert _import(supported, 2.0)[:2] == ("2", 2.0)  # a number cell in Excel
    assert _import(supported, "4")[2] == "\u20184\u2019 is not an allowed answer: enter 1, 2 or 3"


@pytest.mark.parametrize(
    ("typed", "answer"),
    [("yes", "yes"), ("No", "no"), ("TRUE", "yes"), (False, "no"), ("1", "yes"), (0.0, "no")],
)
def test_yes_no_accepts_the_usual_spellings(branching, typed, answer):
    question = branching.question("has_policy")
    assert _import(question, typed)[:2] == web._yes_no_stored(question, answer)


def test_yes_no_refuses_others(branching):
    problem = _import(branching.question("has_policy"), "maybe")[2]
    assert "is not an answer to a yes or no question" in problem


def test_multiple_choice_is_split_on_semicolons_in_option_order(branching):
    question = branching.question("activities")
    stored = web._multiple_stored(question, ["walks", "other"])
    assert _import(question, "other; walks;walks")[:2] == stored
    assert _import(question, " ; ")[:3] == (None, None, None)
    problem = _import(question, "walks,other")[2]
    assert "\u2018walks,other\u2019 is not an allowed answer" in problem
    assert "separated by \u2018;\u2019" in problem


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("2025-02-03", "2025-02-03"),
        ("03/02/2025", "2025-02-03"),
        ("3/2/2025", "2025-02-03"),
        (date(2025, 2, 3), "2025-02-03"),
    ],
)
def test_dates_in_either_form(branching, typed, iso):
    question = branching.question("policy_date")
    assert _import(question, typed)[:2] == web._date_stored(question, date.fromisoformat(iso))


@pytest.mark.parametrize(
    "typed", ["31/02/2025", "2025-13-01", "3 Feb 2025", "20250203", "٢/٢/٢٠٢٥"]
)
def test_impossible_or_unknown_dates_are_refused(branching, typed):
    problem = _import(branching.question("policy_date"), typed)[2]
    assert "must be a real date" in problem and "YYYY-MM-DD or DD/MM/YYYY" in problem


@pytest.mark.parametrize("typed", ["9999-12-31", "31/12/1899", "0026-01-01"])
def test_dates_outside_the_years_a_form_takes_are_refused(branching, typed):
    problem = _import(branching.question("policy_date"), typed)[2]
    assert problem.endswith("must be in a year from 1900 to 2200")


def test_control_characters_are_refused_in_any_column(branching):
    for question_id in ("role", "comments", "team_size"):
        assert _import(branching.question(question_id), "ab\x00c")[2] == CONTROL_MESSAGE


def test_text_is_normalised_and_trimmed_and_formulas_stay_text(branching):
    question = branching.question("comments")
    assert _import(question, "  Cafe\u0301  ")[0] == "Café"
    assert _import(question, "=cmd|' /C calc'!A0")[:3] == ("=cmd|' /C calc'!A0", None, None)
    assert _import(question, "x" * 31)[2] == question.message("too_long")


def test_typed_values_are_what_the_web_form_gives_conditions(branching):
    cases = {
        "team_size": "12",
        "spend": "12.5",
        "has_policy": "yes",
        "activities": "walks;other",
        "policy_date": "2025-02-03",
        "supported": "3",
        "role": "staff",
        "comments": "Fine",
    }
    for question_id, typed in cases.items():
        question = branching.question(question_id)
        text, number, problem = _import(question, typed)
        assert problem is None
        expected = web.answer_type(question).typed(question, text, number)
        assert typed_value(question, text, number) == expected
