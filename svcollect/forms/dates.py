"""Day/month/year dates on forms: the field, "was a date given", and one date on or after
another (a questionnaire's ``not_before``). Used by question pages and staff forms alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext
from wtforms import Field
from wtforms.fields import DateField
from wtforms.validators import StopValidation, ValidationError

from svcollect.questionnaires import Question
from svcollect.questionnaires.messages import FIRST_YEAR, LAST_YEAR

#: month names and their usual short forms, as people type them in the month box
_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3])
} | {"sept": 9}


def month_number(text: str) -> str:
    """The month box as a number: "March", "mar" and "Mar." are "3"; anything else as typed."""
    number = _MONTHS.get(text.strip().rstrip(".").casefold())
    return str(number) if number else text


def wrong_part(day: str, month: str, year: str) -> str:
    """Which box of a date that is not real to point at: the first that is wrong by
    itself (blank, not a number, a 13th month, a 2-figure year), else the day (31 April)."""
    # isdecimal, not isdigit: "²" is a digit that int() cannot read
    for part, text, low, high in (("day", day, 1, 31), ("month", month, 1, 12)):
        if not text.isdecimal() or not low <= int(text) <= high:
            return part
    if not year.isdecimal() or len(year) != 4:
        return "year"
    return "day"


class GovDateField(DateField):
    """A day/month/year date that tolerates forged bodies with the wrong number of parts.

    ``invalid_message`` replaces "Enter a real date" (a questionnaire's own wording),
    ``year_message`` "Year must include 4 numbers" and ``year_range_message`` the message
    for a year before 1900 or after 2200 (by default it names the date by its label): a
    page with two dates says which one.
    ``wrong_part`` names the box its own error is about ("day", "month" or "year"), so
    the error summary links to that box; None when the date as a whole is wrong.
    """

    wrong_part: str | None = None

    def __init__(
        self,
        *args: Any,
        invalid_message: str | None = None,
        year_message: str | None = None,
        year_range_message: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message
        self.year_message = year_message
        self.year_range_message = year_range_message

    def gettext(self, string: str) -> str:
        if string == "Enter a real date" and self.invalid_message:
            return self.invalid_message
        return super().gettext(string)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.wrong_part = None
        if not valuelist:
            # Posted without the date at all (only posts reach here): three blank boxes,
            # which is what the widget unpacks when the page is shown again.
            self.raw_data = ["", "", ""]
            return
        if len(valuelist) != 3 or not all(isinstance(v, str) for v in valuelist):
            self.raw_data = ["", "", ""]
            self.data = None
            raise ValueError(self.gettext("Enter a real date"))
        self.raw_data = [v.strip() for v in valuelist]
        if not any(self.raw_data):
            self.data = None
            return
        numbers = [self.raw_data[0], month_number(self.raw_data[1]), self.raw_data[2]]
        try:
            day, month, year = (int(v) for v in numbers)
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            self.wrong_part = wrong_part(*numbers)
            raise ValueError(self.gettext("Enter a real date")) from None
        if len(self.raw_data[2].lstrip("+")) != 4:
            self.data = None  # "26" is not 2026: the year 26 would be stored
            self.wrong_part = "year"
            raise ValueError(self.year_message or gettext("Year must include 4 numbers"))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            self.data = None  # 9999 is a real date, but a day after it is not
            self.wrong_part = "year"
            raise ValueError(
                self.year_range_message
                or gettext(
                    "%(date)s must be in a year from %(first)d to %(last)d",
                    date=self.label.text,
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )


class DateGiven:
    """InputRequired or Optional for a day/month/year date: given when any box is filled.

    WTForms' own validators look at the first box only, so a date typed without its day
    counted as no answer: on an optional question the month and year typed were dropped
    without a word, on a required one the error said to enter the date.
    """

    def __init__(self, message: str | None) -> None:
        self.message = message  # None: the date may be left out

    def __call__(self, form: Any, field: Field) -> None:
        if any(isinstance(v, str) and v.strip() for v in field.raw_data or []):
            return  # checked by GovDateField: a real date, or its error stays
        field.errors[:] = []
        raise StopValidation(self.message or "")


def not_before(question: Question, message: str) -> Callable[[Any, Field], None]:
    """``not_before``: the date is on or after the earlier date on the same page.

    Only two real dates are compared: a date left out or not real keeps its own message,
    never this one as well (GovDateField holds no data for a date that is not real). A
    hidden earlier question is not on the form, so there is nothing to compare with.
    """

    def check(form: Any, field: Field) -> None:
        earlier = question.not_before
        if earlier is None or earlier not in form:
            return
        other = form[earlier]
        typed = any(isinstance(v, str) and v.strip() for v in other.raw_data or [])
        if not typed or other.process_errors:
            return  # left out or not a real date: its own message says so
        if question.too_early({question.id: field.data, earlier: other.data}):
            raise ValidationError(message)

    return check
