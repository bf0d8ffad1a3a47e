"""Fixed respondent forms: consent and respondent code."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Regexp

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
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


def _prompt(label: str, hint: str, message: str, width: int) -> Any:
    return CleanStringField(
        label,
        description=hint,
        validators=[
            InputRequired(message=message),
            _no_control_characters,
            Length(max=width, message=message),
        ],
        widget=GovTextInput(),
    )


class MemorableCodeForm(Form):
    parent_initials = _prompt(
        _l("First 2 letters of your mother's or main carer's first name"),
        _l("For example, for Margaret enter MA"),
        _l("Enter 2 letters"),
        2,
    )
    birth_day = _prompt(
        _l("Day of the month you were born"),
        _l("For example, 07"),
        _l("Enter the day of the month you were born, from 1 to 31"),
        2,
    )
    town_letters = _prompt(
        _l("Last 2 letters of the town or city where you were born"),
        _l("For example, for Leeds enter DS"),
        _l("Enter 2 letters"),
        2,
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class SubmitForm(Form):
    submit = SubmitField(_l("Submit your answers"), widget=GovSubmitInput())


class PageSubmitForm(Form):
    """Only the CSRF token; used to check a page POST's token before building its form."""


class WithdrawOwnForm(Form):
    submit = SubmitField(_l("Delete my answers"), widget=GovSubmitInput())
