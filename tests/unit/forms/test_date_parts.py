"""A date that is not real points at the box that is wrong: the error summary links to it
and only that box is shown in error (GOV.UK date input)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask, render_template_string

from svcollect.forms.base import Form
from svcollect.forms.dates import DateGiven, GovDateField, wrong_part
from svcollect.forms.render import error_href
from svcollect.forms.widgets import GovDateInput
from tests.conftest import make_config


class _DateForm(Form):
    closes_on = GovDateField(
        "Closes on", validators=[DateGiven("Enter the date it closes")], widget=GovDateInput()
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from svcollect import create_app

    folder = tmp_path_factory.mktemp("dates")
    return create_app(
        make_config(f"sqlite:///{folder / 'unused.sqlite3'}", folder, WTF_CSRF_ENABLED=False)
    )


@pytest.mark.parametrize(
    ("boxes", "part"),
    [
        (("1", "13", "2026"), "month"),
        (("1", "0", "2026"), "month"),
        (("1", "", "2026"), "month"),
        (("1", "May", "2026"), "month"),
        (("32", "1", "2026"), "day"),
        (("", "1", "2026"), "day"),
        (("31", "4", "2026"), "day"),  # each box fine by itself: April has no 31st
        (("29", "2", "2025"), "day"),
        (("32", "13", "2026"), "day"),  # both wrong: the first
        (("1", "1", ""), "year"),
        (("1", "1", "26"), "year"),
        (("1", "1", "twenty"), "year"),
        (("²", "1", "2026"), "day"),  # a digit int() cannot read
    ],
)
def test_the_wrong_box_is_found(boxes: tuple[str, str, str], part: str) -> None:
    assert wrong_part(*boxes) == part


def _page(app: Flask, boxes: list[str]) -> tuple[Any, str]:
    with app.test_request_context("/", method="POST", data={"closes_on": boxes}):
        form = _DateForm()
        form.validate()
        html = render_template_string(
            '{% from "_errors.html" import error_summary %}{{ error_summary(form) }}'
            "{{ form.closes_on() }}",
            form=form,
        )
        return form, html


def _boxes_in_error(html: str) -> set[str]:
    boxes = set()
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'id="closes_on-(\w+)"', tag)
        if name and "govuk-input--error" in tag:
            boxes.add(name[1])
    return boxes


@pytest.mark.parametrize(
    ("boxes", "part", "message"),
    [
        (["1", "13", "2026"], "month", "Enter a real date"),
        (["1", "1", "26"], "year", "Year must include 4 numbers"),
        (["1", "1", "9999"], "year", "Closes on must be in a year from 1900 to 2200"),
        (["32", "1", "2026"], "day", "Enter a real date"),
    ],
)
def test_the_summary_links_to_the_wrong_box_and_only_it_is_in_error(
    app: Flask, boxes: list[str], part: str, message: str
) -> None:
    form, html = _page(app, boxes)
    assert form.errors == {"closes_on": [message]}
    assert f'href="#closes_on-{part}"' in html
    assert _boxes_in_error(html) == {part}


def test_a_date_wrong_as_a_whole_links_to_the_day_with_every_box_in_error(app: Flask) -> None:
    # A service's refusal (closing before opening) is about the date, not one box of it.
    with app.test_request_context("/", method="POST", data={"closes_on": ["1", "5", "2026"]}):
        form = _DateForm()
        assert form.validate()
        form.closes_on.errors = ["The closing date must be the same as or after the opening date"]
        html = render_template_string(
            '{% from "_errors.html" import error_summary %}{{ error_summary(form) }}'
            "{{ form.closes_on() }}",
            form=form,
        )
    assert 'href="#closes_on-day"' in html
    assert _boxes_in_error(html) == {"day", "month", "year"}


def test_nothing_typed_links_to_the_day(app: Flask) -> None:
    form, html = _page(app, ["", "", ""])
    assert form.errors == {"closes_on": ["Enter the date it closes"]}
    assert 'href="#closes_on-day"' in html


def test_error_href_keeps_its_old_calls() -> None:
    assert error_href("date", "due_on") == "#due_on-day"
    assert error_href("date", "due_on", "month") == "#due_on-month"
    assert error_href("number", "target") == "#target"


@pytest.mark.parametrize(
    ("month", "number"),
    [("March", 3), ("mar", 3), ("MAR.", 3), ("Sept", 9), ("sep", 9), ("december", 12)],
)
def test_a_month_typed_as_its_name_is_read(app: Flask, month: str, number: int) -> None:
    # GOV.UK's date input pattern: accept "mar" and "March" as well as 3.
    form, _ = _page(app, ["1", month, "2026"])
    assert form.errors == {}
    assert form.closes_on.data == date(2026, number, 1)


def test_a_month_name_misspelt_points_at_the_month(app: Flask) -> None:
    form, html = _page(app, ["1", "Marchh", "2026"])
    assert form.errors == {"closes_on": ["Enter a real date"]}
    assert 'href="#closes_on-month"' in html
    assert 'value="Marchh"' in html  # what was typed is kept
