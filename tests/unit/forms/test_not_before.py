"""A page's form refuses a date before its not_before date, with one message per problem."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from svcollect.forms.builder import page_form
from svcollect.questionnaires import Questionnaire
from svcollect.services.questionnaires import registry
from tests.conftest import make_config

TOO_EARLY = "The date this reporting period ends must be the same as or after the date it starts"
START_REQUIRED = "Enter the date this reporting period starts"
START_INVALID = "The date this reporting period starts must be a real date"
END_REQUIRED = "Enter the date this reporting period ends"
END_INVALID = "The date this reporting period ends must be a real date"
# the file gives no "year" message: the default names the question
START_YEAR = (
    "Your answer to \u2018When does this reporting period start?\u2019"
    " must include a year with 4 numbers"
)
END_YEAR = (
    "Your answer to \u2018When does this reporting period end?\u2019"
    " must include a year with 4 numbers"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from svcollect import create_app

    folder = tmp_path_factory.mktemp("forms")
    return create_app(
        make_config(f"sqlite:///{folder / 'unused.sqlite3'}", folder, WTF_CSRF_ENABLED=False)
    )


def _errors(
    app: Flask, start: list[str], end: list[str], version: int = 2, hide_start: bool = False
) -> dict[str, list[str]]:
    """The errors of the period page posted with these day, month and year boxes."""
    with app.test_request_context(
        "/", method="POST", data={"period_start": start, "period_end": end}
    ):
        questionnaire: Questionnaire = registry().get("delivery-return", version)
        page = questionnaire.page("period")
        visible = [q for q in page.questions if not (hide_start and q.id == "period_start")]
        form: Any = page_form(questionnaire, page, visible, {})
        form.validate()
        return {name: list(errors) for name, errors in form.errors.items()}


@pytest.mark.parametrize("version", [1, 2])
def test_an_end_before_the_start_gets_the_too_early_message(app: Flask, version: int) -> None:
    # v1's file leaves the rule to the service layer, which adds it (services/questionnaires).
    errors = _errors(app, ["1", "4", "2026"], ["31", "3", "2026"], version)
    assert errors == {"period_end": [TOO_EARLY]}


@pytest.mark.parametrize(
    "end", [["1", "4", "2026"], [" 01 ", "04", "2026"], ["30", "6", "2026"], ["1", "1", "2027"]]
)
def test_the_same_day_or_later_is_accepted(app: Flask, end: list[str]) -> None:
    assert _errors(app, ["1", "4", "2026"], end) == {}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (["", "", ""], ["31", "3", "2026"], {"period_start": [START_REQUIRED]}),
        (["31", "2", "2026"], ["31", "3", "2026"], {"period_start": [START_INVALID]}),
        (["1", "4", "26"], ["31", "3", "2026"], {"period_start": [START_YEAR]}),
        (["1", "4", "2026"], ["31", "3", "27"], {"period_end": [END_YEAR]}),
        (["", "4", "2026"], ["31", "3", "2026"], {"period_start": [START_INVALID]}),
        (["1", "4", "2026"], ["", "", ""], {"period_end": [END_REQUIRED]}),
        (["1", "4", "2026"], ["31", "2", "2026"], {"period_end": [END_INVALID]}),
        (
            ["", "", ""],
            ["31", "2", "2026"],
            {"period_start": [START_REQUIRED], "period_end": [END_INVALID]},
        ),
    ],
)
def test_a_missing_or_unreal_date_gets_only_its_own_message(
    app: Flask, start: list[str], end: list[str], expected: dict[str, list[str]]
) -> None:
    assert _errors(app, start, end) == expected


def test_a_start_left_out_of_the_post_gets_only_the_required_message(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={"period_end": ["31", "3", "2026"]}):
        questionnaire = registry().get("delivery-return", 2)
        page = questionnaire.page("period")
        # Saved answers fill the form first; a forged post that leaves the start out must
        # not be compared with the start saved earlier.
        saved = {"period_start": ("2026-04-01", None), "period_end": ("2026-06-30", None)}
        form: Any = page_form(questionnaire, page, list(page.questions), saved)
        form.validate()
        assert form.errors == {"period_start": [START_REQUIRED]}


def test_an_earlier_date_not_on_the_form_is_no_answer(app: Flask) -> None:
    assert _errors(app, ["1", "4", "2026"], ["31", "3", "2026"], hide_start=True) == {}
