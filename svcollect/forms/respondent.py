"""Fixed respondent forms: consent and respondent code."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from svcollect.forms.answer_types import CleanStringField, _no_control_characters
from svcollect.forms.base import Form
from svcollect.forms.widgets import GovRadioInput, GovSubmitInput, GovTextInput

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class ConsentForm(Form):
    consent = RadioField(
        _l("Do you agree to take part?"),
        choices=[
            SelectChoice("yes", _l("Yes, I agree to take part")),
            SelectChoice("no", _l("No, I do not want to take part")),
        ],
        validators=[InputRequired(message=_l("Select whether you agree to take part"))],
        widget=GovRadioInput(),
    )
    idempotency_key = HiddenField(
        validators=[
            InputRequired(message=_l("Start again from your survey link")),
            Regexp(IDEMPOTENCY_KEY, message=_l("Start again from your survey link")),
        ]
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class CodeChoiceForm(Form):
    choice = RadioField(
        _l("Do you have a respondent code?"),
        description=_l(
            "A code lets us compare your answers now with your answers in a later survey "
            "without knowing who you are."
        ),
        choices=[
            SelectChoice("new", _l("No, give me a new code")),
            SelectChoice("enter", _l("Yes, I have a code from an earlier survey")),
            SelectChoice("memorable", _l("Make a code from answers only I would know")),
        ],
        validators=[InputRequired(message=_l("Select how you want to get your respondent code"))],
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class EnterCodeForm(Form):
    code = CleanStringField(
        _l("Enter your respondent code"),
        description=_l("It is 9 letters and numbers, for example 7KQ-2MX-9PD"),
        validators=[
            InputRequired(message=_l("Enter your respondent code")),
            _no_control_characters,
            Length(max=40, message=_l("Enter the code exactly as it was shown to you")),
        ],
        widget=GovTextInput(),
    )
    #: the code the respondent was told no earlier survey gave: sent again, it is used
    checked = HiddenField()
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


def _letters(message: Any) -> Callable[[Any, Field], None]:
    """Exactly 2 letters, spaces not counted (as services.respondent_codes.memorable_code
    reads them: "m a" is MA, "Ŵ" typed as W and a combining accent is one letter, "ß" is
    SS and so 2 letters by itself)."""

    def check(form: Any, field: Field) -> None:
        letters = re.sub(r"\s", "", unicodedata.normalize("NFC", field.data or "")).upper()
        if not (letters.isalpha() and len(letters) == 2):
            raise ValidationError(str(message))

    return check


def _day_of_month(message: Any) -> Callable[[Any, Field], None]:
    """A day from 1 to 31, as memorable_code reads it ("07" and "7" are the same day)."""

    def check(form: Any, field: Field) -> None:
        text = (field.data or "").strip()
        # isdecimal, not isdigit: "²" is a digit that int() cannot read
        if not (text.isdecimal() and 1 <= int(text) <= 31):
            raise ValidationError(str(message))

    return check


def _prompt(label: Any, hint: Any, missing: Any, check: Callable[[Any, Field], None]) -> Any:
    return CleanStringField(
        label,
        description=hint,
        validators=[
            DataRequired(message=missing),  # after stripping: spaces alone are not an answer
            _no_control_characters,
            check,
        ],
        widget=GovTextInput(),
    )


class MemorableCodeForm(Form):
    """Each answer is checked on its own, with its own message on its own field; a form
    that validates always makes a code (tests/unit/forms/test_memorable_code_form.py)."""

    parent_initials = _prompt(
        _l("First 2 letters of your mother's or main carer's first name"),
        _l("For example, for Margaret enter MA"),
        _l("Enter the first 2 letters of your mother's or main carer's first name"),
        _letters(_l("Enter 2 letters for your mother's or main carer's first name, like MA")),
    )
    birth_day = _prompt(
        _l("Day of the month you were born"),
        _l("For example, 07"),
        _l("Enter the day of the month you were born"),
        _day_of_month(_l("Enter the day of the month you were born as a number from 1 to 31")),
    )
    town_letters = _prompt(
        _l("Last 2 letters of the town or city where you were born"),
        _l("For example, for Leeds enter DS"),
        _l("Enter the last 2 letters of the town or city where you were born"),
        _letters(_l("Enter 2 letters for the town or city where you were born, like DS")),
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class SubmitForm(Form):
    submit = SubmitField(_l("Submit your answers"), widget=GovSubmitInput())


class PageSubmitForm(Form):
    """Only the CSRF token; used to check a page POST's token before building its form."""


class WithdrawOwnForm(Form):
    submit = SubmitField(_l("Delete my answers"), widget=GovSubmitInput())


class RemoveFileForm(Form):
    submit = SubmitField(_l("Remove file"), widget=GovSubmitInput())
