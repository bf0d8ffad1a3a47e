"""The memorable-code form checks each answer on its own field, as memorable_code reads it."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcollect.forms.respondent import MemorableCodeForm
from svcollect.services.respondent_codes import memorable_code
from tests.conftest import make_config

GOOD = {"parent_initials": "ma", "birth_day": "7", "town_letters": "ds"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from svcollect import create_app

    folder = tmp_path_factory.mktemp("memorable")
    return create_app(make_config(f"sqlite:///{folder / 'unused.sqlite3'}", folder))


def _errors(app: Flask, data: dict[str, str]) -> dict[str, list[str]]:
    with app.test_request_context(method="POST", data=data):
        form = MemorableCodeForm(meta={"csrf": False})
        form.validate()
        return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def test_good_answers_make_a_code(app: Flask) -> None:
    assert _errors(app, GOOD) == {}
    assert _errors(app, {**GOOD, "parent_initials": " m a ", "birth_day": " 07 "}) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_day", "32", "Enter the day of the month you were born as a number from 1 to 31"),
        ("birth_day", "0", "Enter the day of the month you were born as a number from 1 to 31"),
        ("birth_day", "seven", "Enter the day of the month you were born as a number from 1"),
        ("birth_day", "²", "Enter the day of the month you were born as a number from 1 to 31"),
        ("birth_day", "  ", "Enter the day of the month you were born"),
        ("parent_initials", "m1", "Enter 2 letters for your mother's or main carer's first name"),
        ("parent_initials", "mar", "Enter 2 letters for your mother's or main carer's first"),
        ("parent_initials", "", "Enter the first 2 letters of your mother's or main carer's"),
        ("town_letters", "d", "Enter 2 letters for the town or city where you were born, like DS"),
        ("town_letters", "", "Enter the last 2 letters of the town or city where you were born"),
    ],
)
def test_each_answer_gets_its_own_message_on_its_own_field(
    app: Flask, field: str, value: str, message: str
) -> None:
    errors = _errors(app, {**GOOD, field: value})
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)


def test_every_wrong_answer_is_named_at_once(app: Flask) -> None:
    errors = _errors(app, {"parent_initials": "m1", "birth_day": "32", "town_letters": "d"})
    assert list(errors) == ["parent_initials", "birth_day", "town_letters"]


# Text as people type it: letters (some that change when capitalised or composed), digits
# (some int() cannot read), spaces and marks; no control characters (refused by themselves).
_TYPED = st.text(alphabet=st.sampled_from(list("aBßŵ\u0302W7 0²٣-'.\u00a0")), max_size=5)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initials=_TYPED, day=_TYPED, town=_TYPED)
def test_the_form_accepts_exactly_what_makes_a_code(
    app: Flask, initials: str, day: str, town: str
) -> None:
    data = {"parent_initials": initials, "birth_day": day, "town_letters": town}
    with app.test_request_context(method="POST", data=data):
        form = MemorableCodeForm(meta={"csrf": False})
        valid = form.validate()
        code = memorable_code(
            form.parent_initials.data or "", form.birth_day.data or "", form.town_letters.data or ""
        )
    # The view makes the code from a valid form: it never needs a message of its own.
    assert valid == (code is not None), (form.errors, code)
