"""Fixed forms for contract managers: contracts, collections, suppliers, commitments, review."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from svcollect.forms.answer_types import CleanStringField, _no_control_characters
from svcollect.forms.base import Form, OnceForm
from svcollect.forms.dates import DateGiven, GovDateField
from svcollect.forms.widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from svcollect.imports.rules import PLAIN_NUMBER


class _AsWritten:
    """A number people type as they write it: separators (and a £) are dropped first, and
    anything that is still not a number gets ``message``, a GOV.UK one, not WTForms'."""

    ignored: tuple[str, ...] = (",",)
    message: Any = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str):
            text = valuelist[0]
            for character in self.ignored:
                text = text.replace(character, "")
            valuelist = [text.strip()]
            if valuelist[0] and not PLAIN_NUMBER.fullmatch(valuelist[0]):
                raise ValueError(self.message)  # "1e3", "NaN": not as people write numbers
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            raise ValueError(self.message) from None


class AmountField(_AsWritten, DecimalField):
    """A number people type as they write it: "£2,500,000" or "12.5"."""

    ignored = (",", "£")
    message = _l("Enter a number, like 2,500 or 12.5")


def _text(label: Any, max_length: int, message: Any, **kwargs: Any) -> Any:
    return CleanStringField(
        label,
        validators=[
            DataRequired(message=message),  # after stripping: spaces alone are not an answer
            _no_control_characters,
            Length(
                max=max_length,
                message=_l(
                    "%(label)s must be %(n)d characters or fewer", label=label, n=max_length
                ),
            ),
        ],
        widget=GovTextInput(),
        **kwargs,
    )


def _date(label: Any, message: Any, invalid: Any, year: Any, year_range: Any) -> Any:
    return GovDateField(
        label,
        description=_l("For example, 27 3 2026"),
        validators=[DateGiven(message)],
        widget=GovDateInput(),
        format="%d %m %Y",
        invalid_message=invalid,
        year_message=year,
        year_range_message=year_range,
    )


class ContractForm(OnceForm):
    reference = _text(_l("Contract reference"), 100, _l("Enter the contract reference"))
    title = _text(_l("Contract title"), 300, _l("Enter the contract title"))
    buyer_id = SelectField(
        _l("Buying organisation"),
        coerce=int,
        validators=[InputRequired(message=_l("Select the buying organisation"))],
        widget=GovSelect(),
    )
    prime_supplier_id = SelectField(
        _l("Prime supplier"), coerce=int, validators=[Optional()], widget=GovSelect()
    )
    starts_on = _date(
        _l("Start date"),
        _l("Enter the start date"),
        _l("Start date must be a real date"),
        _l("Start date must include a year with 4 numbers"),
        _l("Start date must be in a year from 1900 to 2200"),
    )
    ends_on = _date(
        _l("End date"),
        _l("Enter the end date"),
        _l("End date must be a real date"),
        _l("End date must include a year with 4 numbers"),
        _l("End date must be in a year from 1900 to 2200"),
    )
    value_gbp = AmountField(
        _l("Contract value in pounds"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, message=_l("Enter a value of £0 or more")),
            NumberRange(max=10**12, message=_l("Enter a value of £1,000,000,000,000 or less")),
        ],
        widget=GovTextInput(),
    )
    outcome_codes = SelectMultipleField(
        _l("Social Value Model outcomes the contract targets"),
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField(_l("Add contract"), widget=GovSubmitInput())


def read_version(form: Any) -> int | None:
    """The version a change form was read at, from its hidden `version` field (None when
    it carries none, or not a number: only a forged or very old page sends that)."""
    value = (form.version.data or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


class ContractChangeForm(ContractForm):
    """Every term but the buyer, which decides who owns the contract."""

    buyer_id = None
    #: the contract's version when the page was shown (services.contracts.check_version)
    version = HiddenField()
    deletion_confirmed = BooleanField(
        _l("Yes, delete the survey answers at the next daily run"), widget=GovCheckboxInput()
    )
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())


class CollectionForm(OnceForm):
    questionnaire = SelectField(
        _l("Questionnaire"),
        validators=[InputRequired(message=_l("Select a questionnaire"))],
        widget=GovSelect(),
    )
    audience = RadioField(
        _l("Who answers"),
        choices=[
            ("workforce", _l("The contract's workforce")),
            ("community", _l("Community beneficiaries")),
            ("supplier", _l("Suppliers (signed in)")),
        ],
        validators=[InputRequired(message=_l("Select who answers"))],
        widget=GovRadioInput(),
    )
    wave = RadioField(
        _l("Wave"),
        choices=[
            ("baseline", _l("Baseline")),
            ("follow_up", _l("Follow-up")),
            ("annual", _l("Annual")),
        ],
        validators=[InputRequired(message=_l("Select the wave"))],
        widget=GovRadioInput(),
    )
    access = RadioField(
        _l("How people reach it"),
        choices=[
            ("open", _l("One open link for everyone")),
            ("invitation", _l("Single-use invitation links")),
        ],
        validators=[Optional()],
        widget=GovRadioInput(),
    )
    label = _text(_l("Name for this collection"), 200, _l("Enter a name for this collection"))
    opens_on = _date(
        _l("Opens on"),
        _l("Enter the date it opens"),
        _l("The opening date must be a real date"),
        _l("The opening date must include a year with 4 numbers"),
        _l("The opening date must be in a year from 1900 to 2200"),
    )
    closes_on = _date(
        _l("Closes on"),
        _l("Enter the date it closes"),
        _l("The closing date must be a real date"),
        _l("The closing date must include a year with 4 numbers"),
        _l("The closing date must be in a year from 1900 to 2200"),
    )
    submit = SubmitField(_l("Open collection"), widget=GovSubmitInput())


class WholeNumberField(_AsWritten, IntegerField):
    """A whole number people type as they write it ("1,200")."""

    message = _l("Enter a whole number, like 50")


class InvitationsForm(OnceForm):
    count = WholeNumberField(
        _l("How many invitation links?"),
        validators=[
            InputRequired(message=_l("Enter how many invitation links you need")),
            NumberRange(min=1, max=10000, message=_l("Enter a number from 1 to 10,000")),
        ],
        widget=GovTextInput(),
    )
    submit = SubmitField(_l("Create links"), widget=GovSubmitInput())


class ConfirmForm(Form):
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class RemoveCommitmentForm(ConfirmForm):
    #: the commitment's version when the page was shown (services.contracts.check_version)
    version = HiddenField()


class WithdrawForm(Form):
    given = _text(
        _l("Reference or respondent code"),
        40,
        _l("Enter the reference or respondent code the respondent gave you"),
        description=_l(
            "The reference is on the confirmation page they saw, like SV-4K7Q2M9B. A respondent "
            "code looks like 7KQ-2MB-9XD. For a code made from memorable answers, type M, the "
            "two initials, the day and the two letters, like M:AB07CD."
        ),
    )
    submit = SubmitField(_l("Find their answers"), widget=GovSubmitInput())


class ConfirmWithdrawForm(Form):
    #: what the manager entered on the first page, sent back to find the responses again
    given = HiddenField(validators=[InputRequired(), Length(max=40)])
    submit = SubmitField(_l("Delete these answers"), widget=GovSubmitInput())


class SupplierForm(OnceForm):
    organisation_id = SelectField(
        _l("Supplier"),
        coerce=int,
        validators=[InputRequired(message=_l("Select a supplier"))],
        widget=GovSelect(),
    )
    submit = SubmitField(_l("Add supplier"), widget=GovSubmitInput())


class CommitmentForm(OnceForm):
    measure_code = SelectField(
        _l("Measure"),
        validators=[InputRequired(message=_l("Select a measure"))],
        widget=GovSelect(),
    )
    target = AmountField(
        _l("Target"),
        places=2,
        validators=[
            InputRequired(message=_l("Enter the target")),
            NumberRange(min=0, message=_l("Enter a target of 0 or more")),
            NumberRange(max=10**12, message=_l("Enter a target of 1,000,000,000,000 or less")),
        ],
        widget=GovTextInput(),
    )
    due_on = _date(
        _l("Due date"),
        _l("Enter the due date"),
        _l("Due date must be a real date"),
        _l("Due date must include a year with 4 numbers"),
        _l("Due date must be in a year from 1900 to 2200"),
    )
    submit = SubmitField(_l("Add commitment"), widget=GovSubmitInput())


class CommitmentChangeForm(CommitmentForm):
    #: the commitment's version when the page was shown (services.contracts.check_version)
    version = HiddenField()
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())


class ReviewForm(OnceForm):
    """One decision on one standard, saved once however often it is sent."""

    #: how many entries the standard's history had when the page was shown
    #: (services.declarations.review_standard)
    version = HiddenField()

    decision = RadioField(
        _l("Your decision"),
        choices=[
            ("accepted", _l("Accept: the evidence shows the standard is met")),
            ("queried", _l("Query: ask the supplier a question or for more evidence")),
            ("rejected", _l("Reject: the evidence does not show the standard is met")),
        ],
        validators=[InputRequired(message=_l("Select accept, query or reject"))],
        widget=GovRadioInput(),
    )
    comment = TextAreaField(
        _l("Comment for the supplier"),
        description=_l("Needed when you query or reject"),
        validators=[
            Optional(),
            _no_control_characters,
            Length(max=2000, message=_l("Comment must be 2,000 characters or fewer")),
        ],
        widget=GovCharacterCount(),
    )
    submit = SubmitField(_l("Save decision"), widget=GovSubmitInput())


class LicenceForm(Form):
    licence_ref = _text(
        _l("WEMWBS licence reference"), 200, _l("Enter your WEMWBS licence reference")
    )
    #: the organisation's version when the page was shown (services.contracts.check_version)
    version = HiddenField()
    submit = SubmitField(_l("Save licence reference"), widget=GovSubmitInput())
